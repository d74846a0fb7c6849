package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	errorv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/error/v2"
	"github.com/sessionkit/zitadel-session-go/internal/validate"
	"github.com/sessionkit/zitadel-session-go/session"
)

// rpcError is the decoded form of a failed call: Zitadel's error id and
// message, and the failed-attempts count of a credential check.
type rpcError struct {
	code           connect.Code
	id             string
	message        string
	failedAttempts int
}

// Zitadel error ids that decide the exit code beyond the status code.
var (
	authIDs = map[string]bool{
		// wrong secret
		"COMMAND-3M0fs": true, "EVENT-8isk2": true, "CODE-woT0xc": true, "DOMAIN-6uvh0": true,
		"WEBAU-3M9si": true, "WEBAU-ADgv4": true, "COMMAND-Aej7i": true,
		"CRYPTO-Sfefs": true, "CRYPTO-Swg31": true, "CRYPTO-Sf4gt": true, "CRYPTO-CRYPTO": true,
		// locked / not active user
		"COMMAND-JLK35": true, "COMMAND-SFA3t": true, "COMMAND-SF3fg": true, "COMMAND-S6h4R": true,
		"COMMAND-2w6oa": true, "COMMAND-ASV12": true, "SESSION-Gj4ko": true,
		// expired or used codes and intents
		"CODE-QvUQ4P": true, "COMMAND-Df4bw": true, "COMMAND-SAf42": true, "COMMAND-O8xk3w": true,
		// no membership: reported as NOT_FOUND by Zitadel, but a permission problem
		"AUTHZ-cdgFk": true,
	}
)

// decodeRPCError extracts Zitadel's error details from err.
func decodeRPCError(err error) (*rpcError, bool) {
	var se *session.Error
	if errors.As(err, &se) {
		return &rpcError{code: se.Code, id: se.ID, message: se.Message, failedAttempts: se.FailedAttempts}, true
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil, false
	}
	re := &rpcError{code: ce.Code(), message: ce.Message()}
	for _, d := range ce.Details() {
		switch d.Type {
		case "zitadel.v1.CredentialsCheckError":
			var m zitadelv1.CredentialsCheckError
			if proto.Unmarshal(d.Value, &m) == nil {
				re.id, re.message, re.failedAttempts = m.GetId(), m.GetMessage(), int(m.GetFailedAttempts())
			}
		case "zitadel.v1.ErrorDetail":
			var m zitadelv1.ErrorDetail
			if proto.Unmarshal(d.Value, &m) == nil {
				re.id, re.message = m.GetId(), m.GetMessage()
			}
		case "zitadel.error.v2.ErrorDetail":
			var m errorv2.ErrorDetail
			if proto.Unmarshal(d.Value, &m) == nil {
				re.id, re.message = m.GetSlug(), m.GetMessage()
			}
		}
	}
	// Without a detail the wire message may still end in " (<id>)".
	if re.id == "" {
		if i := strings.LastIndex(re.message, " ("); i >= 0 && strings.HasSuffix(re.message, ")") {
			re.id = re.message[i+2 : len(re.message)-1]
			re.message = re.message[:i]
		}
	} else {
		re.message = strings.TrimSuffix(re.message, " ("+re.id+")")
	}
	return re, true
}

// classifyRPC maps a failed call (or a local validation failure) to an exit
// code and a one-line message.
func classifyRPC(err error) (int, string, bool) {
	var ve *validate.Error
	if errors.As(err, &ve) {
		return exitInvalid, "invalid request: " + ve.Error(), true
	}
	if code, msg, ok := classifyConnFailure(err); ok {
		return code, msg, true
	}
	re, ok := decodeRPCError(err)
	if !ok {
		return 0, "", false
	}
	msg := re.message
	if msg == "" {
		msg = re.code.String()
	}
	if re.id != "" {
		msg += " (" + re.id + ")"
	}
	if re.failedAttempts > 0 {
		msg += fmt.Sprintf(", failed attempts: %d", re.failedAttempts)
	}
	var code int
	switch {
	case authIDs[re.id]:
		code = exitAuth
	case re.code == connect.CodeUnauthenticated, re.code == connect.CodePermissionDenied:
		code = exitAuth
	case re.code == connect.CodeNotFound:
		code = exitNotFound
	case re.code == connect.CodeInvalidArgument, re.code == connect.CodeOutOfRange:
		code = exitInvalid
	case re.code == connect.CodeUnavailable, re.code == connect.CodeDeadlineExceeded:
		code = exitConn
	default:
		code = exitOther
	}
	return code, msg, true
}

// classifyConnFailure recognizes errors of reaching the server at all.
func classifyConnFailure(err error) (int, string, bool) {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return exitConn, "cannot connect to the server: connection refused (is --url right and the server running?)", true
	case errors.Is(err, context.DeadlineExceeded):
		return exitConn, "the server did not answer in time (see --timeout)", true
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return exitConn, "cannot connect to the server: cannot resolve host " + dnsErr.Name, true
	}
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &unknownCA) || errors.As(err, &hostErr) {
		return exitConn, "cannot connect to the server: its TLS certificate is not trusted (see --ca-file)", true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return exitConn, "cannot connect to the server: " + opErr.Err.Error(), true
	}
	var ce *connect.Error
	if errors.As(err, &ce) && ce.Code() == connect.CodeUnavailable && !ce.IsRemote() {
		return exitConn, "cannot connect to the server: " + firstLine(ce.Message()), true
	}
	return 0, "", false
}

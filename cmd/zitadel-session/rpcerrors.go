package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"syscall"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/session"
)

// classifyRPC maps a failed call (or a local validation failure) to an exit
// code and a one-line message. Zitadel's error ids are classified only by the
// session package's predicates (which use zitadelerr), so the exit code
// follows the same rule as a program using the library.
func classifyRPC(err error) (int, string, bool) {
	var se *session.Error
	if errors.As(err, &se) && se.Local && se.Code == connect.CodeInvalidArgument {
		return exitInvalid, "invalid request: " + se.Message, true
	}
	if code, msg, ok := classifyConnFailure(err); ok {
		return code, msg, true
	}
	if !errors.As(session.WrapError(err), &se) {
		return 0, "", false
	}
	msg := se.Message
	if msg == "" {
		msg = se.Code.String()
	}
	if se.ID != "" {
		msg += " (" + se.ID + ")"
	}
	if se.FailedAttempts > 0 {
		msg += fmt.Sprintf(", failed attempts: %d", se.FailedAttempts)
	}
	var code int
	switch {
	case session.IsInstanceNotFound(se):
		code = exitInstanceNotFound
		msg += ": the host of --url is not a domain of a Zitadel instance; use the instance's domain in --url, " +
			"or name it with --instance-host (ZITADEL_INSTANCE_HOST) when --url is another address"
	case session.IsSessionExpired(se):
		code = exitSessionExpired
	case session.IsSessionTerminated(se):
		code = exitSessionTerminated
	case session.IsAlreadyHandled(se):
		code = exitAlreadyHandled
	case session.IsFactorNotReady(se):
		code = exitFactorNotReady
	case session.IsInvalidCredentials(se), session.IsLocked(se),
		session.IsUnauthenticated(se), session.IsPermissionDenied(se):
		code = exitAuth
	case session.IsNotFound(se):
		code = exitNotFound
	default:
		switch session.CodeOf(se) {
		case connect.CodeInvalidArgument, connect.CodeOutOfRange:
			code = exitInvalid
		case connect.CodeUnavailable, connect.CodeDeadlineExceeded:
			code = exitConn
		default:
			code = exitOther
		}
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

package connerr

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
	"unicode"
)

// Transport reports whether err is a failure to reach a server or to hear
// back from it: canceled, timed out, DNS, connection refused or reset, TLS.
// It returns a one-line reason without text chosen by the server, and the
// part of err's chain that names the failure without any request data
// (e.g. *net.OpError, *net.DNSError, context.DeadlineExceeded), so that
// errors.Is and errors.As keep working on an error that must not carry err
// itself.
func Transport(err error) (reason string, cause error, ok bool) {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recErr tls.RecordHeaderError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled", context.Canceled, true
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time", context.DeadlineExceeded, true
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + Printable(dnsErr.Name), dnsErr, true
	case errors.As(err, &certErr):
		return "its TLS certificate is not trusted: " + Printable(certErr.Err.Error()), certErr, true
	case errors.As(err, &unknownCA):
		return "its TLS certificate is not trusted: " + Printable(unknownCA.Error()), unknownCA, true
	case errors.As(err, &hostErr):
		return "its TLS certificate is not trusted: " + Printable(hostErr.Error()), hostErr, true
	case errors.As(err, &recErr):
		return "the TLS handshake failed (is it a TLS server?)", recErr, true
	case errors.As(err, &opErr):
		switch {
		case errors.Is(opErr, syscall.ECONNREFUSED):
			return "connection refused", opErr, true
		case opErr.Timeout():
			return "no answer in time", opErr, true
		}
		return "cannot connect: " + Printable(opErr.Err.Error()), opErr, true
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time", netErr, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused", syscall.ECONNREFUSED, true
	case errors.Is(err, syscall.ECONNRESET):
		return "the connection was reset", syscall.ECONNRESET, true
	case errors.Is(err, syscall.EPIPE):
		return "the connection was dropped", syscall.EPIPE, true
	}
	return "", nil, false
}

// Printable makes text that may come from the network safe to print on one
// line: control and format characters (C0, C1, DEL, bidi overrides) become
// '?', and it is cut to 200 bytes.
func Printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return '?'
		}
		return r
	}, s)
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}

// OAuthCode keeps an OAuth 2 error code from the network only if it is short
// and uses the characters RFC 6749 section 5.2 allows, else returns
// "invalid", so it can be quoted in an error message.
func OAuthCode(s string) string {
	if len(s) > 64 {
		return "invalid"
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return "invalid"
		}
	}
	return s
}

package connerr

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

func TestTransport(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	dns := &net.DNSError{Err: "no such host", Name: "zitadel.invalid", IsNotFound: true}
	for name, tc := range map[string]struct {
		err    error
		reason string
		is     error
	}{
		"refused in url.Error": {&url.Error{Op: "Post", URL: "http://127.0.0.1:1/t", Err: refused}, "connection refused", syscall.ECONNREFUSED},
		"dns":                  {fmt.Errorf("wrapped: %w", dns), "cannot resolve host zitadel.invalid", dns},
		"deadline":             {fmt.Errorf("x: %w", context.DeadlineExceeded), "no answer in time", context.DeadlineExceeded},
		"canceled":             {context.Canceled, "canceled", context.Canceled},
		"unknown CA":           {&url.Error{Op: "Get", URL: "https://h", Err: x509.UnknownAuthorityError{}}, "its TLS certificate is not trusted: x509: certificate signed by unknown authority", nil},
		"reset":                {fmt.Errorf("read: %w", syscall.ECONNRESET), "the connection was reset", syscall.ECONNRESET},
	} {
		reason, cause, ok := Transport(tc.err)
		if !ok || reason != tc.reason {
			t.Errorf("%s: Transport = %q, %v, want %q", name, reason, ok, tc.reason)
		}
		if tc.is != nil && !errors.Is(cause, tc.is) {
			t.Errorf("%s: cause %v does not match %v", name, cause, tc.is)
		}
	}
	for _, err := range []error{errors.New("invalid_client"), fmt.Errorf("oauth2: %w", errors.New("x"))} {
		if _, _, ok := Transport(err); ok {
			t.Errorf("Transport(%v) ok, want not a transport failure", err)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"a\x1b[2Jb":      "a?[2Jb",
		"line\nbreak\r":  "line?break?",
		"bidi\u202eevil": "bidi?evil",
		"c1\u009bx":      "c1?x",
		"del\x7f":        "del?",
		"ümlaut ok":      "ümlaut ok",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
	long := Printable(string(make([]byte, 300)))
	if len(long) > 204 {
		t.Errorf("not cut: %d bytes", len(long))
	}
}

func TestOAuthCode(t *testing.T) {
	for in, want := range map[string]string{
		"invalid_client":                     "invalid_client",
		"Errors.User.Machine.Secret.Invalid": "Errors.User.Machine.Secret.Invalid",
		"evil\x1b[2J":                        "invalid",
		`quote"d`:                            "invalid",
		`back\\slash`:                        "invalid",
		strings.Repeat("a", 65):              "invalid",
	} {
		if got := OAuthCode(in); got != want {
			t.Errorf("OAuthCode(%q) = %q, want %q", in, got, want)
		}
	}
}

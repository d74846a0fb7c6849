package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/internal/connerr"
)

// TokenError is the error of every token source of this package that could
// not obtain an access token: it says which step failed (OpenID discovery or
// the token request), at which URL, and why.
//
// Its text never contains a secret or raw text chosen by the server: an
// OAuth 2 error code is kept only if it is a short printable token, and the
// body of a rejection (which may echo request values) is dropped.
type TokenError struct {
	// Step is "discovery" (the OpenID discovery request) or "token" (the
	// token request).
	Step string
	// URL is the endpoint, without user information or query.
	URL string
	// StatusCode is the HTTP status the endpoint answered; 0 when no
	// answer arrived or the status is not known.
	StatusCode int
	// Code is the OAuth 2 error code the token endpoint sent (RFC 6749
	// section 5.2, e.g. "invalid_client" or "invalid_grant"; Zitadel sends
	// "invalid_request" for a wrong client secret and "server_error" for an
	// unknown key); empty when it sent none.
	Code string
	// Err is the cause when the endpoint could not be used at all (network,
	// DNS, TLS, timeout, redirect refused, HTTP 429 or 5xx); errors.Is and
	// errors.As reach it (e.g. syscall.ECONNREFUSED, *net.DNSError,
	// context.DeadlineExceeded). It is nil when the endpoint answered.
	Err error

	via       string // host requests were sent to, when not URL's
	reason    string
	transient bool
}

// Error implements error: "credentials: <step> at <URL>: <reason>".
func (e *TokenError) Error() string {
	step := "token request"
	if e.Step == "discovery" {
		step = "OpenID discovery"
	}
	at := e.URL
	if e.via != "" {
		at += " (sent to " + e.via + ")"
	}
	return "credentials: " + step + " at " + at + ": " + e.reason
}

// Unwrap returns Err.
func (e *TokenError) Unwrap() error { return e.Err }

// Transient reports whether the failure lies in reaching the endpoint, not
// in the credentials: it could not be reached or did not answer in time,
// TLS failed, it redirected to another origin, or it answered HTTP 429 or
// 5xx. A later attempt may succeed. It is false when the endpoint rejected
// the credentials or its answer was unusable (e.g. a discovery document for
// another issuer); trying again will not help. A token endpoint's HTTP 500
// that carries an OAuth error (other than "temporarily_unavailable") counts
// as a rejection: Zitadel v4.13.1 answers a JWT assertion signed with a key
// it does not know with 500 "server_error".
func (e *TokenError) Transient() bool { return e.transient }

// statusError is returned by the endpoint transport for HTTP 429 and 5xx
// answers, so that they count as transport failures.
type statusError struct{ code int }

func (e *statusError) Error() string {
	return fmt.Sprintf("answered HTTP %d %s", e.code, http.StatusText(e.code))
}

// redirectError refuses a redirect to another origin.
type redirectError struct{ host string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused a redirect to %s: discovery and token requests never follow a redirect to another host, port or scheme", e.host)
}

// classify turns the error of a discovery or token request into a
// *TokenError.
// lastStatus, when non-zero, is the status of the endpoint's latest answer,
// used when err does not carry one.
func classify(step, endpoint, via string, lastStatus int32, err error) *TokenError {
	te := &TokenError{Step: step, URL: endpoint, via: via}
	var existing *TokenError
	var ue *url.Error
	var re *oauth2.RetrieveError
	var oe *oidc.Error
	switch {
	case errors.As(err, &existing):
		return existing
	case errors.As(err, &ue):
		te.transient, te.Err = true, ue
		te.reason = describeTransport(ue)
		var se *statusError
		if errors.As(ue, &se) {
			te.StatusCode = se.code
		}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		te.transient, te.Err = true, err
		te.reason = describeTransport(err)
	case errors.As(err, &re):
		te.Code = connerr.OAuthCode(re.ErrorCode)
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
		}
		te.reason = rejection(te) + messageKey(re.ErrorDescription)
	case errors.As(err, &oe) && oe.ErrorType != "":
		te.Code = connerr.OAuthCode(string(oe.ErrorType))
		te.StatusCode = int(lastStatus)
		te.reason = rejection(te) + messageKey(oe.Description)
	default:
		// zitadel/oidc reports a non-OAuth error answer as
		// "http status not ok: <status> <body>"; keep only the status.
		if s, ok := strings.CutPrefix(err.Error(), "http status not ok: "); ok {
			if n, convErr := strconv.Atoi(strings.SplitN(s, " ", 2)[0]); convErr == nil {
				te.StatusCode = n
				te.reason = rejection(te)
				return te
			}
		}
		te.reason = "the endpoint's answer is not a usable token response"
	}
	return te
}

// rejection describes an answer of the token endpoint that refused the
// request.
func rejection(te *TokenError) string {
	s := "the endpoint rejected the credentials"
	if te.Code != "" {
		s += " with " + strconv.Quote(te.Code)
	}
	if te.StatusCode != 0 {
		s += fmt.Sprintf(" (HTTP %d)", te.StatusCode)
	}
	return s
}

// describeTransport names the reason an endpoint could not be used, without
// text chosen by the server.
func describeTransport(err error) string {
	var se *statusError
	var rde *redirectError
	switch {
	case errors.As(err, &se):
		return se.Error()
	case errors.As(err, &rde):
		return rde.Error()
	}
	if reason, _, ok := connerr.Transport(err); ok {
		return reason
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return "cannot connect: " + connerr.Printable(err.Error())
}

// messageKey returns ": "+desc when an error_description is one of
// Zitadel's message keys (e.g. "Errors.User.Machine.Secret.Invalid"), which
// name the reason without echoing anything; other descriptions (free text
// that might echo request values) are dropped.
func messageKey(desc string) string {
	if len(desc) > 100 || !strings.HasPrefix(desc, "Errors.") {
		return ""
	}
	for _, part := range strings.Split(desc, ".") {
		if part == "" {
			return ""
		}
		for _, r := range part {
			if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_') {
				return ""
			}
		}
	}
	return ": " + desc
}

package interceptors

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync/atomic"

	"connectrpc.com/connect/v2"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/internal/connerr"
)

const (
	headerAuthorization = "Authorization"
	redacted            = "[REDACTED]"
)

// Auth returns an interceptor that sets "Authorization: Bearer <token>" on
// every call whose request headers do not already carry an Authorization
// header. A per-call value set through [connect.NewClientContext] (for
// example a session token) therefore wins over ts.
//
// ts is always wrapped in [oauth2.ReuseTokenSource]: the token is cached and
// refreshed only when it is about to expire, so concurrent calls within one
// token lifetime cause a single token exchange, and the wrapper is safe for
// concurrent use. Wrap ts once and share the returned interceptor among
// clients to share the cache.
//
// A failure to obtain a token fails the call before anything is sent, with a
// [connect.Error] whose code says what went wrong:
//
//   - [connect.CodeUnavailable]: the token endpoint could not be used
//     (refused, DNS, TLS, redirect refused, HTTP 429 or 5xx); the caller
//     may retry later;
//   - [connect.CodeDeadlineExceeded] / [connect.CodeCanceled]: it did not
//     answer in time / the request was canceled;
//   - [connect.CodeUnauthenticated]: anything else, in particular rejected
//     credentials, with the OAuth 2 error code (e.g. "invalid_client") in
//     the message.
//
// For a [*credentials.TokenError] (the error of every token source of
// package credentials) the message carries its text and the error unwraps
// to it, so errors.Is and errors.As reach its cause (e.g.
// syscall.ECONNREFUSED). The text of other token sources' errors is never
// included, as it might echo credentials: the message has at most the OAuth
// 2 error code and HTTP status of an [oauth2.RetrieveError], and only the
// network part of the error (e.g. *net.OpError, context.DeadlineExceeded) is
// kept for errors.Is and errors.As.
//
// Note that the token source is not bound to the call's context: a slow token
// endpoint delays the call regardless of its deadline, so configure a timeout
// on the HTTP client used by the token source. Also note that a
// [connect.CallInfo] reused for several calls keeps the header set by the
// first one; derive a fresh context per call.
func Auth(ts oauth2.TokenSource) connect.ClientInterceptor {
	cached := oauth2.ReuseTokenSource(nil, ts)
	var last atomic.Pointer[bearerHeader]
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			info, ok := connect.CallInfoForClientContext(ctx)
			if !ok {
				ctx, info = connect.NewClientContext(ctx)
			}
			if info.RequestHeader().Get(headerAuthorization) == "" {
				if ts == nil {
					return nil, connect.NewError(connect.CodeUnauthenticated, "interceptors: no token source configured")
				}
				tok, err := cached.Token()
				if err != nil {
					return nil, tokenError(err)
				}
				if tok == nil || tok.AccessToken == "" {
					return nil, connect.NewError(connect.CodeUnauthenticated, "interceptors: token source returned an empty access token")
				}
				h := last.Load()
				if h == nil || h.token != tok.AccessToken {
					h = newBearerHeader(tok.AccessToken)
					last.Store(h)
				}
				info.RequestHeader().SetValues(headerAuthorization, h.values)
			}
			return next(ctx, spec)
		}
	}
}

// bearerHeader is the Authorization header value for one access token,
// built once per token instead of once per call.
type bearerHeader struct {
	token  string
	values []string // {"Bearer " + token}; capacity 1, so an Add copies it
}

func newBearerHeader(token string) *bearerHeader {
	return &bearerHeader{token: token, values: []string{"Bearer " + token}}
}

// tokenError converts a token source failure into a connect error (see
// Auth for what it keeps).
func tokenError(err error) error {
	const prefix = "interceptors: cannot obtain access token"
	var te *credentials.TokenError
	if errors.As(err, &te) {
		code := connect.CodeUnauthenticated
		switch {
		case errors.Is(te, context.Canceled):
			code = connect.CodeCanceled
		case isTimeout(te):
			code = connect.CodeDeadlineExceeded
		case te.Transient():
			code = connect.CodeUnavailable
		}
		return connect.NewError(code, prefix+": "+te.Error()).WithCause(te)
	}
	if reason, cause, ok := connerr.Transport(err); ok {
		code := connect.CodeUnavailable
		switch {
		case errors.Is(cause, context.Canceled):
			code = connect.CodeCanceled
		case isTimeout(cause):
			code = connect.CodeDeadlineExceeded
		}
		return connect.NewError(code, prefix+": "+reason).WithCause(cause)
	}
	msg := prefix
	code := connect.CodeUnauthenticated
	var re *oauth2.RetrieveError
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.ErrorType != "" {
		msg = fmt.Sprintf("%s: token endpoint returned %q", msg, connerr.OAuthCode(string(oe.ErrorType)))
	} else if errors.As(err, &re) {
		if re.Response != nil && (re.Response.StatusCode == 429 || re.Response.StatusCode >= 500) {
			code = connect.CodeUnavailable
		}
		switch {
		case re.ErrorCode != "" && re.Response != nil:
			msg = fmt.Sprintf("%s: token endpoint returned %q (HTTP %d)", msg, connerr.OAuthCode(re.ErrorCode), re.Response.StatusCode)
		case re.ErrorCode != "":
			msg = fmt.Sprintf("%s: token endpoint returned %q", msg, connerr.OAuthCode(re.ErrorCode))
		case re.Response != nil:
			msg = fmt.Sprintf("%s: token endpoint returned HTTP %d", msg, re.Response.StatusCode)
		}
	}
	return connect.NewError(code, msg)
}

// isTimeout reports whether err is a context deadline or a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

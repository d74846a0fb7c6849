package interceptors

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"connectrpc.com/connect/v2"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
)

// DefaultScopes are the scopes requested by [ClientCredentials] and
// [JWTProfile] when the configuration's Scopes field is nil. The second scope
// adds the Zitadel API project to the token's audience, which the Zitadel
// APIs require.
var DefaultScopes = []string{"openid", "urn:zitadel:iam:org:project:id:zitadel:aud"}

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
// A failure to obtain a token fails the call, before anything is sent, with a
// [connect.Error] of code [connect.CodeUnauthenticated]. The error never
// contains the token source's error text (which might echo credentials); it
// contains at most the OAuth 2 error code and HTTP status of a token endpoint
// rejection, and errors.Is reports context cancellation.
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

// tokenError converts a token source failure into a CodeUnauthenticated error
// that carries no text of the original error.
func tokenError(err error) error {
	msg := "interceptors: cannot obtain access token"
	var re *oauth2.RetrieveError
	var oe *oidc.Error
	if errors.As(err, &oe) && oe.ErrorType != "" {
		msg = fmt.Sprintf("%s: token endpoint returned %q", msg, safeToken(string(oe.ErrorType)))
	} else if errors.As(err, &re) {
		switch {
		case re.ErrorCode != "" && re.Response != nil:
			msg = fmt.Sprintf("%s: token endpoint returned %q (HTTP %d)", msg, safeToken(re.ErrorCode), re.Response.StatusCode)
		case re.ErrorCode != "":
			msg = fmt.Sprintf("%s: token endpoint returned %q", msg, safeToken(re.ErrorCode))
		case re.Response != nil:
			msg = fmt.Sprintf("%s: token endpoint returned HTTP %d", msg, re.Response.StatusCode)
		}
	}
	cerr := connect.NewError(connect.CodeUnauthenticated, msg)
	// Only well-known, secret-free causes are kept for errors.Is.
	for _, cause := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, cause) {
			cerr = cerr.WithCause(cause)
		}
	}
	return cerr
}

// safeToken keeps an OAuth 2 error code only if it uses the character set
// allowed by RFC 6749 section 5.2 and is short, else replaces it.
func safeToken(s string) string {
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

// PersonalAccessToken returns a static token source for a Zitadel personal
// access token (PAT). The token never expires from the client's point of
// view. The returned value's String method does not reveal the token; an
// empty token makes every Token call fail.
func PersonalAccessToken(token string) oauth2.TokenSource {
	return patSource{token: token}
}

type patSource struct{ token string }

// Token implements oauth2.TokenSource.
func (p patSource) Token() (*oauth2.Token, error) {
	if p.token == "" {
		return nil, errors.New("interceptors: personal access token is empty")
	}
	return &oauth2.Token{AccessToken: p.token, TokenType: "Bearer"}, nil
}

// String redacts the token.
func (p patSource) String() string { return "PersonalAccessToken(" + redacted + ")" }

// GoString redacts the token.
func (p patSource) GoString() string { return p.String() }

// Format redacts the token for every verb.
func (p patSource) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, p.String()) }

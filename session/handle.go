package session

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Handle is a live session: its ID and its current token. Zitadel rotates
// the token on every change and invalidates the previous one; a Handle
// follows the rotation on every [Handle.Set], so the token it holds is
// always the current one. A Handle is safe for concurrent use; concurrent
// Sets are serialized so that the newest token wins.
//
// The token is a credential for the session. String, fmt, and slog output
// of a Handle show the ID only. Persist a handle with [Handle.ID] and
// [Handle.SessionToken] (e.g. in an encrypted cookie) and restore it with
// [Client.Resume].
//
// A Handle is also an oauth2.TokenSource for the session token, and
// [Handle.Bearer] makes one call authenticate with it.
type Handle struct {
	c  *Client
	id string

	setMu   sync.Mutex // serializes Set so that token rotations apply in order
	mu      sync.RWMutex
	token   string
	checked factorSet // factors verified by this handle's own Create / Set
}

// Resume returns a handle for a session created elsewhere (e.g. restored
// from a cookie). No call is made; use [Handle.Get] to verify it.
func (c *Client) Resume(sessionID, sessionToken string) *Handle {
	return &Handle{c: c, id: sessionID, token: sessionToken}
}

// ID returns the session ID.
func (h *Handle) ID() string { return h.id }

// SessionToken returns the current session token. It is a credential: store
// it only where a password could be stored.
func (h *Handle) SessionToken() string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.token
}

// Token implements oauth2.TokenSource: it returns the current session token
// as a bearer token.
//
// The token's Expiry is the time of the call, i.e. it is reported as
// already stale. This is deliberate: caching wrappers such as
// oauth2.ReuseTokenSource (used by interceptors.Auth and oauth2.Transport)
// then ask the handle again on every request and always send the current
// token, instead of a token that a later [Handle.Set] has rotated away.
func (h *Handle) Token() (*oauth2.Token, error) {
	t := h.SessionToken()
	if t == "" {
		return nil, fmt.Errorf("session: handle %s has no session token", h.id)
	}
	return &oauth2.Token{AccessToken: t, TokenType: "Bearer", Expiry: time.Now()}, nil
}

// Bearer returns a context that makes the next call authenticate with the
// session token instead of the client's credentials (overriding
// [WithPersonalAccessToken] and friends for that call only). Zitadel accepts
// a session token as bearer when the session is sufficiently authenticated.
// Derive a fresh context per call.
func (h *Handle) Bearer(ctx context.Context) context.Context {
	return bearerContext(ctx, h.SessionToken())
}

// setToken records a rotated token ("" means nothing changed) and the
// factors the call verified.
func (h *Handle) setToken(t string, verified factorSet) {
	if t == "" && verified == 0 {
		return
	}
	h.mu.Lock()
	if t != "" {
		h.token = t
	}
	h.checked |= verified
	h.mu.Unlock()
}

// String returns "session.Handle{ID: <id>, Token: [REDACTED]}".
func (h *Handle) String() string {
	if h == nil {
		return "<nil>"
	}
	return "session.Handle{ID: " + h.id + ", Token: " + secretValue(h.SessionToken()) + "}"
}

// GoString implements fmt.GoStringer with the redacted String.
func (h *Handle) GoString() string { return h.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (h *Handle) Format(f fmt.State, verb rune) { formatString(f, verb, h.String()) }

// LogValue implements slog.LogValuer: the session ID and a redacted token.
func (h *Handle) LogValue() slog.Value {
	if h == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("id", h.id), slog.String("token", secretValue(h.SessionToken())))
}

var _ oauth2.TokenSource = (*Handle)(nil)

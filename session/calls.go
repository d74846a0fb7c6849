package session

import (
	"context"
	"fmt"
	"log/slog"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/internal/validate"
	"google.golang.org/protobuf/proto"
)

const (
	opCreate = "CreateSession"
	opSet    = "SetSession"
	opGet    = "GetSession"
	opDelete = "DeleteSession"
	opList   = "ListSessions"
)

// check validates req locally; a failure means nothing is sent.
func check(op string, req proto.Message) error {
	if err := validate.Request(req); err != nil {
		return validationError(op, err)
	}
	return nil
}

// Create creates a session and applies the given checks, challenges,
// metadata, lifetime and user agent. All checks succeed or the session is
// not created. It returns a [*Handle] with the session ID and token, and the
// answer to the requested challenges (nil when none were requested).
//
//	h, _, err := c.Create(ctx, session.CheckLoginName(name), session.CheckPassword(pw))
func (c *Client) Create(ctx context.Context, opts ...CreateOption) (*Handle, *Challenges, error) {
	var m mutation
	for _, o := range opts {
		m.apply(o)
	}
	if m.err != nil {
		return nil, nil, localError(opCreate, m.err.Error(), m.err)
	}
	req := &sessionv2.CreateSessionRequest{
		Checks: m.checks, Metadata: m.metadata, Challenges: m.challenges,
		UserAgent: m.userAgent, Lifetime: m.lifetime,
	}
	if err := check(opCreate, req); err != nil {
		return nil, nil, err
	}
	res, err := c.sessions.CreateSession(ctx, req)
	if err != nil {
		return nil, nil, newError(ctx, opCreate, err)
	}
	h := &Handle{c: c, id: res.SessionId, token: res.SessionToken, checked: checkedFactors(m.checks)}
	return h, challengesFromProto(res.Challenges), nil
}

// Set applies checks, challenges, metadata and lifetime to the session. All
// checks succeed or nothing changes. On success the handle holds the new
// session token (unchanged when the request changed nothing). It returns the
// answer to the requested challenges (nil when none were requested).
//
// Set is never retried: a failed password or code check counts toward the
// user's lockout.
func (h *Handle) Set(ctx context.Context, opts ...SetOption) (*Challenges, error) {
	if h == nil || h.c == nil {
		return nil, errDetachedHandle(opSet)
	}
	var m mutation
	for _, o := range opts {
		m.apply(o)
	}
	if m.err != nil {
		return nil, localError(opSet, m.err.Error(), m.err)
	}
	req := &sessionv2.SetSessionRequest{
		SessionId: h.id, Checks: m.checks, Metadata: m.metadata,
		Challenges: m.challenges, Lifetime: m.lifetime,
	}
	if err := check(opSet, req); err != nil {
		return nil, err
	}
	h.setMu.Lock()
	defer h.setMu.Unlock()
	res, err := h.c.sessions.SetSession(ctx, req)
	if err != nil {
		return nil, newError(ctx, opSet, err)
	}
	h.setToken(res.SessionToken, checkedFactors(m.checks))
	return challengesFromProto(res.Challenges), nil
}

// Get reads the session with the handle's current token (which grants access
// without further permission).
func (h *Handle) Get(ctx context.Context) (*Session, error) {
	if h == nil || h.c == nil {
		return nil, errDetachedHandle(opGet)
	}
	return h.c.Get(ctx, h.id, WithSessionToken(h.SessionToken()))
}

// Delete terminates the session with the handle's current token. The token
// is useless afterwards.
func (h *Handle) Delete(ctx context.Context) error {
	if h == nil || h.c == nil {
		return errDetachedHandle(opDelete)
	}
	return h.c.Delete(ctx, h.id, WithSessionToken(h.SessionToken()))
}

// TokenOption is an option of [Client.Get] and [Client.Delete].
type TokenOption struct {
	token string
	set   bool
}

// String returns "session.WithSessionToken([REDACTED])".
func (o TokenOption) String() string {
	return "session.WithSessionToken(" + secretValue(o.token) + ")"
}

// GoString implements fmt.GoStringer with the redacted String.
func (o TokenOption) GoString() string { return o.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (o TokenOption) Format(f fmt.State, verb rune) { formatString(f, verb, o.String()) }

// LogValue implements slog.LogValuer with the redacted String.
func (o TokenOption) LogValue() slog.Value { return slog.StringValue(o.String()) }

// WithSessionToken authorizes a Get or Delete with the session's current
// token instead of the caller's permissions.
func WithSessionToken(token string) TokenOption { return TokenOption{token: token, set: true} }

// Get reads a session by ID, authorized by the caller's permissions (creator,
// session user, or session.read) or by [WithSessionToken]. An expired session
// is returned normally; see [Session.Expired].
func (c *Client) Get(ctx context.Context, id string, opts ...TokenOption) (*Session, error) {
	req := &sessionv2.GetSessionRequest{SessionId: id}
	for i := range opts {
		if opts[i].set {
			req.SessionToken = &opts[i].token
		}
	}
	if err := check(opGet, req); err != nil {
		return nil, err
	}
	res, err := c.sessions.GetSession(ctx, req)
	if err != nil {
		return nil, newError(ctx, opGet, err)
	}
	return sessionFromProto(res.Session), nil
}

// Delete terminates a session, authorized by the caller's permissions
// (session user or session.delete) or by [WithSessionToken]. Deleting an
// already terminated session succeeds.
func (c *Client) Delete(ctx context.Context, id string, opts ...TokenOption) error {
	req := &sessionv2.DeleteSessionRequest{SessionId: id}
	for i := range opts {
		if opts[i].set {
			if opts[i].token == "" {
				return localError(opDelete, "WithSessionToken: empty session token (omit the option to delete with the caller's permissions)", nil)
			}
			req.SessionToken = &opts[i].token
		}
	}
	if err := check(opDelete, req); err != nil {
		return err
	}
	if _, err := c.sessions.DeleteSession(ctx, req); err != nil {
		return newError(ctx, opDelete, err)
	}
	return nil
}

func errDetachedHandle(op string) error {
	return localError(op, "Handle not created by Client.Create or Client.Resume", nil)
}

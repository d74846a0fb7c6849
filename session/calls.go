package session

import (
	"context"

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
	m.storeDetails(res.GetDetails(), err)
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
	m.storeDetails(res.GetDetails(), err)
	if err != nil {
		return nil, newError(ctx, opSet, err)
	}
	h.setToken(res.SessionToken, checkedFactors(m.checks))
	return challengesFromProto(res.Challenges), nil
}

// Get reads the session with the handle's current token (which grants access
// without further permission). An expired session is returned normally; see
// [Session.Expired].
func (h *Handle) Get(ctx context.Context) (*Session, error) {
	if h == nil || h.c == nil {
		return nil, errDetachedHandle(opGet)
	}
	token := h.SessionToken()
	return h.c.get(ctx, h.id, &token)
}

// Delete terminates the session with the handle's current token (which
// grants it without further permission). The token is useless afterwards,
// except that deleting the session again with it succeeds. A handle without
// a token is refused locally; use [Client.Delete] to delete with the
// caller's permissions.
func (h *Handle) Delete(ctx context.Context) error {
	if h == nil || h.c == nil {
		return errDetachedHandle(opDelete)
	}
	token := h.SessionToken()
	if token == "" {
		return localError(opDelete, "empty session token: the handle holds none (use Client.Delete to delete with the caller's permissions)", nil)
	}
	return h.c.delete(ctx, h.id, &token)
}

// Get reads a session by ID, authorized by the caller: its creator, its
// user, a caller whose token is bound to the session's user agent, or one
// with session.read. To read it with its session token, use [Handle.Get]
// (e.g. c.Resume(id, token).Get(ctx)). An expired session is returned
// normally; see [Session.Expired].
func (c *Client) Get(ctx context.Context, id string) (*Session, error) {
	return c.get(ctx, id, nil)
}

// Delete terminates a session, authorized by the caller: the session's user
// or one with session.delete (its creator is not exempt). To delete it with
// its session token, use [Handle.Delete] (e.g.
// c.Resume(id, token).Delete(ctx)). Deleting an already terminated or an
// unknown session succeeds.
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.delete(ctx, id, nil)
}

// get sends GetSession, with the session token when token is not nil.
func (c *Client) get(ctx context.Context, id string, token *string) (*Session, error) {
	req := &sessionv2.GetSessionRequest{SessionId: id, SessionToken: token}
	if err := check(opGet, req); err != nil {
		return nil, err
	}
	res, err := c.sessions.GetSession(ctx, req)
	if err != nil {
		return nil, newError(ctx, opGet, err)
	}
	return sessionFromProto(res.Session), nil
}

// delete sends DeleteSession, with the session token when token is not nil.
func (c *Client) delete(ctx context.Context, id string, token *string) error {
	req := &sessionv2.DeleteSessionRequest{SessionId: id, SessionToken: token}
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

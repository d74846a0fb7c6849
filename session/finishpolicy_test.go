package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// procedureCounter counts the calls the client starts, by procedure.
type procedureCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (pc *procedureCounter) interceptor() connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			pc.mu.Lock()
			pc.n[spec.Procedure]++
			pc.mu.Unlock()
			return next(ctx, spec)
		}
	}
}

// take returns the counts since the last take.
func (pc *procedureCounter) take() (get, callback, response int) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	get = pc.n[sessionv2connect.SessionServiceGetSessionProcedure]
	callback = pc.n[oidcv2connect.OIDCServiceCreateCallbackProcedure]
	response = pc.n[samlv2connect.SAMLServiceCreateResponseProcedure]
	pc.n = map[string]int{}
	return get, callback, response
}

func newCountedClient(t *testing.T, srv *sessiontest.Server) (*session.Client, *procedureCounter) {
	pc := &procedureCounter{n: map[string]int{}}
	c := newClient(t, srv, session.WithPersonalAccessToken(loginPAT), session.WithInterceptors(pc.interceptor()))
	return c, pc
}

func wantRefused(t *testing.T, what string, err error) {
	t.Helper()
	var se *session.Error
	if !errors.Is(err, session.ErrPolicyNotSatisfied) || !errors.As(err, &se) || !se.Local ||
		se.Code != connect.CodeFailedPrecondition || session.IsValidation(err) {
		t.Errorf("%s: err = %v, want a local FailedPrecondition refusal", what, err)
	}
}

// TestFinishRefusesWeakSessionsLocally: a session that does not satisfy the
// policy never reaches CreateCallback / CreateResponse.
func TestFinishRefusesWeakSessionsLocally(t *testing.T) {
	srv := newServer(t)
	c, pc := newCountedClient(t, srv)
	ctx := ctxT(t)
	ar := srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid")
	sr := srv.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "relay",
		"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")

	// A session with only a user check: refused by the default policy.
	userOnly, _, err := c.Create(ctx, session.CheckUserID(aliceID))
	must(t, err)
	pc.take()
	_, err = c.FinishOIDC(ctx, ar, userOnly)
	wantRefused(t, "OIDC, user only", err)
	// The handle knows only the user check, so one GetSession confirmed it.
	if get, cb, _ := pc.take(); cb != 0 || get != 1 {
		t.Errorf("OIDC, user only: %d CreateCallback, %d GetSession sent; want 0 and 1", cb, get)
	}
	_, err = c.FinishSAML(ctx, sr, userOnly)
	wantRefused(t, "SAML, user only", err)
	if get, _, res := pc.take(); res != 0 || get != 1 {
		t.Errorf("SAML, user only: %d CreateResponse, %d GetSession sent; want 0 and 1", res, get)
	}

	// Password only, with a stricter policy: refused; after TOTP it passes,
	// with no GetSession because the handle saw both checks succeed.
	h, _, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(alicePassword))
	must(t, err)
	pc.take()
	_, err = c.FinishOIDC(ctx, ar, h, session.Require(session.PasswordAndSecondFactor))
	wantRefused(t, "OIDC, password only, PasswordAndSecondFactor", err)
	if _, cb, _ := pc.take(); cb != 0 {
		t.Errorf("password only: %d CreateCallback sent", cb)
	}
	_, err = h.Set(ctx, session.CheckTOTP(totpCode(t, srv)))
	must(t, err)
	pc.take()
	cbURL, err := c.FinishOIDC(ctx, ar, h, session.Require(session.PasswordAndSecondFactor))
	must(t, err)
	if cbURL == "" {
		t.Error("empty callback URL")
	}
	if get, cb, _ := pc.take(); get != 0 || cb != 1 {
		t.Errorf("password+TOTP: %d GetSession, %d CreateCallback; want 0 and 1", get, cb)
	}

	// The default policy with the handle's own knowledge: no GetSession.
	_, err = c.FinishSAML(ctx, sr, h)
	must(t, err)
	if get, _, res := pc.take(); get != 0 || res != 1 {
		t.Errorf("default policy, known factors: %d GetSession, %d CreateResponse; want 0 and 1", get, res)
	}
}

// TestFinishResumedHandleCostsOneGetSession: a resumed handle knows nothing,
// so the policy is checked on the session read from the server.
func TestFinishResumedHandleCostsOneGetSession(t *testing.T) {
	srv := newServer(t)
	c, pc := newCountedClient(t, srv)
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckLoginName(bobLogin), session.CheckPassword(bobPassword))
	must(t, err)
	resumed := c.Resume(h.ID(), h.SessionToken())
	pc.take()
	_, err = c.FinishOIDC(ctx, srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid"), resumed)
	must(t, err)
	if get, cb, _ := pc.take(); get != 1 || cb != 1 {
		t.Errorf("resumed: %d GetSession, %d CreateCallback; want 1 and 1", get, cb)
	}
	// Not satisfied on the server's data either: refused after the GetSession.
	_, err = c.FinishOIDC(ctx, srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid"), resumed,
		session.Require(session.PasswordAndSecondFactor))
	wantRefused(t, "resumed, password only", err)
	if get, cb, _ := pc.take(); get != 1 || cb != 0 {
		t.Errorf("resumed, refused: %d GetSession, %d CreateCallback; want 1 and 0", get, cb)
	}
	// A stale token fails in the GetSession, before anything finishes.
	_, err = c.FinishOIDC(ctx, srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid"), c.Resume(h.ID(), "stale"))
	if !session.IsUnauthenticated(err) {
		t.Errorf("stale token: %v", err)
	}
	if _, cb, _ := pc.take(); cb != 0 {
		t.Errorf("stale token: %d CreateCallback sent", cb)
	}
}

// customPolicy is not built from FactorKinds: the handle's knowledge is not
// enough to evaluate it.
type customPolicy struct{ seen *int }

func (p customPolicy) SatisfiedBy(s *session.Session) bool {
	*p.seen++
	return s.Factors.Password.Verified() && s.Factors.User.LoginName == bobLogin
}
func (customPolicy) String() string { return "custom" }

func TestFinishOptions(t *testing.T) {
	srv := newServer(t)
	c, pc := newCountedClient(t, srv)
	ctx := ctxT(t)
	ar := srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid")
	userOnly, _, err := c.Create(ctx, session.CheckUserID(bobID))
	must(t, err)

	// SkipPolicyCheck: sent as is, without a GetSession. (What the server
	// answers for a user-only session is the test server's business.)
	pc.take()
	_, _ = c.FinishOIDC(ctx, ar, userOnly, session.SkipPolicyCheck())
	if get, cb, _ := pc.take(); get != 0 || cb != 1 {
		t.Errorf("SkipPolicyCheck: %d GetSession, %d CreateCallback; want 0 and 1", get, cb)
	}

	// Contradictory or nil options: local usage errors, nothing sent.
	for name, opts := range map[string][]session.FinishOption{
		"nil policy":     {session.Require(nil)},
		"require + skip": {session.Require(session.Authenticated), session.SkipPolicyCheck()},
		"require twice":  {session.Require(session.Authenticated), session.Require(session.Passwordless)},
	} {
		_, err := c.FinishOIDC(ctx, ar, userOnly, opts...)
		if !session.IsValidation(err) {
			t.Errorf("%s: err = %v, want a local usage error", name, err)
		}
		if get, cb, _ := pc.take(); get+cb != 0 {
			t.Errorf("%s: %d calls sent", name, get+cb)
		}
	}

	// A policy that is not made of factor kinds is always evaluated on the
	// session as Zitadel reports it, even for a handle that knows its checks.
	h, _, err := c.Create(ctx, session.CheckLoginName(bobLogin), session.CheckPassword(bobPassword))
	must(t, err)
	pc.take()
	seen := 0
	_, err = c.FinishOIDC(ctx, srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid"), h, session.Require(customPolicy{&seen}))
	must(t, err)
	if get, cb, _ := pc.take(); get != 1 || cb != 1 || seen != 1 {
		t.Errorf("custom policy: %d GetSession, %d CreateCallback, evaluated %d times; want 1, 1, 1", get, cb, seen)
	}
}

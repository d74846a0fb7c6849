package transporttest

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/pquerna/otp/totp"
	"go.opentelemetry.io/otel/codes"
	"golang.org/x/oauth2"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/internal/tracetest"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// NewClient builds a session client over the transport under test, with
// opts added to the target's own options.
type NewClient func(opts ...session.Option) (*session.Client, error)

// Connect serves b with the server side the transport needs (closed when t
// ends) and returns a constructor of session clients that reach it over the
// transport under test.
type Connect func(t testing.TB, b *Backend) NewClient

// Procedures of the SessionService, as the Backend records them.
const (
	ProcCreate = sessionv2connect.SessionServiceCreateSessionProcedure
	ProcSet    = sessionv2connect.SessionServiceSetSessionProcedure
	ProcGet    = sessionv2connect.SessionServiceGetSessionProcedure
	ProcList   = sessionv2connect.SessionServiceListSessionsProcedure
	ProcDelete = sessionv2connect.SessionServiceDeleteSessionProcedure
)

// Case is one behaviour of the table.
type Case struct {
	Name string
	Test func(t *testing.T, e *Env)
}

// Env is what a Case gets: a fresh Backend and a way to build clients to it
// over the transport under test.
type Env struct {
	Backend *Backend
	connect NewClient
}

// Client returns a session client over the transport under test with opts,
// closed when t ends.
func (e *Env) Client(t testing.TB, opts ...session.Option) *session.Client {
	t.Helper()
	c, err := e.connect(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Login returns a client authenticated with the login-client PAT plus opts.
func (e *Env) Login(t testing.TB, opts ...session.Option) *session.Client {
	t.Helper()
	return e.Client(t, append([]session.Option{session.WithPersonalAccessToken(LoginPAT)}, opts...)...)
}

// TOTP returns alice's current TOTP code on the Backend's clock.
func (e *Env) TOTP(t testing.TB) string {
	t.Helper()
	code, err := totp.GenerateCode(AliceTOTP, e.Backend.Session.Clock().Now())
	must(t, err)
	return code
}

// Run runs every Case against the transport connect builds, each on a fresh
// Backend.
func Run(t *testing.T, connect Connect) {
	for _, c := range Cases {
		t.Run(c.Name, func(t *testing.T) {
			b := NewBackend(t)
			c.Test(t, &Env{Backend: b, connect: connect(t, b)})
		})
	}
}

// Cases is the behaviour table.
var Cases = []Case{
	{"flow", testFlow},
	{"errors", testErrors},
	{"validation-sends-nothing", testValidation},
	{"auth", testAuth},
	{"request-headers", testRequestHeaders},
	{"response-metadata", testResponseMetadata},
	{"deadline", testDeadline},
	{"cancel", testCancel},
	{"retry", testRetry},
	{"logging", testLogging},
	{"tracing", testTracing},
	{"raw", testRaw},
	{"concurrent", testConcurrent},
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sessionError(t *testing.T, err error) *session.Error {
	t.Helper()
	var se *session.Error
	if !errors.As(err, &se) {
		t.Fatalf("not a *session.Error: %v", err)
	}
	return se
}

// testFlow: a password + TOTP login, token rotation, metadata, listing,
// OIDC and SAML finish, delete.
func testFlow(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx := ctxT(t)
	h, chs, err := c.Create(ctx, session.CheckLoginName(AliceLogin), session.CheckPassword(AlicePassword),
		session.Metadata("a", []byte{0, 1, 2}))
	must(t, err)
	if chs != nil || h.ID() == "" || h.SessionToken() == "" {
		t.Fatalf("Create: handle %v, challenges %v", h, chs)
	}
	old := h.SessionToken()
	_, err = h.Set(ctx, session.CheckTOTP(e.TOTP(t)))
	must(t, err)
	if h.SessionToken() == old {
		t.Fatal("token not rotated by Set")
	}
	s, err := h.Get(ctx)
	must(t, err)
	if s.ID != h.ID() || s.Factors.User.ID != AliceID || !s.Satisfies(session.PasswordAndSecondFactor) ||
		string(s.Metadata["a"]) != "\x00\x01\x02" {
		t.Errorf("Get after TOTP: %+v", s)
	}
	if _, err := c.Resume(h.ID(), old).Get(ctx); !session.IsUnauthenticated(err) {
		t.Errorf("stale token accepted: %v", err)
	}

	h2, _, err := c.Create(ctx, session.CheckUserID(AliceID))
	must(t, err)
	_, _, err = c.Create(ctx, session.CheckUserID(BobID))
	must(t, err)
	var ids []string
	for s, err := range c.List(ctx, session.ByUserID(AliceID), session.PageSize(1)) {
		must(t, err)
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []string{h.ID(), h2.ID()}) {
		t.Errorf("List by user = %v, want %v", ids, []string{h.ID(), h2.ID()})
	}

	arID := e.Backend.Session.AddAuthRequest("client-1", "https://app.example.com/cb", "openid")
	cb, err := c.FinishOIDC(ctx, arID, h)
	must(t, err)
	if u, err := url.Parse(cb); err != nil || !strings.HasPrefix(cb, "https://app.example.com/cb") || u.Query().Get("code") == "" {
		t.Errorf("OIDC callback %q", cb)
	}
	srID := e.Backend.Session.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "relay-1",
		"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
	sr, err := c.FinishSAML(ctx, srID, h)
	must(t, err)
	if sr.URL != "https://sp.example.com/acs" || sr.RelayState != "relay-1" || sr.SAMLResponse == "" {
		t.Errorf("SAML response %v", sr)
	}

	must(t, h.Delete(ctx))
	if _, err := c.Get(ctx, h.ID()); !session.IsNotFound(err) {
		t.Errorf("Get after Delete: %v", err)
	}
}

// testErrors: Zitadel's error details arrive as session.Error with ID and
// FailedAttempts, and the predicates classify them.
func testErrors(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx := ctxT(t)
	for want := 1; want <= 2; want++ {
		_, _, err := c.Create(ctx, session.CheckUserID(BobID), session.CheckPassword("wrong-password-x"))
		se := sessionError(t, err)
		if !session.IsInvalidCredentials(err) || se.Code != connect.CodeInvalidArgument ||
			se.ID != zitadelerr.PasswordInvalid || se.FailedAttempts != want || strings.Contains(se.Message, "(") {
			t.Errorf("wrong password #%d: %#v", want, se)
		}
		if strings.Contains(err.Error(), "wrong-password-x") {
			t.Errorf("error leaks the password: %v", err)
		}
		var ce *connect.Error
		if !errors.As(err, &ce) || !ce.IsRemote() || len(ce.Details()) == 0 {
			t.Errorf("wrong password: connect error %v (remote %v), want the server's, with details", ce, ce.IsRemote())
		}
	}
	_, err := c.Get(ctx, "4711")
	if se := sessionError(t, err); !session.IsNotFound(err) || se.ID != zitadelerr.SessionNotExisting {
		t.Errorf("unknown session: %v", err)
	}
	h, _, err := c.Create(ctx, session.CheckUserID(AliceID))
	must(t, err)
	noperm := e.Client(t, session.WithPersonalAccessToken(NopermPAT))
	_, err = noperm.Get(ctx, h.ID())
	if se := sessionError(t, err); !session.IsPermissionDenied(err) || se.ID != zitadelerr.MembershipNotFound {
		t.Errorf("no membership: %v", err)
	}
	anon := e.Client(t)
	_, err = anon.Get(ctx, h.ID())
	if !session.IsUnauthenticated(err) || session.CodeOf(err) != connect.CodeUnauthenticated {
		t.Errorf("anonymous: %v", err)
	}
	bad := e.Client(t, session.WithPersonalAccessToken("not-a-token"))
	_, err = bad.Get(ctx, h.ID())
	if se := sessionError(t, err); !session.IsUnauthenticated(err) || se.ID != zitadelerr.TokenInvalid {
		t.Errorf("bad token: %v", err)
	}
}

// testValidation: a request that fails local validation is not sent.
func testValidation(t *testing.T, e *Env) {
	c := e.Login(t)
	_, err := c.Get(ctxT(t), "")
	if se := sessionError(t, err); !se.Local || !session.IsValidation(err) {
		t.Errorf("empty session id: %v", err)
	}
	_, _, err = c.Create(ctxT(t), session.CheckUserID(AliceID), session.CheckTOTP("12"))
	if !session.IsValidation(err) {
		t.Errorf("short TOTP code: %v", err)
	}
	if n := len(e.Backend.Calls()); n != 0 {
		t.Errorf("%d calls reached the server", n)
	}
}

// staticSource counts its Token calls.
type staticSource struct {
	mu    sync.Mutex
	token string
	calls int
}

func (s *staticSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return &oauth2.Token{AccessToken: s.token, TokenType: "Bearer"}, nil
}

// testAuth: PAT, token source, handle as token source and the per-call
// bearer override reach the server as the Authorization header.
func testAuth(t *testing.T, e *Env) {
	ctx := ctxT(t)
	c := e.Login(t)
	h, _, err := c.Create(ctx, session.CheckUserID(AliceID), session.CheckPassword(AlicePassword))
	must(t, err)
	_, err = h.Set(ctx, session.CheckTOTP(e.TOTP(t)))
	must(t, err)
	if got := e.Backend.CallsOf(ProcCreate)[0].Header.Get("Authorization"); got != "Bearer "+LoginPAT {
		t.Errorf("PAT sent as %q", got)
	}

	src := &staticSource{token: LoginPAT}
	viaSource := e.Client(t, session.WithTokenSource(src))
	for range 2 {
		if _, err := viaSource.Get(ctx, h.ID()); err != nil {
			t.Fatalf("token source: %v", err)
		}
	}
	src.mu.Lock()
	if src.calls == 0 {
		t.Error("token source not used")
	}
	src.mu.Unlock()

	noperm := e.Client(t, session.WithPersonalAccessToken(NopermPAT))
	s, err := noperm.Get(h.Bearer(ctx), h.ID())
	if err != nil || s.Factors.User.ID != AliceID {
		t.Fatalf("bearer override: %v", err)
	}
	gets := e.Backend.CallsOf(ProcGet)
	if got := gets[len(gets)-1].Header.Get("Authorization"); got != "Bearer "+h.SessionToken() {
		t.Error("bearer override not sent as the Authorization header")
	}
	if _, err := noperm.Get(ctx, h.ID()); !session.IsPermissionDenied(err) {
		t.Errorf("override leaked to the next call: %v", err)
	}
	asUser := e.Client(t, session.WithTokenSource(h))
	if _, err := asUser.Get(ctx, h.ID()); err != nil {
		t.Errorf("handle as token source: %v", err)
	}
}

// testRequestHeaders: fixed headers, org id, instance host and per-call
// CallInfo headers (text and binary) reach the server.
func testRequestHeaders(t *testing.T, e *Env) {
	c := e.Login(t, session.WithHeader("X-Env", "test"), session.WithOrgID("org-7"),
		session.WithInstanceHost("auth.example.test"))
	ctx, info := connect.NewClientContext(ctxT(t))
	info.RequestHeader().Set("X-Request-Id", "req-1")
	info.RequestHeader().Add("X-Multi", "a")
	info.RequestHeader().Add("X-Multi", "b")
	bin := []byte{0, 1, 2, 0xff, 'z'}
	info.RequestHeader().Set("X-Blob-Bin", connect.EncodeBinaryHeader(bin))
	_, err := c.Get(ctx, "4711")
	if !session.IsNotFound(err) {
		t.Fatalf("Get: %v", err)
	}
	got := e.Backend.CallsOf(ProcGet)[0].Header
	for k, want := range map[string]string{
		"X-Env": "test", "X-Zitadel-Orgid": "org-7", "X-Zitadel-Instance-Host": "auth.example.test",
		"X-Request-Id": "req-1", "Authorization": "Bearer " + LoginPAT,
	} {
		if got.Get(k) != want {
			t.Errorf("header %s = %q, want %q", k, got.Get(k), want)
		}
	}
	if v := got.Values("X-Multi"); !slices.Equal(v, []string{"a", "b"}) && !slices.Equal(v, []string{"a,b"}) {
		t.Errorf("X-Multi = %q", v)
	}
	if raw, err := connect.DecodeBinaryHeader(got.Get("X-Blob-Bin")); err != nil || !bytes.Equal(raw, bin) {
		t.Errorf("X-Blob-Bin = %q (%v), want %x", got.Get("X-Blob-Bin"), err, bin)
	}
	if info.Spec.Procedure != ProcGet || info.Protocol == "" {
		t.Errorf("CallInfo spec %q protocol %q", info.Spec.Procedure, info.Protocol)
	}
}

// testResponseMetadata: response headers and trailers reach the CallInfo,
// on success and on failure.
func testResponseMetadata(t *testing.T, e *Env) {
	c := e.Login(t)
	h, _, err := c.Create(ctxT(t), session.CheckUserID(AliceID))
	must(t, err)
	bin := []byte{0xde, 0xad, 0, 0xbe, 0xef}
	for _, id := range []string{h.ID(), "4711"} {
		ctx, info := connect.NewClientContext(ctxT(t))
		info.RequestHeader().Set(HeaderEcho, "echo-"+id)
		info.RequestHeader().Set(HeaderEchoBin, connect.EncodeBinaryHeader(bin))
		_, err := c.Get(ctx, id)
		if (id == h.ID()) != (err == nil) {
			t.Fatalf("Get %s: %v", id, err)
		}
		if got := info.ResponseHeader().Get(HeaderEcho); got != "echo-"+id {
			t.Errorf("Get %s: response header %q", id, got)
		}
		if got := info.ResponseTrailer().Get(HeaderTrailer); got != "echo-"+id {
			t.Errorf("Get %s: response trailer %q", id, got)
		}
		if raw, err := connect.DecodeBinaryHeader(info.ResponseHeader().Get(HeaderEchoBin)); err != nil || !bytes.Equal(raw, bin) {
			t.Errorf("Get %s: binary response header %q (%v)", id, info.ResponseHeader().Get(HeaderEchoBin), err)
		}
	}
}

// testDeadline: the call's deadline reaches the server, and a call that
// outlives it fails with DeadlineExceeded on both sides.
func testDeadline(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	clientDeadline, _ := ctx.Deadline()
	_, err := c.Get(ctx, "4711")
	if !session.IsNotFound(err) {
		t.Fatalf("Get: %v", err)
	}
	d := e.Backend.CallsOf(ProcGet)[0].Deadline
	if d.IsZero() || d.After(clientDeadline.Add(time.Second)) {
		t.Errorf("server deadline %v, client deadline %v", d, clientDeadline)
	}

	ctx, cancel = context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set(HeaderBlock, "1")
	_, err = c.Get(ctx, "4711")
	if session.CodeOf(err) != connect.CodeDeadlineExceeded {
		t.Errorf("blocked call: %v, want deadline_exceeded", err)
	}
	if serverErr := <-e.Backend.blocked; serverErr == nil {
		t.Error("server call did not end with the deadline")
	}
}

// testCancel: cancelling the context ends the call on both sides.
func testCancel(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	ctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set(HeaderBlock, "1")
	go func() {
		select {
		case <-e.Backend.entered: // the call is running on the server
		case <-ctx.Done():
		}
		cancel()
	}()
	_, err := c.Get(ctx, "4711")
	if session.CodeOf(err) != connect.CodeCanceled || !errors.Is(err, context.Canceled) {
		t.Errorf("canceled call: %v, want canceled wrapping context.Canceled", err)
	}
	select {
	case serverErr := <-e.Backend.blocked:
		if serverErr == nil {
			t.Error("server call ended without cancellation")
		}
	case <-time.After(20 * time.Second):
		t.Error("server call still running 20s after the client canceled")
	}
	// A context canceled before the call: nothing is sent.
	before := len(e.Backend.Calls())
	_, err = c.Get(ctx, "4711")
	if session.CodeOf(err) != connect.CodeCanceled {
		t.Errorf("call on a canceled context: %v", err)
	}
	if n := len(e.Backend.Calls()); n != before {
		t.Errorf("call on a canceled context reached the server")
	}
}

// testRetry: a transient failure of a read is retried; a check is never
// repeated.
func testRetry(t *testing.T, e *Env) {
	c := e.Login(t, session.WithRetry(interceptors.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, MaxBackoff: time.Millisecond}))
	ctx := ctxT(t)
	e.Backend.FailNext(ProcCreate, connect.CodeUnavailable)
	_, _, err := c.Create(ctx, session.CheckUserID(BobID), session.CheckPassword(BobPassword))
	if session.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("Create with an unavailable server: %v", err)
	}
	if n := len(e.Backend.CallsOf(ProcCreate)); n != 1 {
		t.Errorf("CreateSession sent %d times", n)
	}
	h, _, err := c.Create(ctx, session.CheckUserID(BobID), session.CheckPassword(BobPassword))
	must(t, err)
	e.Backend.FailNext(ProcGet, connect.CodeUnavailable, connect.CodeResourceExhausted)
	if _, err := h.Get(ctx); err != nil {
		t.Fatalf("Get not retried: %v", err)
	}
	if n := len(e.Backend.CallsOf(ProcGet)); n != 3 {
		t.Errorf("GetSession sent %d times, want 3", n)
	}
	e.Backend.FailNext(ProcGet, connect.CodeUnavailable, connect.CodeUnavailable, connect.CodeUnavailable)
	if _, err := h.Get(ctx); session.CodeOf(err) != connect.CodeUnavailable {
		t.Errorf("Get after 3 failed attempts: %v", err)
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// testLogging: one record per call, with the procedure and outcome, without
// secrets.
func testLogging(t *testing.T, e *Env) {
	var out lockedBuffer
	logger := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := e.Login(t, session.WithLogger(logger))
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(AliceID), session.CheckPassword(AlicePassword))
	must(t, err)
	_, _, _ = c.Create(ctx, session.CheckUserID(AliceID), session.CheckPassword("wrong-pw-xyz"))
	_, err = h.Get(ctx)
	must(t, err)
	logs := out.String()
	for _, want := range []string{"CreateSession", "GetSession", "invalid_argument"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
	for _, secret := range []string{AlicePassword, "wrong-pw-xyz", LoginPAT, h.SessionToken()} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret %q", secret)
		}
	}
}

// testTracing: one client span per call, its context propagated to the
// server, failures marked.
func testTracing(t *testing.T, e *Env) {
	tp := &tracetest.Provider{}
	c := e.Login(t, session.WithTracerProvider(tp))
	ctx := ctxT(t)
	_, _, err := c.Create(ctx, session.CheckUserID(AliceID))
	must(t, err)
	_, err = c.Get(ctx, "4711")
	if !session.IsNotFound(err) {
		t.Fatalf("Get: %v", err)
	}
	spans := tp.Ended()
	if len(spans) != 2 || spans[0].Name() != "zitadel.session.v2.SessionService/CreateSession" ||
		spans[1].Name() != "zitadel.session.v2.SessionService/GetSession" {
		t.Fatalf("spans %v", spans)
	}
	if spans[0].Status() == codes.Error || spans[1].Status() != codes.Error {
		t.Errorf("span status %v, %v", spans[0].Status(), spans[1].Status())
	}
	tp0 := e.Backend.CallsOf(ProcCreate)[0].Header.Get("Traceparent")
	if !strings.Contains(tp0, tracetest.TraceID.String()) || !strings.Contains(tp0, spans[0].SpanContext().SpanID().String()) {
		t.Errorf("traceparent %q, want trace %s span %s", tp0, tracetest.TraceID, spans[0].SpanContext().SpanID())
	}
}

// testRaw: the generated client of Raw() shares transport and auth.
func testRaw(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx := ctxT(t)
	created, err := c.Raw().CreateSession(ctx, &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: AliceID}}},
	})
	must(t, err)
	res, err := c.Raw().GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: created.GetSessionId()})
	must(t, err)
	if res.GetSession().GetFactors().GetUser().GetId() != AliceID {
		t.Errorf("Raw GetSession: %v", res)
	}
	_, err = c.Raw().GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: "4711"})
	err = session.WrapError(err)
	if se := sessionError(t, err); !session.IsNotFound(err) || se.ID != zitadelerr.SessionNotExisting {
		t.Errorf("Raw GetSession of an unknown id: %v", err)
	}
	// Server-side validation, bypassing the client's.
	_, err = c.Raw().GetSession(ctx, &sessionv2.GetSessionRequest{})
	if err = session.WrapError(err); !session.IsValidation(err) || sessionError(t, err).Local {
		t.Errorf("Raw GetSession without id: %v", err)
	}
}

// testConcurrent: one client serves concurrent calls.
func testConcurrent(t *testing.T, e *Env) {
	c := e.Login(t)
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(AliceID))
	must(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			s, err := c.Get(ctx, h.ID())
			if err == nil && s.ID != h.ID() {
				err = errors.New("wrong session")
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// Package transporttest is the behaviour table that every transport the
// session client runs on must pass: connect-go's HTTP transport (the
// default of session.New, for each protocol, tested in package session) and
// the grpc-go transport of the nested grpcconn module (against sessiontest's
// gRPC handler and against a stock grpc-go server). One table, so that every
// transport is held to the same behaviour: login flows, Zitadel's error
// details, authentication and token sources, request and response metadata,
// deadlines and cancellation, retries, logging, tracing and Raw().
//
// A test target implements [Connect]: given a [Backend] (a sessiontest server
// behind a connect.Server that records and can disturb calls), it serves the
// backend the way the transport needs and returns a constructor of session
// clients over that transport. [Run] runs the table against it.
package transporttest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// Fixtures of every Backend.
const (
	AliceID       = "alice-id"
	AliceLogin    = "alice@example.com"
	AlicePassword = "correct horse battery staple"
	AliceTOTP     = "JBSWY3DPEHPK3PXP"
	BobID         = "bob-id"
	BobPassword   = "bob-password-1"
	LoginPAT      = "login-client-pat"
	NopermPAT     = "noperm-pat"
)

// Request headers the Backend reacts to.
const (
	// HeaderEcho is copied by the Backend into the response header and the
	// response trailer of the same name.
	HeaderEcho = "Transporttest-Echo"
	// HeaderEchoBin is HeaderEcho for a binary header (its value is base64,
	// connect.EncodeBinaryHeader).
	HeaderEchoBin = "Transporttest-Echo-Bin"
	// HeaderTrailer is the response trailer carrying the value of
	// HeaderEcho.
	HeaderTrailer = "Transporttest-Trailer"
	// HeaderBlock makes the Backend hold the call until its context ends
	// (at most a minute), then fail it with the context's error.
	HeaderBlock = "Transporttest-Block"
)

// Call is what the Backend saw of one call.
type Call struct {
	Procedure string
	Header    http.Header
	// Deadline is the call's deadline on the server, zero without one.
	Deadline time.Time
}

// Backend is the server side of a behaviour test: a sessiontest server with
// the fixtures above, behind Server, a connect.Server with the same
// procedures that records every call, echoes HeaderEcho, blocks on
// HeaderBlock and fails calls on demand ([Backend.FailNext]) before they
// reach sessiontest.
type Backend struct {
	// Session is the sessiontest server (clock, outbox, fixtures).
	Session *sessiontest.Server
	// Server serves every procedure of Session; serve it with the server
	// side of the transport under test.
	Server *connect.Server

	mu       sync.Mutex
	calls    []Call
	failures map[string][]connect.Code
	blocked  chan error // receives the context error of each blocked call
	entered  chan struct{}
}

// NewBackend returns a Backend with the fixtures (alice with password and
// TOTP, bob with a password, a login-client PAT with every session
// permission, a PAT without memberships), closed when t ends.
func NewBackend(t testing.TB) *Backend {
	t.Helper()
	srv := sessiontest.NewUnstartedServer()
	t.Cleanup(srv.Close)
	must(t, srv.AddUser(sessiontest.User{
		ID: AliceID, LoginName: AliceLogin, DisplayName: "Alice", Password: AlicePassword,
		TOTPSecret: AliceTOTP, Email: AliceLogin,
	}))
	must(t, srv.AddUser(sessiontest.User{ID: BobID, LoginName: "bob@example.com", DisplayName: "Bob", Password: BobPassword}))
	must(t, srv.AddAccessToken(LoginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	must(t, srv.AddAccessToken(NopermPAT, "noperm-user"))

	b := &Backend{
		Session:  srv,
		failures: map[string][]connect.Code{},
		blocked:  make(chan error, 16),
		entered:  make(chan struct{}, 16),
	}
	b.Server = connect.NewServer(b.observe)
	inner := srv.ConnectServer()
	for spec := range inner.Specs() {
		b.Server.Register(connect.Method{Spec: spec, Handler: func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
			info, _ := connect.CallInfoForServerContext(ctx)
			return inner.Call(ctx, spec.Procedure, info, stream)
		}})
	}
	return b
}

// observe is the Backend's server interceptor.
func (b *Backend) observe(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		info, _ := connect.CallInfoForServerContext(ctx)
		call := Call{Procedure: spec.Procedure, Header: http.Header{}}
		for k, vs := range info.RequestHeader().All() {
			call.Header[k] = append([]string(nil), vs...)
		}
		call.Deadline, _ = ctx.Deadline()
		b.mu.Lock()
		b.calls = append(b.calls, call)
		var fail connect.Code
		if codes := b.failures[spec.Procedure]; len(codes) > 0 {
			fail, b.failures[spec.Procedure] = codes[0], codes[1:]
		}
		b.mu.Unlock()

		if v := info.RequestHeader().Values(HeaderEcho); len(v) > 0 {
			info.ResponseHeader().SetValues(HeaderEcho, v)
			info.ResponseTrailer().SetValues(HeaderTrailer, v)
		}
		if v := info.RequestHeader().Values(HeaderEchoBin); len(v) > 0 {
			info.ResponseHeader().SetValues(HeaderEchoBin, v)
		}
		if fail != 0 {
			return connect.NewError(fail, "transporttest: injected failure")
		}
		if info.RequestHeader().Get(HeaderBlock) != "" {
			stream = &blockingStream{ServerStream: stream, ctx: ctx, b: b}
		}
		return next(ctx, spec, stream)
	}
}

// blockingStream holds the call once its request has been read (so that an
// HTTP/1.1 server notices the client closing the connection) until the
// call's context ends, then fails it with the context's error.
type blockingStream struct {
	connect.ServerStream
	ctx context.Context //nolint:containedctx // the call's context, watched while blocking
	b   *Backend
}

func (s *blockingStream) Receive(msg any) error {
	if err := s.ServerStream.Receive(msg); err != nil {
		return err
	}
	s.b.entered <- struct{}{}
	select {
	case <-s.ctx.Done():
	case <-time.After(time.Minute):
	}
	s.b.blocked <- s.ctx.Err()
	if errors.Is(s.ctx.Err(), context.DeadlineExceeded) {
		return connect.NewError(connect.CodeDeadlineExceeded, "transporttest: blocked until the deadline")
	}
	return connect.NewError(connect.CodeCanceled, "transporttest: blocked until canceled")
}

// FailNext makes the next len(codes) calls of procedure fail with these
// codes, one each, before they reach sessiontest.
func (b *Backend) FailNext(procedure string, codes ...connect.Code) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures[procedure] = append(b.failures[procedure], codes...)
}

// Calls returns the calls the Backend saw so far.
func (b *Backend) Calls() []Call {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Call(nil), b.calls...)
}

// CallsOf returns the calls of procedure the Backend saw so far.
func (b *Backend) CallsOf(procedure string) []Call {
	var out []Call
	for _, c := range b.Calls() {
		if c.Procedure == procedure {
			out = append(out, c)
		}
	}
	return out
}

// StartHTTP serves the Backend with connect-go's HTTP handlers (Connect,
// gRPC and gRPC-Web, as sessiontest serves them) on a loopback server that
// speaks HTTP/1.1 and cleartext HTTP/2, closed when t ends, and returns its
// URL ("http://127.0.0.1:PORT").
func (b *Backend) StartHTTP(t testing.TB) string {
	t.Helper()
	mux := http.NewServeMux()
	connecthttp.Mount(mux, b.Server)
	hs := httptest.NewUnstartedServer(mux)
	hs.Config.Protocols = new(http.Protocols)
	hs.Config.Protocols.SetHTTP1(true)
	hs.Config.Protocols.SetUnencryptedHTTP2(true)
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

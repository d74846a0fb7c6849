package grpcconn_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/internal/transporttest"
	"github.com/sessionkit/zitadel-session-go/session"
)

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newSession(t *testing.T, cc grpc.ClientConnInterface, opts ...session.Option) *session.Client {
	t.Helper()
	c, err := session.New("", append([]session.Option{session.WithTransport(grpcconn.NewTransport(cc))}, opts...)...)
	must(t, err)
	return c
}

// TestCallInfo checks what the transport reports on the CallInfo.
func TestCallInfo(t *testing.T) {
	b := transporttest.NewBackend(t)
	addr := serveGRPC(t, b.Server)
	c := newSession(t, dial(t, addr), session.WithPersonalAccessToken(transporttest.LoginPAT))
	ctx, info := connect.NewClientContext(ctxT(t))
	if _, err := c.Get(ctx, "4711"); !session.IsNotFound(err) {
		t.Fatalf("Get: %v", err)
	}
	if info.Protocol != "grpc" || info.Codec != "proto" || info.RequestEncoding != "identity" ||
		info.PeerAddr != addr || info.Spec.Procedure != transporttest.ProcGet {
		t.Errorf("CallInfo: protocol %q codec %q encoding %q peer %q (want %q) procedure %q",
			info.Protocol, info.Codec, info.RequestEncoding, info.PeerAddr, addr, info.Spec.Procedure)
	}
	if info.ResponseHeader().Has("Content-Type") || info.ResponseTrailer().Has("Grpc-Status-Details-Bin") {
		t.Errorf("protocol metadata copied: header %v, trailer %v", info.ResponseHeader(), info.ResponseTrailer())
	}
}

// staticCreds are grpc-go per-RPC credentials.
type staticCreds map[string]string

func (c staticCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return c, nil
}
func (staticCreds) RequireTransportSecurity() bool { return false }

// TestCallerInterceptorsAndPerRPCCredentials: the caller's grpc-go
// interceptors see every call (method, typed request and response, the
// metadata the session client added) and can add metadata; per-RPC
// credentials configured on the ClientConn authenticate the calls.
func TestCallerInterceptorsAndPerRPCCredentials(t *testing.T) {
	b := transporttest.NewBackend(t)
	addr := serveGRPC(t, b.Server)
	type seen struct {
		method string
		req    any
		auth   []string
		err    error
	}
	var mu sync.Mutex
	var calls []seen
	record := func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		md, _ := metadata.FromOutgoingContext(ctx)
		ctx = metadata.AppendToOutgoingContext(ctx, "x-from-interceptor", "yes")
		err := invoker(ctx, method, req, reply, cc, opts...)
		mu.Lock()
		calls = append(calls, seen{method, req, md.Get("authorization"), err})
		mu.Unlock()
		return err
	}
	cc := dial(t, addr, grpc.WithChainUnaryInterceptor(record),
		grpc.WithPerRPCCredentials(staticCreds{"authorization": "Bearer " + transporttest.LoginPAT, "x-creds": "1"}))
	// No session auth option: the ClientConn's credentials authenticate.
	c := newSession(t, cc)
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(transporttest.AliceID))
	must(t, err)
	if _, err := c.Get(ctx, "4711"); !session.IsNotFound(err) {
		t.Fatalf("Get: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 || calls[0].method != transporttest.ProcCreate || calls[1].method != transporttest.ProcGet {
		t.Fatalf("interceptor saw %+v", calls)
	}
	if r, ok := calls[1].req.(*sessionv2.GetSessionRequest); !ok || r.GetSessionId() != "4711" {
		t.Errorf("interceptor request %T %v", calls[1].req, calls[1].req)
	}
	if calls[0].err != nil || status.Code(calls[1].err) != codes.NotFound {
		t.Errorf("interceptor errors %v, %v", calls[0].err, calls[1].err)
	}
	hdr := b.CallsOf(transporttest.ProcCreate)[0].Header
	if hdr.Get("X-From-Interceptor") != "yes" || hdr.Get("X-Creds") != "1" ||
		hdr.Get("Authorization") != "Bearer "+transporttest.LoginPAT {
		t.Errorf("server saw %v", hdr)
	}
	if h.ID() == "" {
		t.Error("no session")
	}

	// With the session's own auth as well, the interceptor sees its header.
	calls = calls[:0]
	mu.Unlock()
	c2 := newSession(t, dial(t, addr, grpc.WithChainUnaryInterceptor(record)),
		session.WithPersonalAccessToken(transporttest.LoginPAT))
	_, err = c2.Get(ctx, h.ID())
	mu.Lock()
	if err != nil || len(calls) != 1 || len(calls[0].auth) != 1 || calls[0].auth[0] != "Bearer "+transporttest.LoginPAT {
		t.Errorf("session auth seen by the interceptor: %+v (%v)", calls, err)
	}
}

// gatedDialer dials only once open; every attempt is counted.
type gatedDialer struct {
	open     atomic.Bool
	attempts atomic.Int64
}

func (d *gatedDialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	d.attempts.Add(1)
	if !d.open.Load() {
		return nil, errors.New("gated: not yet")
	}
	var nd net.Dialer
	return nd.DialContext(ctx, "tcp", addr)
}

// TestWaitForReady: without a ready connection a call fails fast with
// Unavailable; with grpc.WaitForReady (through WithCallOptions) it waits
// until the connection is up and succeeds.
func TestWaitForReady(t *testing.T) {
	b := transporttest.NewBackend(t)
	addr := serveGRPC(t, b.Server)
	d := &gatedDialer{}
	cc := dial(t, "passthrough:///"+addr, grpc.WithContextDialer(d.dial),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 10 * time.Millisecond, Multiplier: 1, MaxDelay: 10 * time.Millisecond},
			MinConnectTimeout: time.Second,
		}))
	ctx := ctxT(t)
	failFast := newSession(t, cc, session.WithPersonalAccessToken(transporttest.LoginPAT))
	_, err := failFast.Get(ctx, "4711")
	if session.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("fail-fast call without a connection: %v", err)
	}

	waiting := session.WithTransport(grpcconn.NewTransport(cc, grpcconn.WithCallOptions(grpc.WaitForReady(true))))
	c, err := session.New("", waiting, session.WithPersonalAccessToken(transporttest.LoginPAT))
	must(t, err)
	done := make(chan error, 1)
	before := d.attempts.Load()
	go func() {
		_, err := c.Get(ctx, "4711")
		done <- err
	}()
	// Let the waiting call see further failed connection attempts.
	for d.attempts.Load() < before+3 {
		select {
		case err := <-done:
			t.Fatalf("WaitForReady call returned before the connection was up: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if len(b.Calls()) != 0 {
		t.Fatal("a call reached the server through a closed gate")
	}
	d.open.Store(true)
	if err := <-done; !session.IsNotFound(err) {
		t.Fatalf("WaitForReady call: %v, want the server's not found", err)
	}
}

// TestRoundRobinOverTwoServers: a load-balanced ClientConn (manual
// resolver, round_robin) spreads the session client's calls over two
// grpc-go servers of one backend.
func TestRoundRobinOverTwoServers(t *testing.T) {
	b := transporttest.NewBackend(t)
	var hits [2]atomic.Int64
	var addrs []resolver.Address
	for i := range hits {
		count := func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			hits[i].Add(1)
			return handler(srv, ss)
		}
		addrs = append(addrs, resolver.Address{Addr: serveGRPC(t, b.Server, grpc.StreamInterceptor(count))})
	}
	r := manual.NewBuilderWithScheme("zitadel-lb")
	r.InitialState(resolver.State{Addresses: addrs})
	cc := dial(t, r.Scheme()+":///zitadel", grpc.WithResolvers(r),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"round_robin":{}}]}`))
	c := newSession(t, cc, session.WithPersonalAccessToken(transporttest.LoginPAT))
	ctx, info := connect.NewClientContext(ctxT(t))
	h, _, err := c.Create(ctx, session.CheckUserID(transporttest.AliceID))
	must(t, err)
	if info.PeerAddr != "zitadel" {
		t.Errorf("PeerAddr %q, want the target's endpoint", info.PeerAddr)
	}
	n := 1
	for ; n < 200 && (hits[0].Load() < 3 || hits[1].Load() < 3); n++ {
		s, err := c.Get(ctx, h.ID())
		if err != nil || s.ID != h.ID() {
			t.Fatalf("Get #%d: %v", n, err)
		}
	}
	if hits[0].Load() < 3 || hits[1].Load() < 3 || hits[0].Load()+hits[1].Load() != int64(n) {
		t.Errorf("%d calls, servers saw %d and %d", n, hits[0].Load(), hits[1].Load())
	}
}

// TestLocalErrors: errors raised by grpc-go itself are connect errors with
// the right code, not marked as the server's, with the grpc-go status
// reachable.
func TestLocalErrors(t *testing.T) {
	ctx := ctxT(t)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := lis.Addr().String()
	must(t, lis.Close())
	c := newSession(t, dial(t, "passthrough:///"+closed), session.WithPersonalAccessToken(transporttest.LoginPAT))
	_, err = c.Get(ctx, "4711")
	var ce *connect.Error
	if session.CodeOf(err) != connect.CodeUnavailable || !errors.As(err, &ce) || ce.IsRemote() {
		t.Errorf("unreachable server: %v (remote %v)", err, ce.IsRemote())
	}
	if st, ok := status.FromError(err); !ok || st.Code() != codes.Unavailable {
		t.Errorf("status.FromError on the connect error: %v %v", st, ok)
	}

	// A response above grpc-go's receive limit: ResourceExhausted, local,
	// so the retry interceptor does not repeat the call.
	b := transporttest.NewBackend(t)
	cc := dial(t, serveGRPC(t, b.Server))
	ok := newSession(t, cc, session.WithPersonalAccessToken(transporttest.LoginPAT))
	h, _, err := ok.Create(ctx, session.CheckUserID(transporttest.AliceID))
	must(t, err)
	tiny, err := session.New("", session.WithTransport(grpcconn.NewTransport(cc, grpcconn.WithCallOptions(grpc.MaxCallRecvMsgSize(16)))),
		session.WithPersonalAccessToken(transporttest.LoginPAT),
		session.WithRetry(interceptors.RetryPolicy{MaxAttempts: 3, InitialBackoff: time.Millisecond, RetryableCodes: []connect.Code{connect.CodeResourceExhausted}}))
	must(t, err)
	before := len(b.CallsOf(transporttest.ProcGet))
	_, err = tiny.Get(ctx, h.ID())
	if session.CodeOf(err) != connect.CodeResourceExhausted || !errors.As(err, &ce) || ce.IsRemote() {
		t.Errorf("oversized response: %v (remote %v)", err, ce.IsRemote())
	}
	if n := len(b.CallsOf(transporttest.ProcGet)) - before; n != 1 {
		t.Errorf("oversized response fetched %d times", n)
	}

	// A binary header that is not base64: an error naming it, nothing sent.
	before = len(b.Calls())
	bctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set("X-Blob-Bin", "not base64!")
	_, err = ok.Get(bctx, h.ID())
	if session.CodeOf(err) != connect.CodeInternal || !strings.Contains(err.Error(), "X-Blob-Bin") {
		t.Errorf("bad binary header: %v", err)
	}
	if len(b.Calls()) != before {
		t.Error("call with a bad binary header was sent")
	}
}

// TestUnaryStreamContract drives the transport's unary stream directly.
func TestUnaryStreamContract(t *testing.T) {
	b := transporttest.NewBackend(t)
	tr := grpcconn.NewTransport(dial(t, serveGRPC(t, b.Server)))
	spec := connect.Spec{Procedure: transporttest.ProcGet, StreamType: connect.StreamTypeUnary}
	ctx, info := connect.NewClientContext(ctxT(t))
	info.RequestHeader().Set("Authorization", "Bearer "+transporttest.LoginPAT)

	s, err := tr.NewClientStream(ctx, spec)
	must(t, err)
	if err := s.Receive(new(sessionv2.GetSessionResponse)); connect.CodeOf(err) != connect.CodeInternal {
		t.Errorf("Receive before Send: %v", err)
	}
	must(t, s.Close())
	must(t, s.Close()) // idempotent

	s, err = tr.NewClientStream(ctx, spec)
	must(t, err)
	must(t, s.SendHeaders())
	must(t, s.Send(&sessionv2.GetSessionRequest{SessionId: "4711"}))
	if err := s.Send(&sessionv2.GetSessionRequest{}); err == nil {
		t.Error("second Send accepted")
	}
	must(t, s.CloseSend())
	if err := s.Receive(new(sessionv2.GetSessionResponse)); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("Receive: %v", err)
	}
	if err := s.Receive(new(sessionv2.GetSessionResponse)); !errors.Is(err, io.EOF) {
		t.Errorf("second Receive: %v, want io.EOF", err)
	}

	s, err = tr.NewClientStream(ctx, spec)
	must(t, err)
	must(t, s.Send(&sessionv2.GetSessionRequest{SessionId: "4711"}))
	must(t, s.Close())
	if err := s.Receive(new(sessionv2.GetSessionResponse)); connect.CodeOf(err) != connect.CodeCanceled {
		t.Errorf("Receive after Close: %v", err)
	}
	if n := len(b.Calls()); n != 1 {
		t.Errorf("%d calls sent, want 1", n)
	}
}

// TestNilConnection: a transport over no connection fails every call with a
// clear error instead of panicking.
func TestNilConnection(t *testing.T) {
	for _, cc := range []grpc.ClientConnInterface{nil, (*grpc.ClientConn)(nil)} {
		c := newSession(t, cc, session.WithPersonalAccessToken(transporttest.LoginPAT))
		_, err := c.Get(ctxT(t), "4711")
		if session.CodeOf(err) != connect.CodeInternal || !strings.Contains(err.Error(), "nil connection") {
			t.Errorf("%T: %v", cc, err)
		}
	}
}

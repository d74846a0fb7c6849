package session_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/internal/transporttest"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// xnetConns counts the connections of golang.org/x/net/http2's client open
// in this process (their read loops).
func xnetConns() int {
	buf := make([]byte, 1<<20)
	return strings.Count(string(buf[:runtime.Stack(buf, true)]), "golang.org/x/net/http2.(*ClientConn).readLoop")
}

// noXNetConns waits until the x/net connections of earlier clients are gone.
func noXNetConns(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); xnetConns() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("x/net connections of a closed client still open after 10s")
		}
	}
}

// TestXNetHTTP2 runs gRPC over h2c and over TLS with WithXNetHTTP2 and
// checks that x/net's client carried the calls (and, through goleak in
// TestMain, that Close releases its connections); the Connect protocol
// works unchanged with the option.
func TestXNetHTTP2(t *testing.T) {
	plain := newServer(t)
	tlsSrv := newServer(t, sessiontest.WithTLS())
	pool := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, tc := range []struct {
		name string
		srv  *sessiontest.Server
		opts []session.Option
		xnet bool
	}{
		{"grpc-h2c", plain, []session.Option{session.WithGRPC()}, true},
		{"grpc-tls", tlsSrv, []session.Option{session.WithGRPC(), session.WithCAPool(pool)}, true},
		{"connect-tls", tlsSrv, []session.Option{session.WithCAPool(pool)}, false},
		{"connect-http1", plain, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noXNetConns(t)
			c, err := session.New(tc.srv.URL(), append(tc.opts, session.WithXNetHTTP2(), session.WithPersonalAccessToken(loginPAT))...)
			must(t, err)
			ctx := ctxT(t)
			h, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
			must(t, err)
			if s, err := h.Get(ctx); err != nil || s.Factors.User.ID != aliceID {
				t.Fatalf("Get: %v", err)
			}
			if n := xnetConns(); (n > 0) != tc.xnet {
				t.Errorf("%d golang.org/x/net/http2 connections open, want them only for gRPC", n)
			}
			must(t, c.Close())
		})
	}
	if _, err := session.New(plain.URL(), session.WithXNetHTTP2(), session.WithHTTPClient(http.DefaultClient)); err == nil ||
		!strings.Contains(err.Error(), "WithXNetHTTP2") {
		t.Errorf("WithXNetHTTP2 with WithHTTPClient: %v", err)
	}
}

// TestXNetHTTP2Behaviour runs the transport behaviour table with
// WithXNetHTTP2 for gRPC over h2c.
func TestXNetHTTP2Behaviour(t *testing.T) {
	transporttest.Run(t, func(t testing.TB, b *transporttest.Backend) transporttest.NewClient {
		url := b.StartHTTP(t)
		return func(opts ...session.Option) (*session.Client, error) {
			return session.New(url, append([]session.Option{session.WithGRPC(), session.WithXNetHTTP2()}, opts...)...)
		}
	})
}

package session_test

import (
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/internal/transporttest"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// xnetConnRunning reports whether a connection of golang.org/x/net/http2's
// client is open in this process.
func xnetConnRunning() bool {
	buf := make([]byte, 1<<20)
	return strings.Contains(string(buf[:runtime.Stack(buf, true)]), "golang.org/x/net/http2.(*ClientConn).readLoop")
}

// TestXNetHTTP2 runs gRPC over h2c and gRPC and Connect over TLS (HTTP/2 by
// ALPN) with WithXNetHTTP2, checks that x/net's client carried the calls
// and that Close releases its connections.
func TestXNetHTTP2(t *testing.T) {
	plain := newServer(t)
	tlsSrv := newServer(t, sessiontest.WithTLS())
	pool := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	for _, tc := range []struct {
		name string
		srv  *sessiontest.Server
		opts []session.Option
	}{
		{"grpc-h2c", plain, []session.Option{session.WithGRPC()}},
		{"grpc-tls", tlsSrv, []session.Option{session.WithGRPC(), session.WithCAPool(pool)}},
		{"connect-tls", tlsSrv, []session.Option{session.WithCAPool(pool)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := session.New(tc.srv.URL(), append(tc.opts, session.WithXNetHTTP2(), session.WithPersonalAccessToken(loginPAT))...)
			must(t, err)
			ctx := ctxT(t)
			h, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
			must(t, err)
			if s, err := h.Get(ctx); err != nil || s.Factors.User.ID != aliceID {
				t.Fatalf("Get: %v", err)
			}
			if !xnetConnRunning() {
				t.Error("no golang.org/x/net/http2 connection carried the calls")
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

package grpcconn_test

import (
	"net/url"
	"testing"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/internal/transporttest"
	"github.com/sessionkit/zitadel-session-go/session"
)

// TestBehaviourSessiontest runs the shared transport behaviour table (the
// one the default transport passes, internal/transporttest) over a grpc-go
// ClientConn to sessiontest's gRPC handler (connect-go's, over h2c).
func TestBehaviourSessiontest(t *testing.T) {
	transporttest.Run(t, func(t testing.TB, b *transporttest.Backend) transporttest.NewClient {
		base := b.StartHTTP(t)
		u, err := url.Parse(base)
		must(t, err)
		cc := dial(t, "passthrough:///"+u.Host)
		return func(opts ...session.Option) (*session.Client, error) {
			return session.New(base, append([]session.Option{session.WithTransport(grpcconn.NewTransport(cc))}, opts...)...)
		}
	})
}

// TestBehaviourGRPCGoServer runs the same table against a stock grpc-go
// server (grpc.NewServer) that hosts sessiontest's service.
func TestBehaviourGRPCGoServer(t *testing.T) {
	transporttest.Run(t, func(t testing.TB, b *transporttest.Backend) transporttest.NewClient {
		addr := serveGRPC(t, b.Server)
		cc := dial(t, "passthrough:///"+addr)
		return func(opts ...session.Option) (*session.Client, error) {
			return session.New("http://"+addr, append([]session.Option{session.WithTransport(grpcconn.NewTransport(cc))}, opts...)...)
		}
	})
}

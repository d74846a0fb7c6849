package session_test

import (
	"testing"

	"github.com/sessionkit/zitadel-session-go/internal/transporttest"
	"github.com/sessionkit/zitadel-session-go/session"
)

// TestTransportBehaviour runs the shared transport behaviour table
// (internal/transporttest, also run by the grpcconn module for its grpc-go
// transport) against the default transport of New, for each protocol.
func TestTransportBehaviour(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			transporttest.Run(t, func(t testing.TB, b *transporttest.Backend) transporttest.NewClient {
				url := b.StartHTTP(t)
				return func(opts ...session.Option) (*session.Client, error) {
					return session.New(url, append([]session.Option{p.opt}, opts...)...)
				}
			})
		})
	}
}

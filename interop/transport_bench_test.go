package interop_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"

	"connectrpc.com/connect/v2/connecthttp"
	"golang.org/x/net/http2"
)

// xnetClient is an h2c client on golang.org/x/net/http2.Transport instead of
// net/http's bundled HTTP/2 client.
func xnetClient(tb testing.TB) *http.Client {
	tr := &http2.Transport{AllowHTTP: true, DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// BenchmarkHTTP2Transport measures, client side alone against a stock grpc-go
// server, the raw connect client (gRPC, no compression) on net/http's HTTP/2
// client and on golang.org/x/net/http2, beside grpc-go's own client: one
// step of the search for where connect-go's per-call cost goes
// (BENCHMARKS.md, "Steps towards grpc-go parity").
func BenchmarkHTTP2Transport(b *testing.B) {
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		hc   func(testing.TB) *http.Client
	}{{"stdlib", h2cClient}, {"xnet", xnetClient}, {"grpcgo", nil}} {
		b.Run(tc.name, func(b *testing.B) {
			base := startGRPCGo(b, newFakeService(false))
			var get benchOp
			if tc.hc == nil {
				get, _ = grpcgoOps(dialGRPC(b, hostPort(b, base), nil), fakeToken, fakeSessionID, aliceID, sessionChecker(fakeSessionID))
			} else {
				get, _ = rawOps(rawClient(tc.hc(b), base, fakeToken, connecthttp.WithGRPC(), connecthttp.WithCompressors()), fakeSessionID, aliceID, sessionChecker(fakeSessionID))
			}
			if err := get(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := get(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package interop_test

import (
	"context"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
)

// BenchmarkGRPCConnPaired measures GetSession of grpc-go's own client
// (grpcgo), of session.Client over grpcconn and of its Raw() generated
// client (grpcconn-raw) against the same server, alternating the three call
// by call in rotating order, so that load from other processes hits
// both alike (on a shared machine the separate sub-benchmarks of
// BenchmarkGetSession can land in different load phases). It reports each
// client's mean time per call and the ratios to grpcgo.
func BenchmarkGRPCConnPaired(b *testing.B) {
	for _, path := range []string{"client-only", "e2e-h2c"} {
		b.Run(path, func(b *testing.B) {
			var base, token, id string
			if path == "client-only" {
				base, token, id = startGRPCGo(b, newFakeService(false)), fakeToken, fakeSessionID
			} else {
				srv := newSessiontest(b)
				base, token, id = srv.URL(), loginPAT, seedSession(b, srv)
			}
			grpcgo, _ := grpcgoOps(dialGRPC(b, hostPort(b, base), nil), token, id, aliceID, sessionChecker(id))
			c := helperOn(b, base, token, session.WithTransport(grpcconn.NewTransport(dialGRPC(b, hostPort(b, base), nil))))
			ours, _ := helperOps(c, id, aliceID)
			raw, _ := rawOps(c.Raw(), id, aliceID, sessionChecker(id))
			ctx := context.Background()
			ops := [3]benchOp{grpcgo, ours, raw}
			for _, op := range ops {
				if err := op(ctx); err != nil {
					b.Fatal(err)
				}
			}
			var spent [3]time.Duration
			n := 0
			for b.Loop() {
				// Rotate the order, so that no client always runs first
				// (or right after another one) in a round.
				for k := range ops {
					i := (n + k) % len(ops)
					start := time.Now()
					if err := ops[i](ctx); err != nil {
						b.Fatal(err)
					}
					spent[i] += time.Since(start)
				}
				n++
			}
			b.ReportMetric(float64(spent[0].Nanoseconds())/float64(n), "grpcgo-ns/call")
			b.ReportMetric(float64(spent[1].Nanoseconds())/float64(n), "grpcconn-ns/call")
			b.ReportMetric(float64(spent[2].Nanoseconds())/float64(n), "grpcconn-raw-ns/call")
			b.ReportMetric(float64(spent[1])/float64(spent[0]), "grpcconn/grpcgo")
			b.ReportMetric(float64(spent[2])/float64(spent[0]), "grpcconn-raw/grpcgo")
		})
	}
}

package interop_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
)

func BenchmarkZZPair3(b *testing.B) {
	base, token, id := startGRPCGo(b, newFakeService(false)), fakeToken, fakeSessionID
	check := sessionChecker(id)
	a, _ := grpcgoOps(dialGRPC(b, hostPort(b, base), nil), token, id, aliceID, check)
	a2, _ := grpcgoOps(dialGRPC(b, hostPort(b, base), nil), token, id, aliceID, check)
	ours, _ := helperOps(helperOn(b, base, token, session.WithTransport(grpcconn.NewTransport(dialGRPC(b, hostPort(b, base), nil)))), id, aliceID)
	raw, _ := rawOps(helperOn(b, base, token, session.WithTransport(grpcconn.NewTransport(dialGRPC(b, hostPort(b, base), nil)))).Raw(), id, aliceID, check)
	clients := []benchOp{a, a2, ours, raw}
	ctx := context.Background()
	for _, c := range clients { _ = c(ctx) }
	spent := make([]time.Duration, len(clients))
	order := []int{0, 1, 2, 3}
	rng := rand.New(rand.NewPCG(1, 2))
	for b.Loop() {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			start := time.Now()
			if err := clients[i](ctx); err != nil { b.Fatal(err) }
			spent[i] += time.Since(start)
		}
	}
	b.ReportMetric(float64(spent[1])/float64(spent[0]), "grpcgo2/grpcgo")
	b.ReportMetric(float64(spent[2])/float64(spent[0]), "grpcconn/grpcgo")
	b.ReportMetric(float64(spent[3])/float64(spent[0]), "raw/grpcgo")
}

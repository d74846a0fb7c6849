package interop_test

import (
	"context"
	"crypto/x509"
	"math/rand/v2"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// pairedClient is one client of BenchmarkPaired.
type pairedClient struct {
	name string
	call benchOp
}

// BenchmarkPaired measures GetSession and CreateSession (user check only)
// of several clients against the same server, alternating them call by call
// in a new random order each round (seeded, so runs repeat the same
// orders), so that load from other processes hits all of them alike (on a
// shared machine the separate sub-benchmarks of BenchmarkGetSession can land
// in different load phases, which moves their ratios by more than the
// differences measured here). It reports each client's mean time per call
// ("<client>-ns/call"), its ratio to the first client ("<client>/grpcgo")
// and helper-xnet/helper.
//
// Clients: grpcgo (grpc-go's ClientConn.Invoke), grpcgo-2 (the same again,
// as a control: its ratio to grpcgo shows what this measurement resolves),
// grpcconn (session.Client over grpcconn), grpcconn-raw (its Raw()
// generated client), helper (session.Client, default net/http transport,
// gRPC) and helper-xnet (the same with WithXNetHTTP2). Paths as in
// BenchmarkGetSession: client-only, e2e-h2c, e2e-tls.
func BenchmarkPaired(b *testing.B) {
	for _, rpc := range []string{"GetSession", "CreateSession"} {
		for _, path := range []string{"client-only", "e2e-h2c", "e2e-tls"} {
			b.Run(rpc+"/"+path, func(b *testing.B) { pairedRun(b, rpc, path) })
		}
	}
}

// pairedRun is one sub-benchmark of BenchmarkPaired.
func pairedRun(b *testing.B, rpc, path string) {
	var base, token, id string
	var pool *x509.CertPool // TLS only
	var tlsOpts []session.Option
	switch path {
	case "client-only":
		base, token, id = startGRPCGo(b, newFakeService(false)), fakeToken, fakeSessionID
	case "e2e-h2c":
		srv := newSessiontest(b)
		base, token, id = srv.URL(), loginPAT, seedSession(b, srv)
	case "e2e-tls":
		srv := newSessiontest(b, sessiontest.WithTLS())
		base, token, id = srv.URL(), loginPAT, seedSession(b, srv)
		pool = serverRootCAs(b, srv)
		tlsOpts = []session.Option{session.WithCAPool(pool)}
	}
	dial := func() *grpc.ClientConn { return dialGRPC(b, hostPort(b, base), pool) }
	check := sessionChecker(id)
	pick := func(get, create benchOp) benchOp {
		if rpc == "CreateSession" {
			return create
		}
		return get
	}
	// Each client has its own connection: a connection shared by two
	// clients is used twice as often and so stays warmer.
	clients := []pairedClient{
		{"grpcgo", pick(grpcgoOps(dial(), token, id, aliceID, check))},
		// A second, identical grpc-go client: grpcgo-2/grpcgo is the
		// resolution of these ratios on this machine.
		{"grpcgo-2", pick(grpcgoOps(dial(), token, id, aliceID, check))},
		{"grpcconn", pick(helperOps(helperOn(b, base, token, session.WithTransport(grpcconn.NewTransport(dial()))), id, aliceID))},
		{"grpcconn-raw", pick(rawOps(helperOn(b, base, token, session.WithTransport(grpcconn.NewTransport(dial()))).Raw(), id, aliceID, check))},
		{"helper", pick(helperOps(helperOn(b, base, token, append([]session.Option{session.WithGRPC()}, tlsOpts...)...), id, aliceID))},
		{"helper-xnet", pick(helperOps(helperOn(b, base, token, append([]session.Option{session.WithGRPC(), session.WithXNetHTTP2()}, tlsOpts...)...), id, aliceID))},
	}

	ctx := context.Background()
	for _, c := range clients { // warm-up: open the connections
		if err := c.call(ctx); err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
	}
	spent := make([]time.Duration, len(clients))
	order := make([]int, len(clients))
	for i := range order {
		order[i] = i
	}
	// A fixed seed: every run shuffles alike, and no client always
	// follows the same other client (whose garbage and connection
	// state it would inherit), as it would in a fixed rotation.
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for b.Loop() {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			start := time.Now()
			if err := clients[i].call(ctx); err != nil {
				b.Fatalf("%s: %v", clients[i].name, err)
			}
			spent[i] += time.Since(start)
		}
		n++
	}
	for i, c := range clients {
		b.ReportMetric(float64(spent[i].Nanoseconds())/float64(n), c.name+"-ns/call")
		if i > 0 {
			b.ReportMetric(float64(spent[i])/float64(spent[0]), c.name+"/grpcgo")
		}
	}
	b.ReportMetric(float64(spent[5])/float64(spent[4]), "helper-xnet/helper")
}

package reliability

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2/connectinprocess"
	"golang.org/x/crypto/bcrypt"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// inProcess returns a seeded sessiontest server and a session client that
// reaches it through connectinprocess (no network).
func inProcess(tb testing.TB, opts ...sessiontest.Option) (*sessiontest.Server, *session.Client) {
	srv := newUnstartedServer(tb, opts...)
	c := newClient(tb, "http://in-process", session.WithTransport(connectinprocess.New(srv.ConnectServer())),
		session.WithPersonalAccessToken(loginPAT))
	return srv, c
}

// BenchmarkServerFlow measures the sessiontest server's throughput for a
// login flow: Create (user check) + Set (TOTP check) + Get, in process,
// from GOMAXPROCS goroutines. Target: ≥ 20,000 flows/s on 2 cores.
func BenchmarkServerFlow(b *testing.B) {
	srv, c := inProcess(b)
	code := totpCode(b, srv, aliceTOTP) // valid for ±1 step: enough for a benchmark
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
				b.Error(err)
				return
			}
			if _, err := h.Get(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

// BenchmarkServerFlowPassword is BenchmarkServerFlow with a password check
// in the Create (login name + password), at the server's default bcrypt
// cost and at Zitadel's production default (10) for comparison.
func BenchmarkServerFlowPassword(b *testing.B) {
	for _, cost := range []int{0, 10} {
		name := "cost=default"
		if cost != 0 {
			name = fmt.Sprintf("cost=%d", cost)
		}
		b.Run(name, func(b *testing.B) {
			var opts []sessiontest.Option
			reported := bcrypt.MinCost // sessiontest's documented default
			if cost != 0 {
				opts = append(opts, sessiontest.WithPasswordHashCost(cost))
				reported = cost
			}
			srv, c := inProcess(b, opts...)
			code := totpCode(b, srv, aliceTOTP)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					h, _, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(alicePassword))
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
						b.Error(err)
						return
					}
					if _, err := h.Get(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
			b.ReportMetric(float64(reported), "bcrypt-cost")
		})
	}
}

// BenchmarkSessionMemory stores N sessions (RELIABILITY_SESSIONS, default
// 100,000; each with a user and a TOTP check) and reports the heap in use
// per session (HeapInuse delta after GC) and the extrapolation to
// 1,000,000 sessions. Target: < 1 GiB per million. Run with -benchtime=1x;
// the measurement is done once whatever b.N.
func BenchmarkSessionMemory(b *testing.B) {
	n := 100_000
	if v := os.Getenv("RELIABILITY_SESSIONS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("RELIABILITY_SESSIONS=%q", v)
		}
	}
	srv, c := inProcess(b)
	code := totpCode(b, srv, aliceTOTP)
	ctx := context.Background()
	// Warm up (lazily allocated shards, pools) before the baseline.
	if _, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckTOTP(code)); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()

	var next atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckTOTP(code)); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := srv.SessionCount(); got != n+1 {
		b.Fatalf("server holds %d sessions, want %d", got, n+1)
	}
	perSession := float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	b.ReportMetric(perSession, "bytes/session")
	b.ReportMetric(perSession*1e6/(1<<30), "GiB/1M-sessions")
	b.ReportMetric(float64(n), "sessions")
	runtime.KeepAlive(srv)
}

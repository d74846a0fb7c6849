package sessiontest_test

import (
	"runtime"
	"testing"

	"github.com/pquerna/otp/totp"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// BenchmarkLoginFlow measures Create(user) + Set(TOTP) + Get in process.
func BenchmarkLoginFlow(b *testing.B) {
	srv := sessiontest.NewUnstartedServer(sessiontest.WithClock(sessiontest.NewClock(epoch)))
	seed(b, srv)
	c := inProcessClient(srv)
	code, _ := totp.GenerateCode(totpKey, epoch)
	ctx := as(tokLogin)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			res, err := c.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}})
			if err != nil {
				b.Fatal(err)
			}
			set, err := c.SetSession(ctx, &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: res.GetSessionId(), SessionToken: &set.SessionToken}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestMemoryPerSession checks that a stored session stays small.
func TestMemoryPerSession(t *testing.T) {
	heavytest.Require(t)
	if testing.Short() {
		t.Skip("short")
	}
	srv := sessiontest.NewUnstartedServer(sessiontest.WithClock(sessiontest.NewClock(epoch)))
	seed(t, srv)
	c := inProcessClient(srv)
	ctx := as(tokLogin)
	code, _ := totp.GenerateCode(totpKey, epoch)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 20000
	for i := 0; i < n; i++ {
		res, err := c.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.SetSession(ctx, &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}}}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("≈%d bytes per session", per)
	if per > 700 { // 1,000,000 sessions must fit in 1 GiB with room to spare
		t.Errorf("%d bytes per session", per)
	}
	if srv.SessionCount() != n {
		t.Errorf("SessionCount = %d", srv.SessionCount())
	}
}

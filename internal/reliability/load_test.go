package reliability

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

const (
	loadWorkers = 200
	// loadFlows per worker: 25 normally (5,000 flows, ~4 s on 2 cores),
	// 8 under -race (1,600 flows, ~16 s; the race detector costs ~12x).
	loadFlowsNormal = 25
	loadFlowsRace   = 8
	loadUsers       = 50
	// loadHeapBound is a generous bound for the heap in use after GC with
	// every session of the run still held (terminated sessions are kept for
	// the retention period).
	loadHeapBound = 256 << 20
)

// TestLoad runs 200 concurrent session clients against one sessiontest
// server over loopback HTTP, each doing 25 flows (8 under -race) of Create (user +
// password), Set (TOTP), Get (with the session token) and Delete. It
// asserts zero errors, zero lost sessions and a bounded heap.
func TestLoad(t *testing.T) {
	heavytest.Require(t)
	if testing.Short() {
		t.Skip("load test skipped with -short")
	}
	srv := sessiontest.NewServer()
	t.Cleanup(srv.Close)
	must(t, srv.AddAccessToken(loginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	type user struct{ id, login, password, secret string }
	users := make([]user, loadUsers)
	for i := range users {
		u := user{fmt.Sprintf("load-%d", i), fmt.Sprintf("load-%d@example.com", i), fmt.Sprintf("Load-pw-%d-x", i), aliceTOTP}
		users[i] = u
		must(t, srv.AddUser(sessiontest.User{ID: u.id, LoginName: u.login, Password: u.password, TOTPSecret: u.secret}))
	}

	loadFlows := loadFlowsNormal
	if raceEnabled {
		loadFlows = loadFlowsRace
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		created = map[string]bool{} // session id -> found by Get with its token
		deleted int
	)
	fail := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for w := range loadWorkers {
		c := newClient(t, srv.URL(), session.WithPersonalAccessToken(loginPAT))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range loadFlows {
				u := users[(w*loadFlows+i)%len(users)]
				h, _, err := c.Create(ctx, session.CheckLoginName(u.login), session.CheckPassword(u.password))
				if err != nil {
					fail(fmt.Errorf("worker %d flow %d: create: %w", w, i, err))
					continue
				}
				mu.Lock()
				dup := created[h.ID()]
				created[h.ID()] = false
				mu.Unlock()
				if dup {
					fail(fmt.Errorf("duplicate session id %s", h.ID()))
				}
				code, err := totp.GenerateCode(u.secret, srv.Clock().Now())
				if err != nil {
					fail(err)
					continue
				}
				if _, err := h.Set(ctx, session.CheckTOTP(code)); err != nil {
					fail(fmt.Errorf("worker %d flow %d: set: %w", w, i, err))
					continue
				}
				s, err := h.Get(ctx)
				if err != nil {
					fail(fmt.Errorf("worker %d flow %d: get: %w", w, i, err))
					continue
				}
				if s.ID != h.ID() || s.Factors.User.ID != u.id || !s.Satisfies(session.PasswordAndSecondFactor) {
					fail(fmt.Errorf("worker %d flow %d: get returned %v with factors %v", w, i, s.ID, s.VerifiedFactors()))
					continue
				}
				mu.Lock()
				created[h.ID()] = true
				mu.Unlock()
				if err := h.Delete(ctx); err != nil {
					fail(fmt.Errorf("worker %d flow %d: delete: %w", w, i, err))
					continue
				}
				mu.Lock()
				deleted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()

	for i, err := range errs {
		if i == 10 {
			t.Errorf("... %d errors in total", len(errs))
			break
		}
		t.Error(err)
	}
	total := loadWorkers * loadFlows
	found := 0
	for _, ok := range created {
		if ok {
			found++
		}
	}
	if len(created) != total || found != total || deleted != total {
		t.Errorf("created %d, found by Get %d, deleted %d; want %d each", len(created), found, deleted, total)
	}
	if n := srv.SessionCount(); n != total {
		t.Errorf("server holds %d sessions (incl. terminated), want %d", n, total)
	}
	// Deleted means gone: sample a few.
	c := newClient(t, srv.URL(), session.WithPersonalAccessToken(loginPAT))
	sampled := 0
	for id := range created {
		if sampled == 20 {
			break
		}
		sampled++
		if _, err := c.Get(ctx, id); !session.IsNotFound(err) {
			t.Errorf("deleted session %s: Get = %v, want NotFound", id, err)
		}
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	t.Logf("%d flows by %d workers; HeapInuse after GC %.1f MiB; %d goroutines", total, loadWorkers, float64(ms.HeapInuse)/(1<<20), runtime.NumGoroutine())
	if ms.HeapInuse > loadHeapBound {
		t.Errorf("HeapInuse after GC %d MiB > %d MiB", ms.HeapInuse>>20, loadHeapBound>>20)
	}
}

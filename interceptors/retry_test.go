package interceptors_test

import (
	"context"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// fastRetry keeps test backoffs tiny; nothing asserts on durations.
var fastRetry = interceptors.RetryPolicy{MaxAttempts: 4, InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}

func TestRetryGetSessionUntilSuccess(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 2
	client := startSessionServer(t, svc, interceptors.Retry(fastRetry))
	ctx, info := connect.NewClientContext(t.Context())
	res, err := client.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: "abc"})
	if err != nil {
		t.Fatal(err)
	}
	if res.GetSession().GetId() != "abc" {
		t.Fatalf("response session id = %q; the request was not re-sent intact", res.GetSession().GetId())
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 3 {
		t.Fatalf("server saw %d GetSession calls, want 3", n)
	}
	if got := info.ResponseHeader().Values("X-Attempt"); len(got) != 1 || got[0] != "3" {
		t.Fatalf("response header X-Attempt = %v, want [3] from the last attempt", got)
	}
}

func TestRetryListSessionsGivesUpAfterMaxAttempts(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceListSessionsProcedure] = 100
	client := startSessionServer(t, svc, interceptors.Retry(fastRetry))
	_, err := client.ListSessions(t.Context(), &sessionv2.ListSessionsRequest{})
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceListSessionsProcedure); n != 4 {
		t.Fatalf("server saw %d ListSessions calls, want MaxAttempts=4", n)
	}
}

func TestRetryListSessionsSucceeds(t *testing.T) {
	svc := newFakeSessions()
	svc.failCode = connect.CodeResourceExhausted
	svc.failures[sessionv2connect.SessionServiceListSessionsProcedure] = 1
	client := startSessionServer(t, svc, interceptors.Retry(fastRetry))
	res, err := client.ListSessions(t.Context(), &sessionv2.ListSessionsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.GetSessions()) != 2 {
		t.Fatalf("sessions = %d, want 2", len(res.GetSessions()))
	}
	if n := svc.count(sessionv2connect.SessionServiceListSessionsProcedure); n != 2 {
		t.Fatalf("server saw %d calls, want 2", n)
	}
}

func TestRetryNeverRetriesMutations(t *testing.T) {
	svc := newFakeSessions()
	for _, p := range []string{
		sessionv2connect.SessionServiceCreateSessionProcedure,
		sessionv2connect.SessionServiceSetSessionProcedure,
		sessionv2connect.SessionServiceDeleteSessionProcedure,
	} {
		svc.failures[p] = 100
	}
	client := startSessionServer(t, svc, interceptors.Retry(interceptors.RetryPolicy{
		MaxAttempts: 10, InitialBackoff: time.Millisecond,
		RetryableCodes: []connect.Code{connect.CodeUnavailable, connect.CodeUnknown, connect.CodeInternal},
	}))
	ctx := t.Context()
	_, errCreate := client.CreateSession(ctx, &sessionv2.CreateSessionRequest{})
	_, errSet := client.SetSession(ctx, &sessionv2.SetSessionRequest{SessionId: "s"})
	_, errDelete := client.DeleteSession(ctx, &sessionv2.DeleteSessionRequest{SessionId: "s"})
	for name, err := range map[string]error{"create": errCreate, "set": errSet, "delete": errDelete} {
		if connect.CodeOf(err) != connect.CodeUnavailable {
			t.Errorf("%s: err = %v, want unavailable", name, err)
		}
	}
	for _, p := range []string{
		sessionv2connect.SessionServiceCreateSessionProcedure,
		sessionv2connect.SessionServiceSetSessionProcedure,
		sessionv2connect.SessionServiceDeleteSessionProcedure,
	} {
		if n := svc.count(p); n != 1 {
			t.Errorf("%s: server saw %d calls, want exactly 1", p, n)
		}
	}
}

func TestRetryIgnoresNonRetryableCodes(t *testing.T) {
	svc := newFakeSessions()
	svc.failCode = connect.CodeNotFound
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 100
	client := startSessionServer(t, svc, interceptors.Retry(fastRetry))
	if err := getSession(t.Context(), client); connect.CodeOf(err) != connect.CodeNotFound {
		t.Fatalf("err = %v, want not_found", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 1 {
		t.Fatalf("server saw %d calls, want 1", n)
	}
}

func TestRetryStopsWhenBackoffExceedsDeadline(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 100
	client := startSessionServer(t, svc, interceptors.Retry(interceptors.RetryPolicy{
		MaxAttempts: 5, InitialBackoff: time.Hour, MaxBackoff: time.Hour, Jitter: -1,
	}))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// The first backoff (1h) ends after the deadline (1m): the last error is
	// returned at once instead of sleeping into the deadline.
	if err := getSession(ctx, client); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 1 {
		t.Fatalf("server saw %d calls, want 1", n)
	}
}

func TestRetryBackoffInterruptedByCancel(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 100
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	svc.onCall = func(context.Context, string, int) { cancel() }
	client := startSessionServer(t, svc, interceptors.Retry(interceptors.RetryPolicy{
		MaxAttempts: 5, InitialBackoff: time.Hour, MaxBackoff: time.Hour,
	}))
	// Without a deadline, only cancellation can end the hour-long backoff.
	if err := getSession(ctx, client); connect.CodeOf(err) != connect.CodeCanceled {
		t.Fatalf("err = %v, want canceled", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 1 {
		t.Fatalf("server saw %d calls, want 1", n)
	}
}

func TestRetryDisabledWithOneAttempt(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 100
	client := startSessionServer(t, svc, interceptors.Retry(interceptors.RetryPolicy{MaxAttempts: 1}))
	if err := getSession(t.Context(), client); connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("err = %v", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 1 {
		t.Fatalf("server saw %d calls, want 1", n)
	}
}

// Interceptors after Retry run once per attempt and see the same request
// headers each time.
func TestRetryReappliesInnerInterceptors(t *testing.T) {
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 2
	client := startSessionServer(t, svc,
		interceptors.Retry(fastRetry),
		interceptors.Auth(credentials.PersonalAccessToken("pat-value")),
		interceptors.OrgID("org-1"))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	hs := svc.allHeaders()
	if len(hs) != 3 {
		t.Fatalf("attempts = %d, want 3", len(hs))
	}
	for i, h := range hs {
		if h.Get("Authorization") != "Bearer pat-value" || h.Get("X-Zitadel-Orgid") != "org-1" {
			t.Errorf("attempt %d headers: %v", i+1, h)
		}
	}
}

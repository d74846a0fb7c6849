package interceptors_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"go.uber.org/goleak"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeSessions is a SessionService that records calls and request headers
// and fails the first failures[procedure] calls of a procedure with
// failCode.
type fakeSessions struct {
	sessionv2connect.UnimplementedSessionServiceHandler

	mu       sync.Mutex
	calls    map[string]int
	headers  []http.Header
	failures map[string]int
	failCode connect.Code
	onCall   func(ctx context.Context, procedure string, n int)
}

func newFakeSessions() *fakeSessions {
	return &fakeSessions{calls: map[string]int{}, failures: map[string]int{}, failCode: connect.CodeUnavailable}
}

func (f *fakeSessions) record(ctx context.Context, procedure string) error {
	info, _ := connect.CallInfoForServerContext(ctx)
	h := http.Header{}
	for k, v := range info.RequestHeader().All() {
		h[k] = append([]string(nil), v...)
	}
	f.mu.Lock()
	f.calls[procedure]++
	n := f.calls[procedure]
	f.headers = append(f.headers, h)
	fail := n <= f.failures[procedure]
	code := f.failCode
	onCall := f.onCall
	f.mu.Unlock()
	info.ResponseHeader().Set("X-Attempt", strconv.Itoa(n))
	if onCall != nil {
		onCall(ctx, procedure, n)
	}
	if fail {
		return connect.NewError(code, "injected failure")
	}
	return nil
}

func (f *fakeSessions) count(procedure string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[procedure]
}

func (f *fakeSessions) lastHeader() http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.headers) == 0 {
		return nil
	}
	return f.headers[len(f.headers)-1]
}

func (f *fakeSessions) allHeaders() []http.Header {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]http.Header(nil), f.headers...)
}

func (f *fakeSessions) GetSession(ctx context.Context, req *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error) {
	if err := f.record(ctx, sessionv2connect.SessionServiceGetSessionProcedure); err != nil {
		return nil, err
	}
	return &sessionv2.GetSessionResponse{Session: &sessionv2.Session{Id: req.GetSessionId()}}, nil
}

func (f *fakeSessions) ListSessions(ctx context.Context, _ *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	if err := f.record(ctx, sessionv2connect.SessionServiceListSessionsProcedure); err != nil {
		return nil, err
	}
	return &sessionv2.ListSessionsResponse{Sessions: []*sessionv2.Session{{Id: "s1"}, {Id: "s2"}}}, nil
}

func (f *fakeSessions) CreateSession(ctx context.Context, _ *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	if err := f.record(ctx, sessionv2connect.SessionServiceCreateSessionProcedure); err != nil {
		return nil, err
	}
	otp := "OTPSMS-SECRET-4711"
	return &sessionv2.CreateSessionResponse{
		SessionId:    "new-session",
		SessionToken: "RESP-SESSION-TOKEN-SECRET",
		Challenges:   &sessionv2.Challenges{OtpSms: &otp},
	}, nil
}

func (f *fakeSessions) SetSession(ctx context.Context, _ *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	if err := f.record(ctx, sessionv2connect.SessionServiceSetSessionProcedure); err != nil {
		return nil, err
	}
	return &sessionv2.SetSessionResponse{SessionToken: "SET-RESP-TOKEN-SECRET"}, nil
}

func (f *fakeSessions) DeleteSession(ctx context.Context, _ *sessionv2.DeleteSessionRequest) (*sessionv2.DeleteSessionResponse, error) {
	if err := f.record(ctx, sessionv2connect.SessionServiceDeleteSessionProcedure); err != nil {
		return nil, err
	}
	return &sessionv2.DeleteSessionResponse{}, nil
}

// startSessionServer serves svc over HTTP on 127.0.0.1 and returns a session
// client using the given interceptors.
func startSessionServer(t *testing.T, svc sessionv2connect.SessionServiceHandler, ics ...connect.ClientInterceptor) sessionv2connect.SessionServiceClient {
	t.Helper()
	server := connect.NewServer()
	sessionv2connect.RegisterSessionServiceHandler(server, svc)
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server)
	srv := httptest.NewServer(mux)
	httpClient := srv.Client()
	t.Cleanup(func() {
		httpClient.CloseIdleConnections()
		srv.Close()
	})
	return sessionv2connect.NewSessionServiceClient(
		connect.NewClient(connecthttp.NewTransport(httpClient, srv.URL), ics...))
}

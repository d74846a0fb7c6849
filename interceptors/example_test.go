package interceptors_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectinprocess"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sessionkit/zitadel-session-go/credentials"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// echoServer is an in-process SessionService whose GetSession reports the
// request headers it received, and which fails the first failFirst calls
// with CodeUnavailable.
type echoServer struct {
	sessionv2connect.UnimplementedSessionServiceHandler
	failFirst int
	calls     int
}

func (s *echoServer) GetSession(ctx context.Context, req *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error) {
	s.calls++
	if s.calls <= s.failFirst {
		return nil, connect.NewError(connect.CodeUnavailable, "try again")
	}
	info, _ := connect.CallInfoForServerContext(ctx)
	h := info.RequestHeader()
	fmt.Printf("server: call %d authorization=%q instance-host=%q orgid=%q\n", s.calls,
		h.Get("Authorization"), h.Get("X-Zitadel-Instance-Host"), h.Get("X-Zitadel-Orgid"))
	return &sessionv2.GetSessionResponse{Session: &sessionv2.Session{Id: req.GetSessionId()}}, nil
}

func (s *echoServer) CreateSession(context.Context, *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	return &sessionv2.CreateSessionResponse{SessionId: "s-1", SessionToken: "secret-session-token"}, nil
}

func inProcessClient(svc sessionv2connect.SessionServiceHandler, ics ...connect.ClientInterceptor) sessionv2connect.SessionServiceClient {
	server := connect.NewServer()
	sessionv2connect.RegisterSessionServiceHandler(server, svc)
	return sessionv2connect.NewSessionServiceClient(connect.NewClient(connectinprocess.New(server), ics...))
}

// A client for a Zitadel instance, authenticated with a personal access
// token, with retries for reads, logging and tracing.
func Example() {
	transport := connecthttp.NewTransport(&http.Client{Timeout: 30 * time.Second}, "https://example.zitadel.cloud")
	client := sessionv2connect.NewSessionServiceClient(connect.NewClient(transport,
		interceptors.Tracing(nil), // the global tracer provider
		interceptors.Logging(slog.Default()),
		interceptors.Retry(interceptors.RetryPolicy{}),
		interceptors.Auth(credentials.PersonalAccessToken(os.Getenv("ZITADEL_PAT"))),
	))
	_ = client // client.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: id})
}

func ExampleAuth() {
	client := inProcessClient(&echoServer{}, interceptors.Auth(credentials.PersonalAccessToken("my-pat")))
	ctx := context.Background()
	if _, err := client.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: "s-1"}); err != nil {
		log.Fatal(err)
	}
	// A per-call Authorization header wins over the token source.
	callCtx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set("Authorization", "Bearer per-call-token")
	if _, err := client.GetSession(callCtx, &sessionv2.GetSessionRequest{SessionId: "s-1"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// server: call 1 authorization="Bearer my-pat" instance-host="" orgid=""
	// server: call 2 authorization="Bearer per-call-token" instance-host="" orgid=""
}

func ExampleInstanceHost() {
	client := inProcessClient(&echoServer{},
		interceptors.InstanceHost("login.example.com"),
		interceptors.OrgID("123456"),
		interceptors.Headers(http.Header{"X-Request-Source": {"example"}}),
	)
	if _, err := client.GetSession(context.Background(), &sessionv2.GetSessionRequest{SessionId: "s-1"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// server: call 1 authorization="" instance-host="login.example.com" orgid="123456"
}

func ExampleRetry() {
	svc := &echoServer{failFirst: 2}
	client := inProcessClient(svc, interceptors.Retry(interceptors.RetryPolicy{
		MaxAttempts:    3,
		InitialBackoff: time.Millisecond,
	}))
	res, err := client.GetSession(context.Background(), &sessionv2.GetSessionRequest{SessionId: "s-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.GetSession().GetId(), "after", svc.calls, "attempts")
	// Output:
	// server: call 3 authorization="" instance-host="" orgid=""
	// s-1 after 3 attempts
}

func ExampleLogging() {
	handler := slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // keep the example's output stable
			}
			return a
		},
	})
	client := inProcessClient(&echoServer{}, interceptors.Logging(slog.New(handler)))
	_, err := client.CreateSession(context.Background(), &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice"}},
			Password: &sessionv2.CheckPassword{Password: "hunter2"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// level=INFO msg="rpc call" procedure=/zitadel.session.v2.SessionService/CreateSession code=ok peer="" request="{\"checks\":{\"user\":{\"login_name\":\"alice\"},\"password\":{\"password\":\"[REDACTED]\"}}}" response="{\"session_id\":\"s-1\",\"session_token\":\"[REDACTED]\"}"
}

func ExampleTracing() {
	tp := noop.NewTracerProvider() // use the SDK's provider in real code
	client := inProcessClient(&echoServer{}, interceptors.Tracing(tp))
	if _, err := client.GetSession(context.Background(), &sessionv2.GetSessionRequest{SessionId: "s-1"}); err != nil {
		log.Fatal(err)
	}
	// Output:
	// server: call 1 authorization="" instance-host="" orgid=""
}

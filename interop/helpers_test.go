package interop_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// Fixtures of the sessiontest server.
const (
	aliceID       = "alice-id"
	aliceLogin    = "alice@example.com"
	alicePassword = "correct horse battery staple"
	loginPAT      = "login-client-pat"
	readonlyPAT   = "readonly-pat"
)

// newSessiontest starts a sessiontest server on 127.0.0.1 with alice and a
// login-client PAT (read+write+delete) and a read-only PAT.
func newSessiontest(tb testing.TB, opts ...sessiontest.Option) *sessiontest.Server {
	tb.Helper()
	srv := sessiontest.NewServer(opts...)
	tb.Cleanup(srv.Close)
	must(tb, srv.AddUser(sessiontest.User{
		ID: aliceID, LoginName: aliceLogin, DisplayName: "Alice", Password: alicePassword,
	}))
	must(tb, srv.AddAccessToken(loginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	must(tb, srv.AddAccessToken(readonlyPAT, "reader", sessiontest.PermissionSessionRead))
	return srv
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

// hostPort returns "127.0.0.1:PORT" of an http(s) base URL.
func hostPort(tb testing.TB, base string) string {
	tb.Helper()
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		tb.Fatalf("bad base URL %q: %v", base, err)
	}
	return u.Host
}

// serverRootCAs extracts the pool that sessiontest's Client trusts (the
// server's self-signed certificate), for the grpc-go TLS credentials.
func serverRootCAs(tb testing.TB, srv *sessiontest.Server) *x509.CertPool {
	tb.Helper()
	tr, ok := srv.Client().Transport.(*http.Transport)
	if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.RootCAs == nil {
		tb.Fatal("sessiontest Client has no TLS root CAs")
	}
	return tr.TLSClientConfig.RootCAs
}

// dialGRPC opens a stock grpc-go client connection to addr. With pool != nil
// it uses TLS trusting pool, otherwise plaintext (h2c).
func dialGRPC(tb testing.TB, addr string, pool *x509.CertPool) *grpc.ClientConn {
	tb.Helper()
	creds := insecure.NewCredentials()
	if pool != nil {
		creds = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	conn, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

const svcPrefix = "/" + sessionv2connect.SessionServiceName + "/"

// h2cClient is a plain net/http client speaking cleartext HTTP/2 with prior
// knowledge (what gRPC needs on http:// URLs).
func h2cClient(tb testing.TB) *http.Client {
	tb.Helper()
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: p}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// http1Client is a plain net/http client speaking HTTP/1.1 only.
func http1Client(tb testing.TB, pool *x509.CertPool) *http.Client {
	tb.Helper()
	p := new(http.Protocols)
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: p, MaxIdleConnsPerHost: 16}
	if pool != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	tb.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// rawClient returns the generated connect client over hc with a bearer
// interceptor, so that it sends exactly what the session helper sends.
func rawClient(hc connecthttp.HTTPClient, baseURL, token string, opts ...connecthttp.Option) sessionv2connect.SessionServiceClient {
	return rawClientOver(connecthttp.NewTransport(hc, baseURL, opts...), token)
}

func rawClientOver(t connect.Transport, token string) sessionv2connect.SessionServiceClient {
	return sessionv2connect.NewSessionServiceClient(connect.NewClient(t, bearerInterceptor(token)))
}

// bearerInterceptor sets "Authorization: Bearer token" on every call.
func bearerInterceptor(token string) connect.ClientInterceptor {
	value := "Bearer " + token
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			info, ok := connect.CallInfoForClientContext(ctx)
			if !ok {
				ctx, info = connect.NewClientContext(ctx)
			}
			info.RequestHeader().Set("Authorization", value)
			return next(ctx, spec)
		}
	}
}

func newHelper(tb testing.TB, baseURL string, opts ...session.Option) *session.Client {
	tb.Helper()
	c, err := session.New(baseURL, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// ---------------------------------------------------------------------------
// A stock grpc-go server with a hand-written SessionService descriptor.

const (
	fakeToken       = "grpc-go-pat"
	fakeSessionID   = "fake-session-1"
	fakeInstance    = "fake-instance"
	fakeGoodPass    = "Password1!"
	fakeFailedCount = 3
	unknownSession  = "unknown-session"
)

var fakeTime = time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)

// sessionHandler is the server interface of the hand-written service desc.
type sessionHandler interface {
	ListSessions(context.Context, *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error)
	GetSession(context.Context, *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error)
	CreateSession(context.Context, *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error)
	SetSession(context.Context, *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error)
	DeleteSession(context.Context, *sessionv2.DeleteSessionRequest) (*sessionv2.DeleteSessionResponse, error)
}

// unaryMethod builds a grpc.MethodDesc decoding Req and calling fn, honoring
// a server interceptor like generated code does.
func unaryMethod[Req any, PReq interface {
	*Req
	proto.Message
}, Res proto.Message](name string, fn func(sessionHandler, context.Context, PReq) (Res, error)) grpc.MethodDesc {
	full := svcPrefix + name
	return grpc.MethodDesc{
		MethodName: name,
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := PReq(new(Req))
			if err := dec(in); err != nil {
				return nil, err
			}
			h := srv.(sessionHandler)
			if ic == nil {
				return fn(h, ctx, in)
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: full}
			return ic(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				return fn(h, ctx, req.(PReq))
			})
		},
	}
}

var sessionServiceDesc = grpc.ServiceDesc{
	ServiceName: sessionv2connect.SessionServiceName,
	HandlerType: (*sessionHandler)(nil),
	Methods: []grpc.MethodDesc{
		unaryMethod("ListSessions", sessionHandler.ListSessions),
		unaryMethod("GetSession", sessionHandler.GetSession),
		unaryMethod("CreateSession", sessionHandler.CreateSession),
		unaryMethod("SetSession", sessionHandler.SetSession),
		unaryMethod("DeleteSession", sessionHandler.DeleteSession),
	},
	Metadata: "zitadel/session/v2/session_service.proto",
}

// fakeService returns canned data. It checks the bearer token (so that the
// tests prove clients send it as gRPC metadata) and records the requests.
type fakeService struct {
	mu       sync.Mutex
	requests []proto.Message

	getRes    *sessionv2.GetSessionResponse
	createRes *sessionv2.CreateSessionResponse
	record    bool
}

func newFakeService(record bool) *fakeService {
	return &fakeService{
		record: record,
		getRes: &sessionv2.GetSessionResponse{Session: fakeSession(fakeSessionID)},
		createRes: &sessionv2.CreateSessionResponse{
			Details:      fakeDetails(),
			SessionId:    fakeSessionID,
			SessionToken: "token-1",
		},
	}
}

func fakeDetails() *objectv2.Details {
	return &objectv2.Details{Sequence: 1, ChangeDate: timestamppb.New(fakeTime), ResourceOwner: fakeInstance}
}

func fakeSession(id string) *sessionv2.Session {
	return &sessionv2.Session{
		Id:           id,
		CreationDate: timestamppb.New(fakeTime),
		ChangeDate:   timestamppb.New(fakeTime),
		Sequence:     7,
		Factors: &sessionv2.Factors{User: &sessionv2.UserFactor{
			VerifiedAt: timestamppb.New(fakeTime), Id: aliceID, LoginName: aliceLogin,
			DisplayName: "Alice", OrganizationId: sessiontest.DefaultOrganizationID,
		}},
		Metadata: map[string][]byte{"k": []byte("v")},
	}
}

func (f *fakeService) auth(ctx context.Context, req proto.Message) error {
	if f.record {
		f.mu.Lock()
		f.requests = append(f.requests, proto.Clone(req))
		f.mu.Unlock()
	}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) != 1 || v[0] != "Bearer "+fakeToken {
		return zstatus(codes.Unauthenticated, "AUTH-7fs1e", "Errors.Token.Invalid")
	}
	return nil
}

func (f *fakeService) recorded() []proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]proto.Message(nil), f.requests...)
}

// zstatus is a Zitadel-style gRPC error: "<msg> (<id>)" plus an ErrorDetail.
func zstatus(c codes.Code, id, msg string) error {
	st, err := status.New(c, msg+" ("+id+")").WithDetails(&zitadelv1.ErrorDetail{Id: id, Message: msg})
	if err != nil {
		panic(err)
	}
	return st.Err()
}

func (f *fakeService) ListSessions(ctx context.Context, req *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	if err := f.auth(ctx, req); err != nil {
		return nil, err
	}
	return &sessionv2.ListSessionsResponse{
		Details:  &objectv2.ListDetails{TotalResult: 2, Timestamp: timestamppb.New(fakeTime)},
		Sessions: []*sessionv2.Session{fakeSession(fakeSessionID), fakeSession("fake-session-2")},
	}, nil
}

func (f *fakeService) GetSession(ctx context.Context, req *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error) {
	if err := f.auth(ctx, req); err != nil {
		return nil, err
	}
	if req.GetSessionId() == unknownSession {
		return nil, zstatus(codes.NotFound, zitadelerr.SessionNotExisting, "Session does not exist")
	}
	return f.getRes, nil
}

func (f *fakeService) CreateSession(ctx context.Context, req *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	if err := f.auth(ctx, req); err != nil {
		return nil, err
	}
	if pw := req.GetChecks().GetPassword(); pw != nil && pw.GetPassword() != fakeGoodPass {
		st, err := status.New(codes.InvalidArgument, "Password is invalid (COMMAND-3M0fs)").WithDetails(
			&zitadelv1.CredentialsCheckError{Id: "COMMAND-3M0fs", Message: "Password is invalid", FailedAttempts: fakeFailedCount})
		if err != nil {
			return nil, err
		}
		return nil, st.Err()
	}
	return f.createRes, nil
}

func (f *fakeService) SetSession(ctx context.Context, req *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	if err := f.auth(ctx, req); err != nil {
		return nil, err
	}
	return &sessionv2.SetSessionResponse{Details: fakeDetails(), SessionToken: "token-2"}, nil
}

func (f *fakeService) DeleteSession(ctx context.Context, req *sessionv2.DeleteSessionRequest) (*sessionv2.DeleteSessionResponse, error) {
	if err := f.auth(ctx, req); err != nil {
		return nil, err
	}
	return &sessionv2.DeleteSessionResponse{Details: fakeDetails()}, nil
}

// startGRPCGo serves svc with a stock grpc.NewServer on a 127.0.0.1
// listener and returns "http://127.0.0.1:PORT".
func startGRPCGo(tb testing.TB, svc sessionHandler) string {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	gs := grpc.NewServer()
	gs.RegisterService(&sessionServiceDesc, svc)
	done := make(chan error, 1)
	go func() { done <- gs.Serve(lis) }()
	tb.Cleanup(func() {
		gs.Stop()
		if err := <-done; err != nil {
			tb.Errorf("grpc Serve: %v", err)
		}
	})
	return "http://" + lis.Addr().String()
}

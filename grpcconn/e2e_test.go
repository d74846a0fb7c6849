package grpcconn_test

import (
	"context"
	"crypto/tls"
	"net/url"
	"sync"
	"testing"

	"connectrpc.com/connect/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/sessionkit/zitadel-session-go/grpcconn"
	"github.com/sessionkit/zitadel-session-go/internal/e2esuite"
	"github.com/sessionkit/zitadel-session-go/session"
)

// TestZitadel runs the library's end-to-end suite (package e2e's, shared in
// internal/e2esuite) over grpcconn against the Zitadel of the environment
// (ZITADEL_E2E_URL and the other variables of the README's "Testing against
// your own Zitadel"; skipped without them, like package e2e): every flow,
// auth mode and Zitadel error over one grpc-go ClientConn, whose own unary
// interceptor must see every call.
func TestZitadel(t *testing.T) {
	tg := e2esuite.FromEnv(t)
	u, err := url.Parse(tg.URL)
	if err != nil {
		t.Fatalf("ZITADEL_E2E_URL: %v", err)
	}
	addr := u.Host
	if u.Port() == "" {
		addr += map[string]string{"http": ":80", "https": ":443"}[u.Scheme]
	}
	creds := insecure.NewCredentials()
	if u.Scheme == "https" {
		creds = credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12})
	}
	var mu sync.Mutex
	seen := map[string]int{}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds),
		grpc.WithUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			mu.Lock()
			seen[method]++
			mu.Unlock()
			return invoker(ctx, method, req, reply, cc, opts...)
		})}
	if tg.InstanceHost != "" {
		opts = append(opts, grpc.WithAuthority(tg.InstanceHost))
	}
	cc := dial(t, "passthrough:///"+addr, opts...)
	tr := grpcconn.NewTransport(cc)

	e2esuite.RunLibrary(t, tg, []e2esuite.Protocol{{Name: "grpcconn", Options: []session.Option{session.WithTransport(tr)}}})

	// Zitadel's response headers reach the call's CallInfo (it sends
	// X-Request-Id with every successful answer, Vary with every answer).
	t.Run("response-headers", func(t *testing.T) {
		c := tg.Client(t, e2esuite.AuthPAT, session.WithTransport(tr))
		ctx, info := connect.NewClientContext(e2esuite.Ctx(t))
		h, _, err := c.Create(ctx, session.CheckLoginName(tg.LoginName))
		e2esuite.Must(t, "CreateSession", err)
		t.Cleanup(func() { _ = h.Delete(context.Background()) })
		if info.Protocol != connect.ProtocolNameGRPC || info.ResponseHeader().Get("X-Request-Id") == "" || info.ResponseHeader().Get("Vary") == "" {
			t.Errorf("protocol %q, response headers %v: want grpc, and Zitadel's X-Request-Id and Vary", info.Protocol, info.ResponseHeader())
		}
		ctx, info = connect.NewClientContext(e2esuite.Ctx(t))
		_, err = c.Get(ctx, "000000000000000000")
		if !session.IsNotFound(err) || info.ResponseHeader().Get("Vary") == "" {
			t.Errorf("GetSession of an unknown id: %v, response headers %v; want IsNotFound and Vary", err, info.ResponseHeader())
		}
	})

	mu.Lock()
	defer mu.Unlock()
	for _, m := range []string{"CreateSession", "SetSession", "GetSession", "ListSessions", "DeleteSession"} {
		if seen["/zitadel.session.v2.SessionService/"+m] == 0 {
			t.Errorf("the ClientConn's interceptor saw no %s call (saw %v)", m, seen)
		}
	}
	if seen["/zitadel.oidc.v2.OIDCService/CreateCallback"] == 0 {
		t.Errorf("the ClientConn's interceptor saw no OIDC CreateCallback (saw %v)", seen)
	}
}

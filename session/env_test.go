package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

const (
	aliceID       = "alice-id"
	aliceLogin    = "alice@example.com"
	alicePassword = "correct horse battery staple"
	aliceTOTP     = "JBSWY3DPEHPK3PXP"
	bobID         = "bob-id"
	bobLogin      = "bob@example.com"
	bobPassword   = "bob-password-1"
	loginPAT      = "login-client-pat"
	nopermPAT     = "noperm-pat"
	readonlyPAT   = "readonly-pat"
	rpID          = "login.example.com"
	rpOrigin      = "https://login.example.com"
)

// newServer starts a sessiontest server with alice (password, TOTP, phone,
// email), bob (password only), a login client PAT with all session
// permissions, a PAT without memberships and a read-only PAT.
func newServer(t testing.TB, opts ...sessiontest.Option) *sessiontest.Server {
	t.Helper()
	srv := sessiontest.NewServer(opts...)
	t.Cleanup(srv.Close)
	must(t, srv.AddUser(sessiontest.User{
		ID: aliceID, LoginName: aliceLogin, DisplayName: "Alice", Password: alicePassword,
		TOTPSecret: aliceTOTP, Phone: "+41790000000", Email: aliceLogin,
	}))
	must(t, srv.AddUser(sessiontest.User{ID: bobID, LoginName: bobLogin, DisplayName: "Bob", Password: bobPassword}))
	must(t, srv.AddAccessToken(loginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	must(t, srv.AddAccessToken(nopermPAT, "noperm-user"))
	must(t, srv.AddAccessToken(readonlyPAT, "reader", sessiontest.PermissionSessionRead))
	return srv
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newClient returns a client for srv using this package's default transport
// (h2c for http:// URLs) with the given extra options.
func newClient(t testing.TB, srv *sessiontest.Server, opts ...session.Option) *session.Client {
	t.Helper()
	c, err := session.New(srv.URL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

type protocolCase struct {
	name string
	opt  session.Option
}

var protocols = []protocolCase{
	{"connect", nil},
	{"grpc", session.WithGRPC()},
	{"grpcweb", session.WithGRPCWeb()},
}

func totpCode(t testing.TB, srv *sessiontest.Server) string {
	t.Helper()
	code, err := totp.GenerateCode(aliceTOTP, srv.Clock().Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

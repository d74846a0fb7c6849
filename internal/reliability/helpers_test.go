package reliability

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

const (
	aliceID       = "alice-id"
	aliceLogin    = "alice@example.com"
	alicePassword = "Pw-alice-7f3c9e1b-horse-battery"
	aliceTOTP     = "JBSWY3DPEHPK3PXPQRSTUVWX"
	loginPAT      = "pat-login-client-5d2a8c6e4f0b"
	rpID          = "login.example.com"
	rpOrigin      = "https://login.example.com"

	procCreate = "/zitadel.session.v2.SessionService/CreateSession"
	procSet    = "/zitadel.session.v2.SessionService/SetSession"
	procGet    = "/zitadel.session.v2.SessionService/GetSession"
	procList   = "/zitadel.session.v2.SessionService/ListSessions"
	procDelete = "/zitadel.session.v2.SessionService/DeleteSession"
)

var sessionProcedures = []string{procCreate, procSet, procGet, procList, procDelete}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// seedServer adds alice (password, TOTP, phone, email) and a login client
// PAT with all session permissions.
func seedServer(t testing.TB, srv *sessiontest.Server) {
	t.Helper()
	must(t, srv.AddUser(sessiontest.User{
		ID: aliceID, LoginName: aliceLogin, DisplayName: "Alice", Password: alicePassword,
		TOTPSecret: aliceTOTP, Phone: "+41790000000", Email: aliceLogin,
	}))
	must(t, srv.AddAccessToken(loginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
}

// newUnstartedServer returns a seeded, unstarted sessiontest server (to be
// mounted on a handler of the test or used in process).
func newUnstartedServer(t testing.TB, opts ...sessiontest.Option) *sessiontest.Server {
	t.Helper()
	srv := sessiontest.NewUnstartedServer(opts...)
	seedServer(t, srv)
	return srv
}

// serverMux mounts srv's handlers on a new mux.
func serverMux(srv *sessiontest.Server) *http.ServeMux {
	mux := http.NewServeMux()
	srv.Mount(mux)
	return mux
}

func newClient(t testing.TB, url string, opts ...session.Option) *session.Client {
	t.Helper()
	c, err := session.New(url, opts...)
	must(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func totpCode(t testing.TB, srv *sessiontest.Server, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, srv.Clock().Now())
	must(t, err)
	return code
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

package e2e

import (
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/internal/e2esuite"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// TestLibraryOnTestServer runs the library suite against the in-memory test
// server, so that the suite itself is exercised on every `go test ./...`
// (without a Zitadel). Instance routing and the CLI are left to a real
// Zitadel.
func TestLibraryOnTestServer(t *testing.T) {
	srv := sessiontest.NewServer()
	t.Cleanup(srv.Close)
	const secret = "JBSWY3DPEHPK3PXP"
	if err := srv.AddUser(sessiontest.User{ID: "e2e-user", LoginName: "e2e@example.com", DisplayName: "E2E",
		Password: "e2e-Password-1", TOTPSecret: secret, Email: "e2e@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("e2e-login-client-pat", "e2e-login-client", sessiontest.PermissionSessionRead,
		sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete); err != nil {
		t.Fatal(err)
	}
	e2esuite.RunLibrary(t, &e2esuite.Target{
		URL: srv.URL(), PAT: "e2e-login-client-pat",
		LoginName: "e2e@example.com", Password: "e2e-Password-1", TOTPSecret: secret,
		Now:  srv.Clock().Now,
		Wait: func(d time.Duration) { srv.Clock().Advance(d) },
	}, e2esuite.HTTPProtocols())
}

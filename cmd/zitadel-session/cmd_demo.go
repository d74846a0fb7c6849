package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func (a *app) demoCommand() *cobra.Command {
	var loginName string
	var passwordStdin, skipTOTP bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk through a complete login (built-in test server unless --url is given)",
		Long: `Walk through a complete session life cycle and print every request and
response (secrets masked):

  1. CreateSession  with a user check and a password check
  2. SetSession     adding a TOTP code (second factor)
  3. GetSession     reading the session back
  4. ListSessions   finding the session by its user
  5. DeleteSession  terminating it

Without --url (and without ZITADEL_URL) the demo starts the built-in
in-memory test server with an example user that has a password and a TOTP
secret, so it needs no setup at all. With --url it runs against a real
Zitadel: pass --login-name, and the password and the TOTP code are prompted
for (credentials for the calls come from ZITADEL_TOKEN etc., as for every
command).`,
		Example: `  zitadel-session demo
  ZITADEL_TOKEN=... zitadel-session demo --url https://auth.example.com --login-name alice`,
		Args: argsUsage(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d := &demo{a: a, w: a.stdout}
			var password string
			var totpCode func() (string, error)
			var svcURL string
			if a.orEnv(a.conn.url, "ZITADEL_URL") == "" {
				seed, err := parseSeed(bytes.NewReader(defaultSeed))
				if err != nil || len(seed.Users) == 0 {
					return fmt.Errorf("the built-in seed is broken: %v", err)
				}
				u := seed.Users[0]
				srv := sessiontest.NewServer()
				defer srv.Close()
				defer a.closeClients() // before srv.Close, so it need not wait for idle connections
				if err := applySeed(srv, seed); err != nil {
					return fmt.Errorf("seeding the test server: %v", err)
				}
				pat := randomToken()
				if err := srv.AddAccessToken(pat, "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete); err != nil {
					return fmt.Errorf("seeding the test server: %v", err)
				}
				loginName, password = u.LoginName, u.Password
				secret := u.TOTPSecret
				totpCode = func() (string, error) { return totp.GenerateCode(secret, time.Now()) }
				svcURL = srv.URL()
				fmt.Fprintf(d.w, "zitadel-session demo: a complete login against Zitadel's Session API v2\n\n")
				fmt.Fprintf(d.w, "No --url given, so the demo started the built-in test server at %s.\n", svcURL)
				fmt.Fprintf(d.w, "It knows one example user:\n")
				fmt.Fprintf(d.w, "  login name  %s (%s, id %s)\n", u.LoginName, u.DisplayName, u.ID)
				fmt.Fprintf(d.w, "  password    %s\n", masked)
				fmt.Fprintf(d.w, "  TOTP secret %s (the demo computes codes from it, like an authenticator app)\n", masked)
				fmt.Fprintf(d.w, "The calls are authorized by a personal access token (%s) with session.read, session.write and session.delete.\n", masked)
				svc, _, err := a.newSessionService(svcURL, []session.Option{session.WithPersonalAccessToken(pat)})
				if err != nil {
					return err
				}
				d.f = &flow{svc: svc, a: a}
				d.local = true
			} else {
				if loginName == "" {
					return usageErrorf("demo with --url needs --login-name (the user to log in)")
				}
				svc, base, err := a.sessionClient()
				if err != nil {
					return err
				}
				svcURL = base
				fmt.Fprintf(d.w, "zitadel-session demo against %s\n", base)
				if password, err = a.promptSecret("Password of "+loginName, "--password-stdin", passwordStdin); err != nil {
					return err
				}
				if !skipTOTP {
					totpCode = func() (string, error) { return a.promptSecret("TOTP code", "", passwordStdin) }
				}
				d.f = &flow{svc: svc, a: a}
			}
			err := d.run(ctx, loginName, password, totpCode)
			password = ""
			if err != nil {
				d.f.abandon(ctx)
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&loginName, "login-name", "", "with --url: the user to log in")
	cmd.Flags().BoolVar(&passwordStdin, "password-stdin", false, "with --url: read the password (and then the TOTP code) from stdin")
	cmd.Flags().BoolVar(&skipTOTP, "skip-totp", false, "with --url: skip the TOTP step (for users without TOTP)")
	return cmd
}

type demo struct {
	a     *app
	w     io.Writer
	f     *flow
	step  int
	local bool // the demo runs against its own built-in test server
}

const demoSteps = 5

func (d *demo) header(title string) {
	d.step++
	fmt.Fprintf(d.w, "\nStep %d/%d  %s\n", d.step, demoSteps, title)
}

// show prints a message as indented protojson with secrets masked.
func (d *demo) show(arrow, label string, m proto.Message) {
	b, err := marshalJSON(redact(m, redaction{}))
	if err != nil {
		return
	}
	fmt.Fprintf(d.w, "  %s %s\n", arrow, label)
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		fmt.Fprintf(d.w, "      %s\n", line)
	}
}

func (d *demo) ok(format string, args ...any) {
	fmt.Fprintf(d.w, "  ✓ "+format+"\n", args...)
}

func (d *demo) run(ctx context.Context, loginName, password string, totpCode func() (string, error)) error {
	f := d.f

	d.header("CreateSession: check the user and the password")
	creq := &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: loginName}},
		Password: &sessionv2.CheckPassword{Password: password},
	}}
	d.show("→", "sent", creq)
	cres, err := f.create(ctx, creq)
	if err != nil {
		return err
	}
	d.show("←", "got", cres)
	d.ok("session %s created; the session token proves the user and password checks", cres.GetSessionId())

	d.header("SetSession: add a TOTP code as second factor")
	if totpCode == nil {
		fmt.Fprintln(d.w, "  skipped (--skip-totp)")
	} else {
		code, err := totpCode()
		if err != nil {
			return err
		}
		sreq := &sessionv2.SetSessionRequest{SessionId: f.id, Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}}}
		d.show("→", "sent", sreq)
		sres, err := f.set(ctx, sreq)
		if err != nil {
			return err
		}
		d.show("←", "got", sres)
		d.ok("TOTP verified; Zitadel issued a new session token (the old one is no longer valid)")
	}

	d.header("GetSession: read the session back with its token")
	tok := f.token
	greq := &sessionv2.GetSessionRequest{SessionId: f.id, SessionToken: &tok}
	d.show("→", "sent", greq)
	gctx, cancel := d.a.callCtx(ctx)
	gres, err := f.svc.GetSession(gctx, greq)
	cancel()
	if err != nil {
		return err
	}
	d.show("←", "got", gres)
	d.ok("verified factors: %s", strings.Join(factorNames(gres.GetSession().GetFactors()), ", "))

	d.header("ListSessions: find the sessions of this user")
	userID := gres.GetSession().GetFactors().GetUser().GetId()
	lreq := &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{{
		Query: &sessionv2.SearchQuery_UserIdQuery{UserIdQuery: &sessionv2.UserIDQuery{Id: userID}},
	}}}
	d.show("→", "sent", lreq)
	lctx, cancel := d.a.callCtx(ctx)
	lres, err := f.svc.ListSessions(lctx, lreq)
	cancel()
	if err != nil {
		return err
	}
	d.show("←", "got", lres)
	found := false
	for _, s := range lres.GetSessions() {
		found = found || s.GetId() == f.id
	}
	if found {
		d.ok("%d session(s) of user %s, including ours", len(lres.GetSessions()), userID)
	} else {
		// Zitadel's list is eventually consistent; a fresh session may be missing.
		d.ok("%d session(s) of user %s (a brand-new session can take a moment to appear in lists on a real Zitadel)", len(lres.GetSessions()), userID)
	}

	d.header("DeleteSession: log out")
	tok = f.token
	dreq := &sessionv2.DeleteSessionRequest{SessionId: f.id, SessionToken: &tok}
	d.show("→", "sent", dreq)
	dctx, cancel := d.a.callCtx(ctx)
	dres, err := f.svc.DeleteSession(dctx, dreq)
	cancel()
	if err != nil {
		return err
	}
	d.show("←", "got", dres)
	d.ok("session %s terminated", f.id)
	f.id = ""

	fmt.Fprintf(d.w, "\nDone: the whole login ran through the Session API. Next steps:\n")
	if d.local {
		fmt.Fprintf(d.w, "  zitadel-session serve                  run this test server on 127.0.0.1:8080\n")
	}
	fmt.Fprintf(d.w, "  zitadel-session login                  log in interactively (needs ZITADEL_URL, ZITADEL_TOKEN)\n")
	fmt.Fprintf(d.w, "  zitadel-session --help                 all commands, flags and exit codes\n")
	return nil
}

// randomToken returns a random access token for the demo server.
func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "demo-" + hex.EncodeToString(b)
}

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
				// The demo uses the Session API only; serve is the OpenID provider.
				seed.Applications = nil
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
				c, err := a.newClient(svcURL, []session.Option{session.WithPersonalAccessToken(pat)})
				if err != nil {
					return err
				}
				d.c = c
				d.local = true
			} else {
				if loginName == "" {
					return usageErrorf("demo with --url needs --login-name (the user to log in)")
				}
				c, base, err := a.client()
				if err != nil {
					return err
				}
				d.c = c
				svcURL = base
				fmt.Fprintf(d.w, "zitadel-session demo against %s\n", base)
				if password, err = a.promptSecret("Password of "+loginName, "--password-stdin", passwordStdin); err != nil {
					return err
				}
				if !skipTOTP {
					totpCode = func() (string, error) { return a.promptSecret("TOTP code", "", passwordStdin) }
				}
			}
			err := d.run(ctx, loginName, password, totpCode)
			password = ""
			if err != nil {
				abandon(ctx, d.h)
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
	c     *session.Client
	h     *session.Handle // the demo's session, nil once deleted
	step  int
	local bool // the demo runs against its own built-in test server
}

const demoSteps = 5

func (d *demo) header(title string) {
	d.step++
	fmt.Fprintf(d.w, "\nStep %d/%d  %s\n", d.step, demoSteps, title)
}

// show prints the request and (if the call succeeded) the response of
// every call since mark as indented protojson with secrets masked.
func (d *demo) show(mark int) {
	for _, c := range d.a.wire.since(mark) {
		d.message("→", "sent", c.Request)
		d.message("←", "got", c.Response)
	}
}

func (d *demo) message(arrow, label string, m proto.Message) {
	if m == nil {
		return
	}
	b, err := marshalJSON(redacted(m, redaction{}))
	if err != nil {
		return
	}
	fmt.Fprintf(d.w, "  %s %s\n", arrow, label)
	for line := range strings.Lines(string(b)) {
		fmt.Fprintf(d.w, "      %s", line)
	}
}

func (d *demo) ok(format string, args ...any) {
	fmt.Fprintf(d.w, "  ✓ "+format+"\n", args...)
}

// run walks through the login, showing each call. Every step goes through
// session.Client and session.Handle; the messages shown are the ones the
// client sent and received (see wireRecorder).
func (d *demo) run(ctx context.Context, loginName, password string, totpCode func() (string, error)) error {
	d.header("CreateSession: check the user and the password")
	mark := d.a.wire.mark()
	h, _, err := d.c.Create(ctx, session.CheckLoginName(loginName), session.CheckPassword(password))
	d.show(mark)
	if err != nil {
		return err
	}
	if err := checkServerSessionID(h.ID()); err != nil {
		return err
	}
	d.h = h
	d.ok("session %s created; the session token proves the user and password checks", h.ID())

	d.header("SetSession: add a TOTP code as second factor")
	if totpCode == nil {
		fmt.Fprintln(d.w, "  skipped (--skip-totp)")
	} else {
		code, err := totpCode()
		if err != nil {
			return err
		}
		mark = d.a.wire.mark()
		_, err = h.Set(ctx, session.CheckTOTP(code))
		d.show(mark)
		if err != nil {
			return err
		}
		d.ok("TOTP verified; Zitadel issued a new session token (the old one is no longer valid)")
	}

	d.header("GetSession: read the session back with its token")
	mark = d.a.wire.mark()
	s, err := h.Get(ctx)
	d.show(mark)
	if err != nil {
		return err
	}
	d.ok("verified factors: %s", strings.Join(factorNames(s), ", "))

	d.header("ListSessions: find the sessions of this user")
	userID := s.Factors.User.ID
	mark = d.a.wire.mark()
	n, found := 0, false
	for ls, err := range d.c.List(ctx, session.ByUserID(userID)) {
		if err != nil {
			d.show(mark)
			return err
		}
		n++
		found = found || ls.ID == h.ID()
	}
	d.show(mark)
	if found {
		d.ok("%d session(s) of user %s, including ours", n, terminalSafe(userID))
	} else {
		// Zitadel's list is eventually consistent; a fresh session may be missing.
		d.ok("%d session(s) of user %s (a brand-new session can take a moment to appear in lists on a real Zitadel)", n, terminalSafe(userID))
	}

	d.header("DeleteSession: log out")
	mark = d.a.wire.mark()
	err = h.Delete(ctx)
	d.show(mark)
	if err != nil {
		return err
	}
	d.h = nil
	d.ok("session %s terminated", h.ID())

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

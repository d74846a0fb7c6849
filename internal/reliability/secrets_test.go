package reliability

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// secretAudit collects secrets and everything printed.
type secretAudit struct {
	t       *testing.T
	secrets map[string]string // secret -> what it is
	out     syncBuffer        // fmt output of values and errors
	logger  *slog.Logger
}

func (a *secretAudit) secret(what, s string) string {
	a.t.Helper()
	if s == "" {
		a.t.Fatalf("secret %s is empty", what)
	}
	a.secrets[s] = what
	return s
}

// show formats values with every verb, errors also with Error(), and logs
// them through the debug logger (as an application would).
func (a *secretAudit) show(label string, vals ...any) {
	for i, v := range vals {
		fmt.Fprintf(&a.out, "%s[%d]: %v | %+v | %#v | %s\n", label, i, v, v, v, fmt.Sprint(v))
		if err, ok := v.(error); ok && err != nil {
			fmt.Fprintf(&a.out, "%s[%d].Error(): %s\n", label, i, err.Error())
			if se, ok := err.(*session.Error); ok {
				fmt.Fprintf(&a.out, "%s[%d] fields: %q %q %q\n", label, i, se.Op, se.ID, se.Message)
			}
		}
		a.logger.Debug(label, "value", v)
	}
}

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// leaks returns the secrets found in s. Numeric codes count only as whole
// digit runs (a 6-digit code inside an 18-digit id is not a leak).
func (a *secretAudit) leaks(s string) []string {
	var found []string
	for secret, what := range a.secrets {
		if digitsOnly.MatchString(secret) {
			re := regexp.MustCompile(`(^|[^0-9])` + secret + `([^0-9]|$)`)
			if re.MatchString(s) {
				found = append(found, what)
			}
			continue
		}
		if strings.Contains(s, secret) {
			found = append(found, what)
		}
	}
	return found
}

// TestSecretsNeverPrinted runs every flow with a debug JSON logger and
// prints every returned value with %v, %+v, %#v (and err.Error()), then
// asserts that no password, token, TOTP secret, one-time code or recovery
// code appears anywhere.
func TestSecretsNeverPrinted(t *testing.T) {
	srv := sessiontest.NewServer()
	t.Cleanup(srv.Close)
	seedServer(t, srv)
	recovery, err := srv.AddRecoveryCodes(aliceID, 3)
	must(t, err)

	a := &secretAudit{t: t, secrets: map[string]string{}}
	var logBuf syncBuffer
	a.logger = slog.New(slog.NewJSONHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()

	const wrongPassword = "Wrong-pw-3e8d1c77-not-alices"
	const wrongPAT = "pat-unknown-9b7e5c3a1d2f"
	a.secret("password", alicePassword)
	a.secret("wrong password", wrongPassword)
	a.secret("PAT", loginPAT)
	a.secret("unknown PAT", wrongPAT)
	a.secret("TOTP secret", aliceTOTP)
	for i, rc := range recovery {
		a.secret(fmt.Sprintf("recovery code %d", i), rc)
	}

	c := newClient(t, srv.URL(), session.WithPersonalAccessToken(loginPAT), session.WithLogger(a.logger))
	a.show("client", c)

	// Failed password: CredentialsCheckError detail with failed attempts.
	h0, chs, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(wrongPassword))
	if !session.IsInvalidCredentials(err) {
		t.Fatalf("wrong password: %v", err)
	}
	if se, ok := err.(*session.Error); !ok || se.FailedAttempts != 1 {
		t.Errorf("wrong password: want *session.Error with FailedAttempts 1, got %#v", err)
	}
	a.show("failed-password", h0, chs, err)

	// Create with user + password + metadata.
	h, chs, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(alicePassword),
		session.Metadata("purpose", []byte("audit")), session.UserAgent{FingerprintID: "fp-audit"})
	must(t, err)
	a.secret("session token after create", h.SessionToken())
	a.show("create", h, chs, err)

	// TOTP (a wrong code first).
	wrongTOTP := "000000"
	if code := totpCode(t, srv, aliceTOTP); code == wrongTOTP {
		wrongTOTP = "999999"
	}
	_, err = h.Set(ctx, session.CheckTOTP(wrongTOTP))
	if !session.IsInvalidCredentials(err) {
		t.Fatalf("wrong TOTP: %v", err)
	}
	a.show("wrong-totp", err)
	oldToken := h.SessionToken()
	code := a.secret("TOTP code", totpCode(t, srv, aliceTOTP))
	chs, err = h.Set(ctx, session.CheckTOTP(code))
	must(t, err)
	a.secret("session token after TOTP", h.SessionToken())
	a.show("totp", h, chs, err, session.CheckTOTP(code), session.CheckPassword(alicePassword))

	// Stale token: an error that must not contain the token it rejects.
	stale := c.Resume(h.ID(), oldToken)
	_, err = stale.Get(ctx)
	if !session.IsUnauthenticated(err) {
		t.Fatalf("stale token: %v", err)
	}
	a.show("stale-token", err, stale)

	// OTP by SMS and email with returned codes.
	chs, err = h.Set(ctx, session.ChallengeOTPSMSReturnCode())
	must(t, err)
	sms, ok := chs.OTPSMSCode()
	if !ok {
		t.Fatal("no SMS code returned")
	}
	a.secret("OTP SMS code", sms)
	a.secret("session token after SMS challenge", h.SessionToken())
	a.show("otp-sms-challenge", h, chs, err)
	chs, err = h.Set(ctx, session.CheckOTPSMS(sms))
	must(t, err)
	a.secret("session token after SMS check", h.SessionToken())
	a.show("otp-sms-check", h, chs, err)

	chs, err = h.Set(ctx, session.ChallengeOTPEmailReturnCode())
	must(t, err)
	email, ok := chs.OTPEmailCode()
	if !ok {
		t.Fatal("no email code returned")
	}
	a.secret("OTP email code", email)
	a.secret("session token after email challenge", h.SessionToken())
	a.show("otp-email-challenge", h, chs, err)
	chs, err = h.Set(ctx, session.CheckOTPEmail(email))
	must(t, err)
	a.secret("session token after email check", h.SessionToken())
	a.show("otp-email-check", h, chs, err)

	// Recovery code (consumed; a second use fails).
	chs, err = h.Set(ctx, session.CheckRecoveryCode(recovery[0]))
	must(t, err)
	a.secret("session token after recovery code", h.SessionToken())
	a.show("recovery", h, chs, err)
	_, err = h.Set(ctx, session.CheckRecoveryCode(recovery[0]))
	if !session.IsInvalidCredentials(err) {
		t.Fatalf("reused recovery code: %v", err)
	}
	a.show("recovery-reuse", err)

	// Metadata.
	chs, err = h.Set(ctx, session.MetadataMap(map[string][]byte{"k": []byte("v")}))
	must(t, err)
	a.secret("session token after metadata", h.SessionToken())
	a.show("metadata", h, chs, err)

	// Get: by permission, by token, through the handle, with the session
	// token as bearer.
	s, err := c.Get(ctx, h.ID())
	must(t, err)
	a.show("get", s, *s, err, s.Factors)
	s, err = c.Resume(h.ID(), h.SessionToken()).Get(ctx)
	must(t, err)
	a.show("get-token", s, err)
	s, err = h.Get(ctx)
	must(t, err)
	a.show("handle-get", s, err)
	s, err = c.Get(h.Bearer(ctx), h.ID())
	must(t, err)
	a.show("bearer-get", s, err)
	tok, err := h.Token()
	must(t, err)
	a.show("oauth2-token-source", h)
	_ = tok // the oauth2.Token itself is a credential by design; not printed

	// List.
	n := 0
	for s, err := range c.List(ctx, session.ByUserID(aliceID), session.PageSize(1)) {
		must(t, err)
		n++
		a.show("list", s, err)
	}
	if n != 1 {
		t.Errorf("listed %d sessions, want 1", n)
	}
	page, err := c.ListPage(ctx, 0, session.ByIDs(h.ID()))
	must(t, err)
	a.show("list-page", page, *page, err)

	// An unknown PAT.
	bad := newClient(t, srv.URL(), session.WithPersonalAccessToken(wrongPAT), session.WithLogger(a.logger))
	_, err = bad.Get(ctx, h.ID())
	if !session.IsUnauthenticated(err) {
		t.Fatalf("unknown PAT: %v", err)
	}
	a.show("bad-pat", bad, err)

	// Delete: with the token, then (idempotent) by permission.
	resumed := c.Resume(h.ID(), h.SessionToken())
	a.show("resume", resumed)
	must(t, resumed.Delete(ctx))
	err = h.Delete(ctx)
	a.show("delete", err)
	must(t, c.Delete(ctx, h.ID()))
	_, err = h.Get(ctx)
	if session.CodeOf(err) == 0 || err == nil {
		t.Fatalf("get after delete: %v", err)
	}
	a.show("get-deleted", err)

	// The audit itself must be able to fail: every secret is distinctive
	// and the capture holds the calls and ids.
	for secret, what := range a.secrets {
		switch {
		case digitsOnly.MatchString(secret):
			if len(secret) < 6 {
				t.Errorf("%s %q: too short to audit", what, secret)
			}
		case len(secret) < 8:
			t.Errorf("%s %q: too short to audit", what, secret)
		}
	}
	if len(a.secrets) < 18 {
		t.Errorf("only %d distinct secrets collected", len(a.secrets))
	}
	logs, printed := logBuf.String(), a.out.String()
	for _, want := range []string{"CreateSession", "SetSession", "GetSession", "ListSessions", "DeleteSession", h.ID()} {
		if !strings.Contains(logs, want) {
			t.Errorf("debug log lacks %q: the capture is broken", want)
		}
	}
	if !strings.Contains(printed, h.ID()) || !strings.Contains(printed, "IsInvalid") && !strings.Contains(printed, "3M0fs") {
		t.Errorf("printed output lacks the session id or the password error: the capture is broken")
	}
	if l := a.leaks(alicePassword + " " + oldToken); len(l) != 2 {
		t.Errorf("leak detector found %v in a string holding two secrets", l)
	}

	if l := a.leaks(logs); len(l) > 0 {
		t.Errorf("debug log leaks %v", l)
	}
	if l := a.leaks(printed); len(l) > 0 {
		t.Errorf("fmt output leaks %v", l)
	}
	if t.Failed() {
		t.Logf("log:\n%s\nprinted:\n%s", logs, printed)
	}
}

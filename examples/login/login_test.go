package main

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// These tests drive the login pages over HTTP (no browser) against the
// in-memory sessiontest server, with auth requests seeded by
// AddAuthRequest. The browser tests are in e2e_test.go.

const (
	testBase        = "/ui/v2/login"
	testRedirectURI = "https://app.example.com/callback"
	testLoginToken  = "login-client-token"
	alicePassword   = "Correct-Horse-7"
	carolPassword   = "Carol-Password-1"
)

// harness is a login service on an httptest server and a browser-like
// client (cookie jar, redirects not followed).
type harness struct {
	t      *testing.T
	srv    *sessiontest.Server
	ui     *loginUI
	web    *httptest.Server
	client *http.Client
	logs   *bytes.Buffer
	bodies []string // every page served, for the secrets check
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv := sessiontest.NewServer(sessiontest.WithLockoutPolicy(3, 3))
	t.Cleanup(srv.Close)
	must(t, srv.AddUser(sessiontest.User{ID: "alice", LoginName: "alice@example.com", DisplayName: "Alice Example",
		Password: alicePassword, TOTPSecret: aliceTOTPSecret, Email: "alice@example.com"}))
	must(t, srv.AddUser(sessiontest.User{ID: "carol", LoginName: "carol@example.com", DisplayName: "Carol Example",
		Password: carolPassword}))
	must(t, srv.AddUser(sessiontest.User{ID: "dave", LoginName: "dave@example.com", Password: "Dave-Password-1",
		State: sessiontest.UserStateLocked}))
	must(t, srv.AddUser(sessiontest.User{ID: "erin", LoginName: "erin@example.com", DisplayName: "Erin Example"}))
	must(t, srv.AddAccessToken(testLoginToken, "", sessiontest.PermissionSessionRead,
		sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	c, err := session.New(srv.URL(), session.WithPersonalAccessToken(testLoginToken))
	must(t, err)
	t.Cleanup(func() { _ = c.Close() })

	h := &harness{t: t, srv: srv, logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	h.web = httptest.NewUnstartedServer(mux)
	h.web.Start()
	t.Cleanup(h.web.Close)
	public := strings.Replace(h.web.URL, "127.0.0.1", "localhost", 1)
	cookies, err := newFlowCookies([]byte(randomSecret()), testBase, false, 15*time.Minute)
	must(t, err)
	vs, err := newViews(testBase, log)
	must(t, err)
	h.ui = &loginUI{zitadel: c, cookies: cookies, views: vs, base: testBase, publicURL: public, rpID: "localhost",
		lifetime: time.Hour, maxPasswordAttempts: 3, now: srv.Clock().Now, log: log}
	mux.Handle(testBase+"/", h.ui.handler())

	jar, err := cookiejar.New(nil)
	must(t, err)
	h.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return h
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// page is one response.
type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (h *harness) do(req *http.Request) page {
	h.t.Helper()
	res, err := h.client.Do(req)
	must(h.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(h.t, err)
	h.bodies = append(h.bodies, string(b))
	return page{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
}

func (h *harness) get(path string) page {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.web.URL+path, nil)
	must(h.t, err)
	return h.do(req)
}

func (h *harness) post(path string, form url.Values, header ...string) page {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.web.URL+path, strings.NewReader(form.Encode()))
	must(h.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return h.do(req)
}

// flow reads the flow cookie as the service would.
func (h *harness) flow() (flow, bool) {
	u, _ := url.Parse(h.web.URL + testBase + "/")
	req := &http.Request{Header: http.Header{}}
	for _, c := range h.client.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	return h.ui.cookies.read(req)
}

func (h *harness) newAuthRequest() string {
	return h.srv.AddAuthRequest("demo-app", testRedirectURI, "openid", "profile")
}

func (h *harness) totp(t *testing.T) string {
	code, err := totp.GenerateCode(aliceTOTPSecret, h.srv.Clock().Now())
	must(t, err)
	return code
}

func expect(t *testing.T, p page, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; location %q; body:\n%s", p.status, status, p.location, p.body)
	}
	for _, s := range contains {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page does not contain %q:\n%s", s, p.body)
		}
	}
}

func expectRedirect(t *testing.T, p page, prefix string) {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, prefix) {
		t.Fatalf("got %d to %q, want 303 to %s…; body:\n%s", p.status, p.location, prefix, p.body)
	}
}

// loginName walks the first two pages for name and returns the auth
// request.
func (h *harness) loginName(t *testing.T, name string) string {
	t.Helper()
	ar := h.newAuthRequest()
	expect(t, h.get(testBase+"/login?authRequest="+ar), http.StatusOK, "demo-app", "openid", `value="`+ar+`"`)
	expectRedirect(t, h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {name}}), testBase+"/password")
	return ar
}

func TestPasswordAndTOTP(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	expect(t, h.get(testBase+"/password"), http.StatusOK, "Alice Example (alice@example.com)", `type="password"`)
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), testBase+"/mfa")
	f, ok := h.flow()
	if !ok || f.Policy != policyPasswordAndMFA {
		t.Fatalf("flow after the password: %v %+v, want policy %s", ok, f.Policy, policyPasswordAndMFA)
	}
	expect(t, h.get(testBase+"/mfa"), http.StatusOK, "authenticator app")
	expectRedirect(t, h.post(testBase+"/mfa/totp", url.Values{"code": {h.totp(t)}}), testRedirectURI+"?code=")
	if _, ok := h.flow(); ok {
		t.Fatal("the flow cookie outlived the finished login")
	}
	h.noSecrets(t, alicePassword, f.SessionToken)
}

func TestPasswordOnlyUserFinishesAfterThePassword(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "carol@example.com")
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {carolPassword}}), testRedirectURI+"?code=")
}

func TestWrongPasswordCountsDownThenLocks(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	expect(t, h.post(testBase+"/password", url.Values{"password": {"nope"}}), http.StatusUnprocessableEntity,
		"Wrong password. 2 attempts left before your account is locked.")
	expect(t, h.post(testBase+"/password", url.Values{"password": {"nope"}}), http.StatusUnprocessableEntity,
		"Wrong password. 1 attempt left")
	expect(t, h.post(testBase+"/password", url.Values{"password": {"nope"}}), http.StatusForbidden, "Your account is locked")
	if _, ok := h.flow(); ok {
		t.Fatal("the flow cookie outlived the locked account")
	}
	// A new attempt is stopped at the login name.
	ar := h.newAuthRequest()
	expect(t, h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {"alice@example.com"}}),
		http.StatusForbidden, "Your account is locked")
	h.noSecrets(t, "nope", alicePassword)
}

func TestLockedUser(t *testing.T) {
	h := newHarness(t)
	ar := h.newAuthRequest()
	p := h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {"dave@example.com"}})
	expect(t, p, http.StatusForbidden, "Your account is locked", "Ask your administrator")
	if strings.Contains(p.body, "Start again") {
		t.Fatal("a locked account is offered a restart")
	}
}

func TestUnknownOrEmptyLoginName(t *testing.T) {
	h := newHarness(t)
	ar := h.newAuthRequest()
	expect(t, h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {"nobody@example.com"}}),
		http.StatusUnprocessableEntity, "There is no account with this login name.", `value="nobody@example.com"`)
	expect(t, h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {"  "}}),
		http.StatusUnprocessableEntity, "Enter your login name.")
}

func TestWrongAndMalformedTOTP(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), testBase+"/mfa")
	wrong := "000000"
	if wrong == h.totp(t) {
		wrong = "111111"
	}
	expect(t, h.post(testBase+"/mfa/totp", url.Values{"code": {wrong}}), http.StatusUnprocessableEntity, "That code is not right.")
	expect(t, h.post(testBase+"/mfa/totp", url.Values{"code": {"12"}}), http.StatusUnprocessableEntity, "Enter the code you received.")
	expectRedirect(t, h.post(testBase+"/mfa/totp", url.Values{"code": {h.totp(t)}}), testRedirectURI+"?code=")
}

func TestEmailCode(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), testBase+"/mfa")
	expectRedirect(t, h.post(testBase+"/mfa/email/send", nil), testBase+"/mfa/email")
	mail := h.srv.Outbox()
	if len(mail) != 1 || mail[0].Channel != "email" || mail[0].Code == "" {
		t.Fatalf("outbox: %+v", mail)
	}
	link, err := url.Parse(mail[0].URL)
	must(t, err)
	if want := h.ui.publicURL + testBase + "/mfa/email"; !strings.HasPrefix(mail[0].URL, want+"?code=") {
		t.Fatalf("e-mailed link %q, want %s?code=…", mail[0].URL, want)
	}
	expect(t, h.get(link.RequestURI()), http.StatusOK, `value="`+mail[0].Code+`"`)
	expect(t, h.post(testBase+"/mfa/email", url.Values{"code": {"00000000"}}), http.StatusUnprocessableEntity, "That code is not right.")
	expectRedirect(t, h.post(testBase+"/mfa/email", url.Values{"code": {mail[0].Code}}), testRedirectURI+"?code=")
}

var optionsAttr = regexp.MustCompile(`data-webauthn="([^"]*)"`)

func TestPasskeyInsteadOfPassword(t *testing.T) {
	h := newHarness(t)
	a := sessiontest.NewAuthenticator("localhost", h.ui.publicURL)
	must(t, h.srv.RegisterPasskey("erin", a))
	h.loginName(t, "erin@example.com")
	p := h.post(testBase+"/passkey/start", nil)
	expect(t, p, http.StatusOK, "Your browser or phone will ask for your passkey", "/static/webauthn.js")
	m := optionsAttr.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no data-webauthn options on the page:\n%s", p.body)
	}
	options := new(structpb.Struct)
	must(t, protojson.Unmarshal([]byte(html.UnescapeString(m[1])), options))
	assertion, err := a.Assert(options, true)
	must(t, err)
	js, err := protojson.Marshal(assertion)
	must(t, err)
	expectRedirect(t, h.post(testBase+"/passkey", url.Values{"assertion": {string(js)}}), testRedirectURI+"?code=")
}

func TestPasskeyNotRegistered(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "carol@example.com")
	expect(t, h.post(testBase+"/passkey/start", nil), http.StatusUnprocessableEntity, "No passkey is registered for this account")
	expect(t, h.post(testBase+"/passkey", url.Values{"assertion": {`{"id":"x"}`}}), http.StatusUnprocessableEntity,
		"Your passkey&#39;s answer was not accepted.")
}

func TestLostFlowCookie(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/password", "/mfa", "/mfa/email"} {
		expect(t, h.get(testBase+path), http.StatusBadRequest, "Your sign-in was interrupted", "Go back to the application")
	}
	expect(t, h.post(testBase+"/password", url.Values{"password": {"x"}}), http.StatusBadRequest, "Your sign-in was interrupted")
}

func TestStaleSessionToken(t *testing.T) {
	h := newHarness(t)
	ar := h.loginName(t, "alice@example.com")
	u, _ := url.Parse(h.web.URL + testBase + "/")
	old := h.client.Jar.Cookies(u)
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), testBase+"/mfa")
	h.client.Jar.SetCookies(u, []*http.Cookie{{Name: flowCookieName, Value: old[0].Value, Path: testBase}})
	expect(t, h.get(testBase+"/password"), http.StatusBadRequest, "Your sign-in was interrupted",
		"Start again", "/login?authRequest="+ar)
}

func TestTamperedFlowCookie(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	u, _ := url.Parse(h.web.URL + testBase + "/")
	c := h.client.Jar.Cookies(u)[0]
	h.client.Jar.SetCookies(u, []*http.Cookie{{Name: flowCookieName, Value: c.Value[:len(c.Value)-2] + "AA", Path: testBase}})
	expect(t, h.get(testBase+"/password"), http.StatusBadRequest, "Your sign-in was interrupted")
}

func TestExpiredSession(t *testing.T) {
	h := newHarness(t)
	ar := h.loginName(t, "alice@example.com")
	h.srv.Clock().Advance(2 * time.Hour) // past the session lifetime
	expect(t, h.get(testBase+"/password"), http.StatusBadRequest, "Your sign-in took too long", "/login?authRequest="+ar)
	ar = h.loginName(t, "alice@example.com")
	h.srv.Clock().Advance(2 * time.Hour)
	expect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), http.StatusBadRequest,
		"Your sign-in took too long", "/login?authRequest="+ar)
}

func TestAuthRequestMissingOrGone(t *testing.T) {
	h := newHarness(t)
	expect(t, h.get(testBase+"/login"), http.StatusBadRequest, "Nothing to sign in to")
	expect(t, h.get(testBase+"/login?authRequest=V2_404"), http.StatusBadRequest, "This sign-in link is no longer valid")
	// Finished once: the same request cannot be finished again.
	ar := h.loginName(t, "carol@example.com")
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {carolPassword}}), testRedirectURI+"?code=")
	expect(t, h.get(testBase+"/login?authRequest="+ar), http.StatusBadRequest, "This sign-in link is no longer valid")
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	h := newHarness(t)
	ar := h.newAuthRequest()
	form := url.Values{"authRequest": {ar}, "loginName": {"alice@example.com"}}
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
		if p := h.post(testBase+"/login", form, hdr...); p.status != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403", hdr[0], p.status)
		}
	}
	if _, ok := h.flow(); ok {
		t.Fatal("a cross-origin POST started a login")
	}
	expectRedirect(t, h.post(testBase+"/login", form, "Sec-Fetch-Site", "same-origin"), testBase+"/password")
}

func TestFlowCookieAttributes(t *testing.T) {
	h := newHarness(t)
	ar := h.newAuthRequest()
	p := h.post(testBase+"/login", url.Values{"authRequest": {ar}, "loginName": {"alice@example.com"}})
	set := p.header.Get("Set-Cookie")
	for _, attr := range []string{flowCookieName + "=", "Path=" + testBase, "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(set, attr) {
			t.Fatalf("Set-Cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Fatalf("Set-Cookie %q is Secure on plain http", set)
	}
	f, ok := h.flow()
	if !ok || f.SessionToken == "" || strings.Contains(set, f.SessionToken) || strings.Contains(set, f.SessionID) {
		t.Fatalf("the cookie does not hide the session (ok %v)", ok)
	}
	secure, err := newFlowCookies([]byte(randomSecret()), testBase, true, time.Minute)
	must(t, err)
	rec := httptest.NewRecorder()
	must(t, secure.write(rec, f))
	if !strings.Contains(rec.Header().Get("Set-Cookie"), "Secure") {
		t.Fatal("the cookie is not Secure over https")
	}
	// Each step rotates the token in the cookie, as the handle does.
	expectRedirect(t, h.post(testBase+"/password", url.Values{"password": {alicePassword}}), testBase+"/mfa")
	g, _ := h.flow()
	if g.SessionID != f.SessionID || g.SessionToken == f.SessionToken {
		t.Fatal("the password step did not rotate the token in the cookie")
	}
}

func TestFinishRefusesASessionBelowThePolicy(t *testing.T) {
	h := newHarness(t)
	ar := h.newAuthRequest()
	s, _, err := h.ui.zitadel.Create(context.Background(), session.CheckLoginName("alice@example.com"),
		session.CheckPassword(alicePassword))
	must(t, err)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, testBase+"/mfa/totp", nil)
	h.ui.finish(rec, req, flow{AuthRequest: ar, SessionID: s.ID(), SessionToken: s.SessionToken(), Policy: policyPasswordAndMFA}, s)
	if rec.Code == http.StatusSeeOther {
		t.Fatalf("finished a password-only session under %s: %s", policyPasswordAndMFA, rec.Header().Get("Location"))
	}
	if _, err := h.ui.authRequest(context.Background(), ar); err != nil {
		t.Fatalf("the auth request was used up: %v", err)
	}
}

// noSecrets fails when a page or the log shows one of the secrets.
func (h *harness) noSecrets(t *testing.T, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if strings.Contains(h.logs.String(), s) {
			t.Errorf("the log shows a secret")
		}
		for _, b := range h.bodies {
			if strings.Contains(b, s) {
				t.Errorf("a page shows a secret")
			}
		}
	}
}

func TestSecondFactorPagesComeAfterThePassword(t *testing.T) {
	h := newHarness(t)
	h.loginName(t, "alice@example.com")
	expectRedirect(t, h.get(testBase+"/mfa"), testBase+"/password")
	expectRedirect(t, h.post(testBase+"/mfa/totp", url.Values{"code": {h.totp(t)}}), testBase+"/password")
	expectRedirect(t, h.post(testBase+"/mfa/email/send", nil), testBase+"/password")
	if len(h.srv.Outbox()) != 0 {
		t.Fatal("an e-mail code was sent before the password was checked")
	}
}

// Against a real Zitadel the service may not know the lockout policy's
// limit (-max-password-attempts 0). The attempt that reaches the limit
// still answers "wrong password", and Zitadel deletes the locked user's
// sessions in the same step: the page says the account is locked, not that
// the sign-in was continued elsewhere.
func TestWrongPasswordLocksWithTheLimitUnknown(t *testing.T) {
	h := newHarness(t)
	h.ui.maxPasswordAttempts = 0
	h.loginName(t, "alice@example.com")
	for range 2 {
		expect(t, h.post(testBase+"/password", url.Values{"password": {"nope"}}), http.StatusUnprocessableEntity,
			"Wrong password. Try again.")
	}
	p := h.post(testBase+"/password", url.Values{"password": {"nope"}})
	expect(t, p, http.StatusForbidden, "Your account is locked")
	if strings.Contains(p.body, "Start again") {
		t.Fatal("a locked account is offered a restart")
	}
	if _, ok := h.flow(); ok {
		t.Fatal("the flow cookie outlived the locked account")
	}
	h.noSecrets(t, "nope", alicePassword)
}

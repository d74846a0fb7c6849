package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func TestParseConfig(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(tokenFile, []byte("pat-from-file\n"), 0o600))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := parseConfig(nil, env(nil), io.Discard)
	must(t, err)
	if c.zitadelURL != "" || c.listen != "127.0.0.1:9999" || c.basePath != "/ui/v2/login" || c.cookieSecret != nil {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = parseConfig([]string{"-zitadel", "https://z.example.com", "-client-id", "app", "-token-file", tokenFile},
		env(map[string]string{"LOGIN_LISTEN": "127.0.0.1:0", "LOGIN_COOKIE_SECRET": strings.Repeat("s", 32)}), io.Discard)
	must(t, err)
	if c.token != "pat-from-file" || c.issuer != "https://z.example.com" || c.listen != "127.0.0.1:0" || len(c.cookieSecret) != 32 {
		t.Fatalf("flags and environment: %+v", c)
	}
	for _, bad := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-zitadel", "https://z.example.com"}, nil, "ZITADEL_TOKEN"},
		{[]string{"-zitadel", "https://z.example.com", "-client-id", "app"}, nil, "ZITADEL_TOKEN"},
		{nil, map[string]string{"LOGIN_COOKIE_SECRET": "short"}, "LOGIN_COOKIE_SECRET"},
		{[]string{"-base-path", "login/"}, nil, "-base-path"},
		{[]string{"-base-path", "/app"}, nil, "-base-path"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"-token-file", filepath.Join(t.TempDir(), "missing")}, nil, "-token-file"},
	} {
		_, err := parseConfig(bad.args, env(bad.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %v: error %v, want one naming %s", bad.args, bad.env, err, bad.want)
		}
		if err != nil && strings.Contains(err.Error(), "pat-from-file") {
			t.Errorf("an error shows the token")
		}
	}
}

// TestRunPrintsOneURL runs the program as `go run ./examples/login` does
// (on an ephemeral port): it prints exactly one line, the URL to open,
// serves the demo app there, and stops when its context ends.
func TestRunPrintsOneURL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, stdout := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, func(string) string { return "" }, stdout, io.Discard)
		stdout.Close()
	}()
	lines := bufio.NewScanner(out)
	if !lines.Scan() {
		t.Fatalf("run printed nothing: %v", <-done)
	}
	u := lines.Text()
	if !regexp.MustCompile(`^http://localhost:\d+/app$`).MatchString(u) {
		t.Fatalf("run printed %q, want http://localhost:<port>/app", u)
	}
	res, err := http.Get(u)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `id="sign-in"`) {
		t.Fatalf("GET %s: %d\n%s", u, res.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if lines.Scan() {
		t.Fatalf("run printed a second line: %q", lines.Text())
	}
}

// authorize sends a browser-like client (no redirects followed) to the
// stand-in's authorize endpoint for the demo app and returns where it was
// sent: the login page.
func authorize(t *testing.T, d *demo, extra url.Values) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := url.Values{"client_id": {standInClientID}, "redirect_uri": {strings.TrimSuffix(d.URL, "/app") + "/app/callback"},
		"response_type": {"code"}, "scope": {"openid"}, "state": {"st-1"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	for k, v := range extra {
		q[k] = v
	}
	res, err := c.Get(d.StandIn.Issuer + "/oauth/v2/authorize?" + q.Encode())
	must(t, err)
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.Contains(loc, "/ui/v2/login/login?authRequest=V2_") {
		t.Fatalf("authorize: %d to %q, want 302 to the login page", res.StatusCode, loc)
	}
	return c, loc
}

func TestLoginHintPrefillsTheLoginName(t *testing.T) {
	d, _ := startTestDemo(t)
	c, login := authorize(t, d, url.Values{"login_hint": {"bob@example.com"}, "prompt": {"login"}})
	res, err := c.Get(login)
	must(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{`value="bob@example.com"`, "demo-app", "Prompt: login."} {
		if !strings.Contains(string(body), want) {
			t.Fatalf("login page lacks %s:\n%s", want, body)
		}
	}
}

// TestPromptNone: the service keeps no single sign-on session, so a
// request that must not show a page goes back to the app with
// login_required.
func TestPromptNone(t *testing.T) {
	d, _ := startTestDemo(t)
	c, login := authorize(t, d, url.Values{"prompt": {"none"}})
	res, err := c.Get(login)
	must(t, err)
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	must(t, err)
	if res.StatusCode != http.StatusSeeOther || back.Path != "/app/callback" ||
		back.Query().Get("error") != "login_required" || back.Query().Get("state") != "st-1" {
		t.Fatalf("prompt=none: %d to %q, want 303 to the app with error=login_required", res.StatusCode, back)
	}
}

// TestAgainstASeparateZitadel runs the service as it runs against a real
// Zitadel or a separately started `zitadel-session serve`: URL, login
// client token and client ID from the configuration, no stand-in in
// process. A plain HTTP client (following redirects, keeping cookies) walks
// app → authorize → login name → password → callback → the app's page.
func TestAgainstASeparateZitadel(t *testing.T) {
	zitadel := sessiontest.NewServer(sessiontest.WithOpenIDProvider())
	defer zitadel.Close()
	must(t, zitadel.AddUser(sessiontest.User{ID: "carol", LoginName: "carol@example.com", Password: carolPassword}))
	must(t, zitadel.AddAccessToken("login-client-pat", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite))
	env := map[string]string{"ZITADEL_URL": zitadel.URL(), "ZITADEL_TOKEN": "login-client-pat", "APP_CLIENT_ID": "my-app",
		"LOGIN_LISTEN": "127.0.0.1:0", "LOGIN_COOKIE_SECRET": strings.Repeat("k", 40)}
	cfg, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	must(t, err)
	d, err := start(context.Background(), cfg, slog.New(slog.DiscardHandler))
	must(t, err)
	defer d.Close()
	if d.StandIn != nil {
		t.Fatal("a stand-in was started although ZITADEL_URL is set")
	}
	origin := strings.TrimSuffix(d.URL, "/app")
	must(t, zitadel.AddApplication(sessiontest.Application{ClientID: "my-app",
		RedirectURIs: []string{origin + "/app/callback"}, LoginBaseURI: origin + "/ui/v2/login"}))

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page := func(res *http.Response, err error) (string, string) {
		t.Helper()
		must(t, err)
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d\n%s", res.Request.URL, res.StatusCode, b)
		}
		return res.Request.URL.String(), string(b)
	}
	at, body := page(c.Get(d.URL + "/login"))
	if !strings.Contains(at, "/ui/v2/login/login?authRequest=V2_") || !strings.Contains(body, "my-app") {
		t.Fatalf("the app's sign-in led to %s", at)
	}
	ar, _ := url.Parse(at)
	_, body = page(c.PostForm(origin+"/ui/v2/login/login", url.Values{"authRequest": {ar.Query().Get("authRequest")}, "loginName": {"carol@example.com"}}))
	if !strings.Contains(body, "Enter your password") {
		t.Fatalf("after the login name:\n%s", body)
	}
	at, body = page(c.PostForm(origin+"/ui/v2/login/password", url.Values{"password": {carolPassword}}))
	if !strings.HasPrefix(at, origin+"/app/callback?code=") || !strings.Contains(body, `<code>carol</code>`) ||
		!strings.Contains(body, `<code>pwd</code>`) {
		t.Fatalf("after the password, at %s:\n%s", at, body)
	}
}

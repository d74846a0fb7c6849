package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestServeOpenIDProvider starts serve with the example seed plus a
// confidential application, checks what it prints at start-up (and that no
// secret is among it), then follows the printed authorize URL through a
// login finished over REST, exchanges the code and verifies the ID token
// against the keys serve publishes.
func TestServeOpenIDProvider(t *testing.T) {
	var seed map[string]any
	if err := json.Unmarshal(defaultSeed, &seed); err != nil {
		t.Fatal(err)
	}
	seed["applications"] = append(seed["applications"].([]any), map[string]any{
		"clientId": "web-app", "clientSecret": "s3cret-never-printed", "redirectUris": []string{"http://localhost:4000/web/cb"},
		"loginBaseUri": "http://localhost:3000/ui/v2/login",
	})
	data, _ := json.Marshal(seed)
	seedFile := filepath.Join(t.TempDir(), "seed.json")
	if err := os.WriteFile(seedFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "serve", "--listen", "127.0.0.1:0", "--seed", seedFile)
	cmd.Env = testEnv(t)
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ready, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSuffix(strings.TrimPrefix(ready, "listening on "), "\n")
	var banner []string
	sc := bufio.NewScanner(stderr)
	for len(banner) < 20 && sc.Scan() {
		banner = append(banner, sc.Text())
		if strings.HasPrefix(sc.Text(), "  try") && strings.Contains(sc.Text(), "web-app") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	text := strings.Join(banner, "\n")
	for _, want := range []string{
		"OpenID provider: issuer " + base, "application demo-app (public client", "application web-app (confidential client",
		"login UI      http://localhost:3000/ui/v2/login/login?authRequest=V2_<id>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "s3cret") || strings.Contains(text, "dev-login-client-token") {
		t.Fatalf("serve printed a secret:\n%s", text)
	}
	m := regexp.MustCompile(`(?m)^  try +(\S*client_id=demo-app\S*)$`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no authorize URL for demo-app in:\n%s", text)
	}

	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	const loginPrefix = "http://localhost:3000/ui/v2/login/login?authRequest="
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, loginPrefix) {
		t.Fatalf("authorize: %d %q", res.StatusCode, loc)
	}
	arID := strings.TrimPrefix(loc, loginPrefix)

	rest := func(method, path, body string) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer dev-login-client-token")
		req.Header.Set("Content-Type", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v %v", method, path, res.StatusCode, out, err)
		}
		return out
	}
	s := rest("POST", "/v2/sessions", `{"checks": {"user": {"loginName": "bob@example.com"}, "password": {"password": "Battery-Staple-9"}}}`)
	cb := rest("POST", "/v2/oidc/auth_requests/"+arID, `{"session": {"sessionId": "`+s["sessionId"].(string)+`", "sessionToken": "`+s["sessionToken"].(string)+`"}}`)
	cbURL, err := url.Parse(cb["callbackUrl"].(string))
	if err != nil || cbURL.Query().Get("state") != "try-1" {
		t.Fatalf("callback %v: %v", cb, err)
	}
	res, err = hc.PostForm(base+"/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "code": {cbURL.Query().Get("code")},
		"redirect_uri": {"http://localhost:4000/auth/callback"}, "client_id": {"demo-app"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	idToken, _ := tok["id_token"].(string)
	if res.StatusCode != 200 || idToken == "" {
		t.Fatalf("token: %d %v", res.StatusCode, tok)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	party, err := rp.NewRelyingPartyOIDC(ctx, base, "demo-app", "", "http://localhost:4000/auth/callback", []string{"openid"},
		rp.WithHTTPClient(hc), rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return "try-1" })))
	if err != nil {
		t.Fatalf("discovery against serve: %v", err)
	}
	claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](ctx, idToken, party.IDTokenVerifier())
	if err != nil {
		t.Fatalf("the ID token does not verify with serve's keys: %v", err)
	}
	if claims.Issuer != base || claims.Subject != "200000000000000002" || strings.Join(claims.AuthenticationMethodsReferences, " ") != "pwd" {
		t.Errorf("claims: iss %q sub %q amr %v", claims.Issuer, claims.Subject, claims.AuthenticationMethodsReferences)
	}
}

package e2e

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/session"
)

// The environment variables that choose the Zitadel under test.
const (
	envURL          = "ZITADEL_E2E_URL"           // required: the address to dial, e.g. http://localhost:8080
	envInstanceHost = "ZITADEL_E2E_INSTANCE_HOST" // optional: the instance domain when the URL is another address
	envIssuer       = "ZITADEL_E2E_ISSUER"        // optional: the token issuer when it differs from the URL
	envPAT          = "ZITADEL_E2E_PAT"           // required: PAT of a login client (IAM_LOGIN_CLIENT)
	envKeyFile      = "ZITADEL_E2E_KEY_FILE"      // optional: service-account key file of a login client
	envClientID     = "ZITADEL_E2E_CLIENT_ID"     // optional: client credentials of a login client
	envClientSecret = "ZITADEL_E2E_CLIENT_SECRET" // optional, with ZITADEL_E2E_CLIENT_ID
	envLoginName    = "ZITADEL_E2E_LOGIN_NAME"    // required: a test user with a password and TOTP
	envPassword     = "ZITADEL_E2E_PASSWORD"      // required
	envTOTPSecret   = "ZITADEL_E2E_TOTP_SECRET"   // required: the user's TOTP secret (base32)
)

// authMode is one way of authenticating the calls.
type authMode string

const (
	authPAT               authMode = "pat"
	authKeyFile           authMode = "key-file"
	authClientCredentials authMode = "client-credentials"
)

// target is the Zitadel under test and the test user.
type target struct {
	url, instanceHost, issuer string
	pat, keyFile              string
	clientID, clientSecret    string
	loginName, password       string
	totpSecret                string

	// real is set for a Zitadel from the environment (not the in-memory
	// test server): only then are instance routing and the CLI tested.
	real bool
	// now is the time for TOTP codes.
	now func() time.Time
	// wait lets time pass for a session's lifetime to run out.
	wait func(time.Duration)
}

// fromEnv returns the Zitadel chosen by the environment. It skips the test
// when ZITADEL_E2E_URL is not set, and fails it when the URL is set but a
// required variable is missing.
func fromEnv(t *testing.T) *target {
	t.Helper()
	tg := &target{
		url: os.Getenv(envURL), instanceHost: os.Getenv(envInstanceHost), issuer: os.Getenv(envIssuer),
		pat: os.Getenv(envPAT), keyFile: os.Getenv(envKeyFile),
		clientID: os.Getenv(envClientID), clientSecret: os.Getenv(envClientSecret),
		loginName: os.Getenv(envLoginName), password: os.Getenv(envPassword), totpSecret: os.Getenv(envTOTPSecret),
		real: true, now: time.Now, wait: time.Sleep,
	}
	if tg.url == "" {
		t.Skipf("no Zitadel to test against: set %s, %s, %s, %s and %s (optional: %s, %s, %s, %s/%s); "+
			"see the README, \"Testing against your own Zitadel\"",
			envURL, envPAT, envLoginName, envPassword, envTOTPSecret,
			envInstanceHost, envIssuer, envKeyFile, envClientID, envClientSecret)
	}
	var missing []string
	for name, v := range map[string]string{envPAT: tg.pat, envLoginName: tg.loginName, envPassword: tg.password, envTOTPSecret: tg.totpSecret} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s is set, but %s is not", envURL, strings.Join(missing, ", "))
	}
	if (tg.clientID == "") != (tg.clientSecret == "") {
		t.Fatalf("set both %s and %s, or neither", envClientID, envClientSecret)
	}
	return tg
}

// modes returns the auth modes the environment provides credentials for.
func (tg *target) modes() []authMode {
	m := []authMode{authPAT}
	if tg.keyFile != "" {
		m = append(m, authKeyFile)
	}
	if tg.clientID != "" {
		m = append(m, authClientCredentials)
	}
	return m
}

// client returns a client authenticated with mode, plus extra options.
func (tg *target) client(t *testing.T, mode authMode, extra ...session.Option) *session.Client {
	t.Helper()
	var opts []session.Option
	if tg.instanceHost != "" {
		opts = append(opts, session.WithInstanceHost(tg.instanceHost))
	}
	if tg.issuer != "" {
		opts = append(opts, session.WithIssuer(tg.issuer))
	}
	switch mode {
	case authPAT:
		opts = append(opts, session.WithPersonalAccessToken(tg.pat))
	case authKeyFile:
		opts = append(opts, session.WithServiceAccountKeyFile(tg.keyFile))
	case authClientCredentials:
		opts = append(opts, session.WithClientCredentials(tg.clientID, tg.clientSecret))
	}
	c, err := session.New(tg.url, append(opts, extra...)...)
	if err != nil {
		t.Fatalf("session.New(%s, %s): %v", tg.url, mode, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// totpCode returns the user's current TOTP code.
func (tg *target) totpCode(t *testing.T) string {
	t.Helper()
	code, err := totp.GenerateCode(tg.totpSecret, tg.now())
	if err != nil {
		t.Fatalf("TOTP code from %s: %v", envTOTPSecret, err)
	}
	return code
}

// rpID is the WebAuthn relying party id for a challenge: the instance's host
// name.
func (tg *target) rpID() string {
	h := tg.instanceHost
	if h == "" {
		if u, err := url.Parse(tg.url); err == nil {
			h = u.Host
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eventually retries f for up to 5 s: Zitadel's lists and user lookups lag
// writes by a few milliseconds up to ~120 ms (projections).
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Package e2esuite is the end-to-end suite of the session library against a
// Zitadel: the target (from the environment or given), the flows of a login
// service, and the errors its users meet, with Zitadel's exact ids. Package
// e2e runs it over the default transports, and the grpcconn module over a
// grpc-go connection. It is test code: every function takes a *testing.T.
package e2esuite

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

// AuthMode is one way of authenticating the calls.
type AuthMode string

const (
	AuthPAT               AuthMode = "pat"
	AuthKeyFile           AuthMode = "key-file"
	AuthClientCredentials AuthMode = "client-credentials"
)

// Target is the Zitadel under test and the test user.
type Target struct {
	URL, InstanceHost, Issuer string
	PAT, KeyFile              string
	ClientID, ClientSecret    string
	LoginName, Password       string
	TOTPSecret                string

	// Real is set for a Zitadel from the environment (not the in-memory
	// test server): only then are instance routing and the CLI tested.
	Real bool
	// Now is the time for TOTP codes.
	Now func() time.Time
	// Wait lets time pass for a session's lifetime to run out.
	Wait func(time.Duration)
}

// FromEnv returns the Zitadel chosen by the environment. It skips the test
// when ZITADEL_E2E_URL is not set, and fails it when the URL is set but a
// required variable is missing.
func FromEnv(t *testing.T) *Target {
	t.Helper()
	tg := &Target{
		URL: os.Getenv(envURL), InstanceHost: os.Getenv(envInstanceHost), Issuer: os.Getenv(envIssuer),
		PAT: os.Getenv(envPAT), KeyFile: os.Getenv(envKeyFile),
		ClientID: os.Getenv(envClientID), ClientSecret: os.Getenv(envClientSecret),
		LoginName: os.Getenv(envLoginName), Password: os.Getenv(envPassword), TOTPSecret: os.Getenv(envTOTPSecret),
		Real: true, Now: time.Now, Wait: time.Sleep,
	}
	if tg.URL == "" {
		t.Skipf("no Zitadel to test against: set %s, %s, %s, %s and %s (optional: %s, %s, %s, %s/%s); "+
			"see the README, \"Testing against your own Zitadel\"",
			envURL, envPAT, envLoginName, envPassword, envTOTPSecret,
			envInstanceHost, envIssuer, envKeyFile, envClientID, envClientSecret)
	}
	var missing []string
	for name, v := range map[string]string{envPAT: tg.PAT, envLoginName: tg.LoginName, envPassword: tg.Password, envTOTPSecret: tg.TOTPSecret} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("%s is set, but %s is not", envURL, strings.Join(missing, ", "))
	}
	if (tg.ClientID == "") != (tg.ClientSecret == "") {
		t.Fatalf("set both %s and %s, or neither", envClientID, envClientSecret)
	}
	return tg
}

// Modes returns the auth modes the target has credentials for.
func (tg *Target) Modes() []AuthMode {
	m := []AuthMode{AuthPAT}
	if tg.KeyFile != "" {
		m = append(m, AuthKeyFile)
	}
	if tg.ClientID != "" {
		m = append(m, AuthClientCredentials)
	}
	return m
}

// Client returns a client authenticated with mode, plus extra options,
// closed when t ends.
func (tg *Target) Client(t *testing.T, mode AuthMode, extra ...session.Option) *session.Client {
	t.Helper()
	var opts []session.Option
	if tg.InstanceHost != "" {
		opts = append(opts, session.WithInstanceHost(tg.InstanceHost))
	}
	if tg.Issuer != "" {
		opts = append(opts, session.WithIssuer(tg.Issuer))
	}
	switch mode {
	case AuthPAT:
		opts = append(opts, session.WithPersonalAccessToken(tg.PAT))
	case AuthKeyFile:
		opts = append(opts, session.WithServiceAccountKeyFile(tg.KeyFile))
	case AuthClientCredentials:
		opts = append(opts, session.WithClientCredentials(tg.ClientID, tg.ClientSecret))
	}
	c, err := session.New(tg.URL, append(opts, extra...)...)
	if err != nil {
		t.Fatalf("session.New(%s, %s): %v", tg.URL, mode, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TOTPCode returns the user's current TOTP code.
func (tg *Target) TOTPCode(t *testing.T) string {
	t.Helper()
	code, err := totp.GenerateCode(tg.TOTPSecret, tg.Now())
	if err != nil {
		t.Fatalf("TOTP code from %s: %v", envTOTPSecret, err)
	}
	return code
}

// RPID is the WebAuthn relying party id for a challenge: the instance's host
// name.
func (tg *Target) RPID() string {
	h := tg.InstanceHost
	if h == "" {
		if u, err := url.Parse(tg.URL); err == nil {
			h = u.Host
		}
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	return h
}

// Ctx returns a context for one test, with a 2-minute deadline.
func Ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Must fails t with what when err is not nil.
func Must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eventually retries f for up to 5 s: Zitadel's lists and user lookups lag
// writes by a few milliseconds up to ~120 ms (projections).
func Eventually(t *testing.T, what string, f func() error) {
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

package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// End to end, in a real browser: the demo app, the stand-in's authorize
// endpoint, the login service and back, as `go run ./examples/login` runs
// them (see browser_test.go for the browser).

// startTestDemo runs the whole demo on an ephemeral loopback port.
func startTestDemo(t *testing.T) (*demo, *bytes.Buffer) {
	t.Helper()
	logs := &bytes.Buffer{}
	cfg, err := parseConfig([]string{"-listen", "127.0.0.1:0"}, func(string) string { return "" }, logs)
	must(t, err)
	d, err := start(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	must(t, err)
	t.Cleanup(func() { _ = d.Close() })
	return d, logs
}

func aliceUser() (id, password string) { return demoUsers[0].ID, demoUsers[0].Password }

// signIn opens the app, follows "Sign in" to Zitadel's authorize endpoint
// and from there to the login page, and enters the login name.
func signIn(b *browser, d *demo, loginName string) {
	b.t.Helper()
	b.submit(chromedp.Navigate(d.URL))
	b.expectPage("app", "Demo app", "Sign in")
	b.submit(click("#sign-in"))
	b.expectPage("login", "Sign in", "demo-app", "openid")
	b.do(fill("#loginName", loginName))
	b.submit(click("button[type=submit]"))
}

func TestBrowserPasswordAndTOTP(t *testing.T) {
	heavytest.Require(t) // drives a real browser: ZS_HEAVY_TESTS=1, as in CI
	d, logs := startTestDemo(t)
	b := newBrowser(t)
	id, password := aliceUser()
	signIn(b, d, "alice@example.com")
	b.expectPage("password", "Enter your password", "Alice Example (alice@example.com)")
	b.do(fill("#password", password))
	b.submit(click("button[type=submit]"))
	b.expectPage("second-factor", "Confirm it's you", "authenticator app", "E-mail me a code", "Use a security key")
	code, err := totp.GenerateCode(aliceTOTPSecret, d.StandIn.Clock().Now())
	must(t, err)
	b.do(fill("#code", code))
	b.submit(click("form[action$='/mfa/totp'] button"))
	b.expectPage("signed-in", "Signed in")
	if sub := b.text("#sub"); sub != id {
		t.Fatalf("the app shows sub %q, want alice's id %s", sub, id)
	}
	if amr := b.text("#amr"); amr != "pwd otp mfa" {
		t.Fatalf("the app shows amr %q, want %q (password + TOTP, as Zitadel writes it)", amr, "pwd otp mfa")
	}

	// Again with a code by e-mail: the link in the stand-in's outbox fills
	// it in.
	b.submit(click("a.button"))
	b.expectPage("login-again", "Sign in")
	b.do(fill("#loginName", "alice@example.com"))
	b.submit(click("button[type=submit]"))
	b.expectPage("password-again", "Enter your password")
	b.do(fill("#password", password))
	b.submit(click("button[type=submit]"))
	b.expectPage("second-factor-again", "Confirm it's you")
	b.submit(click("#email-code"))
	b.expectPage("email-code", "Enter the code we e-mailed you", "We have e-mailed you a code.")
	mail := d.StandIn.Outbox()
	if len(mail) != 1 || mail[0].Channel != "email" || mail[0].UserID != id {
		t.Fatalf("the stand-in's outbox: %+v", mail)
	}
	b.submit(chromedp.Navigate(mail[0].URL))
	b.expectPage("email-code-from-link", "Enter the code we e-mailed you")
	b.submit(click("form[action$='/mfa/email'] button[type=submit]"))
	b.expectPage("signed-in-with-email-code", "Signed in")
	if amr := b.text("#amr"); amr != "pwd otp mfa" {
		t.Fatalf("with an e-mailed code: amr %q, want %q", amr, "pwd otp mfa")
	}

	for _, secret := range []string{password, code, mail[0].Code} {
		if strings.Contains(logs.String(), secret) {
			t.Error("the log shows a secret")
		}
	}
}

func TestBrowserWrongPasswordThenLocked(t *testing.T) {
	heavytest.Require(t) // drives a real browser: ZS_HEAVY_TESTS=1, as in CI
	d, _ := startTestDemo(t)
	b := newBrowser(t)
	signIn(b, d, "alice@example.com")
	b.expectPage("password", "Enter your password")
	b.do(fill("#password", "not-the-password"))
	b.submit(click("button[type=submit]"))
	b.expectPage("wrong-password", "Enter your password", "Wrong password. 2 attempts left before your account is locked.")
	b.do(fill("#password", "still-not-it"))
	b.submit(click("button[type=submit]"))
	b.expectPage("wrong-password-again", "Enter your password", "Wrong password. 1 attempt left before your account is locked.")
	b.do(fill("#password", "nor-this"))
	b.submit(click("button[type=submit]"))
	b.expectPage("locked", "Your account is locked", "Ask your administrator to unlock it.")
}

func TestBrowserLockedUser(t *testing.T) {
	heavytest.Require(t) // drives a real browser: ZS_HEAVY_TESTS=1, as in CI
	d, _ := startTestDemo(t)
	b := newBrowser(t)
	signIn(b, d, "locked@example.com")
	b.expectPage("locked", "Your account is locked", "Ask your administrator to unlock it.")
}

// TestBrowserPasskey signs in without a password: Chromium's virtual
// WebAuthn authenticator (DevTools WebAuthn domain) holds a passkey whose
// public key is seeded in the stand-in, and answers the challenge that
// webauthn.js hands to navigator.credentials.get.
func TestBrowserPasskey(t *testing.T) {
	heavytest.Require(t) // drives a real browser: ZS_HEAVY_TESTS=1, as in CI
	d, _ := startTestDemo(t)
	b := newBrowser(t)
	id, _ := aliceUser()

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	must(t, err)
	private, err := x509.MarshalPKCS8PrivateKey(key)
	must(t, err)
	credID := make([]byte, 32)
	_, _ = rand.Read(credID)
	must(t, d.StandIn.AddWebAuthnCredential(id, sessiontest.WebAuthnCredential{
		ID: credID, PublicKey: pub, RPID: "localhost", Passkey: true}))
	b.do(chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tgt, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			return err
		}
		auth, err := cdp.Call(ctx, tgt, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{
				Protocol: webauthn.AuthenticatorProtocolCtap2, Transport: webauthn.AuthenticatorTransportInternal,
				HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
				// cdproto always sends generateCmtgKeyOnNextOperation, which Chromium
				// accepts only from an authenticator with the CMTG extension.
				HasCmtgKey: true,
			}})
		if err != nil {
			return err
		}
		_, err = cdp.Call(ctx, tgt, webauthn.AddCredential, webauthn.AddCredentialParams{
			AuthenticatorID: auth.AuthenticatorID,
			Credential: &webauthn.Credential{CredentialID: credID, RpID: "localhost", PrivateKey: private,
				UserHandle: []byte(id), SignCount: 0},
		})
		return err
	}))

	signIn(b, d, "alice@example.com")
	b.expectPage("password", "Enter your password", "Sign in with a passkey instead")
	b.submit(click("#use-passkey"))
	b.expectPage("passkey", "Use your passkey", "Use my passkey")
	b.submit(click("#webauthn"))
	b.expectPage("signed-in-with-passkey", "Signed in")
	if sub := b.text("#sub"); sub != id {
		t.Fatalf("the app shows sub %q, want alice's id %s", sub, id)
	}
	if amr := b.text("#amr"); amr != "user mfa" {
		t.Fatalf("the app shows amr %q, want %q (a user-verifying passkey, as Zitadel writes it)", amr, "user mfa")
	}

	// Again, as a browser without the WebAuthn JSON helpers
	// (parseRequestOptionsFromJSON, toJSON) would: webauthn.js converts
	// base64url itself.
	b.submit(click("a.button"))
	b.expectPage("login-again", "Sign in")
	b.do(fill("#loginName", "alice@example.com"))
	b.submit(click("button[type=submit]"))
	b.expectPage("password-again", "Enter your password")
	b.submit(click("#use-passkey"))
	b.expectPage("passkey-without-json-helpers", "Use your passkey")
	b.do(chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		gone, err := chromedp.Evaluate[bool](`delete PublicKeyCredential.parseRequestOptionsFromJSON;
			delete PublicKeyCredential.prototype.toJSON;
			PublicKeyCredential.parseRequestOptionsFromJSON === undefined && PublicKeyCredential.prototype.toJSON === undefined`)(ctx, tgt)
		if err == nil && !gone {
			err = errors.New("the WebAuthn JSON helpers could not be removed")
		}
		return err
	}))
	b.submit(click("#webauthn"))
	b.expectPage("signed-in-again", "Signed in")
	if amr := b.text("#amr"); amr != "user mfa" {
		t.Fatalf("without the JSON helpers: amr %q, want %q", amr, "user mfa")
	}
}

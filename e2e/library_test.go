package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// TestLibrary runs the library suite against the Zitadel of the environment.
func TestLibrary(t *testing.T) {
	runLibrary(t, fromEnv(t))
}

// runLibrary is the library suite: every flow a login service uses, and the
// errors its users meet, with the exact Zitadel ids.
func runLibrary(t *testing.T, tg *target) {
	protocols := []struct {
		name string
		opt  session.Option
	}{{"connect", nil}, {"grpc", session.WithGRPC()}, {"grpcweb", session.WithGRPCWeb()}}
	for _, p := range protocols {
		t.Run("flow/"+p.name, func(t *testing.T) { libraryFlow(t, tg, tg.client(t, authPAT, p.opt)) })
	}
	for _, mode := range tg.modes() {
		for _, p := range protocols {
			t.Run("auth/"+string(mode)+"/"+p.name, func(t *testing.T) { authFlow(t, tg, tg.client(t, mode, p.opt)) })
		}
	}
	t.Run("wrong-password", func(t *testing.T) { wrongPassword(t, tg, tg.client(t, authPAT)) })
	t.Run("expired", func(t *testing.T) { expired(t, tg, tg.client(t, authPAT)) })
	t.Run("factor-not-ready", func(t *testing.T) { factorNotReady(t, tg, tg.client(t, authPAT)) })
	t.Run("finish", func(t *testing.T) { finish(t, tg, tg.client(t, authPAT)) })
	if tg.real {
		t.Run("instance-not-found", func(t *testing.T) { instanceNotFound(t, tg) })
	}
}

func idOf(err error) string {
	var e *session.Error
	if errors.As(err, &e) {
		return e.ID
	}
	return "<not a *session.Error>"
}

func randomValue() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// login creates a session with the user's password (and TOTP code when
// mfa), deleted when the test ends.
func login(t *testing.T, tg *target, c *session.Client, mfa bool, extra ...session.CreateOption) *session.Handle {
	t.Helper()
	opts := []session.CreateOption{session.CheckLoginName(tg.loginName), session.CheckPassword(tg.password)}
	if mfa {
		opts = append(opts, session.CheckTOTP(tg.totpCode(t)))
	}
	h, _, err := c.Create(ctxFor(t), append(opts, extra...)...)
	must(t, "CreateSession with password", err)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	return h
}

// libraryFlow: create with password, TOTP step-up, get, metadata, list,
// session token as bearer, delete.
func libraryFlow(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	h := login(t, tg, c, false)
	if h.ID() == "" || h.SessionToken() == "" {
		t.Fatalf("handle without id or token: %v", h)
	}

	// A password-only session of a user with TOTP is refused as bearer.
	_, err := c.Get(h.Bearer(ctx), h.ID())
	if !session.IsUnauthenticated(err) || idOf(err) != zitadelerr.AuthFactorRequired {
		t.Errorf("password-only session as bearer: %v; want IsUnauthenticated with %s", err, zitadelerr.AuthFactorRequired)
	}

	// Step up with TOTP: the token rotates and the old one is refused.
	old := h.SessionToken()
	_, err = h.Set(ctx, session.CheckTOTP(tg.totpCode(t)))
	must(t, "SetSession with TOTP", err)
	if h.SessionToken() == old {
		t.Error("the session token did not rotate")
	}
	_, err = c.Resume(h.ID(), old).Get(ctx)
	if !session.IsUnauthenticated(err) || idOf(err) != zitadelerr.SessionTokenPermission {
		t.Errorf("GetSession with the old token: %v; want %s", err, zitadelerr.SessionTokenPermission)
	}

	s, err := h.Get(ctx)
	must(t, "GetSession", err)
	if s.ID != h.ID() || !strings.EqualFold(s.Factors.User.LoginName, tg.loginName) || s.Factors.User.ID == "" {
		t.Errorf("GetSession: id %q user %+v", s.ID, s.Factors.User)
	}
	if !s.Satisfies(session.PasswordAndSecondFactor) || !s.Factors.TOTP.Verified() {
		t.Errorf("verified factors %v, want user, password, totp", s.VerifiedFactors())
	}

	// Metadata round-trips (and replaces, as Zitadel does).
	value := randomValue()
	_, err = h.Set(ctx, session.Metadata("e2e", []byte(value)))
	must(t, "SetSession with metadata", err)
	s, err = h.Get(ctx)
	must(t, "GetSession after metadata", err)
	if string(s.Metadata["e2e"]) != value || len(s.Metadata) != 1 {
		t.Errorf("metadata = %q, want only e2e=%s", s.Metadata, value)
	}

	// List the user's sessions (lists lag writes by a few ms).
	eventually(t, "ListSessions by user", func() error {
		for ls, err := range c.List(ctx, session.ByUserID(s.Factors.User.ID)) {
			if err != nil {
				return err
			}
			if ls.ID == h.ID() {
				return nil
			}
		}
		return fmt.Errorf("session %s not listed", h.ID())
	})

	// A password+TOTP session token is accepted as bearer.
	bs, err := c.Get(h.Bearer(ctx), h.ID())
	if err != nil || bs.ID != h.ID() {
		t.Errorf("session token as bearer: %v", err)
	}

	// Delete: the session is gone, and changing it says so.
	must(t, "DeleteSession", h.Delete(ctx))
	_, err = c.Get(ctx, h.ID())
	if !session.IsNotFound(err) || idOf(err) != zitadelerr.SessionNotExisting {
		t.Errorf("GetSession after delete: %v; want IsNotFound with %s", err, zitadelerr.SessionNotExisting)
	}
	_, err = h.Set(ctx, session.Metadata("after", []byte("delete")))
	if !session.IsSessionTerminated(err) || idOf(err) != zitadelerr.SessionTerminated {
		t.Errorf("SetSession after delete: %v; want IsSessionTerminated with %s", err, zitadelerr.SessionTerminated)
	}
}

// authFlow: the calls work with this authentication.
func authFlow(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	h := login(t, tg, c, true)
	s, err := c.Get(ctx, h.ID())
	must(t, "GetSession with the client's credentials", err)
	if !s.Satisfies(session.PasswordAndSecondFactor) {
		t.Errorf("verified factors %v", s.VerifiedFactors())
	}
	must(t, "DeleteSession", h.Delete(ctx))
}

// wrongPassword: IsInvalidCredentials with the failed-attempt count; a
// correct password afterwards resets the count, so runs do not lock the user.
func wrongPassword(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	wrong := "wrong-" + randomValue()
	_, _, err := c.Create(ctx, session.CheckLoginName(tg.loginName), session.CheckPassword(wrong))
	var e *session.Error
	if !session.IsInvalidCredentials(err) || !errors.As(err, &e) || e.ID != zitadelerr.PasswordInvalid || e.FailedAttempts < 1 {
		t.Errorf("wrong password: %v; want IsInvalidCredentials, %s, FailedAttempts >= 1", err, zitadelerr.PasswordInvalid)
	}
	if err != nil && strings.Contains(err.Error(), wrong) {
		t.Errorf("the error shows the password: %v", err)
	}
	login(t, tg, c, false)
}

// expired: a session whose lifetime ran out cannot be changed nor used as
// bearer.
func expired(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	h := login(t, tg, c, true, session.Lifetime(time.Second))
	tg.wait(1500 * time.Millisecond)
	_, err := h.Set(ctx, session.Metadata("k", []byte("v")))
	if !session.IsSessionExpired(err) || idOf(err) != zitadelerr.SessionExpired {
		t.Errorf("SetSession on an expired session: %v; want IsSessionExpired with %s", err, zitadelerr.SessionExpired)
	}
	_, err = c.Get(h.Bearer(ctx), h.ID())
	if !session.IsSessionExpired(err) || !session.IsUnauthenticated(err) || idOf(err) != zitadelerr.AuthSessionExpired {
		t.Errorf("expired session token as bearer: %v; want IsSessionExpired with %s", err, zitadelerr.AuthSessionExpired)
	}
	s, err := h.Get(ctx)
	must(t, "GetSession of an expired session", err)
	if !s.Expired(tg.now()) {
		t.Errorf("session expires at %v, not expired at %v", s.ExpiresAt, tg.now())
	}
}

// factorNotReady: challenges for factors the user has not set up (the test
// user has neither a passkey / security key nor OTP by SMS).
func factorNotReady(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	h := login(t, tg, c, false)
	_, err := h.Set(ctx, session.ChallengeWebAuthn(tg.rpID(), session.UserVerificationRequired))
	if !session.IsFactorNotReady(err) || idOf(err) != zitadelerr.WebAuthnBeginLogin {
		t.Errorf("WebAuthn challenge without a passkey: %v; want IsFactorNotReady with %s", err, zitadelerr.WebAuthnBeginLogin)
	}
	_, err = h.Set(ctx, session.ChallengeOTPSMS())
	if !session.IsFactorNotReady(err) || idOf(err) != zitadelerr.OTPSMSNotReady {
		t.Errorf("OTP SMS challenge without OTP SMS: %v; want IsFactorNotReady with %s", err, zitadelerr.OTPSMSNotReady)
	}
}

// finish: FinishOIDC / FinishSAML refuse a weak session locally, and pass a
// strong one to Zitadel, whose answer for an unknown request is classified.
func finish(t *testing.T, tg *target, c *session.Client) {
	ctx := ctxFor(t)
	weak, _, err := c.Create(ctx, session.CheckLoginName(tg.loginName))
	must(t, "CreateSession with a user check only", err)
	t.Cleanup(func() { _ = weak.Delete(context.Background()) })
	_, err = c.FinishOIDC(ctx, "V2_000000000000000000", weak)
	var e *session.Error
	if !errors.Is(err, session.ErrPolicyNotSatisfied) || !errors.As(err, &e) || !e.Local {
		t.Errorf("FinishOIDC with a user-only session: %v; want a local refusal", err)
	}

	strong := login(t, tg, c, true)
	_, err = c.FinishOIDC(ctx, "V2_000000000000000000", strong, session.Require(session.PasswordAndSecondFactor))
	if !session.IsNotFound(err) || (tg.real && idOf(err) != zitadelerr.CallbackRequestNotFound) {
		t.Errorf("FinishOIDC of an unknown auth request: %v; want IsNotFound with %s", err, zitadelerr.CallbackRequestNotFound)
	}
	_, err = c.FinishSAML(ctx, "000000000000000000", strong)
	if !session.IsNotFound(err) || (tg.real && idOf(err) != zitadelerr.ResponseRequestNotFound) {
		t.Errorf("FinishSAML of an unknown SAML request: %v; want IsNotFound with %s", err, zitadelerr.ResponseRequestNotFound)
	}
}

// instanceNotFound: a host that is not an instance domain is recognised, and
// is not "not found".
func instanceNotFound(t *testing.T, tg *target) {
	check := func(t *testing.T, c *session.Client) {
		_, _, err := c.Create(ctxFor(t))
		var e *session.Error
		if !session.IsInstanceNotFound(err) || session.IsNotFound(err) || !errors.As(err, &e) || e.ID != zitadelerr.InstanceNotFound {
			t.Fatalf("wrong host: %v; want IsInstanceNotFound (not IsNotFound) with %s", err, zitadelerr.InstanceNotFound)
		}
		if !strings.Contains(err.Error(), "WithInstanceHost") {
			t.Errorf("the error does not point to WithInstanceHost: %v", err)
		}
	}
	t.Run("bogus-instance-host", func(t *testing.T) {
		check(t, tg.client(t, authPAT, session.WithInstanceHost("no-such-instance.invalid")))
	})
	// Dialling the same server by another name, without the instance host.
	other := tg.url
	if u, err := url.Parse(tg.url); err == nil && tg.instanceHost == "" && u.Hostname() == "localhost" {
		u.Host = strings.Replace(u.Host, "localhost", "127.0.0.1", 1)
		other = u.String()
	}
	if other != tg.url || tg.instanceHost != "" {
		t.Run("address-without-instance-host", func(t *testing.T) {
			c, err := session.New(other, session.WithPersonalAccessToken(tg.pat))
			must(t, "session.New", err)
			defer c.Close()
			check(t, c)
		})
	}
}

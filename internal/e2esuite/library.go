package e2esuite

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

// Protocol is one way of reaching Zitadel: a name for the subtests and the
// client options that select it (none for the default transport).
type Protocol struct {
	Name    string
	Options []session.Option
}

// HTTPProtocols are the default transport's three protocols: Connect, gRPC
// and gRPC-Web.
func HTTPProtocols() []Protocol {
	return []Protocol{{"connect", nil}, {"grpc", []session.Option{session.WithGRPC()}}, {"grpcweb", []session.Option{session.WithGRPCWeb()}}}
}

// RunLibrary is the library suite: every flow a login service uses, and the
// errors its users meet, with the exact Zitadel ids. The flows run over every
// protocol, with every auth mode of tg; the error cases over the first
// protocol.
func RunLibrary(t *testing.T, tg *Target, protocols []Protocol) {
	for _, p := range protocols {
		t.Run("flow/"+p.Name, func(t *testing.T) { libraryFlow(t, tg, tg.Client(t, AuthPAT, p.Options...)) })
	}
	for _, mode := range tg.Modes() {
		for _, p := range protocols {
			t.Run("auth/"+string(mode)+"/"+p.Name, func(t *testing.T) { authFlow(t, tg, tg.Client(t, mode, p.Options...)) })
		}
	}
	first := protocols[0].Options
	t.Run("wrong-password", func(t *testing.T) { wrongPassword(t, tg, tg.Client(t, AuthPAT, first...)) })
	t.Run("expired", func(t *testing.T) { expired(t, tg, tg.Client(t, AuthPAT, first...)) })
	t.Run("factor-not-ready", func(t *testing.T) { factorNotReady(t, tg, tg.Client(t, AuthPAT, first...)) })
	t.Run("finish", func(t *testing.T) { finish(t, tg, tg.Client(t, AuthPAT, first...)) })
	if tg.Real {
		t.Run("instance-not-found", func(t *testing.T) { instanceNotFound(t, tg, first) })
	}
}

// IDOf returns the Zitadel error id of err ("<not a *session.Error>" when
// it is not one).
func IDOf(err error) string {
	var e *session.Error
	if errors.As(err, &e) {
		return e.ID
	}
	return "<not a *session.Error>"
}

// RandomValue returns 16 random hex digits.
func RandomValue() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Login creates a session with the user's password (and TOTP code when
// mfa), deleted when the test ends.
func Login(t *testing.T, tg *Target, c *session.Client, mfa bool, extra ...session.CreateOption) *session.Handle {
	t.Helper()
	opts := []session.CreateOption{session.CheckLoginName(tg.LoginName), session.CheckPassword(tg.Password)}
	if mfa {
		opts = append(opts, session.CheckTOTP(tg.TOTPCode(t)))
	}
	h, _, err := c.Create(Ctx(t), append(opts, extra...)...)
	Must(t, "CreateSession with password", err)
	t.Cleanup(func() { _ = h.Delete(context.Background()) })
	return h
}

// libraryFlow: create with password, TOTP step-up, get, metadata, list,
// session token as bearer, delete.
func libraryFlow(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	h := Login(t, tg, c, false)
	if h.ID() == "" || h.SessionToken() == "" {
		t.Fatalf("handle without id or token: %v", h)
	}

	// A password-only session of a user with TOTP is refused as bearer.
	_, err := c.Get(h.Bearer(ctx), h.ID())
	if !session.IsUnauthenticated(err) || IDOf(err) != zitadelerr.AuthFactorRequired {
		t.Errorf("password-only session as bearer: %v; want IsUnauthenticated with %s", err, zitadelerr.AuthFactorRequired)
	}

	// Step up with TOTP: the token rotates and the old one is refused.
	old := h.SessionToken()
	_, err = h.Set(ctx, session.CheckTOTP(tg.TOTPCode(t)))
	Must(t, "SetSession with TOTP", err)
	if h.SessionToken() == old {
		t.Error("the session token did not rotate")
	}
	_, err = c.Resume(h.ID(), old).Get(ctx)
	if !session.IsUnauthenticated(err) || IDOf(err) != zitadelerr.SessionTokenPermission {
		t.Errorf("GetSession with the old token: %v; want %s", err, zitadelerr.SessionTokenPermission)
	}

	s, err := h.Get(ctx)
	Must(t, "GetSession", err)
	if s.ID != h.ID() || !strings.EqualFold(s.Factors.User.LoginName, tg.LoginName) || s.Factors.User.ID == "" {
		t.Errorf("GetSession: id %q user %+v", s.ID, s.Factors.User)
	}
	if !s.Satisfies(session.PasswordAndSecondFactor) || !s.Factors.TOTP.Verified() {
		t.Errorf("verified factors %v, want user, password, totp", s.VerifiedFactors())
	}

	// Metadata round-trips (and replaces, as Zitadel does).
	value := RandomValue()
	_, err = h.Set(ctx, session.Metadata("e2e", []byte(value)))
	Must(t, "SetSession with metadata", err)
	s, err = h.Get(ctx)
	Must(t, "GetSession after metadata", err)
	if string(s.Metadata["e2e"]) != value || len(s.Metadata) != 1 {
		t.Errorf("metadata = %q, want only e2e=%s", s.Metadata, value)
	}

	// List the user's sessions (lists lag writes by a few ms).
	Eventually(t, "ListSessions by user", func() error {
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
	Must(t, "DeleteSession", h.Delete(ctx))
	_, err = c.Get(ctx, h.ID())
	if !session.IsNotFound(err) || IDOf(err) != zitadelerr.SessionNotExisting {
		t.Errorf("GetSession after delete: %v; want IsNotFound with %s", err, zitadelerr.SessionNotExisting)
	}
	_, err = h.Set(ctx, session.Metadata("after", []byte("delete")))
	if !session.IsSessionTerminated(err) || IDOf(err) != zitadelerr.SessionTerminated {
		t.Errorf("SetSession after delete: %v; want IsSessionTerminated with %s", err, zitadelerr.SessionTerminated)
	}
}

// authFlow: the calls work with this authentication.
func authFlow(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	h := Login(t, tg, c, true)
	s, err := c.Get(ctx, h.ID())
	Must(t, "GetSession with the client's credentials", err)
	if !s.Satisfies(session.PasswordAndSecondFactor) {
		t.Errorf("verified factors %v", s.VerifiedFactors())
	}
	Must(t, "DeleteSession", h.Delete(ctx))
}

// wrongPassword: IsInvalidCredentials with the failed-attempt count; a
// correct password afterwards resets the count, so runs do not lock the user.
func wrongPassword(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	wrong := "wrong-" + RandomValue()
	_, _, err := c.Create(ctx, session.CheckLoginName(tg.LoginName), session.CheckPassword(wrong))
	var e *session.Error
	if !session.IsInvalidCredentials(err) || !errors.As(err, &e) || e.ID != zitadelerr.PasswordInvalid || e.FailedAttempts < 1 {
		t.Errorf("wrong password: %v; want IsInvalidCredentials, %s, FailedAttempts >= 1", err, zitadelerr.PasswordInvalid)
	}
	if err != nil && strings.Contains(err.Error(), wrong) {
		t.Errorf("the error shows the password: %v", err)
	}
	Login(t, tg, c, false)
}

// expired: a session whose lifetime ran out cannot be changed nor used as
// bearer.
func expired(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	h := Login(t, tg, c, true, session.Lifetime(time.Second))
	tg.Wait(1500 * time.Millisecond)
	_, err := h.Set(ctx, session.Metadata("k", []byte("v")))
	if !session.IsSessionExpired(err) || IDOf(err) != zitadelerr.SessionExpired {
		t.Errorf("SetSession on an expired session: %v; want IsSessionExpired with %s", err, zitadelerr.SessionExpired)
	}
	_, err = c.Get(h.Bearer(ctx), h.ID())
	if !session.IsSessionExpired(err) || !session.IsUnauthenticated(err) || IDOf(err) != zitadelerr.AuthSessionExpired {
		t.Errorf("expired session token as bearer: %v; want IsSessionExpired with %s", err, zitadelerr.AuthSessionExpired)
	}
	s, err := h.Get(ctx)
	Must(t, "GetSession of an expired session", err)
	if !s.Expired(tg.Now()) {
		t.Errorf("session expires at %v, not expired at %v", s.ExpiresAt, tg.Now())
	}
}

// factorNotReady: challenges for factors the user has not set up (the test
// user has neither a passkey / security key nor OTP by SMS).
func factorNotReady(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	h := Login(t, tg, c, false)
	_, err := h.Set(ctx, session.ChallengeWebAuthn(tg.RPID(), session.UserVerificationRequired))
	if !session.IsFactorNotReady(err) || IDOf(err) != zitadelerr.WebAuthnBeginLogin {
		t.Errorf("WebAuthn challenge without a passkey: %v; want IsFactorNotReady with %s", err, zitadelerr.WebAuthnBeginLogin)
	}
	_, err = h.Set(ctx, session.ChallengeOTPSMS())
	if !session.IsFactorNotReady(err) || IDOf(err) != zitadelerr.OTPSMSNotReady {
		t.Errorf("OTP SMS challenge without OTP SMS: %v; want IsFactorNotReady with %s", err, zitadelerr.OTPSMSNotReady)
	}
}

// finish: FinishOIDC / FinishSAML refuse a weak session locally, and pass a
// strong one to Zitadel, whose answer for an unknown request is classified.
func finish(t *testing.T, tg *Target, c *session.Client) {
	ctx := Ctx(t)
	weak, _, err := c.Create(ctx, session.CheckLoginName(tg.LoginName))
	Must(t, "CreateSession with a user check only", err)
	t.Cleanup(func() { _ = weak.Delete(context.Background()) })
	_, err = c.FinishOIDC(ctx, "V2_000000000000000000", weak)
	var e *session.Error
	if !errors.Is(err, session.ErrPolicyNotSatisfied) || !errors.As(err, &e) || !e.Local {
		t.Errorf("FinishOIDC with a user-only session: %v; want a local refusal", err)
	}

	strong := Login(t, tg, c, true)
	_, err = c.FinishOIDC(ctx, "V2_000000000000000000", strong, session.Require(session.PasswordAndSecondFactor))
	if !session.IsNotFound(err) || (tg.Real && IDOf(err) != zitadelerr.CallbackRequestNotFound) {
		t.Errorf("FinishOIDC of an unknown auth request: %v; want IsNotFound with %s", err, zitadelerr.CallbackRequestNotFound)
	}
	_, err = c.FinishSAML(ctx, "000000000000000000", strong)
	if !session.IsNotFound(err) || (tg.Real && IDOf(err) != zitadelerr.ResponseRequestNotFound) {
		t.Errorf("FinishSAML of an unknown SAML request: %v; want IsNotFound with %s", err, zitadelerr.ResponseRequestNotFound)
	}
}

// instanceNotFound: a host that is not an instance domain is recognised, and
// is not "not found".
func instanceNotFound(t *testing.T, tg *Target, opts []session.Option) {
	check := func(t *testing.T, c *session.Client) {
		_, _, err := c.Create(Ctx(t))
		var e *session.Error
		if !session.IsInstanceNotFound(err) || session.IsNotFound(err) || !errors.As(err, &e) || e.ID != zitadelerr.InstanceNotFound {
			t.Fatalf("wrong host: %v; want IsInstanceNotFound (not IsNotFound) with %s", err, zitadelerr.InstanceNotFound)
		}
		if !strings.Contains(err.Error(), "WithInstanceHost") {
			t.Errorf("the error does not point to WithInstanceHost: %v", err)
		}
	}
	t.Run("bogus-instance-host", func(t *testing.T) {
		check(t, tg.Client(t, AuthPAT, append(opts, session.WithInstanceHost("no-such-instance.invalid"))...))
	})
	// Dialling the same server by another name, without the instance host.
	other := tg.URL
	if u, err := url.Parse(tg.URL); err == nil && tg.InstanceHost == "" && u.Hostname() == "localhost" {
		u.Host = strings.Replace(u.Host, "localhost", "127.0.0.1", 1)
		other = u.String()
	}
	if other != tg.URL || tg.InstanceHost != "" {
		t.Run("address-without-instance-host", func(t *testing.T) {
			c, err := session.New(other, session.WithPersonalAccessToken(tg.PAT))
			Must(t, "session.New", err)
			defer c.Close()
			check(t, c)
		})
	}
}

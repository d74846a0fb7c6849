package session_test

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// TestFlows runs every login flow over real loopback HTTP for each protocol.
func TestFlows(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, p.opt, session.WithPersonalAccessToken(loginPAT))
			ctx := ctxT(t)

			// Create with user + password.
			h, chs, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(alicePassword),
				session.MetadataMap(map[string][]byte{"a": []byte("1")}),
				session.UserAgent{FingerprintID: "fp-1", IP: "1.2.3.4", Description: "test",
					Header: map[string][]string{"Accept-Language": {"de", "en"}}})
			must(t, err)
			if chs != nil {
				t.Errorf("challenges %v without request", chs)
			}
			if h.ID() == "" || h.SessionToken() == "" {
				t.Fatalf("handle without id or token: %v", h)
			}
			s, err := h.Get(ctx)
			must(t, err)
			if s.ID != h.ID() || s.Factors.User.ID != aliceID || s.Factors.User.LoginName != aliceLogin ||
				s.Factors.User.DisplayName != "Alice" || !s.Factors.Password.Verified() || s.Factors.TOTP.Verified() {
				t.Errorf("after create: %+v", s)
			}
			if s.CreatedAt.IsZero() || !s.CreatedAt.Equal(s.ChangedAt) || s.Sequence == 0 || !s.ExpiresAt.IsZero() {
				t.Errorf("dates/sequence: %+v", s)
			}
			if s.UserAgent == nil || s.UserAgent.FingerprintID != "fp-1" || s.UserAgent.IP != "1.2.3.4" ||
				!slices.Equal(s.UserAgent.Header["Accept-Language"], []string{"de", "en"}) {
				t.Errorf("user agent: %+v", s.UserAgent)
			}
			if s.Satisfies(session.PasswordAndSecondFactor) {
				t.Error("password only satisfies PasswordAndSecondFactor")
			}

			// Step up with TOTP: the token rotates, the old one dies.
			old := h.SessionToken()
			_, err = h.Set(ctx, session.CheckTOTP(totpCode(t, srv)))
			must(t, err)
			if h.SessionToken() == old || h.SessionToken() == "" {
				t.Fatal("token not rotated by Set")
			}
			_, err = c.Resume(h.ID(), old).Get(ctx)
			if !session.IsUnauthenticated(err) || session.IsPermissionDenied(err) {
				t.Errorf("stale token: %v", err)
			}
			s, err = h.Get(ctx)
			must(t, err)
			if !s.Factors.TOTP.Verified() || !s.Satisfies(session.PasswordAndSecondFactor) {
				t.Errorf("after TOTP: %v", s.VerifiedFactors())
			}

			// A Set that changes nothing keeps the token.
			cur := h.SessionToken()
			_, err = h.Set(ctx)
			must(t, err)
			if h.SessionToken() != cur {
				t.Error("no-op Set changed the token")
			}
			if _, err := h.Get(ctx); err != nil {
				t.Errorf("token after no-op Set: %v", err)
			}

			// Metadata replaces, lifetime sets an expiry.
			_, err = h.Set(ctx, session.Metadata("b", []byte{0, 1, 2}), session.Lifetime(time.Hour))
			must(t, err)
			s, err = c.Get(ctx, h.ID())
			must(t, err)
			if len(s.Metadata) != 1 || string(s.Metadata["b"]) != "\x00\x01\x02" {
				t.Errorf("metadata = %q", s.Metadata)
			}
			if d := s.ExpiresAt.Sub(srv.Clock().Now()); d <= 59*time.Minute || d > time.Hour {
				t.Errorf("expires in %v", d)
			}

			// List by user.
			h2, _, err := c.Create(ctx, session.CheckUserID(aliceID))
			must(t, err)
			_, _, err = c.Create(ctx, session.CheckUserID(bobID))
			must(t, err)
			var ids []string
			for s, err := range c.List(ctx, session.ByUserID(aliceID), session.PageSize(1)) {
				must(t, err)
				ids = append(ids, s.ID)
			}
			if !slices.Equal(ids, []string{h.ID(), h2.ID()}) {
				t.Errorf("List by user = %v, want %v (ascending)", ids, []string{h.ID(), h2.ID()})
			}
			page, err := c.ListPage(ctx, 0, session.ByUserID(aliceID), session.SortByCreationDate(false))
			must(t, err)
			if len(page.Sessions) != 2 || page.Sessions[0].ID != h2.ID() || page.TotalResult != 2 || page.More {
				t.Errorf("ListPage = %+v", page)
			}

			// Finish an OIDC login.
			arID := srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid")
			cb, err := c.FinishOIDC(ctx, arID, h)
			must(t, err)
			u, err := url.Parse(cb)
			must(t, err)
			if !strings.HasPrefix(cb, "https://app.example.com/cb") || u.Query().Get("code") == "" {
				t.Errorf("callback URL %q", cb)
			}

			// Finish a SAML login (POST binding).
			srID := srv.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "relay-1",
				"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
			sr, err := c.FinishSAML(ctx, srID, h)
			must(t, err)
			if sr.Binding != session.SAMLBindingPost || sr.URL != "https://sp.example.com/acs" ||
				sr.RelayState != "relay-1" || sr.SAMLResponse == "" {
				t.Errorf("SAML response %v", sr)
			}

			// Delete.
			must(t, h.Delete(ctx))
			_, err = c.Get(ctx, h.ID())
			if !session.IsNotFound(err) {
				t.Errorf("Get after Delete: %v", err)
			}
			must(t, c.Delete(ctx, h2.ID()))
		})
	}
}

func TestBearerOverride(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			srv := newServer(t)
			login := newClient(t, srv, p.opt, session.WithPersonalAccessToken(loginPAT))
			// A client whose own credentials grant nothing.
			noperm := newClient(t, srv, p.opt, session.WithPersonalAccessToken(nopermPAT))
			ctx := ctxT(t)

			h, _, err := login.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
			must(t, err)
			if _, err := noperm.Get(ctx, h.ID()); !session.IsPermissionDenied(err) {
				t.Fatalf("noperm Get = %v, want permission denied", err)
			}
			// Alice has TOTP: a password-only session is not enough as bearer.
			_, err = noperm.Get(h.Bearer(ctx), h.ID())
			var se *session.Error
			if !session.IsUnauthenticated(err) || !errors.As(err, &se) || se.ID != zitadelerr.AuthFactorRequired {
				t.Fatalf("bearer without MFA = %v, want AUTHZ-Kl3p0", err)
			}
			_, err = h.Set(ctx, session.CheckTOTP(totpCode(t, srv)))
			must(t, err)
			// The per-call override replaces the client's PAT.
			s, err := noperm.Get(h.Bearer(ctx), h.ID())
			must(t, err)
			if s.Factors.User.ID != aliceID {
				t.Errorf("bearer Get: %+v", s.Factors.User)
			}
			// The override is per call: the next call uses the PAT again.
			if _, err := noperm.Get(ctx, h.ID()); !session.IsPermissionDenied(err) {
				t.Errorf("override leaked to next call: %v", err)
			}
			// The handle as oauth2.TokenSource.
			asUser := newClient(t, srv, p.opt, session.WithTokenSource(h))
			if _, err := asUser.Get(ctx, h.ID()); err != nil {
				t.Errorf("handle as TokenSource: %v", err)
			}
			// The TokenSource follows token rotation (no stale cached token).
			_, err = h.Set(ctx, session.Metadata("rotate", []byte("1")))
			must(t, err)
			if _, err := asUser.Get(ctx, h.ID()); err != nil {
				t.Errorf("handle as TokenSource after rotation: %v", err)
			}
			// An expired session is rejected as bearer.
			_, err = h.Set(ctx, session.Lifetime(time.Minute))
			must(t, err)
			srv.Clock().Advance(2 * time.Minute)
			_, err = asUser.Get(ctx, h.ID())
			if !session.IsUnauthenticated(err) || !errors.As(err, &se) || se.ID != zitadelerr.AuthSessionExpired {
				t.Errorf("expired bearer = %v", err)
			}
			s, err = login.Get(ctx, h.ID())
			must(t, err)
			if !s.Expired(srv.Clock().Now()) {
				t.Error("session not reported expired")
			}
		})
	}
}

func TestChallengeFlows(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, p.opt, session.WithPersonalAccessToken(loginPAT))
			ctx := ctxT(t)
			h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
			must(t, err)

			// OTP SMS with the code returned to the (trusted) login service.
			chs, err := h.Set(ctx, session.ChallengeOTPSMSReturnCode())
			must(t, err)
			code, ok := chs.OTPSMSCode()
			if !ok || code == "" {
				t.Fatalf("no SMS code in %v", chs)
			}
			_, err = h.Set(ctx, session.CheckOTPSMS(code))
			must(t, err)

			// OTP email, sent by the server.
			chs, err = h.Set(ctx, session.ChallengeOTPEmailLink("https://login.example.com/otp?code={{.Code}}"))
			must(t, err)
			if _, ok := chs.OTPEmailCode(); ok {
				t.Error("code returned although it was sent")
			}
			out := srv.Outbox()
			last := out[len(out)-1]
			if last.Channel != "email" || last.SessionID != h.ID() || !strings.Contains(last.URL, last.Code) {
				t.Fatalf("outbox: %+v", last)
			}
			_, err = h.Set(ctx, session.CheckOTPEmail(last.Code))
			must(t, err)

			// Recovery code.
			codes, err := srv.AddRecoveryCodes(aliceID, 2)
			must(t, err)
			_, err = h.Set(ctx, session.CheckRecoveryCode(codes[0]))
			must(t, err)

			// IdP intent.
			iid, itok, err := srv.AddIntent(aliceID, "idp-1")
			must(t, err)
			_, err = h.Set(ctx, session.CheckIDPIntent(iid, itok))
			must(t, err)

			// Passkey (WebAuthN with user verification), browser JSON path.
			a := sessiontest.NewAuthenticator(rpID, rpOrigin)
			must(t, srv.RegisterPasskey(aliceID, a))
			chs, err = h.Set(ctx, session.ChallengeWebAuthn(rpID, session.UserVerificationRequired))
			must(t, err)
			if chs.WebAuthn == nil {
				t.Fatal("no WebAuthN challenge")
			}
			if js, err := chs.WebAuthn.JSON(); err != nil || !strings.Contains(string(js), "publicKey") {
				t.Errorf("request options JSON %s, %v", js, err)
			}
			assertion, err := a.Assert(chs.WebAuthn.RequestOptions, true)
			must(t, err)
			assertionJSON, err := (&session.WebAuthnChallenge{RequestOptions: assertion}).JSON()
			must(t, err)
			_, err = h.Set(ctx, session.CheckWebAuthn(assertionJSON))
			must(t, err)

			s, err := h.Get(ctx)
			must(t, err)
			want := []session.FactorKind{session.FactorUser, session.FactorIntent, session.FactorWebAuthn,
				session.FactorOTPSMS, session.FactorOTPEmail, session.FactorRecoveryCode, session.FactorPasskey}
			if got := s.VerifiedFactors(); !slices.Equal(got, want) {
				t.Errorf("factors %v, want %v", got, want)
			}
			if !s.Satisfies(session.Passwordless) {
				t.Error("passkey session not Passwordless")
			}
			// Error variants of the finishing calls.
			cb, err := c.FailOIDC(ctx, srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid"),
				session.OIDCError{Reason: session.OIDCReasonAccessDenied, Description: "user cancelled"})
			must(t, err)
			if u, _ := url.Parse(cb); u == nil || u.Query().Get("error") != "access_denied" ||
				u.Query().Get("error_description") != "user cancelled" {
				t.Errorf("FailOIDC callback %q", cb)
			}
			sr, err := c.FailSAML(ctx, srv.AddSAMLRequest("https://sp", "https://sp/acs", "rs",
				"urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"),
				session.SAMLError{Reason: session.SAMLReasonRequestDenied})
			must(t, err)
			if sr.Binding != session.SAMLBindingRedirect || !strings.HasPrefix(sr.URL, "https://sp/acs") {
				t.Errorf("FailSAML %v", sr)
			}
		})
	}
}

// TestErrorPredicatesAgainstServer provokes every predicate with a real
// server error.
func TestErrorPredicatesAgainstServer(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			srv := newServer(t, sessiontest.WithLockoutPolicy(2, 0))
			c := newClient(t, srv, p.opt, session.WithPersonalAccessToken(loginPAT))
			ctx := ctxT(t)
			idOf := func(err error) string {
				var se *session.Error
				if !errors.As(err, &se) {
					t.Fatalf("not a *session.Error: %v", err)
				}
				return se.ID
			}

			// IsNotFound.
			_, err := c.Get(ctx, "4711")
			if !session.IsNotFound(err) || idOf(err) != zitadelerr.SessionNotExisting {
				t.Errorf("unknown session: %v", err)
			}
			_, _, err = c.Create(ctx, session.CheckLoginName("nobody@example.com"))
			if !session.IsNotFound(err) || idOf(err) != zitadelerr.UserNotFound {
				t.Errorf("unknown user: %v", err)
			}

			// IsInvalidCredentials: password (with attempt count), TOTP, OTP, recovery code.
			_, _, err = c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword("wrong"))
			var se *session.Error
			if !session.IsInvalidCredentials(err) || !errors.As(err, &se) || se.FailedAttempts != 1 ||
				se.Code != connect.CodeInvalidArgument || se.ID != zitadelerr.PasswordInvalid || strings.Contains(se.Message, "(") {
				t.Errorf("wrong password: %#v", se)
			}
			if strings.Contains(err.Error(), "wrong") {
				t.Errorf("error leaks the password: %v", err)
			}
			h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
			must(t, err)
			_, err = h.Set(ctx, session.CheckTOTP("000000"))
			if !session.IsInvalidCredentials(err) || idOf(err) != zitadelerr.TOTPInvalid {
				t.Errorf("wrong TOTP: %v", err)
			}
			_, err = h.Set(ctx, session.ChallengeOTPSMS())
			must(t, err)
			_, err = h.Set(ctx, session.CheckOTPSMS("00000000"))
			if !session.IsInvalidCredentials(err) || idOf(err) != zitadelerr.OTPCodeInvalid {
				t.Errorf("wrong OTP: %v", err)
			}
			_, err = srv.AddRecoveryCodes(aliceID, 1)
			must(t, err)
			_, err = h.Set(ctx, session.CheckRecoveryCode("not-a-code"))
			if !session.IsInvalidCredentials(err) || idOf(err) != zitadelerr.RecoveryInvalid {
				t.Errorf("wrong recovery code: %v", err)
			}

			// IsLocked: lockout after 2 failed passwords.
			_, _, err = c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword("wrong"))
			if !errors.As(err, &se) || se.FailedAttempts != 2 {
				t.Errorf("second wrong password: %v", err)
			}
			_, _, err = c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword(bobPassword))
			if !session.IsLocked(err) || idOf(err) != zitadelerr.UserNotActive || session.IsInvalidCredentials(err) {
				t.Errorf("locked user: %v", err)
			}

			// IsPermissionDenied: no memberships (NotFound AUTHZ-cdgFk) and
			// missing permission (AUTH-AWfge).
			noperm := newClient(t, srv, p.opt, session.WithPersonalAccessToken(nopermPAT))
			_, err = noperm.Get(ctx, h.ID())
			if !session.IsPermissionDenied(err) || session.IsNotFound(err) || idOf(err) != zitadelerr.MembershipNotFound {
				t.Errorf("no membership: %v", err)
			}
			reader := newClient(t, srv, p.opt, session.WithPersonalAccessToken(readonlyPAT))
			_, _, err = reader.Create(ctx)
			if !session.IsPermissionDenied(err) || idOf(err) != zitadelerr.NoMatchingPermissions {
				t.Errorf("missing permission: %v", err)
			}

			// IsUnauthenticated: no credentials, bad token, stale session token.
			anon := newClient(t, srv, p.opt)
			_, err = anon.Get(ctx, h.ID())
			if !session.IsUnauthenticated(err) || session.CodeOf(err) != connect.CodeUnauthenticated {
				t.Errorf("anonymous: %v", err)
			}
			bad := newClient(t, srv, p.opt, session.WithPersonalAccessToken("not-a-token"))
			_, err = bad.Get(ctx, h.ID())
			if !session.IsUnauthenticated(err) || idOf(err) != zitadelerr.TokenInvalid {
				t.Errorf("bad token: %v", err)
			}
			err = c.Resume(h.ID(), "stale").Delete(ctx)
			if !session.IsUnauthenticated(err) || idOf(err) != zitadelerr.DeleteTokenInvalid {
				t.Errorf("bad delete token: %v", err)
			}

			// IsValidation from the server (bypassing local validation via Raw).
			_, err = c.Raw().GetSession(ctx, &sessionv2.GetSessionRequest{})
			err = session.WrapError(err)
			if !session.IsValidation(err) || session.IsNotFound(err) {
				t.Errorf("server validation: %v", err)
			}
			// Set on an expired session.
			_, err = h.Set(ctx, session.Lifetime(time.Second))
			must(t, err)
			srv.Clock().Advance(time.Minute)
			_, err = h.Set(ctx, session.Metadata("k", []byte("v")))
			if session.CodeOf(err) != connect.CodeFailedPrecondition || idOf(err) != zitadelerr.SessionExpired {
				t.Errorf("Set on expired: %v", err)
			}
		})
	}
}

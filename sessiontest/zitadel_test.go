package sessiontest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// The tests in this file hold the server to what a real Zitadel v4.13.1
// answered when the same requests were sent to it.

func withAuthorization(header string) context.Context {
	ctx, info := connect.NewClientContext(context.Background())
	info.RequestHeader().Set("Authorization", header)
	return ctx
}

// wantMessage checks the whole error message, not only a part.
func wantMessage(t *testing.T, err error, w want, text string) {
	t.Helper()
	checkError(t, err, w)
	if got := message(err); got != text {
		t.Errorf("message = %q, want %q", got, text)
	}
}

func TestAuthorizationHeader(t *testing.T) {
	e := newEnv(t, protocols[0])
	invalid := v1(connect.CodeUnauthenticated, zitadelerr.AuthHeaderInvalid)
	for header, w := range map[string]want{
		"Basic ZGlmZjpkaWZm":       invalid,
		"Bearer ":                  invalid,
		"bearer " + tokLogin:       invalid, // the scheme is case-sensitive
		tokLogin:                   invalid, // no scheme
		"Bearer a Bearer b":        invalid,
		"Bearer not-a-known-token": v1(connect.CodeUnauthenticated, zitadelerr.TokenInvalid),
		"Bearer " + tokLogin:       {},
	} {
		t.Run(header, func(t *testing.T) {
			_, err := e.c.CreateSession(withAuthorization(header), &sessionv2.CreateSessionRequest{})
			checkError(t, err, w)
			if w.id == zitadelerr.AuthHeaderInvalid && message(err) != "invalid auth header (AUTH-toLo1)" {
				t.Errorf("message = %q", message(err))
			}
		})
	}
}

func TestSessionTokenAsBearer(t *testing.T) {
	e := newEnv(t, protocols[0])
	for _, u := range []sessiontest.User{
		{ID: "u-otp", LoginName: "otp@example.com", OrganizationID: orgA, Password: pw1, Phone: "+41790000001", Email: "otp@example.com"},
		{ID: "u-u2f", LoginName: "u2f@example.com", OrganizationID: orgA, Password: pw1},
	} {
		if err := e.srv.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	u2f := sessiontest.NewAuthenticator(rpID, origin)
	if err := e.srv.RegisterU2F("u-u2f", u2f); err != nil {
		t.Fatal(err)
	}
	codes, err := e.srv.AddRecoveryCodes("u2", 1)
	if err != nil {
		t.Fatal(err)
	}
	authRequired := want{code: connect.CodePermissionDenied, id: zitadelerr.AuthFactorRequired, detail: "v1", msg: "authentication required (AUTHZ-Kl3p0)"}
	mfaRequired := want{code: connect.CodePermissionDenied, id: zitadelerr.AuthFactorRequired, detail: "v1", msg: "mfa required (AUTHZ-Kl3p0)"}
	for _, tc := range []struct {
		name   string
		checks *sessionv2.Checks
		want   want
	}{
		{"user check only", &sessionv2.Checks{User: byID("u3")}, authRequired},
		{"recovery code is no authentication", &sessionv2.Checks{User: byID("u2"), RecoveryCode: &sessionv2.CheckRecoveryCode{Code: codes[0]}}, authRequired},
		{"TOTP only, user has TOTP", &sessionv2.Checks{User: byID("u2"), Totp: &sessionv2.CheckTOTP{Code: e.totp()}}, mfaRequired},
		{"password only, user has TOTP", &sessionv2.Checks{User: byID("u2"), Password: pwCheck(pw1)}, mfaRequired},
		{"password only, user has U2F", &sessionv2.Checks{User: byID("u-u2f"), Password: pwCheck(pw1)}, mfaRequired},
		{"password only, user has only OTP SMS and e-mail", &sessionv2.Checks{User: byID("u-otp"), Password: pwCheck(pw1)}, want{}},
		{"password only, user has only a passkey", &sessionv2.Checks{User: byID("u1"), Password: pwCheck(pw1)}, want{}},
		{"password and TOTP", &sessionv2.Checks{User: byID("u2"), Password: pwCheck(pw1), Totp: &sessionv2.CheckTOTP{Code: e.totp()}}, want{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: tc.checks})
			_, err := e.c.GetSession(as(s.GetSessionToken()), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			checkError(t, err, tc.want)
		})
	}
	t.Run("passkey alone", func(t *testing.T) {
		s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
		a, err := e.key.Assert(s.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
		if err != nil {
			t.Fatal(err)
		}
		set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
		_, err = e.c.GetSession(as(set.GetSessionToken()), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
		checkError(t, err, want{})
	})
	t.Run("stale token, raw key", func(t *testing.T) {
		s := e.passwordSession("u3")
		e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"k": []byte("v")}})
		_, err := e.c.GetSession(as(s.GetSessionToken()), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
		wantMessage(t, err, v1(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission), "Errors.PermissionDenied (QUERY-dsfr3)")
	})
	t.Run("deleted session, raw key", func(t *testing.T) {
		s := e.passwordSession("u3")
		if _, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()}); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.ListSessions(as(s.GetSessionToken()), &sessionv2.ListSessionsRequest{})
		wantMessage(t, err, v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), "Errors.Session.NotExisting (QUERY-SFeaa)")
	})
}

func TestMessagesAsZitadelSendsThem(t *testing.T) {
	e := newEnv(t, protocols[0])
	s := e.userSession("u2")
	set := func(c *sessionv2.Checks) error {
		_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: c})
		return err
	}
	wantMessage(t, set(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "000000"}}), v1(connect.CodeInvalidArgument, zitadelerr.TOTPInvalid), "Invalid code (EVENT-8isk2)")
	wantMessage(t, set(&sessionv2.Checks{RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "x"}}), v1(connect.CodeFailedPrecondition, zitadelerr.RecoveryNotReady), "Recovery codes are not ready for use (COMMAND-84rgg)")
	_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-nopw"), Password: pwCheck(pw1)}})
	wantMessage(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.PasswordNotSet), "User has not set a password (COMMAND-3nJ4t)")
	_, err = e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-locked")}})
	wantMessage(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive), "Errors.User.NotActive (SESSION-Gj4ko)") // no English text
	_, err = e.c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr("stale")})
	wantMessage(t, err, v1(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission), "Errors.PermissionDenied (QUERY-dsfr3)")
	_, err = e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u3")}, Challenges: challengeWA(uvRequired)})
	wantMessage(t, err, v1(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin), "WebAuthN begin login failed (WEBAU-4G8sw)")
	_, err = e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")},
		Challenges: &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{Domain: rpID}}})
	wantMessage(t, err, validationW, "invalid CreateSessionRequest.Challenges: embedded message failed validation | caused by: "+
		"invalid RequestChallenges.WebAuthN: embedded message failed validation | caused by: "+
		"invalid RequestChallenges_WebAuthN.UserVerificationRequirement: value must not be in list [USER_VERIFICATION_REQUIREMENT_UNSPECIFIED]")
}

func TestUserCheckLikeZitadel(t *testing.T) {
	e := newEnv(t, protocols[0])
	// the login name is not trimmed
	_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin(" alice@example.com ")}})
	wantMessage(t, err, v1(connect.CodeNotFound, zitadelerr.UserNotFound), "User could not be found (QUERY-Dfbg2)")
	// a machine user passes the user check, but its password check finds no (human) user
	s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("login-client")}})
	if got := e.get(tokLogin, s.GetSessionId()).GetFactors().GetUser(); got.GetId() != "login-client" || got.GetDisplayName() != "" {
		t.Errorf("user factor = %v", got)
	}
	_, err = e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("login-client"), Password: pwCheck(pw1)}})
	wantMessage(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.PasswordUserGone), "User could not be found (COMMAND-3n77z)")
}

func TestUserAgentWithEmptyStrings(t *testing.T) {
	e := newEnv(t, protocols[0])
	empty := e.create(tokLogin, &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{}})
	if ua := e.get(tokLogin, empty.GetSessionId()).UserAgent; ua != nil {
		t.Errorf("{} user agent read back as %v", ua)
	}
	badIP := e.create(tokLogin, &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{Ip: ptr("not-an-ip")}})
	if ua := e.get(tokLogin, badIP.GetSessionId()).UserAgent; ua != nil {
		t.Errorf("user agent with only an unparsable ip read back as %v", ua)
	}
	strs := e.create(tokLogin, &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{FingerprintId: ptr(""), Description: ptr("")}})
	ua := e.get(tokLogin, strs.GetSessionId()).UserAgent
	if ua == nil || ua.FingerprintId == nil || *ua.FingerprintId != "" || ua.Description == nil || *ua.Description != "" || ua.Ip != nil {
		t.Errorf("user agent with empty strings read back as %v", ua)
	}
}

func TestListDetailsHaveNoProcessedSequence(t *testing.T) {
	e := newEnv(t, protocols[0])
	s := e.userSession("u1")
	res := list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId())}})
	if d := res.GetDetails(); d.GetProcessedSequence() != 0 || d.GetTimestamp() == nil || d.GetTotalResult() != 1 {
		t.Errorf("details = %v", d)
	}
}

func TestFinishingALogin(t *testing.T) {
	e := newEnv(t, protocols[0])
	callback := func(caller, ar string, s *sessionv2.CreateSessionResponse) error {
		_, err := e.oidc.CreateCallback(as(caller), &oidcv2.CreateCallbackRequest{AuthRequestId: ar,
			CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
		return err
	}
	respond := func(caller, sr string, s *sessionv2.CreateSessionResponse) error {
		_, err := e.saml.CreateResponse(as(caller), &samlv2.CreateResponseRequest{SamlRequestId: sr,
			ResponseKind: &samlv2.CreateResponseRequest_Session{Session: &samlv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
		return err
	}
	newAR := func() string { return e.srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid") }
	newSR := func() string {
		return e.srv.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "r", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
	}
	userOnly := e.userSession("u3")

	t.Run("unknown requests", func(t *testing.T) {
		_, err := e.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: "V2_123456789"})
		wantMessage(t, err, v1(connect.CodeNotFound, zitadelerr.LoginRequestNotFound), "Auth Request does not exist (QUERY-Thee9)")
		_, err = e.saml.GetSAMLRequest(as(tokLogin), &samlv2.GetSAMLRequestRequest{SamlRequestId: "V2_123456789"})
		wantMessage(t, err, v1(connect.CodeNotFound, zitadelerr.LoginRequestNotFound), "Errors.SamlRequest.NotExisting (QUERY-Thee9)")
		wantMessage(t, callback(tokLogin, "V2_123456789", userOnly), v1(connect.CodeNotFound, zitadelerr.CallbackRequestNotFound), "Auth Request does not exist (COMMAND-jae5P)")
		wantMessage(t, respond(tokLogin, "V2_123456789", userOnly), v1(connect.CodeNotFound, zitadelerr.ResponseRequestNotFound), "SAMLRequest does not exist (COMMAND-GH3PVLSfXC)")
		_, err = e.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: "V2_123456789",
			CallbackKind: &oidcv2.CreateCallbackRequest_Error{Error: &oidcv2.AuthorizationError{Error: oidcv2.ErrorReason_ERROR_REASON_ACCESS_DENIED}}})
		checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.AuthRequestHandledOnError))
		_, err = e.saml.CreateResponse(as(tokLogin), &samlv2.CreateResponseRequest{SamlRequestId: "V2_123456789",
			ResponseKind: &samlv2.CreateResponseRequest_Error{Error: &samlv2.AuthorizationError{Error: samlv2.ErrorReason_ERROR_REASON_AUTH_N_FAILED}}})
		checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.SAMLRequestHandledOnError))
	})
	t.Run("a user-only session is enough, once", func(t *testing.T) {
		ar, sr := newAR(), newSR()
		checkError(t, callback(tokLogin, ar, userOnly), want{})
		wantMessage(t, callback(tokLogin, ar, userOnly), v1(connect.CodeFailedPrecondition, zitadelerr.AuthRequestAlreadyHandled), "Auth Request has already been handled (COMMAND-Sx208nt)")
		_, err := e.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: ar})
		checkError(t, err, v1(connect.CodeNotFound, zitadelerr.LoginRequestNotFound))
		checkError(t, respond(tokLogin, sr, userOnly), want{})
		wantMessage(t, respond(tokLogin, sr, userOnly), v1(connect.CodeFailedPrecondition, zitadelerr.SAMLRequestAlreadyHandled), "SAMLRequest has already been handled (COMMAND-ttPKNdAIFT)")
	})
	t.Run("expired session", func(t *testing.T) {
		s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u3"), Password: pwCheck(pw1)}, Lifetime: life(time.Minute)})
		e.srv.Clock().Advance(2 * time.Minute)
		wantMessage(t, callback(tokLogin, newAR(), s), v1(connect.CodeFailedPrecondition, zitadelerr.SessionExpired), "Session has expired (COMMAND-Hkl3d)")
		checkError(t, respond(tokLogin, newSR(), s), v1(connect.CodeFailedPrecondition, zitadelerr.SessionExpired))
	})
	t.Run("deleted session", func(t *testing.T) {
		s := e.passwordSession("u3")
		if _, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()}); err != nil {
			t.Fatal(err)
		}
		wantMessage(t, callback(tokLogin, newAR(), s), v1(connect.CodeFailedPrecondition, zitadelerr.SessionTerminated), "Session already terminated (COMMAND-Hewfq)")
		checkError(t, respond(tokLogin, newSR(), s), v1(connect.CodeFailedPrecondition, zitadelerr.SessionTerminated))
	})
	t.Run("stale or unknown token", func(t *testing.T) {
		s := e.passwordSession("u3")
		e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"k": []byte("v")}})
		wantMessage(t, callback(tokLogin, newAR(), s), v1(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid), "Session Token is invalid (COMMAND-sGr42)")
		checkError(t, respond(tokLogin, newSR(), s), v1(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid))
		unknown := &sessionv2.CreateSessionResponse{SessionId: "123", SessionToken: s.GetSessionToken()}
		checkError(t, callback(tokLogin, newAR(), unknown), v1(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid))
	})
	t.Run("caller without membership", func(t *testing.T) {
		checkError(t, callback(tokNoPerm, newAR(), userOnly), v1(connect.CodeNotFound, zitadelerr.MembershipNotFound))
		_, err := e.oidc.GetAuthRequest(as(tokNoPerm), &oidcv2.GetAuthRequestRequest{AuthRequestId: newAR()})
		checkError(t, err, v1(connect.CodeNotFound, zitadelerr.MembershipNotFound))
		checkError(t, respond(tokViewer, newSR(), userOnly), v1(connect.CodePermissionDenied, zitadelerr.NoMatchingPermissions))
	})
}

// TestDecodeErrorText: Zitadel (connect-go v1) names the message it could
// not decode with the Go type of its own generated code.
func TestDecodeErrorText(t *testing.T) {
	e := newEnv(t, protocols[0])
	for _, tc := range []struct{ contentType, body, prefix string }{
		{"application/json", `{"checks": 5}`, "unmarshal message: unmarshal into *session.CreateSessionRequest: proto:"},
		{"application/proto", "\xff\xff", "unmarshal message: unmarshal into *session.CreateSessionRequest: proto:"},
		{"application/json", ``, "unmarshal message: zero-length payload is not a valid JSON object"},
	} {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL()+"/zitadel.session.v2.SessionService/CreateSession", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Authorization", "Bearer "+tokLogin)
		res, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest || !bytes.Contains(body, []byte(`"code":"invalid_argument"`)) || !bytes.Contains(body, []byte(`"message":"`+tc.prefix)) {
			t.Errorf("%s %q: %d %s", tc.contentType, tc.body, res.StatusCode, body)
		}
	}
}

package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/protobuf/proto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	errorv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/error/v2"
	"github.com/sessionkit/zitadel-session-go/internal/validate"
)

// countingTransport counts opened streams and fails every call.
type countingTransport struct{ n atomic.Int64 }

func (t *countingTransport) NewClientStream(context.Context, connect.Spec) (connect.ClientStream, error) {
	t.n.Add(1)
	return nil, connect.NewError(connect.CodeUnavailable, "counting transport")
}

func newCountingClient(t *testing.T) (*Client, *countingTransport) {
	t.Helper()
	ct := &countingTransport{}
	c, err := New("http://127.0.0.1:1", WithTransport(ct), WithPersonalAccessToken("pat-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return c, ct
}

func TestValidationSendsNothing(t *testing.T) {
	c, ct := newCountingClient(t)
	ctx := context.Background()
	h := c.Resume("123", "sekrit-tok-1")
	cases := []struct {
		name  string
		call  func() error
		field string // expected *Error.Field ("" for non-PGV local errors)
		want  string // substring of the message
	}{
		{"totp 5 digits", func() error { _, err := h.Set(ctx, CheckTOTP("12345")); return err }, "checks.totp.code", "6 runes"},
		{"negative lifetime", func() error { _, _, err := c.Create(ctx, Lifetime(-time.Minute)); return err }, "lifetime", "greater than 0s"},
		{"zero lifetime", func() error { _, _, err := c.Create(ctx, Lifetime(0)); return err }, "lifetime", "greater than 0s"},
		{"empty user id", func() error { _, _, err := c.Create(ctx, CheckUserID("")); return err }, "checks.user.user_id", "UserId"},
		{"empty login name", func() error { _, _, err := c.Create(ctx, CheckLoginName("")); return err }, "checks.user.login_name", "LoginName"},
		{"empty password", func() error { _, _, err := c.Create(ctx, CheckUserID("u"), CheckPassword("")); return err }, "checks.password.password", "Password"},
		{"webauthn no domain", func() error {
			_, _, err := c.Create(ctx, CheckUserID("u"), ChallengeWebAuthn("", UserVerificationRequired))
			return err
		}, "challenges.web_auth_n.domain", "Domain"},
		{"webauthn no uv", func() error { _, _, err := c.Create(ctx, ChallengeWebAuthn("example.com", 0)); return err }, "challenges.web_auth_n.user_verification_requirement", "UserVerificationRequirement"},
		{"empty otp code", func() error { _, err := h.Set(ctx, CheckOTPSMS("")); return err }, "checks.otp_sms.code", "Code"},
		{"empty recovery code", func() error { _, err := h.Set(ctx, CheckRecoveryCode("")); return err }, "checks.recovery_code.code", "Code"},
		{"empty intent", func() error { _, err := h.Set(ctx, CheckIDPIntent("", "")); return err }, "checks.idp_intent.idp_intent_id", "IdpIntentId"},
		{"set without id", func() error { _, err := c.Resume("", "t").Set(ctx, CheckTOTP("123456")); return err }, "session_id", "SessionId"},
		{"get empty id", func() error { _, err := c.Get(ctx, ""); return err }, "session_id", "SessionId"},
		{"get empty token", func() error { _, err := c.Resume("1", "").Get(ctx); return err }, "session_token", "SessionToken"},
		{"delete empty id", func() error { return c.Delete(ctx, "") }, "session_id", "SessionId"},
		{"finish oidc empty id", func() error { _, err := c.FinishOIDC(ctx, "", h); return err }, "auth_request_id", "AuthRequestId"},
		{"finish oidc empty token", func() error { _, err := c.FinishOIDC(ctx, "ar", c.Resume("1", "")); return err }, "session.session_token", "SessionToken"},
		{"finish saml empty id", func() error { _, err := c.FinishSAML(ctx, "", h); return err }, "saml_request_id", "SamlRequestId"},
		// Local usage errors (no PGV field).
		{"delete empty token", func() error { return c.Resume("1", "").Delete(ctx) }, "", "empty session token"},
		{"duplicate password", func() error {
			_, _, err := c.Create(ctx, CheckUserID("u"), CheckPassword("a"), CheckPassword("b"))
			return err
		}, "", "more than one password check"},
		{"duplicate user", func() error { _, _, err := c.Create(ctx, CheckUserID("u"), CheckLoginName("n")); return err }, "", "more than one user check"},
		{"duplicate challenge", func() error {
			_, _, err := c.Create(ctx, ChallengeOTPEmail(), ChallengeOTPEmailReturnCode())
			return err
		}, "", "more than one otp_email challenge"},
		{"empty metadata value", func() error { _, err := h.Set(ctx, Metadata("k", nil)); return err }, "", "empty value"},
		{"metadata twice", func() error { _, err := h.Set(ctx, Metadata("k", []byte("a")), Metadata("k", []byte("b"))); return err }, "", "set twice"},
		{"lifetime twice", func() error { _, err := h.Set(ctx, Lifetime(time.Hour), Lifetime(time.Minute)); return err }, "", "lifetime set twice"},
		{"bad webauthn json", func() error { _, err := h.Set(ctx, CheckWebAuthn([]byte("{not json"))); return err }, "", "not a JSON object"},
		{"zero check", func() error { _, err := h.Set(ctx, Check{}); return err }, "", "zero Check"},
		{"zero challenge", func() error { _, err := h.Set(ctx, Challenge{}); return err }, "", "zero Challenge"},
		{"empty creator", func() error { _, err := c.ListPage(ctx, 0, ByCreator("")); return err }, "", "ByCreator"},
		{"empty fingerprint", func() error { _, err := c.ListPage(ctx, 0, ByUserAgent("")); return err }, "", "ByUserAgent"},
		{"zero filter", func() error { _, err := c.ListPage(ctx, 0, Filter{}); return err }, "", "zero Filter"},
		{"nil handle oidc", func() error { _, err := c.FinishOIDC(ctx, "ar", nil); return err }, "", "nil *Handle"},
		{"zero handle", func() error { _, err := (&Handle{}).Set(ctx, CheckTOTP("123456")); return err }, "", "not created by"},
		{"nil handle get", func() error { _, err := (*Handle)(nil).Get(ctx); return err }, "", "not created by"},
		{"nil handle saml", func() error { _, err := c.FinishSAML(ctx, "sr", nil); return err }, "", "nil *Handle"},
		{"list iterator", func() error {
			for _, err := range c.List(ctx, ByCreator("")) {
				return err
			}
			return nil
		}, "", "ByCreator"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := ct.n.Load()
			err := tc.call()
			if err == nil {
				t.Fatal("no error")
			}
			if got := ct.n.Load() - before; got != 0 {
				t.Fatalf("%d request(s) sent for invalid input", got)
			}
			if !IsValidation(err) {
				t.Errorf("IsValidation(%v) = false", err)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("not a *session.Error: %T", err)
			}
			if !se.Local || se.Code != connect.CodeInvalidArgument {
				t.Errorf("Local=%v Code=%v", se.Local, se.Code)
			}
			if se.Field != tc.field {
				t.Errorf("Field = %q, want %q", se.Field, tc.field)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if tc.field != "" {
				var ve *validate.Error
				if !errors.As(err, &ve) {
					t.Errorf("errors.As(*validate.Error) failed for %v", err)
				}
			}
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != connect.CodeInvalidArgument {
				t.Errorf("does not unwrap to an InvalidArgument *connect.Error")
			}
			for _, secret := range []string{"pat-secret", "sekrit-tok-1"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks %q: %v", secret, err)
				}
			}
		})
	}
	// The counting transport does see valid requests.
	if _, err := c.Get(ctx, "123"); err == nil || ct.n.Load() != 1 {
		t.Fatalf("valid request: err=%v sent=%d, want an Unavailable error after 1 send", err, ct.n.Load())
	}
}

func detail(t *testing.T, m proto.Message) *connect.ErrorDetail {
	t.Helper()
	d, err := connectproto.NewErrorDetail(m)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestErrorDecoding(t *testing.T) {
	cases := []struct {
		name                          string
		err                           *connect.Error
		id, msg                       string
		attempts                      int
		notFound, creds, perm, unauth bool
		locked, valid, instance       bool
	}{
		{name: "wrong password",
			err: connect.NewError(connect.CodeInvalidArgument, "Password is invalid (COMMAND-3M0fs)").
				WithDetail(detail(t, &zitadelv1.CredentialsCheckError{Id: "COMMAND-3M0fs", Message: "Password is invalid", FailedAttempts: 2})),
			id: "COMMAND-3M0fs", msg: "Password is invalid", attempts: 2, creds: true},
		{name: "locked during password",
			err: connect.NewError(connect.CodeFailedPrecondition, "User is locked (COMMAND-JLK35)").
				WithDetail(detail(t, &zitadelv1.CredentialsCheckError{Id: "COMMAND-JLK35", Message: "User is locked", FailedAttempts: 3})),
			id: "COMMAND-JLK35", msg: "User is locked", attempts: 3, locked: true},
		{name: "session not found",
			err: connect.NewError(connect.CodeNotFound, "Session does not exist (QUERY-SFeaa)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "QUERY-SFeaa", Message: "Session does not exist"})),
			id: "QUERY-SFeaa", msg: "Session does not exist", notFound: true},
		{name: "instance not found",
			err: connect.NewError(connect.CodeNotFound, "Instance not found (QUERY-1kIjX)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "QUERY-1kIjX", Message: "Instance not found"})),
			id: "QUERY-1kIjX", msg: "Instance not found", instance: true},
		{name: "membership not found",
			err: connect.NewError(connect.CodeNotFound, "membership not found (AUTHZ-cdgFk)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "AUTHZ-cdgFk", Message: "membership not found"})),
			id: "AUTHZ-cdgFk", msg: "membership not found", perm: true},
		{name: "session expired as bearer",
			err: connect.NewError(connect.CodePermissionDenied, "session expired (AUTHZ-EGDo3)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "AUTHZ-EGDo3", Message: "session expired"})),
			id: "AUTHZ-EGDo3", msg: "session expired", unauth: true},
		{name: "no auth header", err: connect.NewError(connect.CodeUnauthenticated, "auth header missing"),
			msg: "auth header missing", unauth: true},
		{name: "missing permission",
			err: connect.NewError(connect.CodePermissionDenied, "No matching permissions found (AUTH-AWfge)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "AUTH-AWfge", Message: "No matching permissions found"})),
			id: "AUTH-AWfge", msg: "No matching permissions found", perm: true},
		{name: "slug",
			err: connect.NewError(connect.CodePermissionDenied, "token invalid (session.token_invalid)").
				WithDetail(detail(t, &errorv2.ErrorDetail{Slug: "session.token_invalid", Message: "token invalid"})),
			id: "session.token_invalid", msg: "token invalid", perm: true},
		{name: "server validation", err: connect.NewError(connect.CodeInvalidArgument, "invalid CheckTOTP.Code: value length must be 6 runes"),
			msg: "invalid CheckTOTP.Code: value length must be 6 runes", valid: true},
		{name: "empty id", err: connect.NewError(connect.CodeInvalidArgument, "user change not possible ()").
			WithDetail(detail(t, &zitadelv1.ErrorDetail{Message: "user change not possible"})),
			msg: "user change not possible"},
		{name: "wrong totp",
			err: connect.NewError(connect.CodeInvalidArgument, "Invalid code (EVENT-8isk2)").
				WithDetail(detail(t, &zitadelv1.ErrorDetail{Id: "EVENT-8isk2", Message: "Invalid code"})),
			id: "EVENT-8isk2", msg: "Invalid code", creds: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := fmt.Errorf("wrapped: %w", newError(context.Background(), "GetSession", tc.err.WithRemote()))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatal("not a *Error")
			}
			if se.ID != tc.id || se.Message != tc.msg || se.FailedAttempts != tc.attempts || se.Code != tc.err.Code() {
				t.Errorf("got ID=%q Message=%q FailedAttempts=%d Code=%v", se.ID, se.Message, se.FailedAttempts, se.Code)
			}
			var ce *connect.Error
			if !errors.As(err, &ce) || ce.Code() != tc.err.Code() {
				t.Error("does not unwrap to *connect.Error")
			}
			checks := []struct {
				name string
				got  bool
				want bool
			}{
				{"IsNotFound", IsNotFound(err), tc.notFound},
				{"IsInvalidCredentials", IsInvalidCredentials(err), tc.creds},
				{"IsPermissionDenied", IsPermissionDenied(err), tc.perm},
				{"IsUnauthenticated", IsUnauthenticated(err), tc.unauth},
				{"IsLocked", IsLocked(err), tc.locked},
				{"IsValidation", IsValidation(err), tc.valid},
				{"IsInstanceNotFound", IsInstanceNotFound(err), tc.instance},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
				}
			}
			if tc.instance && !strings.Contains(err.Error(), "WithInstanceHost") {
				t.Errorf("instance-not-found error does not name WithInstanceHost: %v", err)
			}
		})
	}
	if IsNotFound(errors.New("x")) || IsValidation(nil) || IsUnauthenticated(context.Canceled) {
		t.Error("predicates true for foreign errors")
	}
	if err := newError(context.Background(), "op", context.Canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("context error not passed through: %v", err)
	}
}

func TestRedaction(t *testing.T) {
	const pw, code, tok, saml = "hunter2-password", "987654", "session-token-xyz", "PHNhbWw-assertion"
	c, _ := newCountingClient(t)
	h := c.Resume("sess-1", tok)
	ch := challengesFromProto(nil)
	_ = ch
	chs := &Challenges{otpSMS: code, hasSMS: true, otpEmail: code, hasEmail: true}
	values := []any{
		CheckPassword(pw), CheckTOTP(code), CheckOTPSMS(code), CheckOTPEmail(code), CheckRecoveryCode(code),
		CheckIDPIntent("intent-1", tok), CheckWebAuthn([]byte(`{"id":"` + tok + `"}`)),
		h, chs, &SAMLResponse{URL: "https://sp/acs", Binding: SAMLBindingPost, SAMLResponse: saml},
		[]any{CheckPassword(pw)}, struct{ H *Handle }{h}, map[string]Check{"k": CheckPassword(pw)}, c,
	}
	secrets := []string{pw, code, tok, saml}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			out := fmt.Sprintf(verb, v)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("%s of %T leaks a secret: %s", verb, v, out)
				}
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		for _, s := range secrets {
			if strings.Contains(buf.String(), s) {
				t.Errorf("slog of %T leaks a secret: %s", v, buf.String())
			}
		}
	}
	if got := fmt.Sprint(h); !strings.Contains(got, "sess-1") || !strings.Contains(got, redacted) {
		t.Errorf("Handle prints %q; want the ID and %s", got, redacted)
	}
	if got := CheckLoginName("alice").String(); !strings.Contains(got, "alice") {
		t.Errorf("non-secret login name hidden: %q", got)
	}
	if sms, ok := chs.OTPSMSCode(); !ok || sms != code {
		t.Errorf("OTPSMSCode = %q, %v", sms, ok)
	}
	if h.SessionToken() != tok {
		t.Error("SessionToken accessor broken")
	}
	if tk, err := h.Token(); err != nil || tk.AccessToken != tok || tk.Type() != "Bearer" {
		t.Errorf("Token() = %v, %v", tk, err)
	}
}

func TestHandleKeepsTokenOnEmptyRotation(t *testing.T) {
	h := &Handle{id: "1", token: "a"}
	h.setToken("", 0)
	if h.SessionToken() != "a" {
		t.Fatal("empty token replaced the current one")
	}
	h.setToken("b", 0)
	if h.SessionToken() != "b" {
		t.Fatal("rotation not recorded")
	}
}

func TestPolicy(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &Session{}
	s.Factors.User.VerifiedAt = now
	s.Factors.Password.VerifiedAt = now
	if s.Satisfies(PasswordAndSecondFactor) {
		t.Error("password only satisfies PasswordAndSecondFactor")
	}
	if !s.Satisfies(Authenticated) || !s.Satisfies(AllOf(FactorUser, FactorPassword)) {
		t.Error("user+password does not satisfy Authenticated")
	}
	s.Factors.TOTP.VerifiedAt = now
	if !s.Satisfies(PasswordAndSecondFactor) {
		t.Error("password+totp does not satisfy PasswordAndSecondFactor")
	}
	if s.Satisfies(AllOf()) || s.Satisfies(AnyOf()) || s.Satisfies(nil) || s.Satisfies(AllOf(FactorUser, nil)) {
		t.Error("empty or nil policies satisfied")
	}
	if s.Satisfies(Passwordless) {
		t.Error("no passkey but Passwordless satisfied")
	}
	s.Factors.WebAuthn = WebAuthnFactor{VerifiedAt: now}
	if s.Satisfies(FactorPasskey) {
		t.Error("WebAuthN without UV counts as passkey")
	}
	s.Factors.WebAuthn.UserVerified = true
	if !s.Satisfies(Passwordless) {
		t.Error("passkey not recognised")
	}
	got := fmt.Sprint(s.VerifiedFactors())
	if got != "[user password webauthn totp passkey]" {
		t.Errorf("VerifiedFactors = %s", got)
	}
	if s.Expired(now) {
		t.Error("session without expiry is expired")
	}
	s.ExpiresAt = now.Add(time.Minute)
	if s.Expired(now) || !s.Expired(now.Add(time.Minute)) {
		t.Error("Expired boundary wrong")
	}
	if PasswordAndSecondFactor.String() == "" {
		t.Error("empty policy string")
	}
}

func TestTrimID(t *testing.T) {
	for _, tc := range []struct{ in, id, msg, gotID string }{
		{"Password is invalid (COMMAND-3M0fs)", "", "Password is invalid", "COMMAND-3M0fs"},
		{"Password is invalid (COMMAND-3M0fs)", "COMMAND-3M0fs", "Password is invalid", "COMMAND-3M0fs"},
		{"user change not possible ()", "", "user change not possible", ""},
		{"plain message", "", "plain message", ""},
		{"a (b c)", "", "a (b c)", ""},
		{"x (ID-1)", "ID-2", "x (ID-1)", "ID-2"},
	} {
		id := tc.id
		if got := trimID(tc.in, &id); got != tc.msg || id != tc.gotID {
			t.Errorf("trimID(%q, %q) = %q, %q", tc.in, tc.id, got, id)
		}
	}
}

func TestNewOptionErrors(t *testing.T) {
	for name, opts := range map[string][]Option{
		"two auth":         {WithPersonalAccessToken("a"), WithClientCredentials("id", "secret")},
		"empty pat":        {WithPersonalAccessToken("")},
		"http + ca":        {WithHTTPClient(nil), WithInsecureSkipVerify()},
		"nil token source": {WithTokenSource(nil)},
	} {
		if name == "http + ca" {
			opts = []Option{WithHTTPClient(&httpClientZero), WithInsecureSkipVerify()}
		}
		c, err := New("http://localhost:8080", opts...)
		if err == nil {
			c.Close()
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error leaks secret: %v", name, err)
		}
	}
	if _, err := New("localhost:8080"); err == nil {
		t.Error("relative URL accepted")
	}
}

var httpClientZero http.Client

package sessiontest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

const (
	appPublic  = "spa-client"
	appWeb     = "web-client"
	appSecret  = "web-client-secret-0123456789"
	appCB      = "http://localhost:9999/cb"
	appLogout  = "http://localhost:9999/logged-out"
	appLoginUI = "http://localhost:9999/ui/v2/login"
)

// opEnv is a server with the OpenID provider, two applications and an
// HTTP client that does not follow redirects.
type opEnv struct {
	*env
	http *http.Client
}

func newOPEnv(t *testing.T) *opEnv {
	t.Helper()
	e := newEnv(t, protocols[0], sessiontest.WithOpenIDProvider())
	for _, a := range []sessiontest.Application{
		{ClientID: appPublic, RedirectURIs: []string{appCB}, PostLogoutRedirectURIs: []string{appLogout},
			LoginBaseURI: appLoginUI + "/", GrantTypes: []string{"authorization_code", "refresh_token"}},
		{ClientID: appWeb, ClientSecret: appSecret, RedirectURIs: []string{appCB}, LoginBaseURI: appLoginUI,
			GrantTypes: []string{"authorization_code", "refresh_token"}},
	} {
		if err := e.srv.AddApplication(a); err != nil {
			t.Fatal(err)
		}
	}
	hc := e.srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &opEnv{env: e, http: hc}
}

// do sends a request and returns the status, headers and body.
func (o *opEnv) do(method, path string, form url.Values, header http.Header) (int, http.Header, string) {
	o.t.Helper()
	var body io.Reader
	if form != nil && method != http.MethodGet {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		path += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, o.srv.URL()+path, body)
	if err != nil {
		o.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := o.http.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		o.t.Fatal(err)
	}
	return res.StatusCode, res.Header, string(b)
}

// authorizeParams are a valid code+PKCE request of the public app.
func authorizeParams(verifier string) url.Values {
	return url.Values{"client_id": {appPublic}, "redirect_uri": {appCB}, "response_type": {"code"},
		"scope": {"openid profile email offline_access"}, "state": {"st-abc+123"}, "nonce": {"n-xyz789"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
}

// authorize runs /oauth/v2/authorize and returns the auth request id.
func (o *opEnv) authorize(params url.Values, header http.Header) string {
	o.t.Helper()
	status, h, body := o.do(http.MethodGet, "/oauth/v2/authorize", params, header)
	if status != http.StatusFound {
		o.t.Fatalf("authorize: %d %s", status, body)
	}
	loc := h.Get("Location")
	prefix := appLoginUI + "/login?authRequest="
	if !strings.HasPrefix(loc, prefix) {
		o.t.Fatalf("authorize redirected to %q, want %s…", loc, prefix)
	}
	id, err := url.QueryUnescape(strings.TrimPrefix(loc, prefix))
	if err != nil || !strings.HasPrefix(id, "V2_") {
		o.t.Fatalf("auth request id %q", id)
	}
	return id
}

// callback finishes an auth request with a session and returns the code.
func (o *opEnv) callback(arID string, s *sessionv2.CreateSessionResponse, wantState string) string {
	o.t.Helper()
	res, err := o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	if err != nil {
		o.t.Fatalf("CreateCallback: %v", err)
	}
	u, err := url.Parse(res.GetCallbackUrl())
	if err != nil || u.Scheme+"://"+u.Host+u.Path != appCB {
		o.t.Fatalf("callback URL %q", res.GetCallbackUrl())
	}
	if got := u.Query().Get("state"); got != wantState {
		o.t.Errorf("callback state = %q, want %q", got, wantState)
	}
	if strings.Contains(u.RawQuery, "st-abc+123") {
		o.t.Errorf("callback URL %q does not encode + as %%2B", res.GetCallbackUrl())
	}
	code := u.Query().Get("code")
	if code == "" {
		o.t.Fatalf("callback URL %q has no code", res.GetCallbackUrl())
	}
	return code
}

// token posts to the token endpoint and decodes the JSON answer.
func (o *opEnv) token(form url.Values, user, pass string) (int, map[string]any) {
	o.t.Helper()
	h := http.Header{}
	if user != "" {
		req, _ := http.NewRequest(http.MethodPost, "/", nil)
		req.SetBasicAuth(user, pass)
		h.Set("Authorization", req.Header.Get("Authorization"))
	}
	status, hdr, body := o.do(http.MethodPost, "/oauth/v2/token", form, h)
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		o.t.Fatalf("token endpoint content type %q (body %s)", ct, body)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		o.t.Fatalf("token endpoint body %q: %v", body, err)
	}
	return status, out
}

// verifier checks ID tokens against the key published at the JWKS endpoint
// found through discovery.
func (o *opEnv) verifier(clientID, nonce string) *rp.IDTokenVerifier {
	o.t.Helper()
	status, _, body := o.do(http.MethodGet, "/.well-known/openid-configuration", nil, nil)
	var disc oidc.DiscoveryConfiguration
	if status != 200 || json.Unmarshal([]byte(body), &disc) != nil {
		o.t.Fatalf("discovery: %d %s", status, body)
	}
	if disc.Issuer != o.srv.URL() || disc.JwksURI != o.srv.URL()+"/oauth/v2/keys" ||
		disc.AuthorizationEndpoint != o.srv.URL()+"/oauth/v2/authorize" || disc.TokenEndpoint != o.srv.URL()+"/oauth/v2/token" ||
		disc.UserinfoEndpoint != o.srv.URL()+"/oidc/v1/userinfo" || disc.EndSessionEndpoint != o.srv.URL()+"/oidc/v1/end_session" {
		o.t.Fatalf("discovery = %+v", disc)
	}
	return rp.NewIDTokenVerifier(disc.Issuer, clientID, rp.NewRemoteKeySet(o.http, disc.JwksURI),
		rp.WithNonce(func(context.Context) string { return nonce }))
}

// TestOIDCCodeFlowAMR runs app → authorize → GetAuthRequest → session →
// CreateCallback → code exchange (PKCE) for sessions of each strength and
// checks the signed ID token: sub, amr and auth_time as Zitadel writes them,
// nonce, sid, azp.
func TestOIDCCodeFlowAMR(t *testing.T) {
	cases := []struct {
		name    string
		session func(e *env) *sessionv2.CreateSessionResponse
		user    string
		amr     []string
	}{
		{"user only", func(e *env) *sessionv2.CreateSessionResponse { return e.userSession("u2") }, "u2", nil},
		{"password", func(e *env) *sessionv2.CreateSessionResponse { return e.passwordSession("u2") }, "u2", []string{"pwd"}},
		{"password and totp", func(e *env) *sessionv2.CreateSessionResponse {
			s := e.passwordSession("u2")
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: e.totp()}}})
			return &sessionv2.CreateSessionResponse{SessionId: s.GetSessionId(), SessionToken: set.GetSessionToken()}
		}, "u2", []string{"pwd", "otp", "mfa"}},
		{"password and otp sms", func(e *env) *sessionv2.CreateSessionResponse {
			id, code := otpChallenge(e, false)
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: id, Checks: &sessionv2.Checks{Password: pwCheck(pw1), OtpSms: &sessionv2.CheckOTP{Code: code}}})
			return &sessionv2.CreateSessionResponse{SessionId: id, SessionToken: set.GetSessionToken()}
		}, "u2", []string{"pwd", "otp", "mfa"}},
		{"passkey", func(e *env) *sessionv2.CreateSessionResponse {
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
			a, err := e.key.Assert(res.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
			if err != nil {
				e.t.Fatal(err)
			}
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
			return &sessionv2.CreateSessionResponse{SessionId: res.GetSessionId(), SessionToken: set.GetSessionToken()}
		}, "u1", []string{"user", "mfa"}},
		{"password and u2f", func(e *env) *sessionv2.CreateSessionResponse {
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Password: pwCheck(pw1)}, Challenges: challengeWA(uvDiscouraged)})
			a, err := e.key.Assert(res.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), false)
			if err != nil {
				e.t.Fatal(err)
			}
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
			return &sessionv2.CreateSessionResponse{SessionId: res.GetSessionId(), SessionToken: set.GetSessionToken()}
		}, "u2", []string{"pwd", "user", "mfa"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := newOPEnv(t)
			verifier := oauth2.GenerateVerifier()
			arID := o.authorize(authorizeParams(verifier), nil)
			got, err := o.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: arID})
			if err != nil {
				t.Fatal(err)
			}
			ar := got.GetAuthRequest()
			if ar.GetClientId() != appPublic || ar.GetRedirectUri() != appCB || !slices.Equal(ar.GetScope(), []string{"openid", "profile", "email", "offline_access"}) {
				t.Fatalf("GetAuthRequest = %v", ar)
			}
			s := tc.session(o.env)
			code := o.callback(arID, s, "st-abc+123")
			status, tok := o.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB},
				"client_id": {appPublic}, "code_verifier": {verifier}}, "", "")
			if status != http.StatusOK {
				t.Fatalf("token: %d %v", status, tok)
			}
			for _, k := range []string{"access_token", "token_type", "refresh_token", "expires_in", "id_token"} {
				if _, ok := tok[k]; !ok {
					t.Errorf("token response lacks %q: %v", k, tok)
				}
			}
			if exp, _ := tok["expires_in"].(float64); exp < 43190 || exp > 43200 {
				t.Errorf("expires_in = %v, want ≈ 43199", tok["expires_in"])
			}
			claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.Background(), tok["id_token"].(string), o.verifier(appPublic, "n-xyz789"))
			if err != nil {
				t.Fatalf("ID token does not verify with the published key: %v", err)
			}
			if claims.Subject != tc.user || claims.Issuer != o.srv.URL() || claims.AuthorizedParty != appPublic {
				t.Errorf("claims sub=%q iss=%q azp=%q", claims.Subject, claims.Issuer, claims.AuthorizedParty)
			}
			if !slices.Equal(claims.AuthenticationMethodsReferences, tc.amr) {
				t.Errorf("amr = %v, want %v", claims.AuthenticationMethodsReferences, tc.amr)
			}
			if sid, _ := claims.Claims["sid"].(string); sid != s.GetSessionId() {
				t.Errorf("sid = %v, want the session id %s", claims.Claims["sid"], s.GetSessionId())
			}
			if hasAuthTime := claims.AuthTime != 0; hasAuthTime != (tc.amr != nil) {
				t.Errorf("auth_time = %v, want it only when a factor was checked", claims.AuthTime)
			}
			if claims.Expiration-claims.IssuedAt != 43200 {
				t.Errorf("exp - iat = %d, want 43200", claims.Expiration-claims.IssuedAt)
			}
			// The code is used up; the auth request is gone.
			status, again := o.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB},
				"client_id": {appPublic}, "code_verifier": {verifier}}, "", "")
			if status != 400 || again["error"] != "invalid_request" || again["error_description"] != "Errors.AuthRequest.NoCode" {
				t.Errorf("reused code: %d %v", status, again)
			}
			_, err = o.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: arID})
			if connect.CodeOf(err) != connect.CodeNotFound {
				t.Errorf("GetAuthRequest after the exchange = %v, want not found", err)
			}
		})
	}
}

// TestOIDCAuthorizeErrors: every refusal is a JSON error answered directly
// (never a redirect) and creates nothing.
func TestOIDCAuthorizeErrors(t *testing.T) {
	o := newOPEnv(t)
	v := oauth2.GenerateVerifier()
	with := func(edit func(url.Values)) url.Values {
		p := authorizeParams(v)
		edit(p)
		return p
	}
	cases := []struct {
		name   string
		params url.Values
		status int
		err    string
		desc   string
	}{
		{"unknown client", with(func(p url.Values) { p.Set("client_id", "123456789012345678") }), 400, "invalid_request", "Errors.App.NotFound"},
		{"missing client", with(func(p url.Values) { p.Del("client_id") }), 400, "invalid_request", "auth request is missing client_id"},
		{"unregistered redirect", with(func(p url.Values) { p.Set("redirect_uri", "http://localhost:9999/other") }), 400, "invalid_request",
			"The requested redirect_uri is missing in the client configuration. If you have any questions, you may contact the administrator of the application."},
		{"missing redirect", with(func(p url.Values) { p.Del("redirect_uri") }), 500, "server_error", "auth request is missing redirect_uri"},
		{"response type not allowed", with(func(p url.Values) { p.Set("response_type", "id_token") }), 400, "unauthorized_client",
			"The requested response type is missing in the client configuration. If you have any questions, you may contact the administrator of the application."},
		{"missing response type", with(func(p url.Values) { p.Del("response_type") }), 400, "invalid_request",
			"The response type is missing in your request. If you have any questions, you may contact the administrator of the application."},
		{"missing scope", with(func(p url.Values) { p.Del("scope") }), 400, "invalid_request",
			"The scope of your request is missing. Please ensure some scopes are requested. If you have any questions, you may contact the administrator of the application."},
		{"prompt none with login", with(func(p url.Values) { p.Set("prompt", "none login") }), 400, "invalid_request",
			"The prompt parameter `none` must only be used as a single value"},
		{"unsupported challenge method", with(func(p url.Values) { p.Set("code_challenge_method", "S512") }), 400, "invalid_request",
			"The code_challenge_method is not supported. If you have any questions, you may contact the administrator of the application."},
	}
	first := o.authorize(authorizeParams(v), nil)
	for _, tc := range cases {
		status, h, body := o.do(http.MethodGet, "/oauth/v2/authorize", tc.params, nil)
		var got map[string]string
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Errorf("%s: body %q is not JSON", tc.name, body)
			continue
		}
		if status != tc.status || got["error"] != tc.err || got["error_description"] != tc.desc || h.Get("Location") != "" {
			t.Errorf("%s: %d %v (Location %q), want %d %s %q", tc.name, status, got, h.Get("Location"), tc.status, tc.err, tc.desc)
		}
	}
	// Accepted as Zitadel accepts them: no PKCE, plain PKCE, a garbage
	// id_token_hint, unknown prompt values.
	for _, p := range []url.Values{
		with(func(p url.Values) { p.Del("code_challenge"); p.Del("code_challenge_method") }),
		with(func(p url.Values) { p.Set("code_challenge_method", "plain") }),
		with(func(p url.Values) { p.Set("id_token_hint", "garbage"); p.Set("prompt", "bogus") }),
	} {
		o.authorize(p, nil)
	}
	// Nothing was created by the refusals: ids are consecutive.
	last := o.authorize(authorizeParams(v), nil)
	n1, _ := strconv.ParseUint(strings.TrimPrefix(first, "V2_"), 10, 64)
	n2, _ := strconv.ParseUint(strings.TrimPrefix(last, "V2_"), 10, 64)
	if n2 != n1+4 {
		t.Errorf("auth request ids %s … %s: the refused requests consumed ids", first, last)
	}
}

// TestOIDCGetAuthRequestDetails: prompt, max_age, login_hint, ui_locales and
// hint_user_id as Zitadel shows them; state, nonce and PKCE never.
func TestOIDCGetAuthRequestDetails(t *testing.T) {
	o := newOPEnv(t)
	// An ID token to use as id_token_hint.
	v := oauth2.GenerateVerifier()
	code := o.callback(o.authorize(authorizeParams(v), nil), o.passwordSession("u2"), "st-abc+123")
	_, tok := o.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB}, "client_id": {appPublic}, "code_verifier": {v}}, "", "")
	idToken, _ := tok["id_token"].(string)

	p := authorizeParams(v)
	p.Set("prompt", "login consent")
	p.Set("login_hint", "bob")
	p.Set("ui_locales", "de en")
	p.Set("id_token_hint", idToken)
	ar, err := o.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: o.authorize(p, nil)})
	if err != nil {
		t.Fatal(err)
	}
	a := ar.GetAuthRequest()
	if !slices.Equal(a.GetPrompt(), []oidcv2.Prompt{oidcv2.Prompt_PROMPT_LOGIN, oidcv2.Prompt_PROMPT_CONSENT}) ||
		a.GetLoginHint() != "bob" || a.GetMaxAge().AsDuration() != 0 || a.MaxAge == nil ||
		!slices.Equal(a.GetUiLocales(), []string{"de", "en"}) || a.GetHintUserId() != "u2" {
		t.Errorf("GetAuthRequest = %v", a)
	}
	p = authorizeParams(v)
	p.Set("max_age", "300")
	p.Set("id_token_hint", "garbage")
	ar, err = o.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: o.authorize(p, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if a := ar.GetAuthRequest(); a.GetMaxAge().AsDuration().Seconds() != 300 || a.HintUserId != nil || a.LoginHint != nil || len(a.GetPrompt()) != 0 {
		t.Errorf("GetAuthRequest = %v", a)
	}
}

// TestOIDCLoginClientBinding: the login client named in
// x-zitadel-login-client may use the request without any permission;
// other callers need the permissions.
func TestOIDCLoginClientBinding(t *testing.T) {
	o := newOPEnv(t)
	if err := o.srv.AddAccessToken("bound-token", "300000000000000042"); err != nil {
		t.Fatal(err)
	}
	v := oauth2.GenerateVerifier()
	arID := o.authorize(authorizeParams(v), http.Header{"X-Zitadel-Login-Client": {"300000000000000042"}})
	if _, err := o.oidc.GetAuthRequest(as("bound-token"), &oidcv2.GetAuthRequestRequest{AuthRequestId: arID}); err != nil {
		t.Fatalf("bound login client: %v", err)
	}
	_, err := o.oidc.GetAuthRequest(as(tokNoPerm), &oidcv2.GetAuthRequestRequest{AuthRequestId: arID})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.MembershipNotFound))
	s := o.passwordSession("u1")
	_, err = o.oidc.CreateCallback(as(tokViewer), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	checkError(t, err, v1(connect.CodePermissionDenied, zitadelerr.NoMatchingPermissions))
	// The refusals did not consume the request.
	res, err := o.oidc.CreateCallback(as("bound-token"), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	if err != nil || !strings.Contains(res.GetCallbackUrl(), "code=") {
		t.Fatalf("bound CreateCallback = %v, %v", res, err)
	}
	// Without the header, any login client (session.write) may finish it.
	arID = o.authorize(authorizeParams(v), nil)
	o.callback(arID, o.passwordSession("u1"), "st-abc+123")
}

// TestOIDCCallbackErrors: an error callback carries the OAuth error and the
// state; a request is finished once; bad sessions change nothing.
func TestOIDCCallbackErrors(t *testing.T) {
	o := newOPEnv(t)
	v := oauth2.GenerateVerifier()
	arID := o.authorize(authorizeParams(v), nil)
	s := o.passwordSession("u1")
	_, err := o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: "stale.AAAAAAAAAAAAAAAAAAAAAA"}}})
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("stale token: %v", err)
	}
	desc, uri := "user cancelled", "https://example.com/e"
	res, err := o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Error{Error: &oidcv2.AuthorizationError{
			Error: oidcv2.ErrorReason_ERROR_REASON_ACCESS_DENIED, ErrorDescription: &desc, ErrorUri: &uri}}})
	if err != nil {
		t.Fatal(err)
	}
	want := appCB + "?error=access_denied&error_description=user+cancelled&error_uri=https%3A%2F%2Fexample.com%2Fe&state=st-abc%2B123"
	if res.GetCallbackUrl() != want {
		t.Errorf("error callback = %q, want %q", res.GetCallbackUrl(), want)
	}
	_, err = o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.AuthRequestAlreadyHandled))
	// response_mode=fragment puts the code in the fragment.
	p := authorizeParams(v)
	p.Set("response_mode", "fragment")
	cb, err := o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: o.authorize(p, nil),
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	if err != nil || !strings.HasPrefix(cb.GetCallbackUrl(), appCB+"#code=") || !strings.HasSuffix(cb.GetCallbackUrl(), "&state=st-abc%2B123") {
		t.Errorf("fragment callback = %v, %v", cb, err)
	}
}

// TestOIDCTokenEndpoint: client authentication, PKCE and refresh errors
// with Zitadel's descriptions (all HTTP 400); a failed attempt leaves the
// code usable.
func TestOIDCTokenEndpoint(t *testing.T) {
	o := newOPEnv(t)
	v := oauth2.GenerateVerifier()
	code := o.callback(o.authorize(authorizeParams(v), nil), o.passwordSession("u2"), "st-abc+123")
	form := func(edit func(url.Values)) url.Values {
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB}, "client_id": {appPublic}, "code_verifier": {v}}
		edit(f)
		return f
	}
	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		err, desc  string
	}{
		{"wrong verifier", form(func(f url.Values) { f.Set("code_verifier", oauth2.GenerateVerifier()) }), "", "", "invalid_grant", "invalid code_verifier"},
		{"missing verifier", form(func(f url.Values) { f.Del("code_verifier") }), "", "", "invalid_request", "code_verifier required"},
		{"wrong redirect", form(func(f url.Values) { f.Set("redirect_uri", "http://localhost:9999/other") }), "", "", "invalid_grant", "redirect_uri does not correspond"},
		{"missing redirect", form(func(f url.Values) { f.Del("redirect_uri") }), "", "", "invalid_request", "redirect_uri missing"},
		{"unknown code", form(func(f url.Values) { f.Set("code", strings.Repeat("x", 50)) }), "", "", "invalid_request", "Errors.User.Code.Invalid"},
		{"missing code", form(func(f url.Values) { f.Del("code") }), "", "", "invalid_request", "code missing"},
		{"unknown client", form(func(f url.Values) { f.Set("client_id", "nope") }), "", "", "invalid_client", "no active client not found"},
		{"missing client", form(func(f url.Values) { f.Del("client_id") }), "", "", "invalid_request", "client_id or client_assertion must be provided"},
		{"code of another client", form(func(f url.Values) { f.Set("client_id", appWeb); f.Set("client_secret", appSecret) }), "", "", "invalid_grant", "the code was issued to another client"},
		{"wrong secret basic", form(func(f url.Values) { f.Del("client_id") }), appWeb, "wrong", "invalid_client", "invalid secret"},
		{"wrong secret post", form(func(f url.Values) { f.Set("client_id", appWeb); f.Set("client_secret", "wrong") }), "", "", "invalid_client", "invalid secret"},
		{"no secret", form(func(f url.Values) { f.Set("client_id", appWeb) }), "", "", "invalid_client", "empty client secret"},
		{"unknown grant", form(func(f url.Values) { f.Set("grant_type", "foo") }), "", "", "unsupported_grant_type", "foo not supported"},
		{"missing grant", form(func(f url.Values) { f.Del("grant_type") }), "", "", "invalid_request", "grant_type missing"},
	}
	for _, tc := range cases {
		status, got := o.token(tc.form, tc.user, tc.pass)
		if status != 400 || got["error"] != tc.err || got["error_description"] != tc.desc {
			t.Errorf("%s: %d %v, want 400 %s %q", tc.name, status, got, tc.err, tc.desc)
		}
	}
	status, tok := o.token(form(func(url.Values) {}), "", "")
	if status != 200 {
		t.Fatalf("the code must still work after the failed attempts: %d %v", status, tok)
	}

	// Refresh: rotation; the old refresh and access tokens stop working.
	oldRefresh, oldAccess := tok["refresh_token"].(string), tok["access_token"].(string)
	if st, _, _ := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + oldAccess}}); st != 200 {
		t.Fatalf("userinfo with a fresh access token: %d", st)
	}
	status, ref := o.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {oldRefresh}, "client_id": {appPublic}}, "", "")
	if status != 200 || ref["refresh_token"] == oldRefresh || ref["refresh_token"] == nil || ref["id_token"] == nil {
		t.Fatalf("refresh: %d %v", status, ref)
	}
	claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.Background(), ref["id_token"].(string), o.verifier(appPublic, "n-xyz789"))
	if err != nil || claims.Subject != "u2" || !slices.Equal(claims.AuthenticationMethodsReferences, []string{"pwd"}) {
		t.Errorf("refreshed ID token: %v %+v", err, claims)
	}
	for _, tc := range []struct{ token, desc string }{
		{oldRefresh, "Errors.OIDCSession.RefreshTokenInvalid"},
		{"garbage", "Errors.User.RefreshToken.Invalid"},
	} {
		status, got := o.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tc.token}, "client_id": {appPublic}}, "", "")
		if status != 400 || got["error"] != "invalid_request" || got["error_description"] != tc.desc {
			t.Errorf("refresh with %.10s…: %d %v, want %s", tc.token, status, got, tc.desc)
		}
	}
	st, _, body := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + oldAccess}})
	if st != 401 || !strings.Contains(body, `"error":"access_denied"`) || !strings.Contains(body, "access token invalid") {
		t.Errorf("userinfo with the access token of a rotated refresh token: %d %s", st, body)
	}
}

// TestOIDCConfidentialClient: the code flow of a WEB app with its secret,
// by basic auth and in the form.
func TestOIDCConfidentialClient(t *testing.T) {
	o := newOPEnv(t)
	for _, basic := range []bool{true, false} {
		p := authorizeParams("")
		p.Set("client_id", appWeb)
		p.Del("code_challenge")
		p.Del("code_challenge_method")
		code := o.callback(o.authorize(p, nil), o.passwordSession("u1"), "st-abc+123")
		f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB}}
		user, pass := appWeb, appSecret
		if !basic {
			f.Set("client_id", appWeb)
			f.Set("client_secret", appSecret)
			user, pass = "", ""
		}
		status, tok := o.token(f, user, pass)
		if status != 200 {
			t.Fatalf("basic=%v: %d %v", basic, status, tok)
		}
		claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.Background(), tok["id_token"].(string), o.verifier(appWeb, "n-xyz789"))
		if err != nil || claims.Subject != "u1" {
			t.Errorf("basic=%v: %v %+v", basic, err, claims)
		}
	}
}

// TestOIDCUserinfoAndEndSession: userinfo claims by scope; end_session with
// an ID token ends the Zitadel session and its tokens.
func TestOIDCUserinfoAndEndSession(t *testing.T) {
	o := newOPEnv(t)
	login := func() (string, map[string]any) {
		v := oauth2.GenerateVerifier()
		s := o.passwordSession("u2")
		code := o.callback(o.authorize(authorizeParams(v), nil), s, "st-abc+123")
		status, tok := o.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB}, "client_id": {appPublic}, "code_verifier": {v}}, "", "")
		if status != 200 {
			t.Fatalf("token: %d %v", status, tok)
		}
		return s.GetSessionId(), tok
	}
	sid, tok := login()
	access := tok["access_token"].(string)
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		st, _, body := o.do(method, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + access}})
		var info map[string]any
		_ = json.Unmarshal([]byte(body), &info)
		if st != 200 || info["sub"] != "u2" || info["preferred_username"] != "bob@example.com" || info["name"] != "Bob" ||
			info["email"] != "bob@example.com" || info["email_verified"] != true {
			t.Errorf("%s userinfo: %d %s", method, st, body)
		}
	}
	for _, tc := range []struct {
		auth  string
		error string
		desc  string
	}{{"", "invalid_request", "access token missing"}, {"Bearer garbage", "access_denied", "access token invalid"},
		{"Bearer " + tok["id_token"].(string), "access_denied", "access token invalid"}} {
		h := http.Header{}
		if tc.auth != "" {
			h.Set("Authorization", tc.auth)
		}
		st, _, body := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, h)
		if st != 401 || !strings.Contains(body, fmt.Sprintf(`"error":%q`, tc.error)) || !strings.Contains(body, tc.desc) {
			t.Errorf("userinfo %q: %d %s", tc.auth, st, body)
		}
	}

	// end_session: errors first; they end nothing.
	idToken := tok["id_token"].(string)
	for _, tc := range []struct {
		params url.Values
		desc   string
	}{
		{url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {"http://localhost:9999/elsewhere"}}, "post_logout_redirect_uri invalid"},
		{url.Values{"id_token_hint": {"garbage"}}, "id_token_hint invalid"},
	} {
		st, _, body := o.do(http.MethodGet, "/oidc/v1/end_session", tc.params, nil)
		if st != 400 || !strings.Contains(body, tc.desc) {
			t.Errorf("end_session %v: %d %s", tc.params, st, body)
		}
	}
	o.get(tokLogin, sid)
	st, h, _ := o.do(http.MethodGet, "/oidc/v1/end_session", url.Values{"id_token_hint": {idToken}, "post_logout_redirect_uri": {appLogout}, "state": {"lo-1"}}, nil)
	if st != http.StatusFound || h.Get("Location") != appLogout+"?state=lo-1" {
		t.Errorf("end_session: %d Location %q", st, h.Get("Location"))
	}
	if _, err := o.c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: sid}); connect.CodeOf(err) != connect.CodeNotFound {
		t.Errorf("the session named by sid survived end_session: %v", err)
	}
	if st, _, _ := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + access}}); st != 401 {
		t.Errorf("userinfo after end_session: %d", st)
	}
	// A hint alone goes to /logout/done; no hint hands over to the login UI.
	_, tok2 := login()
	if st, h, _ := o.do(http.MethodPost, "/oidc/v1/end_session", url.Values{"id_token_hint": {tok2["id_token"].(string)}}, nil); st != 302 || h.Get("Location") != "/logout/done" {
		t.Errorf("end_session with a hint only: %d %q", st, h.Get("Location"))
	}
	st, h, _ = o.do(http.MethodGet, "/oidc/v1/end_session", url.Values{"client_id": {appPublic}, "post_logout_redirect_uri": {appLogout}}, nil)
	loc, _ := url.Parse(h.Get("Location"))
	if st != 302 || loc == nil || loc.Scheme+"://"+loc.Host+loc.Path != appLoginUI+"/logout" || loc.Query().Get("post_logout_redirect") != appLogout || strings.Count(loc.Query().Get("logout_token"), ".") != 2 {
		t.Errorf("end_session without a hint: %d %q", st, h.Get("Location"))
	}

	// After DeleteSession, the session's access tokens stop working.
	sid3, tok3 := login()
	if _, err := o.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: sid3}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + tok3["access_token"].(string)}}); st != 401 {
		t.Errorf("userinfo after DeleteSession: %d", st)
	}
}

// TestOIDCKeysAndDiscovery: the JWKS holds one RS256 signing key with an
// 18-digit kid; discovery names Zitadel's endpoints.
func TestOIDCKeysAndDiscovery(t *testing.T) {
	o := newOPEnv(t)
	st, _, body := o.do(http.MethodGet, "/oauth/v2/keys", nil, nil)
	var jwks struct {
		Keys []map[string]any `json:"keys"`
	}
	if st != 200 || json.Unmarshal([]byte(body), &jwks) != nil || len(jwks.Keys) != 1 {
		t.Fatalf("keys: %d %s", st, body)
	}
	k := jwks.Keys[0]
	kid, _ := k["kid"].(string)
	if k["use"] != "sig" || k["kty"] != "RSA" || k["alg"] != "RS256" || k["e"] != "AQAB" || len(kid) != 18 || len(k["n"].(string)) != 342 {
		t.Errorf("key = %v", k)
	}
	if _, ok := k["d"]; ok {
		t.Fatal("the JWKS publishes the private key")
	}
	st, _, body = o.do(http.MethodGet, "/.well-known/openid-configuration", nil, nil)
	for _, s := range []string{`"issuer":"` + o.srv.URL() + `"`, `"code_challenge_methods_supported":["S256"]`, `"client_secret_basic"`, `"client_secret_post"`} {
		if st != 200 || !strings.Contains(body, s) {
			t.Errorf("discovery lacks %s: %s", s, body)
		}
	}
}

// TestOIDCImplicitFlow: an app allowed "id_token" gets the ID token in the
// fragment of the callback.
func TestOIDCImplicitFlow(t *testing.T) {
	o := newOPEnv(t)
	if err := o.srv.AddApplication(sessiontest.Application{ClientID: "implicit", RedirectURIs: []string{appCB}, LoginBaseURI: "/ui/v2/login",
		ResponseTypes: []string{"id_token"}, GrantTypes: []string{"implicit"}}); err != nil {
		t.Fatal(err)
	}
	p := url.Values{"client_id": {"implicit"}, "redirect_uri": {appCB}, "response_type": {"id_token"}, "scope": {"openid email"}, "state": {"s1"}, "nonce": {"n1"}}
	status, h, body := o.do(http.MethodGet, "/oauth/v2/authorize", p, nil)
	if status != 302 || !strings.HasPrefix(h.Get("Location"), "/ui/v2/login/login?authRequest=V2_") {
		t.Fatalf("authorize: %d %q %s", status, h.Get("Location"), body)
	}
	arID := strings.TrimPrefix(h.Get("Location"), "/ui/v2/login/login?authRequest=")
	s := o.passwordSession("u2")
	res, err := o.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: arID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(res.GetCallbackUrl())
	frag, _ := url.ParseQuery(u.Fragment)
	claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.Background(), frag.Get("id_token"), o.verifier("implicit", "n1"))
	if err != nil || claims.Subject != "u2" || claims.Email != "bob@example.com" || frag.Get("state") != "s1" {
		t.Errorf("implicit callback %q: %v %+v", res.GetCallbackUrl(), err, claims)
	}
}

// TestApplicationValidation: bad applications are refused with the field
// named, and nothing is added.
func TestApplicationValidation(t *testing.T) {
	srv := sessiontest.NewUnstartedServer(sessiontest.WithOpenIDProvider())
	ok := sessiontest.Application{ClientID: "a", RedirectURIs: []string{"https://app/cb"}, LoginBaseURI: "https://login/ui"}
	cases := []struct {
		edit func(*sessiontest.Application)
		want string
	}{
		{func(a *sessiontest.Application) { a.ClientID = "" }, "Application.ClientID: is required"},
		{func(a *sessiontest.Application) { a.ClientID = "a b" }, "Application.ClientID: must be"},
		{func(a *sessiontest.Application) { a.RedirectURIs = nil }, "Application.RedirectURIs: at least one"},
		{func(a *sessiontest.Application) { a.RedirectURIs = []string{"https://ok/cb", "/relative"} }, "Application.RedirectURIs[1]: is not an absolute URL"},
		{func(a *sessiontest.Application) { a.RedirectURIs = []string{"https://app/cb#frag"} }, "must not contain a fragment"},
		{func(a *sessiontest.Application) { a.PostLogoutRedirectURIs = []string{"nope"} }, "Application.PostLogoutRedirectURIs[0]"},
		{func(a *sessiontest.Application) { a.LoginBaseURI = "" }, "Application.LoginBaseURI: is required"},
		{func(a *sessiontest.Application) { a.LoginBaseURI = "ftp://x/y" }, "Application.LoginBaseURI: must be an http or https URL"},
		{func(a *sessiontest.Application) { a.ResponseTypes = []string{"token"} }, "Application.ResponseTypes[0]: unknown response type"},
		{func(a *sessiontest.Application) { a.GrantTypes = []string{"password"} }, "Application.GrantTypes[0]: unknown grant type"},
		{func(a *sessiontest.Application) { a.GrantTypes = []string{"refresh_token"} }, "needs the grant type \"authorization_code\""},
		{func(a *sessiontest.Application) { a.ResponseTypes = []string{"id_token"} }, "need the grant type \"implicit\""},
	}
	for _, tc := range cases {
		a := ok
		tc.edit(&a)
		err := srv.AddApplication(a)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("AddApplication(%+v) = %v, want %q", a, err, tc.want)
		}
	}
	if n := len(srv.Applications()); n != 0 {
		t.Fatalf("%d applications added by refused calls", n)
	}
	if err := srv.AddApplication(ok); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddApplication(ok); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Errorf("duplicate: %v", err)
	}
	got := srv.Applications()
	if len(got) != 1 || !slices.Equal(got[0].ResponseTypes, []string{"code"}) || !slices.Equal(got[0].GrantTypes, []string{"authorization_code"}) {
		t.Errorf("Applications() = %+v", got)
	}
	if err := sessiontest.NewUnstartedServer().AddApplication(ok); err == nil || !strings.Contains(err.Error(), "WithOpenIDProvider") {
		t.Errorf("AddApplication without a provider = %v", err)
	}
}

// TestSeedApplications: a seed's applications are checked field by field
// and need WithOpenIDProvider.
func TestSeedApplications(t *testing.T) {
	good := `{"users":[],"tokens":[],"applications":[{"clientId":"app","redirectUris":["http://localhost:3000/cb"],"loginBaseUri":"http://localhost:3000/ui/v2/login","pkceRequired":true}]}`
	seed, err := sessiontest.LoadSeed(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if err := sessiontest.NewUnstartedServer().ApplySeed(seed); err == nil || !strings.Contains(err.Error(), "WithOpenIDProvider") {
		t.Errorf("ApplySeed without a provider = %v", err)
	}
	srv := sessiontest.NewUnstartedServer(sessiontest.WithOpenIDProvider())
	if err := srv.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	if a := srv.Applications(); len(a) != 1 || !a[0].PKCERequired || a[0].ClientID != "app" {
		t.Errorf("Applications() = %+v", a)
	}
	for _, tc := range []struct{ seed, want string }{
		{`{"applications":[{"clientId":"a","redirectUris":["x"],"loginBaseUri":"/l"}]}`, `applications[0].redirectUris[0]: is not an absolute URL`},
		{`{"applications":[{"clientId":"a","redirectUris":["http://a/cb"]}]}`, `applications[0].loginBaseUri: is required`},
		{`{"applications":[{"clientId":"a","redirectUris":["http://a/cb"],"loginBaseUri":"/l","grantTypes":["x"]}]}`, `applications[0].grantTypes[0]: unknown grant type`},
		{`{"applications":[{"clientId":"a","redirectUris":["http://a/cb"],"loginBaseUri":"/l"},{"clientId":"a","redirectUris":["http://a/cb"],"loginBaseUri":"/l"}]}`, `applications[1].clientId: is already used by applications[0]`},
		{`{"applications":[{"clientId":"a","redirectUri":["http://a/cb"]}]}`, `unknown field "redirectUri"`},
	} {
		if _, err := sessiontest.LoadSeed(strings.NewReader(tc.seed)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadSeed(%s) = %v, want %q", tc.seed, err, tc.want)
		}
	}
}

// TestOIDCPKCERequired: an application with PKCERequired refuses an
// authorize request without code_challenge.
func TestOIDCPKCERequired(t *testing.T) {
	o := newOPEnv(t)
	if err := o.srv.AddApplication(sessiontest.Application{ClientID: "strict", RedirectURIs: []string{appCB}, LoginBaseURI: appLoginUI, PKCERequired: true}); err != nil {
		t.Fatal(err)
	}
	p := url.Values{"client_id": {"strict"}, "redirect_uri": {appCB}, "response_type": {"code"}, "scope": {"openid"}}
	st, _, body := o.do(http.MethodGet, "/oauth/v2/authorize", p, nil)
	if st != 400 || !strings.Contains(body, "requires PKCE") {
		t.Errorf("without PKCE: %d %s", st, body)
	}
	p.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
	p.Set("code_challenge_method", "S256")
	if st, _, body := o.do(http.MethodGet, "/oauth/v2/authorize", p, nil); st != 302 {
		t.Errorf("with PKCE: %d %s", st, body)
	}
}

// TestOIDCIntrospectAndRevoke: a confidential client introspects a live
// access token; revoking it makes userinfo refuse it.
func TestOIDCIntrospectAndRevoke(t *testing.T) {
	o := newOPEnv(t)
	v := oauth2.GenerateVerifier()
	code := o.callback(o.authorize(authorizeParams(v), nil), o.passwordSession("u2"), "st-abc+123")
	_, tok := o.token(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCB}, "client_id": {appPublic}, "code_verifier": {v}}, "", "")
	access, _ := tok["access_token"].(string)
	basic := func(user, pass string) http.Header {
		req, _ := http.NewRequest(http.MethodPost, "/", nil)
		req.SetBasicAuth(user, pass)
		return http.Header{"Authorization": {req.Header.Get("Authorization")}}
	}
	st, _, body := o.do(http.MethodPost, "/oauth/v2/introspect", url.Values{"token": {access}}, basic(appWeb, appSecret))
	var intro map[string]any
	_ = json.Unmarshal([]byte(body), &intro)
	if st != 200 || intro["active"] != true || intro["sub"] != "u2" || intro["client_id"] != appPublic {
		t.Errorf("introspect: %d %s", st, body)
	}
	st, _, body = o.do(http.MethodPost, "/oauth/v2/introspect", url.Values{"token": {access}}, nil)
	if st != 400 || !strings.Contains(body, "client_id or client_assertion must be provided") {
		t.Errorf("introspect without client auth: %d %s", st, body)
	}
	st, _, body = o.do(http.MethodPost, "/oauth/v2/introspect", url.Values{"token": {access}}, basic(appWeb, "wrong"))
	if st == 200 {
		t.Errorf("introspect with a wrong secret: %d %s", st, body)
	}
	if st, _, body := o.do(http.MethodPost, "/oauth/v2/revoke", url.Values{"token": {access}, "client_id": {appPublic}}, nil); st != 200 {
		t.Fatalf("revoke: %d %s", st, body)
	}
	if st, _, _ := o.do(http.MethodGet, "/oidc/v1/userinfo", nil, http.Header{"Authorization": {"Bearer " + access}}); st != 401 {
		t.Errorf("userinfo after revoke: %d", st)
	}
}

// TestApplicationStringHidesSecret: formatting an application never shows
// its client secret.
func TestApplicationStringHidesSecret(t *testing.T) {
	a := sessiontest.Application{ClientID: "web", ClientSecret: "top-secret-value", RedirectURIs: []string{appCB}, LoginBaseURI: appLoginUI}
	sa := sessiontest.SeedApplication{ClientID: "web", ClientSecret: "top-secret-value"}
	for _, s := range []string{a.String(), fmt.Sprintf("%v %+v %s", a, a, a), fmt.Sprint(sa), fmt.Sprintf("%+v", sa)} {
		if strings.Contains(s, "top-secret-value") || !strings.Contains(s, "web") {
			t.Errorf("formatted application %q", s)
		}
	}
}

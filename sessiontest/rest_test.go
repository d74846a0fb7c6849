package sessiontest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// restClient sends plain HTTP/1.1 JSON requests, as curl does.
type restClient struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newRESTClient(t *testing.T, srv *sessiontest.Server) *restClient {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &restClient{t: t, base: srv.URL(), hc: &http.Client{Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// call sends method path with an optional JSON body and bearer token and
// returns the status, headers and decoded JSON body.
func (c *restClient) call(method, path, token, body string) (int, http.Header, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		c.t.Fatalf("%s %s: content type %q, body %s", method, path, ct, raw)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		c.t.Fatalf("%s %s: body %q is not a JSON object", method, path, raw)
	}
	return res.StatusCode, res.Header, out
}

// gatewayErr checks a grpc-gateway error body: numeric code, message
// "<text> (<id>)" and one zitadel.v1 detail with the id, or no details key
// at all when id is "".
func gatewayErr(t *testing.T, what string, status int, body map[string]any, wantStatus, wantCode int, wantMsg, id, detailType string) {
	t.Helper()
	if status != wantStatus || body["code"] != float64(wantCode) {
		t.Errorf("%s: %d %v, want HTTP %d code %d", what, status, body, wantStatus, wantCode)
		return
	}
	msg, _ := body["message"].(string)
	if id == "" {
		if msg != wantMsg {
			t.Errorf("%s: message %q, want %q", what, msg, wantMsg)
		}
		if _, ok := body["details"]; ok {
			t.Errorf("%s: details key present: %v", what, body)
		}
		return
	}
	if msg != wantMsg+" ("+id+")" {
		t.Errorf("%s: message %q, want %q", what, msg, wantMsg+" ("+id+")")
	}
	ds, _ := body["details"].([]any)
	if len(ds) != 1 {
		t.Fatalf("%s: details %v", what, body["details"])
	}
	d := ds[0].(map[string]any)
	if d["@type"] != "type.googleapis.com/"+detailType || d["id"] != id || d["message"] != wantMsg {
		t.Errorf("%s: detail %v", what, d)
	}
}

// TestRESTDocsFlow runs the requests of Zitadel's login-UI guides
// (username-password, MFA, select account, OIDC standard, logout) over
// REST: create, update with password and TOTP, get, search, finalize the
// auth request, delete.
func TestRESTDocsFlow(t *testing.T) {
	o := newOPEnv(t)
	c := newRESTClient(t, o.srv)

	status, _, created := c.call("POST", "/v2/sessions", tokLogin, `{"checks": {"user": {"loginName": "bob@example.com"}}}`)
	id, _ := created["sessionId"].(string)
	tok, _ := created["sessionToken"].(string)
	if status != http.StatusCreated || id == "" || tok == "" || created["details"] == nil {
		t.Fatalf("create: %d %v", status, created)
	}
	status, _, set := c.call("PATCH", "/v2/sessions/"+id, tokLogin, `{"sessionToken": "`+tok+`", "checks": {"password": {"password": "`+pw1+`"}}}`)
	if status != 200 || set["sessionToken"] == nil || set["sessionToken"] == tok {
		t.Fatalf("update with password: %d %v", status, set)
	}
	status, _, set = c.call("PATCH", "/v2/sessions/"+id, tokLogin, `{"checks": {"totp": {"code": "`+o.totp()+`"}}}`)
	tok, _ = set["sessionToken"].(string)
	if status != 200 || tok == "" {
		t.Fatalf("update with TOTP: %d %v", status, set)
	}
	for _, q := range []string{"sessionToken", "session_token"} {
		status, _, got := c.call("GET", "/v2/sessions/"+id+"?"+q+"="+tok, tokLogin, "")
		s, _ := got["session"].(map[string]any)
		f, _ := s["factors"].(map[string]any)
		if status != 200 || s["id"] != id || f["password"] == nil || f["totp"] == nil {
			t.Fatalf("get with %s: %d %v", q, status, got)
		}
	}
	status, _, list := c.call("POST", "/v2/sessions/search", tokLogin, `{"query": {"offset": "0", "limit": 100, "asc": true}, "queries": [{"idsQuery": {"ids": ["`+id+`"]}}]}`)
	if ss, _ := list["sessions"].([]any); status != 200 || len(ss) != 1 {
		t.Fatalf("search: %d %v", status, list)
	}

	// OIDC standard: authorize (through the login UI, with the header), get
	// the auth request, finalize it.
	arID := o.authorize(authorizeParams(oauth2.GenerateVerifier()), http.Header{"X-Zitadel-Login-Client": {"login-client"}})
	status, _, ar := c.call("GET", "/v2/oidc/auth_requests/"+arID, tokLogin, "")
	if a, _ := ar["authRequest"].(map[string]any); status != 200 || a["id"] != arID || a["clientId"] != appPublic {
		t.Fatalf("get auth request: %d %v", status, ar)
	}
	status, _, cb := c.call("POST", "/v2/oidc/auth_requests/"+arID, tokLogin, `{"session": {"sessionId": "`+id+`", "sessionToken": "`+tok+`"}}`)
	if u, _ := cb["callbackUrl"].(string); status != 200 || !strings.HasPrefix(u, appCB+"?code=") || cb["details"] == nil {
		t.Fatalf("finalize: %d %v", status, cb)
	}

	// Logout: with the session token in the body; then the session is gone.
	status, _, del := c.call("DELETE", "/v2/sessions/"+id, tokLogin, `{"sessionToken": "`+tok+`"}`)
	if status != 200 || del["details"] == nil {
		t.Fatalf("delete: %d %v", status, del)
	}
	status, _, gone := c.call("GET", "/v2/sessions/"+id, tokLogin, "")
	gatewayErr(t, "get after delete", status, gone, 404, 5, "Session does not exist", "QUERY-SFeaa", "zitadel.v1.ErrorDetail")
	// As an authenticated manager, without a body.
	_, _, other := c.call("POST", "/v2/sessions", tokLogin, `{}`)
	if status, _, _ := c.call("DELETE", "/v2/sessions/"+other["sessionId"].(string), tokLogin, ""); status != 200 {
		t.Errorf("delete without body: %d", status)
	}
}

// TestRESTEnvelope: status codes and gateway error bodies as Zitadel's
// grpc-gateway answers them, and bad input stores nothing.
func TestRESTEnvelope(t *testing.T) {
	e := newEnv(t, protocols[0])
	c := newRESTClient(t, e.srv)
	s := e.passwordSession("u1")
	count := func() int {
		return len(list(e, tokIAM, &sessionv2.ListSessionsRequest{}).GetSessions())
	}
	before := count()

	status, h, body := c.call("POST", "/v2/sessions", "", `{}`)
	gatewayErr(t, "no token", status, body, 401, 16, "auth header missing", "", "")
	if h.Get("WWW-Authenticate") != "auth header missing" {
		t.Errorf("WWW-Authenticate = %q", h.Get("WWW-Authenticate"))
	}
	status, _, body = c.call("PATCH", "/v2/sessions/"+s.GetSessionId(), tokLogin, `{"checks": {"password": {"password": "wrong"}}}`)
	gatewayErr(t, "wrong password", status, body, 400, 3, "Password is invalid", zitadelerr.PasswordInvalid, "zitadel.v1.CredentialsCheckError")
	if d := body["details"].([]any)[0].(map[string]any); d["failedAttempts"] != float64(1) {
		t.Errorf("failedAttempts = %v", d["failedAttempts"])
	}
	status, _, body = c.call("GET", "/v2/sessions/"+s.GetSessionId()+"?sessionToken=stale", tokLogin, "")
	if status != 403 || body["code"] != float64(7) {
		t.Errorf("stale token: %d %v", status, body)
	}
	status, _, body = c.call("GET", "/v2/sessions/", tokLogin, "")
	gatewayErr(t, "empty id", status, body, 400, 3, "invalid GetSessionRequest.SessionId: value length must be between 1 and 200 runes, inclusive", "", "")
	status, _, body = c.call("PUT", "/v2/sessions", tokLogin, `{}`)
	gatewayErr(t, "wrong method", status, body, 405, 12, "Method Not Allowed", "", "")
	status, _, body = c.call("GET", "/v2/nothing/here", tokLogin, "")
	gatewayErr(t, "unknown path", status, body, 404, 5, "Not Found", "", "")
	status, _, body = c.call("GET", "/v2/oidc/auth_requests/V2_123456789", tokLogin, "")
	if status != 404 || body["code"] != float64(5) {
		t.Errorf("unknown auth request: %d %v", status, body)
	}

	// Undecodable bodies: invalid_argument without Connect's "unmarshal"
	// prefix; nothing stored.
	for _, bad := range []string{`{"checks":`, `{"checks": {"user": {"loginName": 5}}}`, `[1]`, `not json`} {
		status, _, body = c.call("POST", "/v2/sessions", tokLogin, bad)
		msg, _ := body["message"].(string)
		if status != 400 || body["code"] != float64(3) || msg == "" || strings.Contains(msg, "unmarshal") {
			t.Errorf("body %q: %d %v", bad, status, body)
		}
	}
	// Unknown fields are ignored (Zitadel's gateway discards them).
	status, _, body = c.call("POST", "/v2/sessions", tokLogin, `{"unknownField": 1}`)
	if status != 201 {
		t.Errorf("unknown field: %d %v", status, body)
	}
	if got := count(); got != before+1 {
		t.Errorf("%d sessions after the refused requests, want %d", got, before+1)
	}

	// The path's id wins over an id in the body; DELETE reads the token from
	// the body only.
	other := e.passwordSession("u1")
	status, _, body = c.call("PATCH", "/v2/sessions/"+s.GetSessionId(), tokLogin, `{"sessionId": "`+other.GetSessionId()+`", "metadata": {"k": "dg=="}}`)
	if status != 200 {
		t.Fatalf("set: %d %v", status, body)
	}
	if e.get(tokLogin, s.GetSessionId()).GetMetadata()["k"] == nil || e.get(tokLogin, other.GetSessionId()).GetMetadata()["k"] != nil {
		t.Errorf("the body's sessionId was used instead of the path's")
	}
	status, _, body = c.call("DELETE", "/v2/sessions/"+other.GetSessionId()+"?sessionToken=stale", tokNoPerm, "")
	gatewayErr(t, "delete with a query token", status, body, 404, 5, "membership not found", zitadelerr.MembershipNotFound, "zitadel.v1.ErrorDetail")
}

package sessiontest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// TestCORSPreflight: any origin is echoed with credentials for the headers
// Connect, gRPC-Web and REST clients send; a preflight asking for another
// header gets 204 without any Access-Control-Allow-* header (rs/cors, as
// Zitadel answers).
func TestCORSPreflight(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	preflight := func(path, method, headers string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL()+path, nil)
		req.Header.Set("Origin", "http://app.example.test:5173")
		req.Header.Set("Access-Control-Request-Method", method)
		if headers != "" {
			req.Header.Set("Access-Control-Request-Headers", headers)
		}
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, tc := range []struct{ path, method, headers string }{
		// Browsers send the list lower-case and sorted (Fetch standard).
		{"/zitadel.session.v2.SessionService/CreateSession", "POST", "authorization,connect-protocol-version,connect-timeout-ms,content-type"},
		{"/zitadel.session.v2.SessionService/GetSession", "POST", "authorization,content-type,grpc-timeout,x-grpc-web,x-user-agent"},
		{"/v2/sessions/1", "PATCH", "accept,authorization,content-type,x-zitadel-orgid"},
		{"/v2/sessions/1", "DELETE", ""},
		{"/oauth/v2/token", "POST", "content-type"},
	} {
		res := preflight(tc.path, tc.method, tc.headers)
		h := res.Header
		if res.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "http://app.example.test:5173" ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Allow-Methods") != tc.method {
			t.Errorf("%s %s: %d %v", tc.method, tc.path, res.StatusCode, h)
		}
		if tc.headers != "" && h.Get("Access-Control-Allow-Headers") != tc.headers {
			t.Errorf("%s %s: allowed headers %q, want %q", tc.method, tc.path, h.Get("Access-Control-Allow-Headers"), tc.headers)
		}
	}
	res := preflight("/zitadel.session.v2.SessionService/CreateSession", "POST", "content-type,x-custom-header")
	if res.StatusCode != 204 {
		t.Errorf("unlisted header: status %d", res.StatusCode)
	}
	for k := range res.Header {
		if strings.HasPrefix(k, "Access-Control-Allow-") {
			t.Errorf("unlisted header: %s: %s", k, res.Header.Get(k))
		}
	}
	// An actual request gets the origin echoed and the exposed headers.
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/zitadel.session.v2.SessionService/GetSession", strings.NewReader(`{"sessionId":"1"}`))
	req.Header.Set("Origin", "http://app.example.test:5173")
	req.Header.Set("Content-Type", "application/json")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "http://app.example.test:5173" ||
		res.Header.Get("Access-Control-Expose-Headers") != "Location, Content-Length, Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin" {
		t.Errorf("actual request: %v", res.Header)
	}
}

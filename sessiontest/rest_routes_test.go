package sessiontest

import (
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestRESTRoutesMatchWireFacts holds the REST route table to the
// google.api.http mappings (and success codes) of the wire facts: every
// mapping of the Session, OIDC and SAML v2 services is served, and nothing
// else.
func TestRESTRoutesMatchWireFacts(t *testing.T) {
	data, err := os.ReadFile("../proto/testdata/session-v2-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	type method struct {
		Procedure string `json:"procedure"`
		HTTP      *struct {
			Method string `json:"method"`
			Path   string `json:"path"`
			Body   string `json:"body"`
		} `json:"http"`
		Options struct {
			HTTPResponse *struct {
				SuccessCode int `json:"success_code"`
			} `json:"http_response"`
		} `json:"zitadel_options"`
	}
	type facts struct {
		Services []struct {
			Methods []method `json:"methods"`
		} `json:"services"`
	}
	var f struct {
		facts
		Related map[string]facts `json:"related"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	all := []facts{f.facts}
	for _, pkg := range []string{"zitadel.oidc.v2", "zitadel.saml.v2"} {
		r, ok := f.Related[pkg]
		if !ok {
			t.Fatalf("wire facts lack %s", pkg)
		}
		all = append(all, r)
	}
	var want []restRoute
	for _, fs := range all {
		for _, s := range fs.Services {
			for _, m := range s.Methods {
				if m.HTTP == nil {
					t.Errorf("%s has no REST mapping in the facts", m.Procedure)
					continue
				}
				rt := restRoute{method: m.HTTP.Method, path: m.HTTP.Path, body: m.HTTP.Body, procedure: m.Procedure}
				if m.Options.HTTPResponse != nil && m.Options.HTTPResponse.SuccessCode != http.StatusOK {
					rt.successCode = m.Options.HTTPResponse.SuccessCode
				}
				want = append(want, rt)
			}
		}
	}
	key := func(r restRoute) string { return strings.Join([]string{r.method, r.path, r.body, r.procedure}, " ") }
	if len(want) < 11 {
		t.Fatalf("only %d mappings in the facts", len(want))
	}
	for _, w := range want {
		i := slices.IndexFunc(restRoutes, func(r restRoute) bool { return key(r) == key(w) })
		if i < 0 {
			t.Errorf("mapping not served: %s", key(w))
			continue
		}
		if restRoutes[i].successCode != w.successCode {
			t.Errorf("%s: success code %d, want %d", key(w), restRoutes[i].successCode, w.successCode)
		}
	}
	for _, r := range restRoutes {
		if !slices.ContainsFunc(want, func(w restRoute) bool { return key(w) == key(r) }) {
			t.Errorf("route not in the facts: %s", key(r))
		}
	}
}

// TestRESTRouteMatching: templates match one segment per variable (an empty
// one too, as grpc-gateway does); a known path with another method is 405.
func TestRESTRouteMatching(t *testing.T) {
	for _, tc := range []struct {
		method, path     string
		found, allowed   bool
		procedure, param string
	}{
		{"POST", "/v2/sessions", true, true, "/zitadel.session.v2.SessionService/CreateSession", ""},
		{"POST", "/v2/sessions/search", true, true, "/zitadel.session.v2.SessionService/ListSessions", ""},
		{"GET", "/v2/sessions/search", true, true, "/zitadel.session.v2.SessionService/GetSession", "search"},
		{"GET", "/v2/sessions/", true, true, "/zitadel.session.v2.SessionService/GetSession", ""},
		{"GET", "/v2/sessions/a%2Fb", true, true, "/zitadel.session.v2.SessionService/GetSession", "a/b"},
		{"PUT", "/v2/sessions/1", true, false, "", ""},
		{"GET", "/v2/sessions", true, false, "", ""},
		{"GET", "/v2/sessions/1/x", false, false, "", ""},
		{"GET", "/v2/nothing", false, false, "", ""},
		{"POST", "/v2/oidc/auth_requests/V2_1", true, true, "/zitadel.oidc.v2.OIDCService/CreateCallback", "V2_1"},
	} {
		rt, params, found, allowed := matchRESTRoute(tc.method, tc.path)
		if found != tc.found || allowed != tc.allowed || rt.procedure != tc.procedure {
			t.Errorf("%s %s: found=%v allowed=%v %q", tc.method, tc.path, found, allowed, rt.procedure)
			continue
		}
		for _, v := range params {
			if v != tc.param {
				t.Errorf("%s %s: param %q, want %q", tc.method, tc.path, v, tc.param)
			}
		}
	}
}

package reliability

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// issuer is a minimal OIDC provider on loopback: discovery and a token
// endpoint for client credentials and the JWT-profile grant, counting hits.
type issuer struct {
	srv                  *httptest.Server
	discovery, exchanges atomic.Int64
	token                string
}

func newIssuer(t *testing.T, token string) *issuer {
	t.Helper()
	is := &issuer{token: token}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		is.discovery.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                is.srv.URL,
			"token_endpoint":                        is.srv.URL + "/oauth/v2/token",
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "private_key_jwt"},
			"grant_types_supported":                 []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
		})
	})
	mux.HandleFunc("POST /oauth/v2/token", func(w http.ResponseWriter, r *http.Request) {
		is.exchanges.Add(1)
		if err := r.ParseForm(); err != nil {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		switch r.PostForm.Get("grant_type") {
		case "client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer":
		default:
			http.Error(w, `{"error":"unsupported_grant_type"}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": is.token, "token_type": "Bearer", "expires_in": 3600})
	})
	// Speaks h2c too: the client sends discovery and token requests through
	// the same HTTP client as its RPCs, here sessiontest's HTTP/2-only one.
	is.srv = httptest.NewUnstartedServer(mux)
	is.srv.Config.Protocols = new(http.Protocols)
	is.srv.Config.Protocols.SetHTTP1(true)
	is.srv.Config.Protocols.SetUnencryptedHTTP2(true)
	is.srv.Start()
	t.Cleanup(is.srv.Close)
	return is
}

// apiCounter counts the HTTP requests that reach the session server.
type apiCounter struct {
	base http.RoundTripper
	mu   sync.Mutex
	hits map[string]int
}

func (c *apiCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.hits[r.URL.Path]++
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func testKey(t *testing.T) *credentials.ServiceAccountKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	return &credentials.ServiceAccountKey{Type: "serviceaccount", KeyID: "key-1", Key: string(pemKey), UserID: "machine-1"}
}

// TestRoundTripsAndTokenExchanges measures, for each auth mode, how many HTTP
// requests one RPC costs once a token is cached (target: exactly one) and
// how many token exchanges 10,000 calls cause within one token lifetime
// (target: one, with one discovery).
func TestRoundTripsAndTokenExchanges(t *testing.T) {
	heavytest.Require(t)
	calls := 10_000
	if testing.Short() || raceEnabled {
		calls = 1_000
	}
	const issued = "issued-access-token-3c1f"
	for _, mode := range []string{"pat", "client-credentials", "jwt-profile"} {
		t.Run(mode, func(t *testing.T) {
			srv := sessiontest.NewServer()
			t.Cleanup(srv.Close)
			seedServer(t, srv)
			must(t, srv.AddAccessToken(issued, "machine-1", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite))
			is := newIssuer(t, issued)
			ct := &apiCounter{base: srv.Client().Transport, hits: map[string]int{}}
			hc := &http.Client{Transport: ct}
			opts := []session.Option{session.WithHTTPClient(hc)}
			switch mode {
			case "pat":
				opts = append(opts, session.WithPersonalAccessToken(issued))
			case "client-credentials":
				opts = append(opts, session.WithIssuer(is.srv.URL), session.WithClientCredentials("client-1", "secret-9b7e"))
			case "jwt-profile":
				opts = append(opts, session.WithIssuer(is.srv.URL), session.WithServiceAccountKey(testKey(t)))
			}
			c := newClient(t, srv.URL(), opts...)
			h, _, err := c.Create(ctxT(t), session.CheckUserID(aliceID))
			must(t, err)
			for range calls {
				if _, err := c.Get(ctxT(t), h.ID()); err != nil {
					t.Fatal(err)
				}
			}
			ct.mu.Lock()
			defer ct.mu.Unlock()
			var rpcRequests, other int
			for path, n := range ct.hits {
				if strings.HasPrefix(path, "/zitadel.session.v2.SessionService/") {
					rpcRequests += n
				} else {
					other += n
				}
			}
			wantExchanges, wantDiscovery := int64(1), int64(1)
			if mode == "pat" {
				wantExchanges, wantDiscovery = 0, 0
			}
			// Discovery and token requests go through the same HTTP client
			// (as they must), so the only other requests are those.
			if want := calls + 1; rpcRequests != want || int64(other) != wantExchanges+wantDiscovery {
				t.Errorf("%d RPCs made %d HTTP requests to the API and %d others, want exactly %d and %d",
					want, rpcRequests, other, want, wantExchanges+wantDiscovery)
			}
			if got := is.exchanges.Load(); got != wantExchanges {
				t.Errorf("%d calls caused %d token exchanges, want %d", calls+1, got, wantExchanges)
			}
			if got := is.discovery.Load(); got != wantDiscovery {
				t.Errorf("%d calls caused %d discovery requests, want %d", calls+1, got, wantDiscovery)
			}
			t.Logf("%s: %d RPCs → %d HTTP requests to the API, %d token exchanges, %d discovery requests",
				mode, calls+1, rpcRequests, is.exchanges.Load(), is.discovery.Load())
		})
	}
}

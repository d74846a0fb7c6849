// Package oidcfake is an OpenID provider for tests: a discovery document and
// a token endpoint for the client credentials and JWT bearer grants, served
// on loopback, which counts and checks what it receives.
package oidcfake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	// ClientID and ClientSecret are the client credentials the token
	// endpoint accepts.
	ClientID     = "cc-client-id"
	ClientSecret = "CC-CLIENT-SECRET-do-not-leak"
	// MarkerHeader is set by [MarkingTransport]; requests without it count
	// as Unmarked.
	MarkerHeader = "X-Test-Transport"
)

// Issuer is an OpenID provider with a discovery document and a token
// endpoint that supports the client credentials and JWT bearer grants. Set
// its fields before the first request.
type Issuer struct {
	t   testing.TB
	srv *httptest.Server

	DiscoveryHits atomic.Int64
	TokenHits     atomic.Int64
	// Unmarked counts requests that did not come through a MarkingTransport.
	Unmarked atomic.Int64

	// ExpiresIn returns expires_in for the n-th token (1-based).
	ExpiresIn func(n int64) int
	// FailToken makes the token endpoint reject every request with 401
	// invalid_client, echoing the client secret in error_description (as a
	// careless server might).
	FailToken bool
	// TokenStatus, when non-zero, makes the token endpoint answer with this
	// HTTP status and TokenBody (default: an empty JSON object).
	TokenStatus int
	TokenBody   string
	// Reported returns the issuer named in the discovery document for a
	// request; nil means URL(). Zitadel names the issuer after the request's
	// Host: func(r) { return "http://" + r.Host }.
	Reported func(r *http.Request) string
	// Pub verifies JWT assertions; Kid and Subject are the expected claims
	// and Audience the expected aud (empty: the reported issuer).
	Pub      *rsa.PublicKey
	Kid      string
	Subject  string
	Audience string

	mu         sync.Mutex
	assertions []map[string]any
	scopes     []string
	hosts      []string
	errs       []string
}

// New starts an Issuer on loopback, closed when the test ends.
func New(t testing.TB) *Issuer {
	f := &Issuer{t: t, ExpiresIn: func(int64) int { return 3600 }}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("POST /oauth/v2/token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the base URL the issuer listens on.
func (f *Issuer) URL() string { return f.srv.URL }

func (f *Issuer) reported(r *http.Request) string {
	if f.Reported != nil {
		return f.Reported(r)
	}
	return f.srv.URL
}

// Assertions returns the claims of every verified JWT assertion.
func (f *Issuer) Assertions() []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]map[string]any(nil), f.assertions...)
}

// Scopes returns the scope parameter of every accepted token request.
func (f *Issuer) Scopes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.scopes...)
}

// Hosts returns the Host header of every request, in order.
func (f *Issuer) Hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hosts...)
}

func (f *Issuer) fail(format string, args ...any) {
	f.mu.Lock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// Check reports problems the handlers found (they run off the test
// goroutine).
func (f *Issuer) Check() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.errs {
		f.t.Error(e)
	}
}

func (f *Issuer) record(r *http.Request) {
	if r.Header.Get(MarkerHeader) != "yes" {
		f.Unmarked.Add(1)
	}
	f.mu.Lock()
	f.hosts = append(f.hosts, r.Host)
	f.mu.Unlock()
}

func (f *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	f.DiscoveryHits.Add(1)
	f.record(r)
	iss := f.reported(r)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                iss,
		"token_endpoint":                        iss + "/oauth/v2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"grant_types_supported":                 []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
	})
}

func (f *Issuer) token(w http.ResponseWriter, r *http.Request) {
	n := f.TokenHits.Add(1)
	f.record(r)
	if err := r.ParseForm(); err != nil {
		f.fail("token: parse form: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	if f.TokenStatus != 0 {
		body := f.TokenBody
		if body == "" {
			body = `{}`
		}
		w.WriteHeader(f.TokenStatus)
		_, _ = w.Write([]byte(body))
		return
	}
	if f.FailToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprintf(w, `{"error":"invalid_client","error_description":"client %s secret %s rejected"}`, ClientID, ClientSecret)
		return
	}
	f.mu.Lock()
	f.scopes = append(f.scopes, r.PostForm.Get("scope"))
	f.mu.Unlock()
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		id, secret, ok := r.BasicAuth()
		if !ok || id != ClientID || secret != ClientSecret {
			f.fail("token: bad client authentication (basic=%v)", ok)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims, err := f.verifyAssertion(r, r.PostForm.Get("assertion"))
		if err != nil {
			f.fail("token: assertion: %v", err)
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		f.mu.Lock()
		f.assertions = append(f.assertions, claims)
		f.mu.Unlock()
	default:
		f.fail("token: unexpected grant_type %q", gt)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("access-token-%d", n),
		"token_type":   "Bearer",
		"expires_in":   f.ExpiresIn(n),
	})
}

// verifyAssertion checks an RS256 JWT with f.Pub and returns its claims
// after checking iss, sub, aud, kid, iat and exp.
func (f *Issuer) verifyAssertion(r *http.Request, jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a JWS compact serialization")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, err
	}
	if header.Alg != "RS256" || header.Kid != f.Kid {
		return nil, fmt.Errorf("header alg=%q kid=%q", header.Alg, header.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(f.Pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, err
	}
	if claims["iss"] != f.Subject || claims["sub"] != f.Subject {
		return nil, fmt.Errorf("iss=%v sub=%v, want %q", claims["iss"], claims["sub"], f.Subject)
	}
	wantAud := f.Audience
	if wantAud == "" {
		wantAud = f.reported(r)
	}
	switch aud := claims["aud"].(type) {
	case string:
		if aud != wantAud {
			return nil, fmt.Errorf("aud=%q, want %q", aud, wantAud)
		}
	case []any:
		if len(aud) != 1 || aud[0] != wantAud {
			return nil, fmt.Errorf("aud=%v, want %q", aud, wantAud)
		}
	default:
		return nil, fmt.Errorf("aud=%v", aud)
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	now := float64(time.Now().Unix())
	if iat < now-300 || iat > now+300 {
		return nil, fmt.Errorf("iat=%v, now=%v", iat, now)
	}
	if d := exp - iat; d < 3000 || d > 3900 {
		return nil, fmt.Errorf("exp-iat=%v, want about 1h", d)
	}
	return claims, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// MarkingTransport marks and counts requests, proving that a configured
// HTTP client is used.
type MarkingTransport struct {
	Base http.RoundTripper
	N    atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (m *MarkingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.N.Add(1)
	r = r.Clone(r.Context())
	r.Header.Set(MarkerHeader, "yes")
	return m.Base.RoundTrip(r)
}

// NewMarkedClient returns an HTTP client whose requests carry MarkerHeader.
func NewMarkedClient(t testing.TB) (*http.Client, *MarkingTransport) {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	mt := &MarkingTransport{Base: base}
	return &http.Client{Transport: mt, Timeout: time.Minute}, mt
}

// AssertUsedClient fails t unless every request the issuer saw came through
// mt.
func AssertUsedClient(t testing.TB, iss *Issuer, mt *MarkingTransport) {
	t.Helper()
	if u := iss.Unmarked.Load(); u != 0 {
		t.Errorf("%d requests to the issuer bypassed the configured HTTP client", u)
	}
	if got, want := mt.N.Load(), iss.DiscoveryHits.Load()+iss.TokenHits.Load(); got != want {
		t.Errorf("configured transport saw %d requests, issuer %d", got, want)
	}
}

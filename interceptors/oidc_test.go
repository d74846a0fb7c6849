package interceptors_test

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
	testClientID     = "cc-client-id"
	testClientSecret = "CC-CLIENT-SECRET-do-not-leak"
	markerHeader     = "X-Test-Transport"
)

// fakeIssuer is an OpenID provider with a discovery document and a token
// endpoint that supports the client credentials and JWT bearer grants.
type fakeIssuer struct {
	t   *testing.T
	srv *httptest.Server

	discoveryHits atomic.Int64
	tokenHits     atomic.Int64
	unmarked      atomic.Int64 // requests that did not come through the marking transport

	// expiresIn returns expires_in for the n-th token (1-based).
	expiresIn func(n int64) int
	// failToken makes the token endpoint reject requests.
	failToken bool
	// pub verifies JWT assertions; kid/subject are the expected claims.
	pub     *rsa.PublicKey
	kid     string
	subject string

	mu         sync.Mutex
	assertions []map[string]any
	scopes     []string
	errs       []string
}

func newFakeIssuer(t *testing.T) *fakeIssuer {
	f := &fakeIssuer{t: t, expiresIn: func(int64) int { return 3600 }}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("POST /oauth/v2/token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) issuer() string { return f.srv.URL }

func (f *fakeIssuer) fail(format string, args ...any) {
	f.mu.Lock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

// check reports problems the handlers found (they run off the test goroutine).
func (f *fakeIssuer) check() {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range f.errs {
		f.t.Error(e)
	}
}

func (f *fakeIssuer) mark(r *http.Request) {
	if r.Header.Get(markerHeader) != "yes" {
		f.unmarked.Add(1)
	}
}

func (f *fakeIssuer) discovery(w http.ResponseWriter, r *http.Request) {
	f.discoveryHits.Add(1)
	f.mark(r)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"issuer":                                f.issuer(),
		"token_endpoint":                        f.issuer() + "/oauth/v2/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
		"grant_types_supported":                 []string{"client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
	})
}

func (f *fakeIssuer) token(w http.ResponseWriter, r *http.Request) {
	n := f.tokenHits.Add(1)
	f.mark(r)
	if err := r.ParseForm(); err != nil {
		f.fail("token: parse form: %v", err)
	}
	w.Header().Set("Content-Type", "application/json")
	if f.failToken {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = fmt.Fprintf(w, `{"error":"invalid_client","error_description":"client %s secret %s rejected"}`, testClientID, testClientSecret)
		return
	}
	f.mu.Lock()
	f.scopes = append(f.scopes, r.PostForm.Get("scope"))
	f.mu.Unlock()
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "client_credentials":
		id, secret, ok := r.BasicAuth()
		if !ok || id != testClientID || secret != testClientSecret {
			f.fail("token: bad client authentication (basic=%v)", ok)
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		claims, err := f.verifyAssertion(r.PostForm.Get("assertion"))
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
		"expires_in":   f.expiresIn(n),
	})
}

// verifyAssertion checks an RS256 JWT with f.pub and returns its claims
// after checking iss, sub, aud, kid, iat and exp.
func (f *fakeIssuer) verifyAssertion(jwt string) (map[string]any, error) {
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
	if header.Alg != "RS256" || header.Kid != f.kid {
		return nil, fmt.Errorf("header alg=%q kid=%q", header.Alg, header.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(f.pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, err
	}
	if claims["iss"] != f.subject || claims["sub"] != f.subject {
		return nil, fmt.Errorf("iss=%v sub=%v, want %q", claims["iss"], claims["sub"], f.subject)
	}
	switch aud := claims["aud"].(type) {
	case string:
		if aud != f.issuer() {
			return nil, fmt.Errorf("aud=%q", aud)
		}
	case []any:
		if len(aud) != 1 || aud[0] != f.issuer() {
			return nil, fmt.Errorf("aud=%v", aud)
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

// markingTransport marks and counts requests, proving that a configured
// HTTP client is used.
type markingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (m *markingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.n.Add(1)
	r = r.Clone(r.Context())
	r.Header.Set(markerHeader, "yes")
	return m.base.RoundTrip(r)
}

func newMarkedClient(t *testing.T) (*http.Client, *markingTransport) {
	base := &http.Transport{}
	t.Cleanup(base.CloseIdleConnections)
	mt := &markingTransport{base: base}
	return &http.Client{Transport: mt, Timeout: time.Minute}, mt
}

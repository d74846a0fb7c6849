package interceptors_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"golang.org/x/oauth2"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

const defaultScope = "openid urn:zitadel:iam:org:project:id:zitadel:aud"

type countingSource struct {
	ts oauth2.TokenSource
	n  atomic.Int64
}

func (c *countingSource) Token() (*oauth2.Token, error) {
	c.n.Add(1)
	return c.ts.Token()
}

type failingSource struct{ secret string }

func (f failingSource) Token() (*oauth2.Token, error) {
	return nil, fmt.Errorf("cannot refresh with client secret %s: %w", f.secret, context.DeadlineExceeded)
}

func getSession(ctx context.Context, c sessionv2connect.SessionServiceClient) error {
	_, err := c.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: "s1"})
	return err
}

// concurrently runs n GetSession calls in parallel and fails on any error.
func concurrently(t *testing.T, n int, c sessionv2connect.SessionServiceClient) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() { errs <- getSession(t.Context(), c) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("GetSession: %v", err)
		}
	}
}

// authHeaders returns the distinct Authorization values the server saw.
func authHeaders(svc *fakeSessions) map[string]int {
	seen := map[string]int{}
	for _, h := range svc.allHeaders() {
		seen[h.Get("Authorization")]++
	}
	return seen
}

func TestAuthSetsBearerHeader(t *testing.T) {
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(interceptors.PersonalAccessToken("pat-value")))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	if got := svc.lastHeader().Get("Authorization"); got != "Bearer pat-value" {
		t.Fatalf("Authorization = %q, want %q", got, "Bearer pat-value")
	}
}

func TestAuthPerCallOverrideWins(t *testing.T) {
	svc := newFakeSessions()
	src := &countingSource{ts: interceptors.PersonalAccessToken("pat-value")}
	client := startSessionServer(t, svc, interceptors.Auth(src))
	ctx, info := connect.NewClientContext(t.Context())
	info.RequestHeader().Set("Authorization", "Bearer session-token")
	if err := getSession(ctx, client); err != nil {
		t.Fatal(err)
	}
	if got := svc.lastHeader().Get("Authorization"); got != "Bearer session-token" {
		t.Fatalf("Authorization = %q, want the per-call value", got)
	}
	if n := src.n.Load(); n != 0 {
		t.Fatalf("token source called %d times for an overridden call, want 0", n)
	}
	// A call without override still gets the token.
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	if got := svc.lastHeader().Get("Authorization"); got != "Bearer pat-value" {
		t.Fatalf("Authorization = %q, want the PAT", got)
	}
}

func TestAuthTokenErrorIsUnauthenticatedWithoutSecret(t *testing.T) {
	const secret = "SUPER-SECRET-CLIENT-SECRET"
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(failingSource{secret: secret}))
	err := getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, secret)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, context.DeadlineExceeded) = false; want the context cause kept")
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 0 {
		t.Fatalf("server saw %d calls, want 0", n)
	}
}

func TestAuthEmptyPATIsUnauthenticated(t *testing.T) {
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(interceptors.PersonalAccessToken("")))
	if got := connect.CodeOf(getSession(t.Context(), client)); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v, want unauthenticated", got)
	}
}

func TestAuthTokenEndpointRejectionIsRedacted(t *testing.T) {
	iss := newFakeIssuer(t)
	iss.failToken = true
	ts, err := interceptors.ClientCredentials(t.Context(), interceptors.ClientCredentialsConfig{
		Issuer: iss.issuer(), ClientID: testClientID, ClientSecret: testClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	client := startSessionServer(t, newFakeSessions(), interceptors.Auth(ts))
	err = getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, testClientSecret)
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error %q should name the OAuth error code", err)
	}
}

func assertNoSecretInErrorChain(t *testing.T, err error, secret string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			if strings.Contains(s, secret) {
				t.Fatalf("error chain reveals the secret: %q", s)
			}
		}
	}
}

func TestPersonalAccessTokenOneTokenForManyCalls(t *testing.T) {
	svc := newFakeSessions()
	src := &countingSource{ts: interceptors.PersonalAccessToken("pat-value")}
	client := startSessionServer(t, svc, interceptors.Auth(src))
	concurrently(t, 100, client)
	if n := src.n.Load(); n != 1 {
		t.Fatalf("PAT source called %d times, want 1", n)
	}
	if seen := authHeaders(svc); seen["Bearer pat-value"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
}

func TestPersonalAccessTokenRedacted(t *testing.T) {
	ts := interceptors.PersonalAccessToken("pat-secret-value")
	for _, s := range []string{fmt.Sprint(ts), fmt.Sprintf("%+v", ts), fmt.Sprintf("%#v", ts), fmt.Sprintf("%s", ts)} {
		if strings.Contains(s, "pat-secret-value") {
			t.Fatalf("formatted token source reveals the token: %q", s)
		}
	}
}

func TestClientCredentials(t *testing.T) {
	iss := newFakeIssuer(t)
	hc, mt := newMarkedClient(t)
	ts, err := interceptors.ClientCredentials(t.Context(), interceptors.ClientCredentialsConfig{
		Issuer: iss.issuer(), ClientID: testClientID, ClientSecret: testClientSecret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))

	concurrently(t, 100, client)
	iss.check()
	if d, n := iss.discoveryHits.Load(), iss.tokenHits.Load(); d != 1 || n != 1 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 1", d, n)
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	assertUsedClient(t, iss, mt)
	if iss.scopes[0] != defaultScope {
		t.Errorf("scope = %q, want %q", iss.scopes[0], defaultScope)
	}
}

func TestClientCredentialsExpiredTokenRefreshedOnce(t *testing.T) {
	iss := newFakeIssuer(t)
	// The first token expires within oauth2's 10s expiry margin, so it is
	// already stale when the next call looks at it.
	iss.expiresIn = func(n int64) int {
		if n == 1 {
			return 1
		}
		return 3600
	}
	hc, mt := newMarkedClient(t)
	ts, err := interceptors.ClientCredentials(t.Context(), interceptors.ClientCredentialsConfig{
		Issuer: iss.issuer(), ClientID: testClientID, ClientSecret: testClientSecret,
		Scopes: []string{"openid"}, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	concurrently(t, 50, client)
	iss.check()
	if d, n := iss.discoveryHits.Load(), iss.tokenHits.Load(); d != 1 || n != 2 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 2 (one refresh)", d, n)
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 1 || seen["Bearer access-token-2"] != 50 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	assertUsedClient(t, iss, mt)
	if iss.scopes[0] != "openid" {
		t.Errorf("scope = %q, want openid", iss.scopes[0])
	}
}

func assertUsedClient(t *testing.T, iss *fakeIssuer, mt *markingTransport) {
	t.Helper()
	if u := iss.unmarked.Load(); u != 0 {
		t.Errorf("%d requests to the issuer bypassed the configured HTTP client", u)
	}
	if got, want := mt.n.Load(), iss.discoveryHits.Load()+iss.tokenHits.Load(); got != want {
		t.Errorf("configured transport saw %d requests, issuer %d", got, want)
	}
}

func TestClientCredentialsValidation(t *testing.T) {
	for name, cfg := range map[string]interceptors.ClientCredentialsConfig{
		"issuer": {ClientID: "a", ClientSecret: "b"},
		"id":     {Issuer: "http://127.0.0.1:1", ClientSecret: "b"},
		"secret": {Issuer: "http://127.0.0.1:1", ClientID: "a"},
	} {
		if _, err := interceptors.ClientCredentials(t.Context(), cfg); err == nil {
			t.Errorf("%s: want error", name)
		}
	}
	// The config never prints its secret.
	cfg := interceptors.ClientCredentialsConfig{ClientSecret: testClientSecret}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, testClientSecret) {
			t.Fatalf("formatted config reveals the secret: %q", s)
		}
	}
}

var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func testKeyPEM(t testing.TB) string {
	t.Helper()
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(testRSAKey())}))
}

func testKeyJSON(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{
		"type": "serviceaccount", "keyId": "key-id-1", "key": testKeyPEM(t), "userId": "user-id-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newJWTIssuer(t *testing.T) *fakeIssuer {
	iss := newFakeIssuer(t)
	iss.pub = &testRSAKey().PublicKey
	iss.kid = "key-id-1"
	iss.subject = "user-id-1"
	return iss
}

func TestJWTProfile(t *testing.T) {
	iss := newJWTIssuer(t)
	key, err := interceptors.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	hc, mt := newMarkedClient(t)
	ts, err := interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Issuer: iss.issuer(), Key: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	concurrently(t, 100, client)
	iss.check()
	if d, n := iss.discoveryHits.Load(), iss.tokenHits.Load(); d != 1 || n != 1 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 1", d, n)
	}
	if len(iss.assertions) != 1 {
		t.Fatalf("verified assertions = %d, want 1", len(iss.assertions))
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	assertUsedClient(t, iss, mt)
	if iss.scopes[0] != defaultScope {
		t.Errorf("scope = %q, want %q", iss.scopes[0], defaultScope)
	}
}

func TestJWTProfileExpiredTokenRefreshedOnce(t *testing.T) {
	iss := newJWTIssuer(t)
	iss.expiresIn = func(n int64) int {
		if n == 1 {
			return 1
		}
		return 3600
	}
	key, err := interceptors.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	hc, mt := newMarkedClient(t)
	ts, err := interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Issuer: iss.issuer(), Key: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	concurrently(t, 50, client)
	iss.check()
	if d, n := iss.discoveryHits.Load(), iss.tokenHits.Load(); d != 1 || n != 2 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 2 (one refresh)", d, n)
	}
	if len(iss.assertions) != 2 || iss.assertions[0]["jti"] == iss.assertions[1]["jti"] {
		t.Fatalf("want two distinct verified assertions, got %v", iss.assertions)
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 1 || seen["Bearer access-token-2"] != 50 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	assertUsedClient(t, iss, mt)
}

func TestJWTProfileValidation(t *testing.T) {
	key, err := interceptors.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Key: key}); err == nil {
		t.Error("missing issuer: want error")
	}
	if _, err := interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Issuer: "http://127.0.0.1:1"}); err == nil {
		t.Error("missing key: want error")
	}
	// A discovery document whose issuer does not match is rejected.
	iss := newJWTIssuer(t)
	_, err = interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Issuer: iss.issuer() + "/other", Key: key})
	if err == nil {
		t.Error("issuer mismatch: want error")
	} else if strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("error reveals the key: %v", err)
	}
}

func TestJWTProfileTokenRejectionIsRedacted(t *testing.T) {
	iss := newJWTIssuer(t)
	iss.failToken = true
	key, err := interceptors.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := interceptors.JWTProfile(t.Context(), interceptors.JWTProfileConfig{Issuer: iss.issuer(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	client := startSessionServer(t, newFakeSessions(), interceptors.Auth(ts))
	err = getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, testClientSecret)
	assertNoSecretInErrorChain(t, err, "PRIVATE KEY")
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error %q should name the OAuth error code", err)
	}
}

// rotatingSource returns the tokens in turn, each already expired so that
// the interceptor's token cache asks again on every call.
type rotatingSource struct {
	mu     sync.Mutex
	tokens []string
	n      int
}

func (r *rotatingSource) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tok := r.tokens[r.n%len(r.tokens)]
	r.n++
	return &oauth2.Token{AccessToken: tok, TokenType: "Bearer", Expiry: time.Unix(1, 0)}, nil
}

// TestAuthHeaderFollowsTokenChanges: the header value built once per token
// follows every change of the token, and a per-call Add does not leak into
// later calls.
func TestAuthHeaderFollowsTokenChanges(t *testing.T) {
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(&rotatingSource{tokens: []string{"tok-a", "tok-b"}}))
	for i, want := range []string{"tok-a", "tok-b", "tok-a", "tok-a", "tok-b"} {
		if i == 3 { // a call with its own header: the source is not asked
			ctx, info := connect.NewClientContext(t.Context())
			info.RequestHeader().Set("Authorization", "Bearer own")
			if err := getSession(ctx, client); err != nil {
				t.Fatal(err)
			}
			if got := svc.lastHeader().Values("Authorization"); len(got) != 1 || got[0] != "Bearer own" {
				t.Fatalf("call %d: Authorization = %q", i, got)
			}
			continue
		}
		ctx, info := connect.NewClientContext(t.Context())
		if err := getSession(ctx, client); err != nil {
			t.Fatal(err)
		}
		info.RequestHeader().Add("Authorization", "extra") // after the call: must not touch the cached value
		if got := svc.lastHeader().Values("Authorization"); len(got) != 1 || got[0] != "Bearer "+want {
			t.Fatalf("call %d: Authorization = %q, want %q", i, got, "Bearer "+want)
		}
	}
}

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
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/internal/oidcfake"
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
	client := startSessionServer(t, svc, interceptors.Auth(credentials.PersonalAccessToken("pat-value")))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	if got := svc.lastHeader().Get("Authorization"); got != "Bearer pat-value" {
		t.Fatalf("Authorization = %q, want %q", got, "Bearer pat-value")
	}
}

func TestAuthPerCallOverrideWins(t *testing.T) {
	svc := newFakeSessions()
	src := &countingSource{ts: credentials.PersonalAccessToken("pat-value")}
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

// TestAuthTokenErrorWithoutSecret: a token source whose error text holds a
// secret and wraps a timeout fails the call with DeadlineExceeded (a
// transport failure, not a credential failure, issue 9), keeps the cause for
// errors.Is, and the secret is nowhere in the chain.
func TestAuthTokenErrorWithoutSecret(t *testing.T) {
	const secret = "SUPER-SECRET-CLIENT-SECRET"
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(failingSource{secret: secret}))
	err := getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeDeadlineExceeded {
		t.Fatalf("code = %v (%v), want deadline_exceeded", got, err)
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
	client := startSessionServer(t, svc, interceptors.Auth(credentials.PersonalAccessToken("")))
	if got := connect.CodeOf(getSession(t.Context(), client)); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v, want unauthenticated", got)
	}
}

func TestAuthTokenEndpointRejectionIsRedacted(t *testing.T) {
	iss := oidcfake.New(t)
	iss.FailToken = true
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: iss.URL(), ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	client := startSessionServer(t, newFakeSessions(), interceptors.Auth(ts))
	err = getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, oidcfake.ClientSecret)
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
	src := &countingSource{ts: credentials.PersonalAccessToken("pat-value")}
	client := startSessionServer(t, svc, interceptors.Auth(src))
	concurrently(t, 100, client)
	if n := src.n.Load(); n != 1 {
		t.Fatalf("PAT source called %d times, want 1", n)
	}
	if seen := authHeaders(svc); seen["Bearer pat-value"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
}

func TestClientCredentials(t *testing.T) {
	iss := oidcfake.New(t)
	hc, mt := oidcfake.NewMarkedClient(t)
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: iss.URL(), ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))

	concurrently(t, 100, client)
	iss.Check()
	if d, n := iss.DiscoveryHits.Load(), iss.TokenHits.Load(); d != 1 || n != 1 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 1", d, n)
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	oidcfake.AssertUsedClient(t, iss, mt)
	if iss.Scopes()[0] != defaultScope {
		t.Errorf("scope = %q, want %q", iss.Scopes()[0], defaultScope)
	}
}

func TestClientCredentialsExpiredTokenRefreshedOnce(t *testing.T) {
	iss := oidcfake.New(t)
	// The first token expires within oauth2's 10s expiry margin, so it is
	// already stale when the next call looks at it.
	iss.ExpiresIn = func(n int64) int {
		if n == 1 {
			return 1
		}
		return 3600
	}
	hc, mt := oidcfake.NewMarkedClient(t)
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: iss.URL(), ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret,
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
	iss.Check()
	if d, n := iss.DiscoveryHits.Load(), iss.TokenHits.Load(); d != 1 || n != 2 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 2 (one refresh)", d, n)
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 1 || seen["Bearer access-token-2"] != 50 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	oidcfake.AssertUsedClient(t, iss, mt)
	if iss.Scopes()[0] != "openid" {
		t.Errorf("scope = %q, want openid", iss.Scopes()[0])
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

func newJWTIssuer(t *testing.T) *oidcfake.Issuer {
	iss := oidcfake.New(t)
	iss.Pub = &testRSAKey().PublicKey
	iss.Kid = "key-id-1"
	iss.Subject = "user-id-1"
	return iss
}

func TestJWTProfile(t *testing.T) {
	iss := newJWTIssuer(t)
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	hc, mt := oidcfake.NewMarkedClient(t)
	ts, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: iss.URL(), Key: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	concurrently(t, 100, client)
	iss.Check()
	if d, n := iss.DiscoveryHits.Load(), iss.TokenHits.Load(); d != 1 || n != 1 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 1", d, n)
	}
	if len(iss.Assertions()) != 1 {
		t.Fatalf("verified assertions = %d, want 1", len(iss.Assertions()))
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 100 || len(seen) != 1 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	oidcfake.AssertUsedClient(t, iss, mt)
	if iss.Scopes()[0] != defaultScope {
		t.Errorf("scope = %q, want %q", iss.Scopes()[0], defaultScope)
	}
}

func TestJWTProfileExpiredTokenRefreshedOnce(t *testing.T) {
	iss := newJWTIssuer(t)
	iss.ExpiresIn = func(n int64) int {
		if n == 1 {
			return 1
		}
		return 3600
	}
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	hc, mt := oidcfake.NewMarkedClient(t)
	ts, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: iss.URL(), Key: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	concurrently(t, 50, client)
	iss.Check()
	if d, n := iss.DiscoveryHits.Load(), iss.TokenHits.Load(); d != 1 || n != 2 {
		t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 2 (one refresh)", d, n)
	}
	if len(iss.Assertions()) != 2 || iss.Assertions()[0]["jti"] == iss.Assertions()[1]["jti"] {
		t.Fatalf("want two distinct verified assertions, got %v", iss.Assertions())
	}
	if seen := authHeaders(svc); seen["Bearer access-token-1"] != 1 || seen["Bearer access-token-2"] != 50 {
		t.Fatalf("Authorization values seen: %v", seen)
	}
	oidcfake.AssertUsedClient(t, iss, mt)
}

func TestJWTProfileTokenRejectionIsRedacted(t *testing.T) {
	iss := newJWTIssuer(t)
	iss.FailToken = true
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: iss.URL(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	client := startSessionServer(t, newFakeSessions(), interceptors.Auth(ts))
	err = getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, oidcfake.ClientSecret)
	assertNoSecretInErrorChain(t, err, "PRIVATE KEY")
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error %q should name the OAuth error code", err)
	}
}

type secretErrorSource struct{ secret string }

func (s secretErrorSource) Token() (*oauth2.Token, error) {
	return nil, fmt.Errorf("cannot refresh with client secret %s", s.secret)
}

// TestAuthOtherTokenErrorIsUnauthenticated: an error that is not a transport
// failure is Unauthenticated, and neither its text nor the error itself is
// in the chain (it might echo credentials).
func TestAuthOtherTokenErrorIsUnauthenticated(t *testing.T) {
	const secret = "SUPER-SECRET-CLIENT-SECRET"
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(secretErrorSource{secret: secret}))
	err := getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnauthenticated {
		t.Fatalf("code = %v (%v), want unauthenticated", got, err)
	}
	assertNoSecretInErrorChain(t, err, secret)
}

// TestAuthUnreachableTokenEndpointIsUnavailable: with the issuer's port
// closed, the call fails with Unavailable (not Unauthenticated), the message
// says why, the cause is reachable with errors.Is / errors.As, and nothing
// is sent to the API.
func TestAuthUnreachableTokenEndpointIsUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	_ = ln.Close()
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: closed, ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Auth(ts))
	err = getSession(t.Context(), client)
	if got := connect.CodeOf(err); got != connect.CodeUnavailable {
		t.Fatalf("code = %v (%v), want unavailable", got, err)
	}
	var te *credentials.TokenError
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &te) || !te.Transient() || te.Step != "discovery" {
		t.Fatalf("cause not kept: %v (TokenError %+v)", err, te)
	}
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), closed) {
		t.Errorf("error %q should say what failed where", err)
	}
	if n := svc.count(sessionv2connect.SessionServiceGetSessionProcedure); n != 0 {
		t.Fatalf("server saw %d calls, want 0", n)
	}
}

// TestAuthTokenEndpoint5xxIsUnavailable: a 503 from the token endpoint is a
// transport failure.
func TestAuthTokenEndpoint5xxIsUnavailable(t *testing.T) {
	iss := oidcfake.New(t)
	iss.TokenStatus = http.StatusServiceUnavailable
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: iss.URL(), ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = getSession(t.Context(), startSessionServer(t, newFakeSessions(), interceptors.Auth(ts)))
	var te *credentials.TokenError
	if connect.CodeOf(err) != connect.CodeUnavailable || !errors.As(err, &te) || te.StatusCode != 503 || te.Step != "token" {
		t.Fatalf("err = %v (TokenError %+v)", err, te)
	}
	if !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("error %q should name the status", err)
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

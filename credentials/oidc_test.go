package credentials_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/internal/oidcfake"
)

func TestClientCredentialsValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  credentials.ClientCredentialsConfig
		want string
	}{
		"issuer":           {credentials.ClientCredentialsConfig{ClientID: "a", ClientSecret: "b"}, "Issuer is empty"},
		"id":               {credentials.ClientCredentialsConfig{Issuer: "http://127.0.0.1:1", ClientSecret: "b"}, "ClientID"},
		"secret":           {credentials.ClientCredentialsConfig{Issuer: "http://127.0.0.1:1", ClientID: "a"}, "ClientSecret"},
		"relative issuer":  {credentials.ClientCredentialsConfig{Issuer: "localhost:8080", ClientID: "a", ClientSecret: "b"}, "Issuer must be an absolute"},
		"issuer userinfo":  {credentials.ClientCredentialsConfig{Issuer: "https://u:pw-secret@h", ClientID: "a", ClientSecret: "b"}, "Issuer must not contain user information"},
		"address userinfo": {credentials.ClientCredentialsConfig{Issuer: "https://h", Address: "http://u:pw-secret@127.0.0.1", ClientID: "a", ClientSecret: "b"}, "Address must not contain user information"},
		"address scheme":   {credentials.ClientCredentialsConfig{Issuer: "https://h", Address: "ftp://h", ClientID: "a", ClientSecret: "b"}, "Address must be an absolute"},
		"issuer query":     {credentials.ClientCredentialsConfig{Issuer: "https://h/?x=1", ClientID: "a", ClientSecret: "b"}, "query"},
	} {
		_, err := credentials.ClientCredentials(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", name, err, tc.want)
		} else if strings.Contains(err.Error(), "pw-secret") {
			t.Errorf("%s: error shows the URL's password: %v", name, err)
		}
	}
	// The config never prints its secret.
	cfg := credentials.ClientCredentialsConfig{ClientSecret: oidcfake.ClientSecret}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		if strings.Contains(s, oidcfake.ClientSecret) {
			t.Fatalf("formatted config reveals the secret: %q", s)
		}
	}
}

func TestJWTProfileValidation(t *testing.T) {
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := credentials.JWTProfile(credentials.JWTProfileConfig{Key: key}); err == nil {
		t.Error("missing issuer: want error")
	}
	if _, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: "http://127.0.0.1:1"}); err == nil {
		t.Error("missing key: want error")
	}
	// A discovery document whose issuer does not match is rejected on the
	// first Token call, with both issuers named.
	iss := newJWTIssuer(t)
	iss.Reported = func(*http.Request) string { return "http://other.example" }
	ts, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: iss.URL(), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Token()
	var te *credentials.TokenError
	if !errors.As(err, &te) || te.Transient() || te.Step != "discovery" {
		t.Fatalf("issuer mismatch: err = %v", err)
	}
	if !strings.Contains(err.Error(), `"`+iss.URL()+`"`) || !strings.Contains(err.Error(), `"http://other.example"`) {
		t.Errorf("error %q should name both issuers", err)
	}
	if strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("error reveals the key: %v", err)
	}
}

func TestPersonalAccessTokenRedacted(t *testing.T) {
	ts := credentials.PersonalAccessToken("pat-secret-value")
	for _, s := range []string{fmt.Sprint(ts), fmt.Sprintf("%+v", ts), fmt.Sprintf("%#v", ts), fmt.Sprintf("%s", ts)} {
		if strings.Contains(s, "pat-secret-value") {
			t.Fatalf("formatted token source reveals the token: %q", s)
		}
	}
	if _, err := credentials.PersonalAccessToken("").Token(); err == nil {
		t.Error("empty PAT: want error")
	}
}

func newJWTIssuer(t *testing.T) *oidcfake.Issuer {
	iss := oidcfake.New(t)
	iss.Pub = &testRSAKey().PublicKey
	iss.Kid = "key-id-1"
	iss.Subject = "user-id-1"
	return iss
}

// grants builds a token source of each grant for the issuer iss (with
// address and HTTP client), so that tests run for both.
func grants(t *testing.T, issuer, address string, hc *http.Client) map[string]oauth2.TokenSource {
	t.Helper()
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	cc, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: issuer, Address: address, ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret, HTTPClient: hc,
	})
	if err != nil {
		t.Fatal(err)
	}
	jwt, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: issuer, Address: address, Key: key, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]oauth2.TokenSource{"client credentials": cc, "JWT profile": jwt}
}

// TestTokenSourcesCacheAndDiscoverLazily: no request before the first Token
// call; then one discovery and one token request for 100 concurrent calls.
func TestTokenSourcesCacheAndDiscoverLazily(t *testing.T) {
	for _, name := range []string{"client credentials", "JWT profile"} {
		t.Run(name, func(t *testing.T) {
			iss := newJWTIssuer(t)
			hc, mt := oidcfake.NewMarkedClient(t)
			ts := grants(t, iss.URL(), "", hc)[name]
			if n := iss.DiscoveryHits.Load() + iss.TokenHits.Load(); n != 0 {
				t.Fatalf("%d requests before the first Token call", n)
			}
			var wg sync.WaitGroup
			for range 100 {
				wg.Go(func() {
					tok, err := ts.Token()
					if err != nil || tok.AccessToken != "access-token-1" {
						t.Errorf("Token = %v, %v", tok, err)
					}
				})
			}
			wg.Wait()
			iss.Check()
			if d, n := iss.DiscoveryHits.Load(), iss.TokenHits.Load(); d != 1 || n != 1 {
				t.Fatalf("discovery hits = %d, token hits = %d; want 1 and 1", d, n)
			}
			oidcfake.AssertUsedClient(t, iss, mt)
		})
	}
}

// TestAddressWithInstanceIssuer: the issuer is the instance's
// (http://<instance host>, as Zitadel reports it), requests go to Address
// with the instance host as Host, and the JWT audience is the issuer.
func TestAddressWithInstanceIssuer(t *testing.T) {
	const instance = "zitadel.example.test:8080"
	for _, name := range []string{"client credentials", "JWT profile"} {
		t.Run(name, func(t *testing.T) {
			iss := newJWTIssuer(t)
			iss.Reported = func(r *http.Request) string { return "http://" + r.Host }
			iss.Audience = "http://" + instance
			ts := grants(t, "http://"+instance, iss.URL(), nil)[name]
			tok, err := ts.Token()
			if err != nil {
				t.Fatal(err)
			}
			iss.Check()
			if tok.AccessToken != "access-token-1" || iss.DiscoveryHits.Load() != 1 || iss.TokenHits.Load() != 1 {
				t.Fatalf("token %q, %d discovery and %d token requests", tok.AccessToken, iss.DiscoveryHits.Load(), iss.TokenHits.Load())
			}
			for _, h := range iss.Hosts() {
				if h != instance {
					t.Errorf("request with Host %q, want %q", h, instance)
				}
			}
			if name == "JWT profile" && len(iss.Assertions()) != 1 {
				t.Errorf("assertions verified: %d", len(iss.Assertions()))
			}
		})
	}
	// Without Address, dialing the issuer's own address, the instance
	// issuer does not match: a clear error, not a bare failure.
	iss := oidcfake.New(t)
	iss.Reported = func(*http.Request) string { return "http://localhost:8080" }
	_, err := grants(t, iss.URL(), "", nil)["client credentials"].Token()
	if err == nil || !strings.Contains(err.Error(), `"http://localhost:8080"`) || !strings.Contains(err.Error(), "Address") {
		t.Fatalf("issuer mismatch: %v", err)
	}
}

// closedURL returns an http:// URL on loopback where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	_ = ln.Close()
	return u
}

// TestTransportFailuresAreTransient: refused, DNS, TLS, timeout, 5xx and
// 429 are transient TokenErrors with the cause reachable; a rejection is not.
func TestTransportFailuresAreTransient(t *testing.T) {
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	slow := make(chan struct{})
	slowSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-slow:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(slow); slowSrv.Close() })
	dnsClient := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, &net.DNSError{Err: "no such host", Name: "zitadel.invalid", IsNotFound: true}
	}}}
	tokenStatus := func(status int) string {
		iss := oidcfake.New(t)
		iss.TokenStatus = status
		return iss.URL()
	}

	type check func(t *testing.T, err error)
	for name, tc := range map[string]struct {
		issuer string
		hc     *http.Client
		step   string
		want   string
		check  check
	}{
		"refused": {closedURL(t), nil, "discovery", "connection refused", func(t *testing.T, err error) {
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Error("errors.Is(err, ECONNREFUSED) = false")
			}
		}},
		"dns": {"http://zitadel.invalid", dnsClient, "discovery", "cannot resolve host zitadel.invalid", func(t *testing.T, err error) {
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) {
				t.Error("errors.As(err, *net.DNSError) = false")
			}
		}},
		"tls": {tlsSrv.URL, nil, "discovery", "TLS certificate is not trusted", func(t *testing.T, err error) {
			var certErr *tls.CertificateVerificationError
			if !errors.As(err, &certErr) {
				t.Error("errors.As(err, *tls.CertificateVerificationError) = false")
			}
		}},
		"timeout": {slowSrv.URL, &http.Client{Timeout: 50 * time.Millisecond}, "discovery", "no answer in time", func(t *testing.T, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Error("errors.Is(err, context.DeadlineExceeded) = false")
			}
		}},
		"503": {tokenStatus(503), nil, "token", "HTTP 503", nil},
		"500": {tokenStatus(500), nil, "token", "HTTP 500", nil},
		"429": {tokenStatus(429), nil, "token", "HTTP 429", nil},
	} {
		t.Run(name, func(t *testing.T) {
			for grant, ts := range grants(t, tc.issuer, "", tc.hc) {
				_, err := ts.Token()
				var te *credentials.TokenError
				if !errors.As(err, &te) || !te.Transient() || te.Step != tc.step || te.Err == nil {
					t.Fatalf("%s: err = %v (TokenError %+v)", grant, err, te)
				}
				if !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %q should contain %q", grant, err, tc.want)
				}
				if tc.check != nil {
					tc.check(t, err)
				}
			}
		})
	}
}

func TestRejectionIsNotTransientAndKeepsNoSecret(t *testing.T) {
	iss := newJWTIssuer(t)
	iss.FailToken = true
	for grant, ts := range grants(t, iss.URL(), "", nil) {
		_, err := ts.Token()
		var te *credentials.TokenError
		if !errors.As(err, &te) || te.Transient() || te.Code != "invalid_client" || te.Err != nil {
			t.Fatalf("%s: err = %v (TokenError %+v)", grant, err, te)
		}
		if grant == "client credentials" && te.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d", grant, te.StatusCode)
		}
		if !strings.Contains(err.Error(), `"invalid_client"`) {
			t.Errorf("%s: error %q should name the OAuth error code", grant, err)
		}
		for e := error(err); e != nil; e = errors.Unwrap(e) {
			if s := fmt.Sprintf("%v %+v %#v", e, e, e); strings.Contains(s, oidcfake.ClientSecret) || strings.Contains(s, "PRIVATE KEY") {
				t.Fatalf("%s: error chain reveals a secret: %s", grant, s)
			}
		}
	}
}

// hostile is a loopback server that records what reaches it.
type hostile struct {
	srv    *httptest.Server
	hits   atomic.Int64
	bodies atomic.Int64 // bytes of request bodies received
}

func newHostile(t *testing.T) *hostile {
	h := &hostile{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.hits.Add(1)
		n, _ := io.Copy(io.Discard, r.Body)
		h.bodies.Add(n)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// TestRedirectToOtherOriginRefused: a 307 from discovery or from the token
// endpoint to another port is refused, the error names the Location's host,
// and nothing (no client secret, no assertion) reaches it.
func TestRedirectToOtherOriginRefused(t *testing.T) {
	for _, at := range []string{"discovery", "token"} {
		t.Run(at, func(t *testing.T) {
			evil := newHostile(t)
			iss := newJWTIssuer(t)
			mux := http.NewServeMux()
			front := httptest.NewServer(mux)
			t.Cleanup(front.Close)
			proxy := func(w http.ResponseWriter, r *http.Request) {
				// Forward to the real issuer, but report front as issuer.
				req, _ := http.NewRequestWithContext(r.Context(), r.Method, iss.URL()+r.URL.Path, r.Body)
				req.Header = r.Header.Clone()
				resp, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					http.Error(w, err.Error(), 502)
					return
				}
				defer resp.Body.Close()
				w.WriteHeader(resp.StatusCode)
				_, _ = io.Copy(w, resp.Body)
			}
			iss.Reported = func(*http.Request) string { return front.URL }
			redirect := func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, evil.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
			}
			if at == "discovery" {
				mux.HandleFunc("/.well-known/openid-configuration", redirect)
				mux.HandleFunc("/", proxy)
			} else {
				mux.HandleFunc("/oauth/v2/token", redirect)
				mux.HandleFunc("/", proxy)
			}
			iss.Audience = front.URL
			for grant, ts := range grants(t, front.URL, "", nil) {
				_, err := ts.Token()
				var te *credentials.TokenError
				if !errors.As(err, &te) || te.Step != at {
					t.Fatalf("%s: err = %v", grant, err)
				}
				evilHost := strings.TrimPrefix(evil.srv.URL, "http://")
				if !strings.Contains(err.Error(), "redirect to "+evilHost) {
					t.Errorf("%s: error %q should name the Location's host", grant, err)
				}
			}
			if n := evil.hits.Load(); n != 0 {
				t.Fatalf("the redirect target received %d requests", n)
			}
		})
	}
}

// TestRedirectWithinOriginFollowed: a same-origin redirect of discovery is
// followed.
func TestRedirectWithinOriginFollowed(t *testing.T) {
	iss := oidcfake.New(t)
	mux := http.NewServeMux()
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/moved/openid-configuration", http.StatusFound)
	})
	mux.HandleFunc("/moved/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":%q,"token_endpoint_auth_methods_supported":["client_secret_basic"]}`,
			front.URL, iss.URL()+"/oauth/v2/token")
	})
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: front.URL, ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := ts.Token(); err != nil || tok.AccessToken != "access-token-1" {
		t.Fatalf("Token = %v, %v", tok, err)
	}
}

// TestCleartextTokenEndpointRefused: a discovery document (of an https
// issuer, or of an http issuer on another origin) that points the token
// endpoint at plain http on a non-loopback host is refused before the
// secret is sent.
func TestCleartextTokenEndpointRefused(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"issuer":"https://%s","token_endpoint":"http://zitadel.example.test/oauth/v2/token"}`, r.Host)
	}))
	t.Cleanup(srv.Close)
	var dialed atomic.Int64
	tr := srv.Client().Transport.(*http.Transport).Clone()
	base := tr.DialContext
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		dialed.Add(1)
		if base == nil {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}
		return base(ctx, network, addr)
	}
	t.Cleanup(tr.CloseIdleConnections)
	ts, err := credentials.ClientCredentials(credentials.ClientCredentialsConfig{
		Issuer: srv.URL, ClientID: oidcfake.ClientID, ClientSecret: oidcfake.ClientSecret, HTTPClient: &http.Client{Transport: tr},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ts.Token()
	var te *credentials.TokenError
	if !errors.As(err, &te) || te.Step != "discovery" || !strings.Contains(err.Error(), "zitadel.example.test") ||
		!strings.Contains(err.Error(), "cleartext") {
		t.Fatalf("err = %v", err)
	}
	if n := dialed.Load(); n != 1 {
		t.Fatalf("%d connections, want 1 (discovery only)", n)
	}
}

// TestExpiredKeyFailsBeforeSending: a key that expires while its source is
// in use fails the next exchange without a request.
func TestExpiredKeyFailsBeforeSending(t *testing.T) {
	iss := newJWTIssuer(t)
	key, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	// The shortest validity that still lets JWTProfile accept the key.
	var ts oauth2.TokenSource
	for d := 20 * time.Millisecond; ts == nil; d *= 2 {
		key.ExpirationDate = time.Now().Add(d)
		ts, err = credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: iss.URL(), Key: key})
		if err != nil && !strings.Contains(err.Error(), "expired") {
			t.Fatal(err)
		}
	}
	time.Sleep(time.Until(key.ExpirationDate) + time.Millisecond)
	_, err = ts.Token()
	if err == nil || !strings.Contains(err.Error(), `"expirationDate"`) {
		t.Fatalf("err = %v", err)
	}
	if n := iss.DiscoveryHits.Load() + iss.TokenHits.Load(); n != 0 {
		t.Fatalf("%d requests with an expired key", n)
	}
}

// TestZitadelRejections: the answers Zitadel v4.13.1 gives for a wrong
// client secret (400 invalid_request, Errors.User.Machine.Secret.Invalid)
// and for an assertion signed with a key it does not know (500 server_error,
// Errors.Internal) are rejections, not transport failures; the message key
// is kept. A 500 "temporarily_unavailable" stays transient.
func TestZitadelRejections(t *testing.T) {
	for name, tc := range map[string]struct {
		status    int
		body      string
		transient bool
		code      string
		want      string
	}{
		"wrong secret": {400, `{"error":"invalid_request","error_description":"Errors.User.Machine.Secret.Invalid"}`, false,
			"invalid_request", `"invalid_request" (HTTP 400): Errors.User.Machine.Secret.Invalid`},
		"unknown key": {500, `{"error":"server_error","error_description":"Errors.Internal"}`, false,
			"server_error", `"server_error"`},
		"free-text description dropped": {400, `{"error":"invalid_grant","error_description":"Errors.x y"}`, false,
			"invalid_grant", `"invalid_grant"`},
		"temporarily unavailable": {500, `{"error":"temporarily_unavailable"}`, true, "", "HTTP 500"},
		"503 with OAuth body":     {503, `{"error":"server_error"}`, true, "", "HTTP 503"},
	} {
		t.Run(name, func(t *testing.T) {
			iss := newJWTIssuer(t)
			iss.TokenStatus, iss.TokenBody = tc.status, tc.body
			for grant, ts := range grants(t, iss.URL(), "", nil) {
				_, err := ts.Token()
				var te *credentials.TokenError
				if !errors.As(err, &te) || te.Transient() != tc.transient || te.Code != tc.code {
					t.Fatalf("%s: err = %v (TokenError %+v)", grant, err, te)
				}
				if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "Errors.x") {
					t.Errorf("%s: error %q should contain %q (and no free text)", grant, err, tc.want)
				}
				if name == "unknown key" && grant == "JWT profile" && !strings.Contains(err.Error(), "does not know") {
					t.Errorf("%s: error %q should explain Zitadel's server_error", grant, err)
				}
			}
		})
	}
}

// TestDiscoveryInstanceNotFound: Zitadel answers discovery for a host that
// names no instance with 404 and QUERY-1kIjX in a text body; the error says
// what to do, without quoting the body.
func TestDiscoveryInstanceNotFound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unable to set instance using origin &{"+r.Host+"  http} (ExternalDomain is localhost): ID=QUERY-1kIjX Message=Instance not found.", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	_, err := grants(t, srv.URL, "", nil)["client credentials"].Token()
	var te *credentials.TokenError
	if !errors.As(err, &te) || te.Transient() || te.StatusCode != 404 || !strings.Contains(err.Error(), "QUERY-1kIjX") ||
		!strings.Contains(err.Error(), "WithInstanceHost") || strings.Contains(err.Error(), "ExternalDomain") {
		t.Fatalf("err = %v", err)
	}
}

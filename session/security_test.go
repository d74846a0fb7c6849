package session_test

import (
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/internal/oidcfake"
	"github.com/sessionkit/zitadel-session-go/session"
)

const (
	secretPAT      = "pat-SECRET-never-forwarded"
	secretPassword = "password-SECRET-never-forwarded"
)

// sink is a loopback server that records everything that reaches it.
type sink struct {
	srv       *httptest.Server
	hits      atomic.Int64
	bodyBytes atomic.Int64
	leaked    atomic.Bool // a request carried the PAT or the password
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		s.bodyBytes.Add(int64(len(b)))
		if strings.Contains(r.Header.Get("Authorization"), secretPAT) || strings.Contains(string(b), secretPassword) {
			s.leaked.Store(true)
		}
		w.WriteHeader(http.StatusOK)
	}))
	s.srv.Config.Protocols = new(http.Protocols)
	s.srv.Config.Protocols.SetHTTP1(true)
	s.srv.Config.Protocols.SetUnencryptedHTTP2(true)
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) check(t *testing.T) {
	t.Helper()
	if n := s.hits.Load(); n != 0 {
		t.Errorf("the redirect target received %d requests (%d body bytes, credentials: %v)", n, s.bodyBytes.Load(), s.leaked.Load())
	}
}

// redirector answers every request with a redirect to target+path.
func redirector(status int, target string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Location", target+r.URL.Path)
		w.WriteHeader(status)
	})
}

// TestRPCRedirectToOtherHostNotFollowed: a 307 or 308 from the API address to
// another host (here: another port) would make a client re-send the body (a
// password) there. The client never follows: the error names the Location's
// host and the target receives nothing.
func TestRPCRedirectToOtherHostNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		for _, p := range protocols {
			t.Run(http.StatusText(status)+"/"+p.name, func(t *testing.T) {
				evil := newSink(t)
				api := httptest.NewUnstartedServer(redirector(status, evil.srv.URL))
				api.Config.Protocols = new(http.Protocols)
				api.Config.Protocols.SetHTTP1(true)
				api.Config.Protocols.SetUnencryptedHTTP2(true)
				api.Start()
				t.Cleanup(api.Close)
				c, err := session.New(api.URL, p.opt, session.WithPersonalAccessToken(secretPAT))
				must(t, err)
				defer c.Close()
				_, _, err = c.Create(ctxT(t), session.CheckLoginName(aliceLogin), session.CheckPassword(secretPassword))
				if err == nil {
					t.Fatal("redirected call succeeded")
				}
				if host := strings.TrimPrefix(evil.srv.URL, "http://"); !strings.Contains(err.Error(), host) {
					t.Errorf("error %q should name the Location's host %s", err, host)
				}
				if strings.Contains(err.Error(), secretPAT) || strings.Contains(err.Error(), secretPassword) {
					t.Errorf("error reveals a secret: %v", err)
				}
				evil.check(t)
			})
		}
	}
}

// TestHTTPSRedirectToHTTPNotFollowed: an https:// API that redirects to
// http:// on the same host must not get the PAT (or the body) sent in
// cleartext; also when the caller supplies the HTTP client.
func TestHTTPSRedirectToHTTPNotFollowed(t *testing.T) {
	plain := newSink(t)
	_, plainPort, _ := net.SplitHostPort(strings.TrimPrefix(plain.srv.URL, "http://"))
	api := httptest.NewUnstartedServer(redirector(http.StatusTemporaryRedirect, "http://127.0.0.1:"+plainPort))
	api.EnableHTTP2 = true
	api.StartTLS()
	t.Cleanup(api.Close)
	pool := x509.NewCertPool()
	pool.AddCert(api.Certificate())

	callerClient := api.Client() // follows redirects by default
	for name, opt := range map[string]session.Option{
		"built client":  session.WithCAPool(pool),
		"caller client": session.WithHTTPClient(callerClient),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := session.New(api.URL, opt, session.WithPersonalAccessToken(secretPAT))
			must(t, err)
			defer c.Close()
			_, _, err = c.Create(ctxT(t), session.CheckLoginName(aliceLogin), session.CheckPassword(secretPassword))
			if err == nil || !strings.Contains(err.Error(), "127.0.0.1:"+plainPort) {
				t.Fatalf("err = %v, want a refused redirect naming 127.0.0.1:%s", err, plainPort)
			}
			plain.check(t)
		})
	}
}

// TestTokenRequestRedirectNotFollowed: discovery and token requests made for
// WithClientCredentials never follow a redirect to another origin either.
func TestTokenRequestRedirectNotFollowed(t *testing.T) {
	evil := newSink(t)
	api := httptest.NewServer(redirector(http.StatusTemporaryRedirect, evil.srv.URL))
	t.Cleanup(api.Close)
	c, err := session.New(api.URL, session.WithClientCredentials("id", "client-secret-not-forwarded"))
	must(t, err)
	defer c.Close()
	_, err = c.Get(ctxT(t), "123")
	if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(evil.srv.URL, "http://")) {
		t.Fatalf("err = %v", err)
	}
	evil.check(t)
}

// TestCleartextCredentialsRefused: plain http:// to a non-loopback host is
// refused by New, before any connection, with an error naming the option;
// loopback hosts, https and the opt-in are accepted.
func TestCleartextCredentialsRefused(t *testing.T) {
	refused := map[string][]session.Option{
		"PAT":                     {session.WithPersonalAccessToken("p")},
		"no auth (session token)": nil,
		"client credentials":      {session.WithClientCredentials("id", "secret")},
		"key file":                {session.WithServiceAccountKeyFile("/nonexistent/key.json")},
	}
	for name, opts := range refused {
		for _, base := range []string{"http://zitadel.example.com", "http://10.0.0.5:8080", "http://[fe80::1]:8080", "http://0.0.0.0:8080"} {
			_, err := session.New(base, opts...)
			if err == nil || !strings.Contains(err.Error(), "WithCleartextCredentials") {
				t.Errorf("%s at %s: err = %v", name, base, err)
			}
		}
	}
	// Token requests to a plain-http issuer elsewhere, even with an https API.
	for _, opt := range []session.Option{
		session.WithClientCredentials("id", "secret"),
		session.WithServiceAccountKeyFile("/nonexistent/key.json"),
	} {
		_, err := session.New("https://auth.example.com", opt, session.WithIssuer("http://idp.example.com"))
		if err == nil || !strings.Contains(err.Error(), "idp.example.com") || !strings.Contains(err.Error(), "WithCleartextCredentials") {
			t.Errorf("plain-http issuer: err = %v", err)
		}
	}
	accepted := map[string][]session.Option{
		"https":                 {session.WithPersonalAccessToken("p")},
		"opt-in":                {session.WithPersonalAccessToken("p"), session.WithCleartextCredentials()},
		"in-process transport":  {session.WithPersonalAccessToken("p"), session.WithTransport(connectTransportStub{})},
		"instance host on loop": {session.WithClientCredentials("id", "s"), session.WithInstanceHost("auth.example.com")},
	}
	bases := map[string]string{"https": "https://auth.example.com", "opt-in": "http://zitadel:8080",
		"in-process transport": "http://zitadel:8080", "instance host on loop": "http://127.0.0.1:8080"}
	for name, opts := range accepted {
		c, err := session.New(bases[name], opts...)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		_ = c.Close()
	}
	for _, base := range []string{"http://localhost:8080", "http://LOCALHOST", "http://127.0.0.1:1", "http://127.9.9.9", "http://[::1]:8080"} {
		c, err := session.New(base, session.WithPersonalAccessToken("p"))
		if err != nil {
			t.Errorf("loopback %s: %v", base, err)
			continue
		}
		_ = c.Close()
	}
}

// connectTransportStub is a transport that is never used.
type connectTransportStub struct{ connect.Transport }

// TestURLUserinfoNeverInErrors: New never echoes the password of a URL with
// user information, parsable or not.
func TestURLUserinfoNeverInErrors(t *testing.T) {
	for _, tc := range []struct {
		base string
		opts []session.Option
	}{
		{"http://user:pw-SECRET@127.0.0.1:8080", nil},
		{"https://user:pw-SECRET@auth.example.com/path", nil},
		{"http://user:pw-SECRET@ho st:8080", nil},
		{"http://user:pw-SECRET@[::1", nil},
		{"ftp://user:pw-SECRET@host", nil},
		{"https://auth.example.com", []session.Option{session.WithIssuer("https://u:pw-SECRET@idp.example.com"), session.WithClientCredentials("a", "b")}},
		{"https://auth.example.com", []session.Option{session.WithIssuer("https://u:pw-SECRET@id p"), session.WithClientCredentials("a", "b")}},
		{"https://auth.example.com", []session.Option{session.WithInstanceHost("u:pw-SECRET@host")}},
	} {
		_, err := session.New(tc.base, tc.opts...)
		if err == nil {
			t.Errorf("%s: accepted", tc.base)
			continue
		}
		if strings.Contains(err.Error(), "pw-SECRET") {
			t.Errorf("error echoes the password: %v", err)
		}
	}
}

// TestTokenEndpointFailuresClassified: an unreachable token endpoint is
// Unavailable with the cause kept; a rejected client secret is
// Unauthenticated with the OAuth error code.
func TestTokenEndpointFailuresClassified(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	closed := "http://" + ln.Addr().String()
	_ = ln.Close()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			c, err := session.New(closed, p.opt, session.WithInstanceHost("localhost:8080"),
				session.WithClientCredentials("id", "client-secret-zz"))
			must(t, err)
			defer c.Close()
			_, err = c.Get(ctxT(t), "123")
			var te *credentials.TokenError
			if session.CodeOf(err) != connect.CodeUnavailable || session.IsUnauthenticated(err) ||
				!errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &te) || !te.Transient() {
				t.Fatalf("token endpoint down: %v", err)
			}
			if !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "client-secret-zz") {
				t.Errorf("error %q should say why, without the secret", err)
			}
		})
	}

	iss := oidcfake.New(t)
	iss.FailToken = true
	c, err := session.New(iss.URL(), session.WithClientCredentials(oidcfake.ClientID, "wrong-secret-zz"))
	must(t, err)
	defer c.Close()
	_, err = c.Get(ctxT(t), "123")
	if session.CodeOf(err) != connect.CodeUnauthenticated || !session.IsUnauthenticated(err) ||
		!strings.Contains(err.Error(), `"invalid_client"`) || strings.Contains(err.Error(), "wrong-secret-zz") ||
		strings.Contains(err.Error(), oidcfake.ClientSecret) {
		t.Fatalf("rejected secret: %v", err)
	}

	iss5 := oidcfake.New(t)
	iss5.TokenStatus = http.StatusBadGateway
	c5, err := session.New(iss5.URL(), session.WithClientCredentials(oidcfake.ClientID, oidcfake.ClientSecret))
	must(t, err)
	defer c5.Close()
	_, err = c5.Get(ctxT(t), "123")
	if session.CodeOf(err) != connect.CodeUnavailable || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("token endpoint 502: %v", err)
	}
}

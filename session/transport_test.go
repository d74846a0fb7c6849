package session_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectinprocess"
	"connectrpc.com/connect/v2/connectproto"

	"github.com/sessionkit/zitadel-session-go/credentials"
	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func TestTLS(t *testing.T) {
	srv := newServer(t, sessiontest.WithTLS())
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	ctx := ctxT(t)
	for _, p := range protocols {
		for name, opt := range map[string]session.Option{
			"ca-pool":     session.WithCAPool(pool),
			"http-client": session.WithHTTPClient(srv.Client()),
		} {
			t.Run(p.name+"/"+name, func(t *testing.T) {
				c := newClient(t, srv, p.opt, opt, session.WithPersonalAccessToken(loginPAT))
				h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
				must(t, err)
				if _, err := h.Get(ctx); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	// Without the CA the certificate is rejected.
	c := newClient(t, srv, session.WithPersonalAccessToken(loginPAT))
	if _, _, err := c.Create(ctx); err == nil {
		t.Fatal("self-signed certificate accepted without WithCAPool")
	}
	insecure := newClient(t, srv, session.WithInsecureSkipVerify(), session.WithPersonalAccessToken(loginPAT))
	if _, _, err := insecure.Create(ctx); err != nil {
		t.Fatalf("WithInsecureSkipVerify: %v", err)
	}
}

func TestInProcess(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, session.WithTransport(connectinprocess.New(srv.ConnectServer())),
		session.WithPersonalAccessToken(loginPAT))
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
	must(t, err)
	_, err = h.Set(ctx, session.CheckTOTP(totpCode(t, srv)))
	must(t, err)
	s, err := c.Get(ctx, h.ID())
	must(t, err)
	if !s.Satisfies(session.PasswordAndSecondFactor) {
		t.Errorf("factors %v", s.VerifiedFactors())
	}
	if _, err := c.Get(h.Bearer(ctx), h.ID()); err != nil {
		t.Errorf("bearer in-process: %v", err)
	}
	// The caller's own interceptors on the caller's transport, no URL.
	c2, err := session.New("", session.WithTransport(connectinprocess.New(srv.ConnectServer())),
		session.WithInterceptors(interceptors.Auth(credentials.PersonalAccessToken(loginPAT))))
	must(t, err)
	if _, err := c2.Get(ctx, h.ID()); err != nil {
		t.Errorf("WithTransport + WithInterceptors: %v", err)
	}
}

// zitadelFront emulates Zitadel's instance routing in front of a sessiontest
// server: it answers NOT_FOUND QUERY-1kIjX unless the request names the
// instance host, requires the X-Env header, and serves OpenID discovery and
// a client-credentials token endpoint.
type zitadelFront struct {
	host          string
	srv           *httptest.Server
	tokenRequests atomic.Int64
	rpcs          atomic.Int64
}

const frontClientSecret = "cc-secret-value"

func newZitadelFront(t *testing.T, instanceHost string, backend *sessiontest.Server) *zitadelFront {
	f := &zitadelFront{host: instanceHost}
	mux := http.NewServeMux()
	backend.Mount(mux)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		// Like Zitadel: the issuer is named after the instance domain the
		// request was sent for, whatever address it reached.
		issuer := "http://" + r.Host
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": issuer, "token_endpoint": issuer + "/oauth/v2/token",
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		})
	})
	mux.HandleFunc("/oauth/v2/token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("grant_type") == "urn:ietf:params:oauth:grant-type:jwt-bearer" {
			if strings.Count(r.FormValue("assertion"), ".") != 2 {
				http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
				return
			}
		} else if id, secret, ok := r.BasicAuth(); !ok || id != "cc-client" || secret != frontClientSecret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		f.tokenRequests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"` + loginPAT + `","token_type":"Bearer","expires_in":3600}`))
	})
	ew := connecthttp.NewErrorWriter()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Header.Get("X-Zitadel-Instance-Host")
		if host == "" {
			host = r.Host
		}
		if host != f.host || r.Header.Get("X-Env") != "test" {
			d, _ := connectproto.NewErrorDetail(&zitadelv1.ErrorDetail{Id: "QUERY-1kIjX", Message: "Instance not found"})
			err := connect.NewError(connect.CodeNotFound, "Instance not found (QUERY-1kIjX)").WithDetail(d)
			if ew.IsSupported(r) {
				_ = ew.Write(w, r, err)
			} else {
				http.Error(w, "instance not found", http.StatusNotFound)
			}
			return
		}
		if strings.Contains(r.URL.Path, "SessionService") {
			f.rpcs.Add(1)
		}
		mux.ServeHTTP(w, r)
	})
	f.srv = httptest.NewUnstartedServer(handler)
	f.srv.Config.Protocols = new(http.Protocols)
	f.srv.Config.Protocols.SetHTTP1(true)
	f.srv.Config.Protocols.SetUnencryptedHTTP2(true)
	f.srv.Start()
	t.Cleanup(f.srv.Close)
	return f
}

func TestInstanceHostAndClientCredentials(t *testing.T) {
	backend := sessiontest.NewUnstartedServer()
	t.Cleanup(backend.Close)
	must(t, backend.AddUser(sessiontest.User{ID: aliceID, LoginName: aliceLogin, Password: alicePassword}))
	must(t, backend.AddAccessToken(loginPAT, "login-client",
		sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete))
	front := newZitadelFront(t, "auth.example.test", backend)
	ctx := ctxT(t)

	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			// Without the instance host: a helpful error.
			c, err := session.New(front.srv.URL, p.opt, session.WithHeader("X-Env", "test"),
				session.WithPersonalAccessToken(loginPAT))
			must(t, err)
			defer c.Close()
			_, _, err = c.Create(ctx)
			if !session.IsInstanceNotFound(err) || session.IsNotFound(err) ||
				!strings.Contains(err.Error(), "instance not found") || !strings.Contains(err.Error(), "WithInstanceHost") {
				t.Fatalf("without instance host: %v", err)
			}

			// With instance host, header and client credentials: discovery and
			// token request go through the same client (front would reject them
			// otherwise).
			before := front.tokenRequests.Load()
			c2, err := session.New(front.srv.URL, p.opt, session.WithInstanceHost("auth.example.test"),
				session.WithHeader("X-Env", "test"), session.WithClientCredentials("cc-client", frontClientSecret))
			must(t, err)
			defer c2.Close()
			h, _, err := c2.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
			must(t, err)
			for range 3 {
				if _, err := h.Get(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if n := front.tokenRequests.Load() - before; n != 1 {
				t.Errorf("%d token requests, want 1 (cached)", n)
			}
		})
	}
	// A service account key file (JWT profile grant) through the same front.
	keyFile := writeServiceAccountKey(t)
	before := front.tokenRequests.Load()
	kc, err := session.New(front.srv.URL, session.WithInstanceHost("auth.example.test"),
		session.WithHeader("X-Env", "test"), session.WithServiceAccountKeyFile(keyFile))
	must(t, err)
	defer kc.Close()
	if _, _, err := kc.Create(ctx, session.CheckUserID(aliceID)); err != nil {
		t.Fatalf("service account key: %v", err)
	}
	if front.tokenRequests.Load() != before+1 {
		t.Error("no JWT profile token request")
	}
	if _, err := session.New(front.srv.URL, session.WithServiceAccountKeyFile(filepath.Join(t.TempDir(), "missing.json"))); err == nil {
		t.Error("missing key file accepted")
	}

	// Wrong client secret: Unauthenticated, and the secret is not in the error.
	c, err := session.New(front.srv.URL, session.WithInstanceHost("auth.example.test"),
		session.WithHeader("X-Env", "test"), session.WithClientCredentials("cc-client", "wrong-secret-zz"))
	must(t, err)
	defer c.Close()
	_, _, err = c.Create(ctx)
	if !session.IsUnauthenticated(err) || strings.Contains(err.Error(), "wrong-secret-zz") {
		t.Errorf("bad client secret: %v", err)
	}
}

func writeServiceAccountKey(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	data, err := json.Marshal(map[string]string{"type": "serviceaccount", "keyId": "key-1", "key": string(pemKey), "userId": "login-client"})
	must(t, err)
	path := filepath.Join(t.TempDir(), "key.json")
	must(t, os.WriteFile(path, data, 0o600))
	return path
}

// flakyTransport fails the first attempt of every procedure with 503.
type flakyTransport struct {
	base  http.RoundTripper
	mu    sync.Mutex
	calls map[string]int
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.calls[r.URL.Path]++
	n := f.calls[r.URL.Path]
	f.mu.Unlock()
	if n == 1 {
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{StatusCode: http.StatusServiceUnavailable, Status: "503 Service Unavailable",
			Header: http.Header{}, Body: http.NoBody, Request: r, ProtoMajor: 1, ProtoMinor: 1}, nil
	}
	return f.base.RoundTrip(r)
}

// TestRetryNeverRepeatsChecks proves that a password check is sent once even
// with retries enabled, while reads are retried.
func TestRetryNeverRepeatsChecks(t *testing.T) {
	srv := newServer(t)
	flaky := &flakyTransport{base: srv.Client().Transport, calls: map[string]int{}}
	c := newClient(t, srv, session.WithHTTPClient(&http.Client{Transport: flaky}),
		session.WithPersonalAccessToken(loginPAT),
		session.WithRetry(interceptors.RetryPolicy{MaxAttempts: 3, InitialBackoff: 1, MaxBackoff: 1}))
	ctx := ctxT(t)
	_, _, err := c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword(bobPassword))
	if err == nil || session.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("first Create = %v, want Unavailable", err)
	}
	if n := flaky.calls["/zitadel.session.v2.SessionService/CreateSession"]; n != 1 {
		t.Fatalf("CreateSession sent %d times", n)
	}
	h, _, err := c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword(bobPassword))
	must(t, err)
	if _, err := h.Get(ctx); err != nil {
		t.Fatalf("Get not retried: %v", err)
	}
	if n := flaky.calls["/zitadel.session.v2.SessionService/GetSession"]; n != 2 {
		t.Errorf("GetSession sent %d times, want 2", n)
	}
}

// TestNoSecretsInLogs runs a flow with logging and checks the output.
func TestNoSecretsInLogs(t *testing.T) {
	srv := newServer(t)
	var buf bytes.Buffer
	var mu sync.Mutex
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newClient(t, srv, session.WithLogger(logger), session.WithPersonalAccessToken(loginPAT))
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword(alicePassword))
	must(t, err)
	code := totpCode(t, srv)
	_, err = h.Set(ctx, session.CheckTOTP(code))
	must(t, err)
	_, _, _ = c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword("wrong-pw-xyz"))
	logger.Info("handle", "h", h, "check", session.CheckPassword(alicePassword))
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, "CreateSession") {
		t.Fatalf("logger not used: %s", out)
	}
	for _, s := range []string{alicePassword, "wrong-pw-xyz", code, loginPAT, h.SessionToken()} {
		if strings.Contains(out, s) {
			t.Errorf("log contains secret %q", s)
		}
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestConcurrentSet checks that concurrent Sets on one handle leave it with
// the server's current token.
func TestConcurrentSet(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv, session.WithGRPC(), session.WithPersonalAccessToken(loginPAT))
	ctx := ctxT(t)
	h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
	must(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			_, err := h.Set(ctx, session.Metadata("n", []byte{byte(i + 1)}))
			errs <- err
			_ = h.SessionToken()
			_ = h.String()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	if _, err := h.Get(ctx); err != nil {
		t.Fatalf("handle token stale after concurrent Sets: %v", err)
	}
	// Resume from stored credentials.
	r := c.Resume(h.ID(), h.SessionToken())
	if _, err := r.Get(ctx); err != nil {
		t.Fatalf("resumed handle: %v", err)
	}
}

// TestListVisibility lists as a caller that sees only some sessions: pages
// come back short or empty while total_result counts everything.
func TestListVisibility(t *testing.T) {
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(t, srv, p.opt, session.WithPersonalAccessToken(loginPAT))
			ctx := ctxT(t)
			var bobs []string
			for i := range 7 {
				user, pw := aliceID, alicePassword
				if i%3 == 2 {
					user, pw = bobID, bobPassword
				}
				h, _, err := c.Create(ctx, session.CheckUserID(user), session.CheckPassword(pw))
				must(t, err)
				if user == bobID {
					bobs = append(bobs, h.ID())
				}
			}
			hb, _, err := c.Create(ctx, session.CheckUserID(bobID), session.CheckPassword(bobPassword))
			must(t, err)
			bobs = append(bobs, hb.ID())
			var got []string
			for s, err := range c.List(hb.Bearer(ctx), session.PageSize(2)) {
				must(t, err)
				got = append(got, s.ID)
			}
			if strings.Join(got, ",") != strings.Join(bobs, ",") {
				t.Errorf("bob sees %v, want %v", got, bobs)
			}
			// A caller without any membership sees nothing, and the iterator ends.
			noperm := newClient(t, srv, p.opt, session.WithPersonalAccessToken(nopermPAT))
			n := 0
			for _, err := range noperm.List(ctx, session.PageSize(3)) {
				must(t, err)
				n++
			}
			if n != 0 {
				t.Errorf("noperm sees %d sessions", n)
			}
			page, err := noperm.ListPage(ctx, 0, session.PageSize(3))
			must(t, err)
			if len(page.Sessions) != 0 || page.TotalResult != 8 || !page.More || page.NextOffset != 3 {
				t.Errorf("noperm page: %+v", page)
			}
			// Breaking out of the loop stops paging.
			for range c.List(ctx, session.PageSize(1)) {
				break
			}
		})
	}
}

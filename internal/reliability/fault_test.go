package reliability

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/sessionkit/zitadel-session-go/interceptors"
	"github.com/sessionkit/zitadel-session-go/internal/connerr"
	"github.com/sessionkit/zitadel-session-go/session"
)

// retryPolicy retries quickly and deterministically (no jitter) so that the
// number of attempts of a retryable call is exactly MaxAttempts.
var retryPolicy = interceptors.RetryPolicy{
	MaxAttempts:    3,
	InitialBackoff: time.Millisecond,
	MaxBackoff:     2 * time.Millisecond,
	Jitter:         -1,
}

// faultFunc serves one request: it may call next (the sessiontest handler),
// answer on its own, or break the connection.
type faultFunc func(fh *faultHandler, w http.ResponseWriter, r *http.Request)

// faultHandler counts requests per procedure and applies a fault to each.
type faultHandler struct {
	next  http.Handler
	fault faultFunc
	stop  chan struct{} // closed at cleanup: releases hanging handlers

	mu        sync.Mutex
	counts    map[string]int // requests per URL path
	cancelled map[string]int // hang: requests whose context was seen cancelled
}

func newFaultHandler(next http.Handler, fault faultFunc) *faultHandler {
	return &faultHandler{next: next, fault: fault, stop: make(chan struct{}),
		counts: map[string]int{}, cancelled: map[string]int{}}
}

func (fh *faultHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fh.mu.Lock()
	fh.counts[r.URL.Path]++
	fh.mu.Unlock()
	if fh.fault == nil {
		fh.next.ServeHTTP(w, r)
		return
	}
	fh.fault(fh, w, r)
}

func (fh *faultHandler) count(path string) int {
	fh.mu.Lock()
	defer fh.mu.Unlock()
	return fh.counts[path]
}

func (fh *faultHandler) cancelledCount(path string) int {
	fh.mu.Lock()
	defer fh.mu.Unlock()
	return fh.cancelled[path]
}

// abort breaks the connection (HTTP/1.1) or resets the stream (HTTP/2).
// For HTTP/1.1 the connection is hijacked and raw bytes are written first.
func abort(w http.ResponseWriter, r *http.Request, rawHTTP1 string) {
	if r.ProtoMajor == 1 {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err == nil {
			_, _ = buf.WriteString(rawHTTP1)
			_ = buf.Flush()
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

var (
	faultSlow faultFunc = func(fh *faultHandler, w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(20 * time.Millisecond):
		case <-fh.stop:
		}
		fh.next.ServeHTTP(w, r)
	}
	faultHang faultFunc = func(fh *faultHandler, w http.ResponseWriter, r *http.Request) {
		// Reading the body to its end lets net/http watch the HTTP/1.1
		// connection, so that a client hanging up cancels r.Context().
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
			fh.mu.Lock()
			fh.cancelled[r.URL.Path]++
			fh.mu.Unlock()
		case <-fh.stop:
		}
	}
	fault503 faultFunc = func(_ *faultHandler, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "upstream connect error or disconnect/reset before headers")
	}
	// faultClose answers with part of a status line and header block and
	// closes the hijacked HTTP/1.1 connection gracefully (FIN).
	faultClose faultFunc = func(_ *faultHandler, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		abort(w, r, "HTTP/1.1 200 OK\r\nContent-Ty")
	}
	// faultReset resets the TCP connection (SO_LINGER 0: RST instead of
	// FIN) mid-response: over HTTP/1.1 after part of a status line, over
	// HTTP/2 (whose handlers cannot be hijacked) under the open stream.
	faultReset faultFunc = func(_ *faultHandler, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.ProtoMajor == 1 {
			conn, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic(http.ErrAbortHandler)
			}
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Ty")
			_ = buf.Flush()
			_ = conn.(*net.TCPConn).SetLinger(0)
			_ = conn.Close()
			return
		}
		conn := r.Context().Value(connKey{}).(*net.TCPConn)
		_ = conn.SetLinger(0)
		_ = conn.Close()
		<-r.Context().Done()
	}
	// faultAbort makes the handler panic with http.ErrAbortHandler before
	// any response: net/http closes the HTTP/1.1 connection or resets the
	// HTTP/2 stream (RST_STREAM INTERNAL_ERROR).
	faultAbort faultFunc = func(_ *faultHandler, _ http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		panic(http.ErrAbortHandler)
	}
	// faultTruncated sends complete headers announcing 64 bytes, 8 bytes of
	// body and then breaks the connection (HTTP/1.1) or resets the stream
	// (HTTP/2).
	faultTruncated faultFunc = func(_ *faultHandler, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if r.ProtoMajor == 1 {
			abort(w, r, "HTTP/1.1 200 OK\r\nContent-Type: application/proto\r\nContent-Length: 64\r\n\r\n\x0a\x06abcdef")
			return
		}
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.Header().Set("Content-Length", "64")
		w.WriteHeader(http.StatusOK)
		if isGRPC(r) {
			_, _ = w.Write([]byte{0, 0, 0, 0, 59}) // envelope announcing 59 bytes
		}
		_, _ = w.Write([]byte("\x0a\x06abcdef"))
		_ = http.NewResponseController(w).Flush()
		panic(http.ErrAbortHandler)
	}
	// faultOversized answers 200 with a 5 MiB body, above connect's default
	// client read limit of 4 MiB (session.New does not change the limit).
	faultOversized faultFunc = func(_ *faultHandler, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
		w.WriteHeader(http.StatusOK)
		if isGRPC(r) {
			_, _ = w.Write([]byte{0, 0, 0x50, 0, 0}) // envelope announcing 5 MiB
		}
		chunk := bytes.Repeat([]byte{0}, 64<<10)
		for range 80 { // 5 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	faultWrongContentType faultFunc = func(_ *faultHandler, w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<html><body>Login portal maintenance</body></html>")
	}
)

// isGRPC reports whether r is a gRPC request (the client under test speaks
// gRPC rather than Connect).
func isGRPC(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc")
}

// connKey is the context key under which the fault server stores the
// request's TCP connection.
type connKey struct{}

type faultCase struct {
	name    string
	fault   faultFunc
	refused bool // no server at all: a closed port
	// want is the code every call returns over HTTP/1.1 (0: success);
	// wantH2 over HTTP/2 when it differs (0: same as want), wantGRPC with
	// the gRPC protocol (0: same as over HTTP/2). GetSession and
	// ListSessions are retried exactly for the retryable codes.
	want, wantH2, wantGRPC connect.Code
	// local: the client raises the code itself (its own limit), so even
	// GetSession and ListSessions are not retried.
	local bool
	// http1Only: the fault cannot be produced reliably over HTTP/2.
	http1Only bool
	// hang: the call gets a short deadline and the handler must see the
	// request context cancelled.
	hang bool
}

// faultCases: the codes are what connect-go v2 reports for each fault
// (see RESULTS.md for the ones worth discussing).
var faultCases = []faultCase{
	{name: "none"},
	{name: "slow", fault: faultSlow},
	{name: "refused", refused: true, want: connect.CodeUnavailable},
	{name: "close", fault: faultClose, want: connect.CodeUnavailable, http1Only: true},
	{name: "reset", fault: faultReset, want: connect.CodeUnavailable},
	{name: "abort", fault: faultAbort, want: connect.CodeUnavailable, wantH2: connect.CodeInternal},
	{name: "hang", fault: faultHang, want: connect.CodeDeadlineExceeded, hang: true},
	{name: "503", fault: fault503, want: connect.CodeUnavailable},
	{name: "truncated", fault: faultTruncated, want: connect.CodeUnknown, wantH2: connect.CodeInternal},
	{name: "oversized", fault: faultOversized, want: connect.CodeResourceExhausted, local: true},
	{name: "wrong-content-type", fault: faultWrongContentType, want: connect.CodeUnknown},
}

func retryable(c connect.Code) bool {
	return c == connect.CodeUnavailable || c == connect.CodeResourceExhausted
}

// clientFlavor is how the session client reaches the server.
type clientFlavor struct {
	name string
	h2   bool
	grpc bool
	// h2c / http1 build an http.Client with a dial counter; "default" and
	// "default-grpc" use the transport session.New builds (HTTP/1.1 for the
	// Connect protocol over http://, cleartext HTTP/2 for gRPC).
	build func(t *testing.T, url string, dials *atomic.Int64, opts ...session.Option) *session.Client
}

func countingTransport(t *testing.T, h2c bool, dials *atomic.Int64) *http.Transport {
	d := &net.Dialer{}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxResponseHeaderBytes: 1 << 20,
	}
	p := new(http.Protocols)
	if h2c {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP1(true)
	}
	tr.Protocols = p
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

var clientFlavors = []clientFlavor{
	{"default", false, false, func(t *testing.T, url string, _ *atomic.Int64, opts ...session.Option) *session.Client {
		return newClient(t, url, opts...)
	}},
	{"default-grpc", true, true, func(t *testing.T, url string, _ *atomic.Int64, opts ...session.Option) *session.Client {
		return newClient(t, url, append(opts, session.WithGRPC())...)
	}},
	{"h2c", true, false, func(t *testing.T, url string, dials *atomic.Int64, opts ...session.Option) *session.Client {
		hc := &http.Client{Transport: countingTransport(t, true, dials)}
		return newClient(t, url, append(opts, session.WithHTTPClient(hc))...)
	}},
	{"http1", false, false, func(t *testing.T, url string, dials *atomic.Int64, opts ...session.Option) *session.Client {
		hc := &http.Client{Transport: countingTransport(t, false, dials)}
		return newClient(t, url, append(opts, session.WithHTTPClient(hc))...)
	}},
	{"grpc", true, true, func(t *testing.T, url string, dials *atomic.Int64, opts ...session.Option) *session.Client {
		hc := &http.Client{Transport: countingTransport(t, true, dials)}
		return newClient(t, url, append(opts, session.WithGRPC(), session.WithHTTPClient(hc))...)
	}},
}

// startFaultServer serves fh on 127.0.0.1 with HTTP/1.1 and cleartext HTTP/2.
func startFaultServer(t *testing.T, fh http.Handler) *httptest.Server {
	ts := httptest.NewUnstartedServer(fh)
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	ts.Config.Protocols = p
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	ts.Start()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return ts
}

// closedPortURL returns the URL of a loopback port nobody listens on.
func closedPortURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := ln.Addr().String()
	must(t, ln.Close())
	return "http://" + addr
}

// call is one SessionService call made through the session client.
type call struct {
	proc string
	op   string
	do   func(ctx context.Context, c *session.Client, st *callState) error
}

type callState struct{ h *session.Handle }

func (st *callState) handle(c *session.Client) *session.Handle {
	if st.h != nil {
		return st.h
	}
	return c.Resume("fault-session-id", "fault-session-token")
}

var calls = []call{
	{procCreate, "CreateSession", func(ctx context.Context, c *session.Client, st *callState) error {
		h, _, err := c.Create(ctx, session.CheckUserID(aliceID))
		if err == nil {
			st.h = h
		}
		return err
	}},
	{procSet, "SetSession", func(ctx context.Context, c *session.Client, st *callState) error {
		_, err := st.handle(c).Set(ctx, session.Metadata("k", []byte("v")))
		return err
	}},
	{procGet, "GetSession", func(ctx context.Context, c *session.Client, st *callState) error {
		s, err := c.Get(ctx, st.handle(c).ID())
		if err == nil && (s.ID != st.handle(c).ID() || string(s.Metadata["k"]) != "v") {
			return errors.New("GetSession returned the wrong session")
		}
		return err
	}},
	{procList, "ListSessions", func(ctx context.Context, c *session.Client, st *callState) error {
		p, err := c.ListPage(ctx, 0, session.ByUserID(aliceID))
		if err == nil && len(p.Sessions) != 1 {
			return errors.New("ListSessions did not return the one session")
		}
		return err
	}},
	{procDelete, "DeleteSession", func(ctx context.Context, c *session.Client, st *callState) error {
		return c.Delete(ctx, st.handle(c).ID())
	}},
}

// TestFaults runs each SessionService call through every fault, for every
// client transport, with retries enabled, and checks the typed error, the
// number of requests per procedure and that hung requests are cancelled.
func TestFaults(t *testing.T) {
	for _, fl := range clientFlavors {
		t.Run(fl.name, func(t *testing.T) {
			for _, tc := range faultCases {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					runFaultCase(t, fl, tc)
				})
			}
		})
	}
}

func runFaultCase(t *testing.T, fl clientFlavor, tc faultCase) {
	var fh *faultHandler
	url := ""
	if tc.refused {
		url = closedPortURL(t)
	} else {
		srv := newUnstartedServer(t)
		fh = newFaultHandler(serverMux(srv), tc.fault)
		t.Cleanup(func() { close(fh.stop) })
		url = startFaultServer(t, fh).URL
	}
	var dials atomic.Int64
	c := fl.build(t, url, &dials, session.WithPersonalAccessToken(loginPAT), session.WithRetry(retryPolicy))

	if tc.http1Only && fl.h2 {
		t.Skip("fault only reproducible over HTTP/1.1")
	}
	want := tc.want
	if fl.h2 && tc.wantH2 != 0 {
		want = tc.wantH2
	}
	if fl.grpc && tc.wantGRPC != 0 {
		want = tc.wantGRPC
	}
	st := &callState{}
	for _, cl := range calls {
		if tc.hang {
			runHangCall(t, c, fh, cl, st)
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		before := dials.Load()
		err := cl.do(ctx, c, st)
		cancel()
		attempts := int(dials.Load() - before)

		if want == 0 {
			if err != nil {
				t.Errorf("%s: unexpected error %v", cl.op, err)
			}
		} else if got := session.CodeOf(err); got != want {
			t.Errorf("%s: code %v, want %v (err %v)", cl.op, got, want, err)
		}
		if want != 0 {
			var se *session.Error
			if !errors.As(err, &se) {
				t.Errorf("%s: error %T %v is not a *session.Error", cl.op, err, err)
			} else if se.Op != cl.op || se.Local || se.Code != want {
				t.Errorf("%s: *session.Error{Op: %q, Local: %v, Code: %v}", cl.op, se.Op, se.Local, se.Code)
			}
			var ce *connect.Error
			// connect-go's own code for a connection reset is Canceled;
			// internal/connerr corrects it to Unavailable (see
			// TestResetIsUnavailable).
			if !errors.As(err, &ce) || connerr.Code(context.Background(), ce) != want {
				t.Errorf("%s: no *connect.Error with code %v in chain of %v", cl.op, want, err)
			}
			if session.IsNotFound(err) || session.IsInvalidCredentials(err) || session.IsValidation(err) ||
				session.IsUnauthenticated(err) || session.IsPermissionDenied(err) {
				t.Errorf("%s: transport fault %v matches a Zitadel predicate", cl.op, err)
			}
		}

		wantAttempts := 1
		if retryable(want) && !tc.local && (cl.proc == procGet || cl.proc == procList) {
			wantAttempts = retryPolicy.MaxAttempts
		}
		switch {
		case tc.refused && !strings.HasPrefix(fl.name, "default"):
			if attempts != wantAttempts {
				t.Errorf("%s: %d connection attempts, want %d", cl.op, attempts, wantAttempts)
			}
		case !tc.refused:
			if n := fh.count(cl.proc); n != wantAttempts {
				t.Errorf("%s: %d requests reached the server, want %d", cl.op, n, wantAttempts)
			}
		}
	}
}

// runHangCall makes one call against a handler that never answers, with a
// short deadline: the call must return DeadlineExceeded, and the handler
// must observe its request context being cancelled. A deadline that expires
// before the request even reaches the handler (possible under -race on a
// busy machine) proves nothing about cancellation, so the deadline is
// doubled until the request arrives (150 ms .. 4.8 s).
func runHangCall(t *testing.T, c *session.Client, fh *faultHandler, cl call, st *callState) {
	t.Helper()
	tries := 0
	for d := 150 * time.Millisecond; fh.count(cl.proc) == 0 && d <= 5*time.Second; d *= 2 {
		tries++
		ctx, cancel := context.WithTimeout(context.Background(), d)
		err := cl.do(ctx, c, st)
		cancel()
		if code := session.CodeOf(err); code != connect.CodeDeadlineExceeded {
			t.Errorf("%s: code %v, want deadline_exceeded (err %v)", cl.op, code, err)
		}
		var se *session.Error
		if !errors.As(err, &se) || se.Op != cl.op || se.Local {
			t.Errorf("%s: error %#v is not a remote *session.Error for the call", cl.op, err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: errors.Is(err, context.DeadlineExceeded) = false for %v", cl.op, err)
		}
	}
	// Every request that reached the handler sees its context cancelled.
	// (This waits for an event; it asserts no duration.)
	waitUntil(t, func() bool { n := fh.count(cl.proc); return n > 0 && fh.cancelledCount(cl.proc) == n },
		cl.op+": handler never observed the request context being cancelled")
	// DeadlineExceeded is never retried: at most one request per call.
	if n := fh.count(cl.proc); n > tries {
		t.Errorf("%s: %d requests for %d calls: a deadline was retried", cl.op, n, tries)
	}
}

// waitUntil polls cond until it holds; after a generous liveness bound it
// fails with msg.
func waitUntil(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Error(msg)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestFaultUntrustedCertificate: a TLS server whose certificate the client
// does not trust gets no request at all; the same server is reachable once
// its certificate is trusted (positive control).
func TestFaultUntrustedCertificate(t *testing.T) {
	srv := newUnstartedServer(t)
	fh := newFaultHandler(serverMux(srv), nil)
	t.Cleanup(func() { close(fh.stop) })
	serverCert, trusted := newSelfSignedCert(t)
	_, other := newSelfSignedCert(t)
	ts := httptest.NewUnstartedServer(fh)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12}
	ts.EnableHTTP2 = true
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})

	ownTransport := func(pool *x509.CertPool) session.Option {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
		t.Cleanup(tr.CloseIdleConnections)
		return session.WithHTTPClient(&http.Client{Transport: tr})
	}

	cases := []struct {
		name  string
		opts  []session.Option
		trust bool
	}{
		{"system-roots", nil, false},
		{"empty-pool", []session.Option{session.WithCAPool(x509.NewCertPool())}, false},
		{"other-ca", []session.Option{session.WithCAPool(other)}, false},
		{"other-ca-http-client", []session.Option{ownTransport(other)}, false},
		{"grpc-other-ca", []session.Option{session.WithGRPC(), session.WithCAPool(other)}, false},
		{"trusted", []session.Option{session.WithCAPool(trusted)}, true},
		{"trusted-http-client", []session.Option{ownTransport(trusted)}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := fh.count(procGet)
			opts := append([]session.Option{session.WithPersonalAccessToken(loginPAT), session.WithRetry(retryPolicy)}, tc.opts...)
			c := newClient(t, ts.URL, opts...)
			_, err := c.Get(ctxT(t), "no-such-session")
			reached := fh.count(procGet) - before
			if tc.trust {
				if !session.IsNotFound(err) || reached != 1 {
					t.Fatalf("trusted: err %v, %d requests reached the handler; want NotFound and 1", err, reached)
				}
				return
			}
			if reached != 0 {
				t.Errorf("%d requests reached the handler through an untrusted certificate", reached)
			}
			if code := session.CodeOf(err); code != connect.CodeUnavailable {
				t.Errorf("code %v, want unavailable (err %v)", code, err)
			}
			var ua x509.UnknownAuthorityError
			var cve *tls.CertificateVerificationError
			if !errors.As(err, &ua) && !errors.As(err, &cve) {
				t.Errorf("error %v does not carry the certificate verification failure", err)
			}
			if !strings.Contains(err.Error(), "GetSession") {
				t.Errorf("error %q does not name the operation", err)
			}
		})
	}
}

// newSelfSignedCert returns a fresh self-signed certificate for 127.0.0.1
// and a pool trusting it. (httptest's built-in certificate is shared by all
// httptest servers, so it cannot stand for "another CA".)
func newSelfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"reliability " + serial.String()}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	leaf, err := x509.ParseCertificate(der)
	must(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestResetIsUnavailable guards the fix of a bug this suite found:
// connect-go v2.0.2 (connecthttp/error.go wrapIfContextError →
// isClientDisconnected) maps ECONNRESET / EPIPE to CodeCanceled on the
// client side too, so a server (or proxy) resetting the connection looked
// like the caller's own cancellation and GetSession / ListSessions were not
// retried. internal/connerr maps it to Unavailable while the caller's
// context is live; session and interceptors.Retry use it.
func TestResetIsUnavailable(t *testing.T) {
	srv := newUnstartedServer(t)
	fh := newFaultHandler(serverMux(srv), faultReset)
	t.Cleanup(func() { close(fh.stop) })
	c := newClient(t, startFaultServer(t, fh).URL, session.WithPersonalAccessToken(loginPAT), session.WithRetry(retryPolicy))
	_, err := c.Get(ctxT(t), "s1")
	if code := session.CodeOf(err); code != connect.CodeUnavailable {
		t.Errorf("reset: code %v, want unavailable (err %v)", code, err)
	}
	if n := fh.count(procGet); n != retryPolicy.MaxAttempts {
		t.Errorf("GetSession attempted %d times, want %d", n, retryPolicy.MaxAttempts)
	}
}

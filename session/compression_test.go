package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/zitadel-session-go/session"
)

// TestCompressionNegotiation checks that the default client asks for no
// compression (small messages: gzip costs more than it saves) and that
// WithGzip turns it on, for the Connect and gRPC protocols.
func TestCompressionNegotiation(t *testing.T) {
	srv := newServer(t)
	mux := http.NewServeMux()
	srv.Mount(mux)
	var mu sync.Mutex
	var seen []string
	front := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Accept-Encoding")+"|"+r.Header.Get("Grpc-Accept-Encoding"))
		mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	front.EnableHTTP2 = true
	front.Config.Protocols = new(http.Protocols)
	front.Config.Protocols.SetHTTP1(true)
	front.Config.Protocols.SetUnencryptedHTTP2(true)
	front.Start()
	t.Cleanup(front.Close)

	for _, tc := range []struct {
		name     string
		opts     []session.Option
		wantGzip bool
	}{
		{"connect default", nil, false},
		{"grpc default", []session.Option{session.WithGRPC()}, false},
		{"connect gzip", []session.Option{session.WithGzip()}, true},
		{"grpc gzip", []session.Option{session.WithGRPC(), session.WithGzip()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			c, err := session.New(front.URL, append(tc.opts, session.WithPersonalAccessToken(loginPAT))...)
			must(t, err)
			defer c.Close()
			h, _, err := c.Create(t.Context(), session.CheckUserID(aliceID))
			must(t, err)
			if _, err := h.Get(t.Context()); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(seen))
			}
			for _, s := range seen {
				if got := strings.Contains(s, "gzip"); got != tc.wantGzip {
					t.Errorf("accept-encoding headers %q: gzip advertised = %v, want %v", s, got, tc.wantGzip)
				}
			}
		})
	}
}

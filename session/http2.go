package session

import (
	"errors"
	"net/http"

	"golang.org/x/net/http2"
)

// WithXNetHTTP2 makes the HTTP transport that New builds speak HTTP/2 with
// golang.org/x/net/http2 instead of the copy of it bundled in net/http: over
// https:// when the server offers h2 (HTTP/1.1 stays the fallback), and for
// gRPC over http:// (cleartext HTTP/2). Connect and gRPC-Web over http://
// keep using HTTP/1.1. On a gRPC call x/net's client did less work per call
// than the bundled one in this project's benchmarks (BENCHMARKS.md); the
// default stays net/http's own client, which needs no extra module and is
// what every Go program already uses.
//
// It cannot be combined with [WithHTTPClient]; configure that client's
// transport instead (http2.ConfigureTransports).
func WithXNetHTTP2() Option { return func(c *config) { c.xnetHTTP2 = true } }

var errXNetHTTP2WithHTTPClient = errors.New("session: WithXNetHTTP2 cannot be combined with WithHTTPClient; configure the http.Client's transport instead (golang.org/x/net/http2.ConfigureTransports)")

// useXNetHTTP2 registers x/net's HTTP/2 client with t for h2 over TLS and
// for cleartext HTTP/2. Its only error is an "https" protocol already
// registered with t, i.e. HTTP/2 already replaced (for example by
// http2.ConfigureTransports on http.DefaultTransport, which t was cloned
// from): t is then left as it is.
func useXNetHTTP2(t *http.Transport) {
	_, _ = http2.ConfigureTransports(t)
}

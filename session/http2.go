package session

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"

	"golang.org/x/net/http2"
)

// WithXNetHTTP2 makes the HTTP transport that New builds speak HTTP/2 with
// golang.org/x/net/http2 instead of the copy of it bundled in net/http: over
// https:// when the server offers h2 (HTTP/1.1 stays the fallback), and for
// gRPC over http:// (cleartext HTTP/2 with prior knowledge; x/net's client
// dials the server directly, so HTTP_PROXY does not apply to it). Connect
// and gRPC-Web over http:// keep using HTTP/1.1. Its effect is measured in
// BENCHMARKS.md; the default stays net/http's own client, which needs no
// extra module and is what every Go program already uses.
//
// It cannot be combined with [WithHTTPClient]; configure that client's
// transport instead (http2.ConfigureTransports, http2.Transport).
func WithXNetHTTP2() Option { return func(c *config) { c.xnetHTTP2 = true } }

var errXNetHTTP2WithHTTPClient = errors.New("session: WithXNetHTTP2 cannot be combined with WithHTTPClient; configure the http.Client's transport instead (golang.org/x/net/http2)")

// useXNetHTTP2 hands t's HTTP/2 to golang.org/x/net/http2: h2 over TLS with
// http2.ConfigureTransports (t still dials, negotiates by ALPN and falls
// back to HTTP/1.1; its CloseIdleConnections reaches x/net), and, when t
// speaks only cleartext HTTP/2, every http:// request to an x/net Transport
// that dials by itself (registered with t.RegisterProtocol), which spares
// each call net/http's own connection pool in front of x/net's. That
// Transport is returned: t.CloseIdleConnections does not reach it, so the
// Client closes it.
//
// ConfigureTransports fails only when t already has an "https" protocol
// registered (never so for the transport New builds); t is then left as it
// is.
func useXNetHTTP2(t *http.Transport) *http2.Transport {
	_, _ = http2.ConfigureTransports(t)
	if t.Protocols == nil || !t.Protocols.UnencryptedHTTP2() || t.Protocols.HTTP1() {
		return nil
	}
	dial := t.DialContext
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	h2c := &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return dial(ctx, network, addr) // cleartext: http:// URLs only reach this Transport
		},
	}
	t.RegisterProtocol("http", h2c)
	return h2c
}

package session

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/net/http2"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestXNetHTTP2RoutesOnlyGRPC: only gRPC requests go to x/net; discovery,
// token, Connect and gRPC-Web requests stay on the net/http transport.
func TestXNetHTTP2RoutesOnlyGRPC(t *testing.T) {
	errXNet := errors.New("x/net dialed")
	x := &http2.Transport{AllowHTTP: true, DialTLSContext: func(context.Context, string, string, *tls.Config) (net.Conn, error) {
		return nil, errXNet
	}}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusNoContent, Body: http.NoBody, Request: r}, nil
	})
	g := &grpcOverXNet{x: x, base: base}
	for ct, wantXNet := range map[string]bool{
		"application/grpc": true, "application/grpc+proto": true,
		"application/grpc-web+proto": false, "application/proto": false, "application/json": false,
		"application/x-www-form-urlencoded": false, "": false,
	} {
		req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/zitadel.session.v2.SessionService/GetSession", http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		_, err = g.RoundTrip(req)
		if gotXNet := errors.Is(err, errXNet); gotXNet != wantXNet {
			t.Errorf("Content-Type %q: x/net used %v (err %v), want %v", ct, gotXNet, err, wantXNet)
		}
	}
	x.CloseIdleConnections()

	// Only gRPC clients get it.
	u, _ := url.Parse("http://127.0.0.1:1")
	owned := &http.Transport{}
	for _, p := range []protocol{protocolConnect, protocolGRPCWeb} {
		if rt, xt := useXNetHTTP2(owned, &config{protocol: p}, u); rt != owned || xt != nil {
			t.Errorf("protocol %d: x/net transport built", p)
		}
	}
	if rt, xt := useXNetHTTP2(owned, &config{protocol: protocolGRPC}, u); xt == nil || rt == http.RoundTripper(owned) {
		t.Error("gRPC client without x/net transport")
	}
}

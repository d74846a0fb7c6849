package session

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"time"
)

// buildHTTPClient returns the HTTP client for RPCs and token requests: a
// copy of the caller's (its transport wrapped to add instance host and
// headers) or a new one with its own transport (returned so that Close can
// release it). It never follows a redirect.
func buildHTTPClient(cfg *config, u *url.URL) (*http.Client, *http.Transport) {
	var owned *http.Transport
	var hc http.Client
	if cfg.httpClient != nil {
		hc = *cfg.httpClient
	} else {
		owned = http.DefaultTransport.(*http.Transport).Clone()
		owned.TLSClientConfig = &tls.Config{
			MinVersion:         tls.VersionTLS12,
			RootCAs:            cfg.caPool,
			InsecureSkipVerify: cfg.insecureTLS, //nolint:gosec // explicit, documented opt-in
		}
		p := new(http.Protocols)
		switch {
		case u != nil && u.Scheme == "http" && cfg.protocol == protocolGRPC:
			// Cleartext HTTP/2 with prior knowledge: gRPC needs HTTP/2 and
			// Zitadel serves h2c on its plain port.
			p.SetUnencryptedHTTP2(true)
		case u != nil && u.Scheme == "http":
			// Connect and gRPC-Web work over HTTP/1.1, which every plain-HTTP
			// proxy in front of Zitadel speaks (h2c often is not), and which
			// measured faster than h2c for unary calls (BENCHMARKS.md).
			p.SetHTTP1(true)
			owned.MaxIdleConnsPerHost = 64
		default:
			p.SetHTTP1(true)
			p.SetHTTP2(true)
		}
		owned.Protocols = p
		owned.ForceAttemptHTTP2 = true
		hc.Transport = owned
		if cfg.xnetHTTP2 {
			hc.Transport, cfg.xnetGRPC = useXNetHTTP2(owned, cfg, u)
		}
	}
	hc.CheckRedirect = refuseRedirects
	if cfg.instanceHost != "" || len(cfg.header) > 0 {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &fixedHeaders{base: base, host: cfg.instanceHost, header: cfg.header}
	}
	return &hc, owned
}

// tokenHTTPClient is hc with a timeout, for discovery and token requests
// (which are not bound to a call's context), and without the RPCs' redirect
// policy: package credentials applies its own, which follows a redirect only
// within the same origin.
func tokenHTTPClient(hc *http.Client) *http.Client {
	t := *hc
	t.CheckRedirect = nil
	if t.Timeout == 0 {
		t.Timeout = 30 * time.Second
	}
	return &t
}

// fixedHeaders sets the instance host and the fixed headers on every HTTP
// request, including discovery and token requests.
type fixedHeaders struct {
	base   http.RoundTripper
	host   string
	header http.Header
}

const instanceHostHeader = "X-Zitadel-Instance-Host"

// RoundTrip implements http.RoundTripper without modifying req.
func (t *fixedHeaders) RoundTrip(req *http.Request) (*http.Response, error) {
	needHost := t.host != "" && req.Host != t.host
	needHeader := t.host != "" && req.Header.Get(instanceHostHeader) == ""
	for k := range t.header {
		if needHeader {
			break
		}
		needHeader = len(req.Header.Values(k)) == 0
	}
	if !needHost && !needHeader {
		return t.base.RoundTrip(req)
	}
	r2 := new(http.Request)
	*r2 = *req
	if needHost {
		r2.Host = t.host
	}
	if needHeader {
		r2.Header = req.Header.Clone()
		if r2.Header == nil {
			r2.Header = make(http.Header)
		}
		if t.host != "" && r2.Header.Get(instanceHostHeader) == "" {
			r2.Header.Set(instanceHostHeader, t.host)
		}
		for k, vs := range t.header {
			if len(r2.Header.Values(k)) == 0 {
				r2.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
			}
		}
	}
	return t.base.RoundTrip(r2)
}

// CloseIdleConnections forwards to the base transport.
func (t *fixedHeaders) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

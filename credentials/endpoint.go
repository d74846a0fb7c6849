package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/sessionkit/zitadel-session-go/internal/connerr"
	"github.com/sessionkit/zitadel-session-go/internal/loopback"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// defaultTimeout bounds discovery and token requests when the caller gives
// no HTTP client.
const defaultTimeout = 30 * time.Second

// maxDiscoveryBytes limits the discovery document read.
const maxDiscoveryBytes = 1 << 20

// endpoint is an OpenID provider: its issuer, the address requests for the
// issuer's origin are sent to, and the HTTP client that sends them.
type endpoint struct {
	issuer    string
	issuerURL *url.URL
	via       string // the address's host when requests go there, for errors
	client    *http.Client
	// lastStatus is the HTTP status of the latest token request's answer,
	// for errors of grant libraries that do not report it.
	lastStatus *atomic.Int32
}

// newEndpoint validates issuer and address (field names for errors are
// prefixed with cfgName) and builds the HTTP client for discovery and token
// requests: hc (or a client with a 30 s timeout) whose transport sends
// requests for the issuer's origin to address, turns HTTP 429 and 5xx into
// transport errors, and whose redirect policy refuses redirects to another
// origin before anything is sent there.
func newEndpoint(cfgName, issuer, address string, hc *http.Client) (*endpoint, error) {
	iu, err := parseBaseURL(cfgName+".Issuer", issuer)
	if err != nil {
		return nil, err
	}
	var au *url.URL
	if address != "" {
		if au, err = parseBaseURL(cfgName+".Address", address); err != nil {
			return nil, err
		}
	}
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = defaultTimeout
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	lastStatus := new(atomic.Int32)
	c.Transport = &endpointTransport{base: base, issuer: iu, address: au, lastStatus: lastStatus}
	callerCheck := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, via[0].URL) {
			return &redirectError{host: req.URL.Host}
		}
		if callerCheck != nil {
			return callerCheck(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	ep := &endpoint{issuer: issuer, issuerURL: iu, client: &c, lastStatus: lastStatus}
	if au != nil {
		ep.via = au.Host
	}
	return ep, nil
}

// parseBaseURL accepts an absolute http:// or https:// URL with a host and
// without user information, query or fragment. The error names the field,
// never the value (which might hold a password).
func parseBaseURL(field, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("credentials: %s is empty", field)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("credentials: %s must be an absolute http:// or https:// URL", field)
	}
	if u.User != nil {
		return nil, fmt.Errorf("credentials: %s must not contain user information (user:password@)", field)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("credentials: %s must not have a query or fragment", field)
	}
	return u, nil
}

// discover fetches the issuer's OpenID discovery document and checks that it
// names the expected issuer and a token endpoint credentials may be sent to.
func (e *endpoint) discover() (*oidc.DiscoveryConfiguration, error) {
	wellKnown := strings.TrimSuffix(e.issuer, "/") + oidc.DiscoveryEndpoint
	fail := func(reason string) error {
		return &TokenError{Step: "discovery", URL: wellKnown, via: e.via, reason: reason}
	}
	req, err := http.NewRequest(http.MethodGet, wellKnown, nil)
	if err != nil {
		return nil, fail("invalid issuer URL")
	}
	req.Header.Set("Accept", "application/json")
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, classify("discovery", wellKnown, e.via, 0, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		reason := fmt.Sprintf("answered HTTP %d, not the discovery document (is the issuer URL right?)", resp.StatusCode)
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode == http.StatusNotFound && bytes.Contains(body, []byte(zitadelerr.InstanceNotFound)) {
			reason = "Zitadel found no instance for the host " + connerr.Printable(e.issuerURL.Host) + " (" + zitadelerr.InstanceNotFound + "): " +
				"dial the instance domain, or send its name as Host (session.WithInstanceHost, or Address in package credentials)"
		}
		te := fail(reason).(*TokenError)
		te.StatusCode = resp.StatusCode
		return nil, te
	}
	var d oidc.DiscoveryConfiguration
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDiscoveryBytes)).Decode(&d); err != nil {
		return nil, fail("the answer is not a JSON discovery document")
	}
	if d.Issuer != e.issuer {
		return nil, fail(fmt.Sprintf("the document is for the issuer %q, not %q "+
			"(Zitadel names the issuer after the instance domain; expect that issuer, and when dialing another address, "+
			"send requests there with the instance domain as Host: session.WithInstanceHost, or Address in package credentials)", connerr.Printable(d.Issuer), e.issuer))
	}
	if d.TokenEndpoint == "" {
		return nil, fail("the document names no token_endpoint")
	}
	tu, err := url.Parse(d.TokenEndpoint)
	if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" || tu.User != nil {
		return nil, fail("the document's token_endpoint is not an absolute http:// or https:// URL")
	}
	if tu.Scheme == "http" && !sameOrigin(tu, e.issuerURL) && !loopback.Host(tu.Hostname()) {
		return nil, fail(fmt.Sprintf("the document's token_endpoint %s is plain http:// on another origin than the issuer; "+
			"credentials are not sent there in cleartext", connerr.Printable(tu.Host)))
	}
	return &d, nil
}

// endpointTransport sends requests for the issuer's origin to the address
// (with the issuer's host as Host) and turns HTTP 429 and 5xx answers into
// transport errors, except a token endpoint's HTTP 500 with an OAuth error
// body, which is a rejection.
type endpointTransport struct {
	base       http.RoundTripper
	issuer     *url.URL
	address    *url.URL // nil: send requests where they are addressed
	lastStatus *atomic.Int32
}

// RoundTrip implements http.RoundTripper without modifying req.
func (t *endpointTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.address != nil && sameOrigin(req.URL, t.issuer) {
		r := req.Clone(req.Context())
		u := *req.URL
		u.Scheme, u.Host, u.RawPath = t.address.Scheme, t.address.Host, ""
		u.Path = strings.TrimSuffix(t.address.Path, "/") +
			strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(t.issuer.Path, "/"))
		r.URL = &u
		if r.Host == "" || r.Host == req.URL.Host {
			r.Host = t.issuer.Host
		}
		req = r
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if req.Method == http.MethodPost {
		t.lastStatus.Store(int32(resp.StatusCode))
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return resp, nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBytes))
	_ = resp.Body.Close()
	if req.Method == http.MethodPost && resp.StatusCode == http.StatusInternalServerError && isOAuthRejection(body) {
		// The token endpoint itself answered with an OAuth error: Zitadel
		// (v4.13.1) answers a JWT assertion signed with a key it does not
		// know with 500 server_error. Pass it on as the rejection it is.
		resp.Body = io.NopCloser(bytes.NewReader(body))
		return resp, nil
	}
	return nil, &statusError{code: resp.StatusCode}
}

// maxErrorBytes limits how much of an error answer is read.
const maxErrorBytes = 64 << 10

// isOAuthRejection reports whether body is an OAuth 2 error response (RFC
// 6749 section 5.2) other than "temporarily_unavailable".
func isOAuthRejection(body []byte) bool {
	var e struct {
		Error string `json:"error"`
	}
	return json.Unmarshal(body, &e) == nil && e.Error != "" && e.Error != "temporarily_unavailable"
}

// CloseIdleConnections forwards to the base transport.
func (t *endpointTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// sameOrigin reports whether a and b have the same scheme, host and port
// (default ports made explicit).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && hostPort(a) == hostPort(b)
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch strings.ToLower(u.Scheme) {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return strings.ToLower(u.Hostname()) + ":" + port
}

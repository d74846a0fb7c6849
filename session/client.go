package session

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// Client calls Zitadel's Session API v2 (and the OIDC / SAML calls that
// finish a login). It is safe for concurrent use; create one per Zitadel
// instance and share it: all calls reuse one transport and its connections.
type Client struct {
	sessions sessionv2connect.SessionServiceClient
	oidc     oidcv2connect.OIDCServiceClient
	saml     samlv2connect.SAMLServiceClient
	conn     *connect.Client

	// ownedTransport is the *http.Transport New built, closed by Close.
	ownedTransport *http.Transport
	// xnetGRPC is the WithXNetHTTP2 transport of gRPC calls, closed by Close.
	xnetGRPC interface{ CloseIdleConnections() }
}

// New returns a client for the Zitadel instance at baseURL (e.g.
// "https://auth.example.com" or "http://localhost:8080"). By default it
// speaks the Connect protocol. Over https:// URLs it negotiates HTTP/2 or
// HTTP/1.1. Over http:// URLs the Connect and gRPC-Web protocols use
// HTTP/1.1 (which any plain-HTTP proxy speaks), and [WithGRPC] uses cleartext
// HTTP/2 with prior knowledge (h2c), as a local Zitadel serves it. Pass your
// own [http.Client] with [WithHTTPClient] to choose otherwise.
//
// New performs no network I/O: token endpoints of [WithClientCredentials] and
// [WithServiceAccountKey] are discovered on the first call. It refuses a URL
// with user information, and plain http:// to a host that is not a loopback
// address unless [WithCleartextCredentials] is given. RPCs never follow
// redirects (see [WithHTTPClient]).
func New(baseURL string, opts ...Option) (*Client, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.authSet > 1 {
		return nil, errors.New("session: more than one authentication option given")
	}
	if err := checkURLs(&cfg, baseURL); err != nil {
		return nil, err
	}
	u, _ := url.Parse(baseURL)
	baseURL = strings.TrimSuffix(baseURL, "/")
	if cfg.httpClient != nil && (cfg.caPool != nil || cfg.insecureTLS) {
		return nil, errors.New("session: WithCAPool and WithInsecureSkipVerify cannot be combined with WithHTTPClient; configure TLS on the http.Client")
	}
	if cfg.httpClient != nil && cfg.xnetHTTP2 {
		return nil, errXNetHTTP2WithHTTPClient
	}

	var owned *http.Transport
	hc := cfg.httpClient
	if cfg.transport == nil || cfg.auth == authClientCredentials || cfg.auth == authServiceAccountKey {
		hc, owned = buildHTTPClient(&cfg, u)
	}

	ics, err := buildInterceptors(&cfg, hc, baseURL)
	if err != nil {
		if owned != nil {
			owned.CloseIdleConnections()
		}
		return nil, err
	}
	transport := cfg.transport
	if transport == nil {
		var hopts []connecthttp.Option
		if !cfg.gzip {
			// No Accept-Encoding: servers answer uncompressed (see WithGzip).
			hopts = append(hopts, connecthttp.WithCompressors())
		}
		switch cfg.protocol {
		case protocolGRPC:
			hopts = append(hopts, connecthttp.WithGRPC())
		case protocolGRPCWeb:
			hopts = append(hopts, connecthttp.WithGRPCWeb())
		}
		transport = connecthttp.NewTransport(hc, baseURL, hopts...)
	}
	c := newFromConnect(connect.NewClient(transport, ics...), owned)
	if cfg.xnetGRPC != nil {
		c.xnetGRPC = cfg.xnetGRPC
	}
	return c, nil
}

func newFromConnect(cc *connect.Client, owned *http.Transport) *Client {
	return &Client{
		sessions:       sessionv2connect.NewSessionServiceClient(cc),
		oidc:           oidcv2connect.NewOIDCServiceClient(cc),
		saml:           samlv2connect.NewSAMLServiceClient(cc),
		conn:           cc,
		ownedTransport: owned,
	}
}

// buildInterceptors returns the chain: tracing, logging, user interceptors,
// retry, auth, headers.
func buildInterceptors(cfg *config, hc *http.Client, baseURL string) ([]connect.ClientInterceptor, error) {
	var ics []connect.ClientInterceptor
	if cfg.tracer != nil {
		ics = append(ics, interceptors.Tracing(cfg.tracer))
	}
	if cfg.logger != nil {
		ics = append(ics, interceptors.Logging(cfg.logger))
	}
	ics = append(ics, cfg.interceptors...)
	if cfg.retry != nil {
		ics = append(ics, interceptors.Retry(*cfg.retry))
	}
	ts, err := tokenSource(cfg, hc, baseURL)
	if err != nil {
		return nil, err
	}
	if ts != nil {
		ics = append(ics, interceptors.Auth(ts))
	}
	if cfg.instanceHost != "" {
		ics = append(ics, interceptors.InstanceHost(cfg.instanceHost))
	}
	if cfg.orgID != "" {
		ics = append(ics, interceptors.OrgID(cfg.orgID))
	}
	if len(cfg.header) > 0 {
		ics = append(ics, interceptors.Headers(cfg.header))
	}
	return ics, nil
}

// Close releases idle connections of the HTTP transport New built. It does
// not affect a caller-provided http.Client, connect.Client or transport.
// Calls after Close still work but open new connections.
func (c *Client) Close() error {
	if c.ownedTransport != nil {
		c.ownedTransport.CloseIdleConnections()
	}
	if c.xnetGRPC != nil {
		c.xnetGRPC.CloseIdleConnections()
	}
	return nil
}

// String returns "session.Client"; a client's credentials are never printed.
func (c *Client) String() string { return "session.Client" }

// GoString implements fmt.GoStringer like String.
func (c *Client) GoString() string { return c.String() }

// Raw returns the generated SessionService client sharing this client's
// transport, authentication and interceptors (but not its validation or
// token bookkeeping).
func (c *Client) Raw() sessionv2connect.SessionServiceClient { return c.sessions }

// RawOIDC returns the generated OIDCService client sharing this client's
// transport, authentication and interceptors.
func (c *Client) RawOIDC() oidcv2connect.OIDCServiceClient { return c.oidc }

// RawSAML returns the generated SAMLService client sharing this client's
// transport, authentication and interceptors.
func (c *Client) RawSAML() samlv2connect.SAMLServiceClient { return c.saml }

// ConnectClient returns the underlying *connect.Client, e.g. to build other
// generated Zitadel v2 service clients on the same transport.
func (c *Client) ConnectClient() *connect.Client { return c.conn }

// bearerContext attaches "Authorization: Bearer <token>" to ctx for one call.
func bearerContext(ctx context.Context, token string) context.Context {
	ctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set("Authorization", "Bearer "+token)
	return ctx
}

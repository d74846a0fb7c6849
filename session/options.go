package session

import (
	"crypto/x509"
	"log/slog"
	"net/http"

	"connectrpc.com/connect/v2"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/net/http2"
	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/credentials"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// Option configures [New].
type Option func(*config)

type protocol uint8

const (
	protocolConnect protocol = iota
	protocolGRPC
	protocolGRPCWeb
)

type authKind uint8

const (
	authNone authKind = iota
	authTokenSource
	authPAT
	authClientCredentials
	authServiceAccountKey
)

type config struct {
	protocol     protocol
	gzip         bool
	httpClient   *http.Client
	caPool       *x509.CertPool
	insecureTLS  bool
	instanceHost string
	orgID        string
	header       http.Header
	issuer       string
	cleartext    bool

	auth         authKind
	authSet      int
	tokenSource  oauth2.TokenSource
	pat          string
	clientID     string
	clientSecret string
	saKey        *credentials.ServiceAccountKey
	saKeyFile    string
	scopes       []string

	retry        *interceptors.RetryPolicy
	logger       *slog.Logger
	tracer       trace.TracerProvider
	interceptors []connect.ClientInterceptor

	transport connect.Transport

	xnetHTTP2 bool             // WithXNetHTTP2, in http2.go
	xnetGRPC  *http2.Transport // set by buildHTTPClient, closed by Client.Close
}

// WithGRPC makes the client speak gRPC (HTTP/2; cleartext HTTP/2 for
// http:// URLs) instead of the default Connect protocol.
func WithGRPC() Option { return func(c *config) { c.protocol = protocolGRPC } }

// WithGRPCWeb makes the client speak gRPC-Web instead of the default Connect
// protocol.
func WithGRPCWeb() Option { return func(c *config) { c.protocol = protocolGRPCWeb } }

// WithGzip lets the client advertise and accept gzip-compressed responses.
// By default the client built by [New] negotiates no compression: session
// API messages are small, and compressing them costs more CPU time than it
// saves on the wire (measured in BENCHMARKS.md). Enable it for slow links.
func WithGzip() Option { return func(c *config) { c.gzip = true } }

// WithHTTPClient sends RPCs and token requests through hc instead of a client
// built by this package. It cannot be combined with [WithCAPool] or
// [WithInsecureSkipVerify]; configure TLS on hc instead. For gRPC over
// http:// URLs hc must speak cleartext HTTP/2.
//
// New uses copies of hc with their own redirect policy, replacing
// hc.CheckRedirect: RPCs never follow a redirect, and discovery and token
// requests never follow one to another host, port or scheme; in both cases
// nothing is sent to the Location. What New cannot control is hc.Transport:
// it must not follow redirects itself, and must not send requests anywhere
// but where they are addressed. A transport given with [WithTransport] is
// the caller's responsibility alike.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithCAPool trusts the certificate authorities in pool (instead of the
// system roots) for https:// URLs.
func WithCAPool(pool *x509.CertPool) Option { return func(c *config) { c.caPool = pool } }

// WithInsecureSkipVerify disables verification of the server's TLS
// certificate.
//
// Warning: this is INSECURE. Anyone on the network path can impersonate
// Zitadel and read passwords, codes and tokens. Use it only against a local
// development server; prefer [WithCAPool].
func WithInsecureSkipVerify() Option { return func(c *config) { c.insecureTLS = true } }

// WithInstanceHost names the Zitadel instance (its public host, e.g.
// "auth.example.com" or "localhost:8080") when the URL given to [New] is a
// different address (a proxy, a Kubernetes service, 127.0.0.1). Zitadel picks
// the instance by host and answers "instance not found" otherwise. The host
// is sent as the HTTP Host (gRPC :authority) and as x-zitadel-instance-host,
// on RPCs and on discovery and token requests alike; those also go to the
// URL given to New, and the issuer expected from discovery is the instance's
// (see [WithIssuer]).
func WithInstanceHost(host string) Option { return func(c *config) { c.instanceHost = host } }

// WithOrgID sends x-zitadel-orgid, the organization context of the calls.
func WithOrgID(id string) Option { return func(c *config) { c.orgID = id } }

// WithHeader adds a fixed header to every RPC and token request. Per-call
// headers win. Do not put secrets here unless they are meant for every call.
func WithHeader(key, value string) Option {
	return func(c *config) {
		if c.header == nil {
			c.header = make(http.Header)
		}
		c.header.Add(key, value)
	}
}

// WithIssuer sets the OpenID issuer of [WithClientCredentials] and
// [WithServiceAccountKey]: discovery must report exactly this issuer, and it
// is the audience of JWT assertions. Without it, the issuer is the URL given
// to [New], or, with [WithInstanceHost], the instance host with that URL's
// scheme (e.g. "http://localhost:8080" when dialing http://127.0.0.1:8080),
// which is what Zitadel reports for the instance. With [WithInstanceHost],
// discovery and token requests are sent to the URL given to New (with the
// instance host as Host); without it, to the issuer.
func WithIssuer(issuer string) Option { return func(c *config) { c.issuer = issuer } }

// WithScopes sets the OAuth scopes requested by [WithClientCredentials] and
// [WithServiceAccountKey]; the default is credentials.DefaultScopes.
func WithScopes(scopes ...string) Option { return func(c *config) { c.scopes = scopes } }

// WithTokenSource authenticates every call with tokens from ts. Only one
// authentication option may be given.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) { c.setAuth(authTokenSource); c.tokenSource = ts }
}

// WithPersonalAccessToken authenticates every call with a Zitadel personal
// access token. Only one authentication option may be given.
func WithPersonalAccessToken(pat string) Option {
	return func(c *config) { c.setAuth(authPAT); c.pat = pat }
}

// WithClientCredentials authenticates every call with tokens obtained by the
// OAuth client credentials grant. The token endpoint is discovered from the
// issuer (see [WithIssuer]) on first use, through the same HTTP client,
// TLS settings, headers and instance host as the RPCs. Only one
// authentication option may be given.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(c *config) { c.setAuth(authClientCredentials); c.clientID, c.clientSecret = clientID, clientSecret }
}

// WithServiceAccountKey authenticates every call with tokens obtained by the
// JWT profile grant for a service account key. [New] validates the key (see
// credentials.ParseServiceAccountKey: a missing field, a key that is not an
// RSA private key or an expiration date in the past is an error naming the
// field, before any request). Discovery and token requests use the same HTTP
// client as the RPCs. Only one authentication option may be given.
func WithServiceAccountKey(key *credentials.ServiceAccountKey) Option {
	return func(c *config) { c.setAuth(authServiceAccountKey); c.saKey = key }
}

// WithServiceAccountKeyFile is [WithServiceAccountKey] for a key file as
// Zitadel issues it
// ({"type":"serviceaccount","keyId","key","expirationDate","userId"}; fields
// it does not know are ignored), read and validated by [New].
func WithServiceAccountKeyFile(path string) Option {
	return func(c *config) { c.setAuth(authServiceAccountKey); c.saKeyFile = path }
}

func (c *config) setAuth(k authKind) {
	c.auth = k
	c.authSet++
}

// WithRetry retries the read-only calls on transient errors according to p:
// GetSession and ListSessions, and the OIDC / SAML GetAuthRequest and
// GetSAMLRequest of [Client.RawOIDC] / [Client.RawSAML] (see
// interceptors.SafeToRetry; p.Retryable can choose otherwise). Create, Set,
// Delete and the calls that finish a login are not retried by default, and
// Create and Set never are, so a password or code is never checked twice.
func WithRetry(p interceptors.RetryPolicy) Option { return func(c *config) { c.retry = &p } }

// WithLogger logs one record per call to l (without secrets).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithTracerProvider records one OpenTelemetry span per call.
func WithTracerProvider(tp trace.TracerProvider) Option { return func(c *config) { c.tracer = tp } }

// WithInterceptors adds connect client interceptors. They run inside
// tracing and logging and outside retry, authentication and headers.
func WithInterceptors(ics ...connect.ClientInterceptor) Option {
	return func(c *config) { c.interceptors = append(c.interceptors, ics...) }
}

// WithTransport sends RPCs over t, a connect-go transport, instead of the
// HTTP transport New would build, e.g.
// connectinprocess.New(srv.ConnectServer()) for in-process tests. The URL
// given to New may then be empty. All interceptor options (auth, headers,
// instance host, retry, logging, ...) still apply. The HTTP options
// ([WithHTTPClient], [WithCAPool], [WithInsecureSkipVerify], [WithGRPC],
// [WithGRPCWeb], [WithGzip]) do not apply to the RPCs; the first three still
// apply to the discovery and token requests of [WithClientCredentials] and
// [WithServiceAccountKey], which go over HTTP.
func WithTransport(t connect.Transport) Option { return func(c *config) { c.transport = t } }

package credentials

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/profile"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// DefaultScopes are the scopes requested by [ClientCredentials] and
// [JWTProfile] when the configuration's Scopes field is nil. The second scope
// adds the Zitadel API project to the token's audience, which the Zitadel
// APIs require.
var DefaultScopes = []string{"openid", "urn:zitadel:iam:org:project:id:zitadel:aud"}

// ClientCredentialsConfig configures [ClientCredentials].
type ClientCredentialsConfig struct {
	// Issuer is the Zitadel instance's OpenID issuer, e.g.
	// "https://example.zitadel.cloud". It must equal the "issuer" value of
	// its discovery document, which Zitadel derives from the instance
	// domain (e.g. "http://localhost:8080" for a local instance, even when
	// it is dialed as 127.0.0.1).
	Issuer string
	// Address, when set, is the base URL discovery and token requests are
	// sent to instead of the issuer's origin, e.g. "http://127.0.0.1:8080"
	// for the issuer "http://localhost:8080", or an internal service
	// address behind a proxy. Requests for URLs on the issuer's origin go
	// to Address with the issuer's host as the HTTP Host header (which is
	// how Zitadel picks the instance). Empty means the issuer itself.
	Address string
	// ClientID and ClientSecret are the credentials of a service user (or
	// API application) with a client secret.
	ClientID     string
	ClientSecret string
	// Scopes requested for the token; nil means [DefaultScopes].
	Scopes []string
	// HTTPClient is used (as a copy, see [ClientCredentials]) for discovery
	// and for every token request; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// String redacts the client secret.
func (c ClientCredentialsConfig) String() string {
	return fmt.Sprintf("ClientCredentialsConfig{Issuer: %q, Address: %q, ClientID: %q, ClientSecret: %s, Scopes: %q}",
		c.Issuer, c.Address, c.ClientID, redacted, c.Scopes)
}

// GoString redacts the client secret.
func (c ClientCredentialsConfig) GoString() string { return c.String() }

// Format redacts the client secret for every verb.
func (c ClientCredentialsConfig) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue redacts the client secret.
func (c ClientCredentialsConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("issuer", c.Issuer), slog.String("address", c.Address),
		slog.String("client_id", c.ClientID), slog.String("client_secret", redacted), slog.Any("scopes", c.Scopes))
}

// ClientCredentials returns a token source that obtains tokens with the OAuth
// 2 client credentials grant (golang.org/x/oauth2/clientcredentials).
//
// It validates cfg and performs no network I/O. The first Token call looks
// up the token endpoint in the issuer's OpenID discovery document
// (<issuer>/.well-known/openid-configuration), whose issuer must equal
// cfg.Issuer; a failed discovery is retried on the next call, a successful
// one is never repeated. Client authentication uses HTTP Basic when the
// document advertises client_secret_basic (Zitadel does), else
// auto-detection.
//
// Discovery and token requests go through a copy of cfg.HTTPClient that
// never follows a redirect to another host, port or scheme (the caller's
// CheckRedirect still applies to the others), treats HTTP 429 and 5xx as
// transport failures, and sends requests to cfg.Address when it is set. A
// token endpoint on plain http:// is used only on the issuer's origin or a
// loopback host.
//
// Failures are [*TokenError] values. The returned source caches its token
// until shortly before expiry ([oauth2.ReuseTokenSource]), so it causes one
// token request per token lifetime, and is safe for concurrent use.
func ClientCredentials(cfg ClientCredentialsConfig) (oauth2.TokenSource, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("credentials: ClientCredentialsConfig.ClientID is empty")
	}
	if cfg.ClientSecret == "" {
		return nil, errors.New("credentials: ClientCredentialsConfig.ClientSecret is empty")
	}
	ep, err := newEndpoint("ClientCredentialsConfig", cfg.Issuer, cfg.Address, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	scopes := scopesOrDefault(cfg.Scopes)
	return oauth2.ReuseTokenSource(nil, &lazySource{ep: ep, build: func(d *oidc.DiscoveryConfiguration) oauth2.TokenSource {
		style := oauth2.AuthStyleAutoDetect
		if slices.Contains(d.TokenEndpointAuthMethodsSupported, "client_secret_basic") {
			style = oauth2.AuthStyleInHeader
		}
		cc := &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     d.TokenEndpoint,
			Scopes:       scopes,
			AuthStyle:    style,
		}
		// clientcredentials keeps this context for every token request.
		return cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient, ep.client))
	}}), nil
}

// JWTProfileConfig configures [JWTProfile].
type JWTProfileConfig struct {
	// Issuer is the Zitadel instance's OpenID issuer; it is the assertion's
	// audience and must equal the "issuer" value of its discovery document
	// (see [ClientCredentialsConfig.Issuer]).
	Issuer string
	// Address, when set, is where discovery and token requests are sent
	// (see [ClientCredentialsConfig.Address]).
	Address string
	// Key is the service account (or application) key.
	Key *ServiceAccountKey
	// Scopes requested for the token; nil means [DefaultScopes].
	Scopes []string
	// HTTPClient is used (as a copy, see [ClientCredentials]) for discovery
	// and for every token request; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
}

// JWTProfile returns a token source that obtains tokens with the JWT bearer
// grant (RFC 7523, grant_type urn:ietf:params:oauth:grant-type:jwt-bearer).
// Each exchange signs a fresh RS256 assertion with iss = sub = the key's
// subject (userId, or clientId for application keys), aud = cfg.Issuer,
// kid = keyId, iat = now and exp = now + 1h, using
// github.com/zitadel/oidc/v3/pkg/client/profile, Zitadel's own OIDC library.
//
// It validates cfg.Key as [ParseServiceAccountKey] does (including its
// expiration date) and performs no network I/O; discovery, redirects,
// cfg.Address, errors and caching work as for [ClientCredentials]. A key
// that expires while the source is in use fails the next exchange with a
// [*TokenError] naming the expiry, before anything is sent. Token endpoints
// must send expires_in (Zitadel does); without it a token counts as already
// expired and is exchanged again on every use.
func JWTProfile(cfg JWTProfileConfig) (oauth2.TokenSource, error) {
	if cfg.Key == nil {
		return nil, errors.New("credentials: JWTProfileConfig.Key is nil")
	}
	key := *cfg.Key
	if err := key.validate(time.Now()); err != nil {
		return nil, err
	}
	ep, err := newEndpoint("JWTProfileConfig", cfg.Issuer, cfg.Address, cfg.HTTPClient)
	if err != nil {
		return nil, err
	}
	scopes := scopesOrDefault(cfg.Scopes)
	return oauth2.ReuseTokenSource(nil, &lazySource{
		ep:              ep,
		serverErrorHint: " (Zitadel answers this for a key it does not know: check that the key was not deleted and that keyId and userId belong to it)",
		check: func() error {
			if err := key.checkExpiry(time.Now()); err != nil {
				return &TokenError{Step: "token", URL: ep.issuer, via: ep.via, reason: err.Error()}
			}
			return nil
		},
		build: func(d *oidc.DiscoveryConfiguration) oauth2.TokenSource {
			ts, err := profile.NewJWTProfileTokenSource(context.Background(), cfg.Issuer, key.Subject(), key.KeyID,
				[]byte(key.Key), scopes, profile.WithHTTPClient(ep.client), profile.WithStaticTokenEndpoint(cfg.Issuer, d.TokenEndpoint))
			if err != nil {
				// Only key parsing can fail here, and validate parsed it.
				return errSource{&TokenError{Step: "token", URL: d.TokenEndpoint, reason: "cannot sign with the key"}}
			}
			return ts
		},
	}), nil
}

// lazySource runs discovery on first use (again after a failure), builds the
// grant's token source from the document, and turns every failure into a
// *TokenError.
type lazySource struct {
	ep    *endpoint
	build func(*oidc.DiscoveryConfiguration) oauth2.TokenSource
	check func() error // before every exchange; may be nil
	// serverErrorHint is appended to a "server_error" rejection.
	serverErrorHint string

	mu       sync.Mutex
	ts       oauth2.TokenSource
	tokenURL string
	tokenVia string // set when token requests go to the address
}

// Token implements oauth2.TokenSource.
func (l *lazySource) Token() (*oauth2.Token, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.check != nil {
		if err := l.check(); err != nil {
			return nil, err
		}
	}
	if l.ts == nil {
		d, err := l.ep.discover()
		if err != nil {
			return nil, err
		}
		l.ts, l.tokenURL = l.build(d), d.TokenEndpoint
		if tu, err := url.Parse(d.TokenEndpoint); err == nil && sameOrigin(tu, l.ep.issuerURL) {
			l.tokenVia = l.ep.via
		}
	}
	l.ep.lastStatus.Store(0)
	tok, err := l.ts.Token()
	if err != nil {
		te := classify("token", l.tokenURL, l.tokenVia, l.ep.lastStatus.Load(), err)
		if te.Code == "server_error" && l.serverErrorHint != "" {
			te.reason += l.serverErrorHint
		}
		return nil, te
	}
	return tok, nil
}

// errSource is a token source that always fails.
type errSource struct{ err error }

func (e errSource) Token() (*oauth2.Token, error) { return nil, e.err }

func scopesOrDefault(s []string) []string {
	if s == nil {
		return slices.Clone(DefaultScopes)
	}
	return s
}

package interceptors

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/client"
	"github.com/zitadel/oidc/v3/pkg/client/profile"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientCredentialsConfig configures [ClientCredentials].
type ClientCredentialsConfig struct {
	// Issuer is the Zitadel instance URL, e.g. "https://example.zitadel.cloud".
	// It must equal the "issuer" value of its OpenID discovery document.
	Issuer string
	// ClientID and ClientSecret are the credentials of a service user (or
	// API application) with a client secret.
	ClientID     string
	ClientSecret string
	// Scopes requested for the token; nil means [DefaultScopes].
	Scopes []string
	// HTTPClient is used for discovery and for every token request; nil
	// means http.DefaultClient. Give it a timeout.
	HTTPClient *http.Client
}

// String redacts the client secret.
func (c ClientCredentialsConfig) String() string {
	return fmt.Sprintf("ClientCredentialsConfig{Issuer: %q, ClientID: %q, ClientSecret: %s, Scopes: %q}",
		c.Issuer, c.ClientID, redacted, c.Scopes)
}

// GoString redacts the client secret.
func (c ClientCredentialsConfig) GoString() string { return c.String() }

// Format redacts the client secret for every verb.
func (c ClientCredentialsConfig) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// LogValue redacts the client secret.
func (c ClientCredentialsConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("issuer", c.Issuer), slog.String("client_id", c.ClientID),
		slog.String("client_secret", redacted), slog.Any("scopes", c.Scopes))
}

// ClientCredentials returns a token source that obtains tokens with the OAuth
// 2 client credentials grant (golang.org/x/oauth2/clientcredentials).
//
// The token endpoint is looked up once, here, from the issuer's OpenID
// discovery document (<issuer>/.well-known/openid-configuration) using
// cfg.HTTPClient and ctx; the discovery document's issuer must match
// cfg.Issuer. ctx is used only for discovery: later token requests are
// detached from its cancellation but still use cfg.HTTPClient. Client
// authentication uses HTTP Basic when the discovery document advertises
// client_secret_basic (Zitadel does), else auto-detection.
//
// The returned source caches its token until shortly before expiry and is
// safe for concurrent use.
func ClientCredentials(ctx context.Context, cfg ClientCredentialsConfig) (oauth2.TokenSource, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("interceptors: ClientCredentialsConfig.Issuer is empty")
	}
	if cfg.ClientID == "" {
		return nil, errors.New("interceptors: ClientCredentialsConfig.ClientID is empty")
	}
	if cfg.ClientSecret == "" {
		return nil, errors.New("interceptors: ClientCredentialsConfig.ClientSecret is empty")
	}
	hc := httpClientOrDefault(cfg.HTTPClient)
	disc, err := client.Discover(ctx, cfg.Issuer, hc)
	if err != nil {
		return nil, fmt.Errorf("interceptors: OpenID discovery for %q: %w", cfg.Issuer, err)
	}
	if disc.TokenEndpoint == "" {
		return nil, fmt.Errorf("interceptors: OpenID discovery for %q: no token_endpoint", cfg.Issuer)
	}
	style := oauth2.AuthStyleAutoDetect
	if slices.Contains(disc.TokenEndpointAuthMethodsSupported, "client_secret_basic") {
		style = oauth2.AuthStyleInHeader
	}
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     disc.TokenEndpoint,
		Scopes:       scopesOrDefault(cfg.Scopes),
		AuthStyle:    style,
	}
	// clientcredentials keeps this context for every later token request.
	tctx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, hc)
	return cc.TokenSource(tctx), nil
}

// ServiceAccountKey is a Zitadel key file as downloaded from the console, for
// a service user ("type": "serviceaccount", identified by userId) or an API
// application ("type": "application", identified by clientId).
//
// The String, GoString, Format and LogValue methods never reveal Key. Note
// that encoding/json marshals Key in clear text so that a key can be written
// back to a file; never log a ServiceAccountKey as JSON yourself.
type ServiceAccountKey struct {
	// Type is "serviceaccount" or "application".
	Type string `json:"type"`
	// KeyID identifies the key; it becomes the JWT "kid" header.
	KeyID string `json:"keyId"`
	// Key is the PEM encoded RSA private key. A secret.
	Key string `json:"key"`
	// UserID is the service user's id (type "serviceaccount").
	UserID string `json:"userId,omitempty"`
	// ClientID is the application's client id (type "application").
	ClientID string `json:"clientId,omitempty"`
	// AppID is the application's id (type "application"); informational.
	AppID string `json:"appId,omitempty"`
}

const (
	keyTypeServiceAccount = "serviceaccount"
	keyTypeApplication    = "application"
)

// Subject returns the identity the key authenticates: UserID for a service
// account key, ClientID for an application key. It is used as the JWT
// assertion's iss and sub.
func (k *ServiceAccountKey) Subject() string {
	if k.Type == keyTypeApplication {
		return k.ClientID
	}
	return k.UserID
}

// String returns a description of the key with Key redacted.
func (k ServiceAccountKey) String() string {
	return fmt.Sprintf("ServiceAccountKey{Type: %q, KeyID: %q, UserID: %q, ClientID: %q, Key: %s}",
		k.Type, k.KeyID, k.UserID, k.ClientID, redacted)
}

// GoString returns the same as String, with Key redacted.
func (k ServiceAccountKey) GoString() string { return k.String() }

// Format writes String for every verb, so %v, %+v, %#v, %s and %q never
// reveal Key.
func (k ServiceAccountKey) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, k.String()) }

// LogValue implements slog.LogValuer with Key redacted.
func (k ServiceAccountKey) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("type", k.Type),
		slog.String("key_id", k.KeyID),
		slog.String("user_id", k.UserID),
		slog.String("client_id", k.ClientID),
		slog.String("key", redacted),
	)
}

// ParseServiceAccountKey parses and validates a Zitadel key file. It is
// strict: unknown fields, trailing data, wrong JSON types, missing fields and
// keys that are not PEM encoded RSA private keys (PKCS #1 or PKCS #8) are
// rejected. Errors name the offending field but never contain the key or
// other input bytes.
func ParseServiceAccountKey(data []byte) (*ServiceAccountKey, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var k ServiceAccountKey
	if err := dec.Decode(&k); err != nil {
		return nil, keyJSONError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("interceptors: service account key: unexpected data after the JSON object")
	}
	switch k.Type {
	case keyTypeServiceAccount:
		if k.UserID == "" {
			return nil, errors.New(`interceptors: service account key: field "userId" is missing or empty`)
		}
	case keyTypeApplication:
		if k.ClientID == "" {
			return nil, errors.New(`interceptors: service account key: field "clientId" is missing or empty`)
		}
	case "":
		return nil, errors.New(`interceptors: service account key: field "type" is missing or empty`)
	default:
		return nil, fmt.Errorf(`interceptors: service account key: field "type" must be %q or %q`, keyTypeServiceAccount, keyTypeApplication)
	}
	if k.KeyID == "" {
		return nil, errors.New(`interceptors: service account key: field "keyId" is missing or empty`)
	}
	if k.Key == "" {
		return nil, errors.New(`interceptors: service account key: field "key" is missing or empty`)
	}
	if _, err := parseRSAPrivateKey(k.Key); err != nil {
		return nil, err
	}
	return &k, nil
}

// keyJSONError describes a JSON decoding failure without quoting input.
func keyJSONError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errors.New("interceptors: service account key: the data must be a JSON object")
	case errors.As(err, &typeErr):
		return fmt.Errorf("interceptors: service account key: field %q must be a JSON %s", typeErr.Field, typeErr.Type.Kind())
	case errors.As(err, &syntaxErr):
		return fmt.Errorf("interceptors: service account key: invalid JSON at byte offset %d", syntaxErr.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("interceptors: service account key: empty or truncated JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The message only quotes the field name.
		return fmt.Errorf("interceptors: service account key: %s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return errors.New("interceptors: service account key: invalid JSON object")
	}
}

// parseRSAPrivateKey parses a PEM encoded PKCS #1 or PKCS #8 RSA private key.
func parseRSAPrivateKey(s string) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New(`interceptors: service account key: field "key" is not PEM encoded`)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New(`interceptors: service account key: field "key" has data after the PEM block`)
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New(`interceptors: service account key: field "key" is not a PKCS #1 or PKCS #8 private key`)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New(`interceptors: service account key: field "key" is not an RSA private key`)
	}
	return rk, nil
}

// ServiceAccountKeyFile reads and parses a Zitadel key file with
// [ParseServiceAccountKey].
func ServiceAccountKeyFile(path string) (*ServiceAccountKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("interceptors: reading service account key: %w", err)
	}
	k, err := ParseServiceAccountKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w (file %s)", err, path)
	}
	return k, nil
}

// JWTProfileConfig configures [JWTProfile].
type JWTProfileConfig struct {
	// Issuer is the Zitadel instance URL; it is the assertion's audience and
	// must equal the "issuer" value of its OpenID discovery document.
	Issuer string
	// Key is the service account (or application) key.
	Key *ServiceAccountKey
	// Scopes requested for the token; nil means [DefaultScopes].
	Scopes []string
	// HTTPClient is used for discovery and for every token request; nil
	// means http.DefaultClient. Give it a timeout.
	HTTPClient *http.Client
}

// JWTProfile returns a token source that obtains tokens with the JWT bearer
// grant (RFC 7523, grant_type urn:ietf:params:oauth:grant-type:jwt-bearer).
// Each exchange signs a fresh RS256 assertion with iss = sub = the key's
// subject (userId, or clientId for application keys), aud = cfg.Issuer,
// kid = keyId, iat = now and exp = now + 1h.
//
// It is built on github.com/zitadel/oidc/v3/pkg/client/profile, Zitadel's own
// OIDC library: its API accepts the HTTP client (profile.WithHTTPClient), which
// is then used for discovery and every token request, and it runs OpenID
// discovery exactly once, in the constructor (here, with ctx), never per token
// request. Reusing it avoids hand-rolling JWT signing and token response
// parsing. ctx is used only for discovery.
//
// The returned source caches its token until shortly before expiry
// ([oauth2.ReuseTokenSource]) and is safe for concurrent use. Token
// endpoints must send expires_in (Zitadel does); without it a token counts as
// already expired and is exchanged again on every use.
func JWTProfile(ctx context.Context, cfg JWTProfileConfig) (oauth2.TokenSource, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("interceptors: JWTProfileConfig.Issuer is empty")
	}
	if cfg.Key == nil {
		return nil, errors.New("interceptors: JWTProfileConfig.Key is nil")
	}
	if cfg.Key.KeyID == "" {
		return nil, errors.New(`interceptors: JWTProfileConfig.Key: field "keyId" is empty`)
	}
	if cfg.Key.Subject() == "" {
		return nil, errors.New(`interceptors: JWTProfileConfig.Key: field "userId" (or "clientId" for application keys) is empty`)
	}
	if _, err := parseRSAPrivateKey(cfg.Key.Key); err != nil {
		return nil, err
	}
	hc := httpClientOrDefault(cfg.HTTPClient)
	ts, err := profile.NewJWTProfileTokenSource(ctx, cfg.Issuer, cfg.Key.Subject(), cfg.Key.KeyID,
		[]byte(cfg.Key.Key), scopesOrDefault(cfg.Scopes), profile.WithHTTPClient(hc))
	if err != nil {
		// Errors come from key parsing (already validated above) or
		// discovery; neither contains key material.
		return nil, fmt.Errorf("interceptors: JWT profile for %q: %w", cfg.Issuer, err)
	}
	return oauth2.ReuseTokenSource(nil, ts), nil
}

func httpClientOrDefault(hc *http.Client) *http.Client {
	if hc == nil {
		return http.DefaultClient
	}
	return hc
}

func scopesOrDefault(s []string) []string {
	if s == nil {
		return slices.Clone(DefaultScopes)
	}
	return s
}

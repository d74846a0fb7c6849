package sessiontest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// WithOpenIDProvider makes the server an OpenID provider for the
// applications added with AddApplication (or a seed's "applications"), as a
// Zitadel instance is for OIDC apps that use Login V2. It is built on
// github.com/zitadel/oidc/v3/pkg/op, the library Zitadel itself uses, and
// serves on the same port as the RPCs:
//
//	/.well-known/openid-configuration   discovery
//	/oauth/v2/authorize                 creates an auth request and redirects the
//	                                    browser to <LoginBaseURI>/login?authRequest=V2_<id>
//	/oauth/v2/token                     authorization code (PKCE or client secret), refresh token
//	/oauth/v2/keys                      the RS256 signing key (JWKS)
//	/oidc/v1/userinfo                   claims for an access token
//	/oidc/v1/end_session                logout; ends the Zitadel session named by the ID token's sid
//	/oauth/v2/introspect, /oauth/v2/revoke
//
// Your login UI reads the request with OIDCService.GetAuthRequest and
// finishes it with OIDCService.CreateCallback; the code in the callback URL
// exchanges for an ID token whose sub is the session's user and whose amr
// lists the session's factors as Zitadel writes them ("pwd", "user", "otp",
// "mfa"). Token lifetimes follow the wall clock (12 h), not the server's
// Clock. The op library logs refused requests through log/slog's default
// logger.
//
// The issuer is set with WithIssuer; by default it is URL() for a started
// server and, for a server mounted on your own mux, the scheme and host each
// request arrives with.
func WithOpenIDProvider() Option { return func(c *config) { c.openIDProvider = true } }

// WithIssuer sets the OpenID provider's issuer, an http or https URL without
// query or fragment (a trailing slash is dropped), e.g. the public URL of a
// reverse proxy in front of the server. NewServer panics on an invalid
// issuer, as it does when it cannot listen.
func WithIssuer(issuer string) Option { return func(c *config) { c.issuer = issuer } }

// checkIssuer returns the normalized issuer or why it is invalid.
func checkIssuer(issuer string) (string, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("sessiontest: WithIssuer: want an http or https URL without user info, query or fragment, e.g. http://127.0.0.1:8080")
	}
	return strings.TrimRight(issuer, "/"), nil
}

// Lifetimes of what the provider issues (Zitadel's defaults).
const (
	oidcTokenLifetime = 12 * time.Hour
	oidcCodeLifetime  = 10 * time.Minute
)

// oidcProvider is the OpenID provider of a Server: the op library's HTTP
// handler over this package's storage (oidcstorage.go).
type oidcProvider struct {
	s        *Server
	provider *op.Provider
	handler  http.Handler
	key      func() (*signingKey, error)

	mu       sync.Mutex
	apps     map[string]*oidcApp
	appOrder []string
	requests map[string]*oidcRequest // by auth request id ("V2_…"); entries are immutable, replaced on change
	codes    map[string]*codeRec     // by code
	access   map[string]*accessRec   // by token id
	refresh  map[string]*refreshRec  // by refresh token id
}

func newOIDCProvider(s *Server) *oidcProvider {
	p := &oidcProvider{s: s, apps: map[string]*oidcApp{}, requests: map[string]*oidcRequest{},
		codes: map[string]*codeRec{}, access: map[string]*accessRec{}, refresh: map[string]*refreshRec{}}
	p.key = sync.OnceValues(newSigningKey)
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		panic("sessiontest: crypto/rand failed") // cannot happen on supported platforms
	}
	cfg := &op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: "/logout/done",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		SupportedScopes:          []string{"openid", "profile", "email", "phone", "address", "offline_access"},
	}
	issuer := func(bool) (op.IssuerFromRequest, error) { return p.issuerFor, nil }
	prov, err := op.NewProvider(cfg, &oidcStorage{p: p}, issuer, op.WithAllowInsecure(), op.WithCORSOptions(nil))
	if err != nil {
		panic("sessiontest: creating the OpenID provider: " + err.Error())
	}
	p.provider = prov
	endpoints := op.Endpoints{
		Authorization: op.NewEndpoint("/oauth/v2/authorize"),
		Token:         op.NewEndpoint("/oauth/v2/token"),
		Introspection: op.NewEndpoint("/oauth/v2/introspect"),
		Userinfo:      op.NewEndpoint("/oidc/v1/userinfo"),
		Revocation:    op.NewEndpoint("/oauth/v2/revoke"),
		EndSession:    op.NewEndpoint("/oidc/v1/end_session"),
		JwksURI:       op.NewEndpoint("/oauth/v2/keys"),
	}
	srv := &opServer{LegacyServer: op.NewLegacyServer(prov, endpoints), p: p}
	// The Login V1 callback (/oauth/v2/authorize/callback) does not exist
	// for Login V2 apps: the login UI finishes with CreateCallback.
	noV1Callback := func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
	// CORS is the server's own (cors.go), around every route.
	p.handler = op.RegisterLegacyServer(srv, noV1Callback, op.WithServerCORSOptions(nil))
	return p
}

// issuerFor is the issuer of a request: WithIssuer's, else the URL of a
// started server, else the scheme and host the request arrived with.
func (p *oidcProvider) issuerFor(r *http.Request) string {
	if p.s.cfg.issuer != "" {
		return p.s.cfg.issuer
	}
	if p.s.url != "" {
		return p.s.url
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// mount installs the provider's endpoints on mux.
func (p *oidcProvider) mount(mux *http.ServeMux) {
	mux.Handle("/.well-known/openid-configuration", p.handler)
	mux.Handle("/oauth/v2/", p.handler)
	mux.Handle("/oidc/v1/", p.handler)
}

// oidcApp is a registered application, as the op library sees it.
type oidcApp struct{ a Application }

var _ op.Client = (*oidcApp)(nil)

func (c *oidcApp) GetID() string                    { return c.a.ClientID }
func (c *oidcApp) RedirectURIs() []string           { return c.a.RedirectURIs }
func (c *oidcApp) PostLogoutRedirectURIs() []string { return c.a.PostLogoutRedirectURIs }
func (c *oidcApp) LoginURL(id string) string {
	return c.a.LoginBaseURI + "/login?authRequest=" + url.QueryEscape(id)
}
func (c *oidcApp) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *oidcApp) IDTokenLifetime() time.Duration      { return oidcTokenLifetime }
func (c *oidcApp) DevMode() bool                       { return true }
func (c *oidcApp) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *oidcApp) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed keeps every requested scope, as Zitadel shows them in
// GetAuthRequest (urn:zitadel:… scopes included).
func (c *oidcApp) IsScopeAllowed(string) bool           { return true }
func (c *oidcApp) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *oidcApp) ClockSkew() time.Duration             { return 0 }

func (c *oidcApp) ApplicationType() op.ApplicationType {
	if c.a.ClientSecret != "" {
		return op.ApplicationTypeWeb
	}
	return op.ApplicationTypeUserAgent
}

func (c *oidcApp) AuthMethod() oidc.AuthMethod {
	if c.a.ClientSecret != "" {
		return oidc.AuthMethodBasic
	}
	return oidc.AuthMethodNone
}

func (c *oidcApp) ResponseTypes() []oidc.ResponseType {
	out := make([]oidc.ResponseType, len(c.a.ResponseTypes))
	for i, rt := range c.a.ResponseTypes {
		out[i] = oidc.ResponseType(rt)
	}
	return out
}

func (c *oidcApp) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, len(c.a.GrantTypes))
	for i, gt := range c.a.GrantTypes {
		out[i] = oidc.GrantType(gt)
	}
	return out
}

// secretMatches compares a presented client secret in constant time.
func (c *oidcApp) secretMatches(secret string) bool {
	return subtle.ConstantTimeCompare([]byte(c.a.ClientSecret), []byte(secret)) == 1
}

func (p *oidcProvider) addApplication(a Application) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, dup := p.apps[a.ClientID]; dup {
		return errors.New("sessiontest: AddApplication: Application.ClientID: is already registered")
	}
	p.apps[a.ClientID] = &oidcApp{a: a}
	p.appOrder = append(p.appOrder, a.ClientID)
	return nil
}

func (p *oidcProvider) applications() []Application {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Application, 0, len(p.appOrder))
	for _, id := range p.appOrder {
		a := p.apps[id].a
		a.RedirectURIs = slices.Clone(a.RedirectURIs)
		a.PostLogoutRedirectURIs = slices.Clone(a.PostLogoutRedirectURIs)
		a.ResponseTypes = slices.Clone(a.ResponseTypes)
		a.GrantTypes = slices.Clone(a.GrantTypes)
		out = append(out, a)
	}
	return out
}

func (p *oidcProvider) app(clientID string) *oidcApp {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.apps[clientID]
}

// signingKey is the provider's RSA key; its kid is an 18-digit id, as
// Zitadel's are.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newSigningKey() (*signingKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingKey{id: randomNumericID(), key: k}, nil
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is the JWKS entry of a signingKey.
type publicKey struct{ k *signingKey }

func (k publicKey) ID() string                         { return k.k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.k.key.PublicKey }

// opServer adapts the op library's LegacyServer to Zitadel's observed
// answers where they differ (authorize errors as JSON instead of redirects,
// Zitadel's error descriptions at the token and userinfo endpoints).
type opServer struct {
	*op.LegacyServer
	p *oidcProvider
}

// VerifyAuthRequest runs every check of the authorize endpoint before the
// request is stored, so that each refusal is answered directly as JSON (as
// Zitadel does), never as a redirect to the client.
func (o *opServer) VerifyAuthRequest(ctx context.Context, r *op.Request[oidc.AuthRequest]) (*op.ClientRequest[oidc.AuthRequest], error) {
	ar := r.Data
	if ar.RequestParam != "" {
		return nil, oidc.ErrRequestNotSupported()
	}
	if ar.ClientID == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("auth request is missing client_id")
	}
	app := o.p.app(ar.ClientID)
	if app == nil {
		return nil, oidc.ErrInvalidRequest().WithDescription("Errors.App.NotFound")
	}
	if ar.RedirectURI == "" {
		return nil, op.NewStatusError(oidc.ErrServerError().WithDescription("auth request is missing redirect_uri"), http.StatusInternalServerError)
	}
	if err := op.ValidateAuthReqRedirectURI(app, ar.RedirectURI, ar.ResponseType); err != nil {
		return nil, err
	}
	maxAge, err := op.ValidateAuthReqPrompt(ar.Prompt, ar.MaxAge)
	if err != nil {
		return nil, err
	}
	ar.MaxAge = maxAge
	if ar.Scopes, err = op.ValidateAuthReqScopes(app, ar.Scopes); err != nil {
		return nil, err
	}
	if err := op.ValidateAuthReqResponseType(app, ar.ResponseType); err != nil {
		return nil, err
	}
	if err := op.ValidateAuthReqCodeChallengeMethod(ar.CodeChallenge, ar.CodeChallengeMethod); err != nil {
		return nil, err
	}
	if app.a.PKCERequired && ar.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("The code_challenge is missing. This application requires PKCE (code_challenge with code_challenge_method S256).")
	}
	return &op.ClientRequest[oidc.AuthRequest]{Request: r, Client: app}, nil
}

// Authorize stores the auth request and redirects to the application's
// login UI. A valid id_token_hint names the user (hintUserId); an invalid
// one is dropped silently, as Zitadel does.
func (o *opServer) Authorize(ctx context.Context, r *op.ClientRequest[oidc.AuthRequest]) (*op.Redirect, error) {
	var hintUser string
	if r.Data.IDTokenHint != "" {
		if sub, err := op.ValidateAuthReqIDTokenHint(ctx, r.Data.IDTokenHint, o.p.provider.IDTokenHintVerifier(ctx)); err == nil {
			hintUser = sub
		}
	}
	req := o.p.createRequest(ctx, r.Data, hintUser, r.Header.Get("x-zitadel-login-client"))
	return op.NewRedirect(r.Client.LoginURL(req.id)), nil
}

// VerifyClient authenticates the client at the token, introspection and
// revocation endpoints with Zitadel's error descriptions.
func (o *opServer) VerifyClient(ctx context.Context, r *op.Request[op.ClientCredentials]) (op.Client, error) {
	if r.Data.ClientAssertion != "" {
		return nil, oidc.ErrInvalidClient().WithDescription("auth_method private_key_jwt not supported")
	}
	app := o.p.app(r.Data.ClientID)
	if app == nil {
		return nil, oidc.ErrInvalidClient().WithDescription("no active client not found")
	}
	if app.a.ClientSecret == "" {
		return app, nil
	}
	if r.Data.ClientSecret == "" {
		return nil, oidc.ErrInvalidClient().WithDescription("empty client secret")
	}
	if !app.secretMatches(r.Data.ClientSecret) {
		return nil, oidc.ErrInvalidClient().WithDescription("invalid secret")
	}
	return app, nil
}

// CodeExchange redeems an authorization code. A wrong code_verifier or
// redirect_uri leaves the code usable, as in Zitadel.
func (o *opServer) CodeExchange(ctx context.Context, r *op.ClientRequest[oidc.AccessTokenRequest]) (*op.Response, error) {
	authReq, err := o.p.requestByCode(r.Data.Code)
	if err != nil {
		return nil, err
	}
	if r.Client.AuthMethod() == oidc.AuthMethodNone || r.Data.CodeVerifier != "" {
		if err := op.AuthorizeCodeChallenge(r.Data.CodeVerifier, authReq.GetCodeChallenge()); err != nil {
			return nil, err
		}
	}
	if r.Client.GetID() != authReq.GetClientID() {
		return nil, oidc.ErrInvalidGrant().WithDescription("the code was issued to another client")
	}
	if r.Data.RedirectURI != authReq.GetRedirectURI() {
		return nil, oidc.ErrInvalidGrant().WithDescription("redirect_uri does not correspond")
	}
	resp, err := o.p.tokenResponse(ctx, authReq, r.Client, "")
	if err != nil {
		return nil, err
	}
	return op.NewResponse(resp), nil
}

// RefreshToken redeems a refresh token and rotates it.
func (o *opServer) RefreshToken(ctx context.Context, r *op.ClientRequest[oidc.RefreshTokenRequest]) (*op.Response, error) {
	grant, err := o.p.refreshGrant(r.Data.RefreshToken)
	if err != nil {
		return nil, err
	}
	if r.Client.GetID() != grant.GetClientID() {
		return nil, oidc.ErrInvalidGrant().WithDescription("the refresh token was issued to another client")
	}
	if err := op.ValidateRefreshTokenScopes(r.Data.Scopes, grant); err != nil {
		return nil, err
	}
	resp, err := o.p.tokenResponse(ctx, grant, r.Client, r.Data.RefreshToken)
	if err != nil {
		return nil, err
	}
	return op.NewResponse(resp), nil
}

// tokenResponse issues the tokens of a code or refresh grant with the keys
// Zitadel answers with (access_token, token_type, refresh_token when
// offline_access was granted, expires_in, id_token; no scope, no state, no
// c_hash in the ID token), using the op library's token functions.
func (p *oidcProvider) tokenResponse(ctx context.Context, req op.IDTokenRequest, client op.Client, refreshToken string) (*oidc.AccessTokenResponse, error) {
	tr, ok := req.(op.TokenRequest)
	if !ok {
		return nil, oidc.ErrServerError()
	}
	access, newRefresh, validity, err := op.CreateAccessToken(ctx, tr, client.AccessTokenType(), p.provider, client, refreshToken)
	if err != nil {
		return nil, err
	}
	idToken, err := op.CreateIDToken(ctx, op.IssuerFromContext(ctx), req, client.IDTokenLifetime(), access, "", p.provider.Storage(), client)
	if err != nil {
		return nil, err
	}
	if ar, ok := req.(*oidcRequest); ok {
		if err := p.provider.Storage().DeleteAuthRequest(ctx, ar.id); err != nil {
			return nil, err
		}
	}
	return &oidc.AccessTokenResponse{AccessToken: access, TokenType: oidc.BearerToken, RefreshToken: newRefresh,
		ExpiresIn: uint64(validity.Seconds()), IDToken: idToken}, nil
}

// UserInfo answers 401 for any token that is not a live access token.
func (o *opServer) UserInfo(ctx context.Context, r *op.Request[oidc.UserInfoRequest]) (*op.Response, error) {
	invalid := op.NewStatusError(oidc.ErrAccessDenied().WithDescription("access token invalid"), http.StatusUnauthorized)
	tokenID, subject, ok := o.p.decodeAccessToken(r.Data.AccessToken)
	if !ok {
		return nil, invalid
	}
	info := new(oidc.UserInfo)
	if err := (&oidcStorage{p: o.p}).SetUserinfoFromToken(ctx, info, tokenID, subject, ""); err != nil {
		return nil, invalid
	}
	return op.NewResponse(info), nil
}

// decodeAccessToken returns the token id and subject of an opaque access
// token issued by this provider.
func (p *oidcProvider) decodeAccessToken(token string) (id, subject string, ok bool) {
	if token == "" {
		return "", "", false
	}
	plain, err := p.provider.Crypto().Decrypt(token)
	if err != nil {
		return "", "", false
	}
	id, subject, ok = strings.Cut(plain, ":")
	return id, subject, ok && id != "" && subject != ""
}

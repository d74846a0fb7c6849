package sessiontest

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// oidcRequest is an auth request created by /oauth/v2/authorize. Values are
// immutable once stored: a change stores a modified copy, so the op library
// may read one without locks.
type oidcRequest struct {
	id          string
	created     time.Time
	issuer      string // the issuer the browser used at authorize
	loginClient string // x-zitadel-login-client of the authorize request ("" = none)
	hintUserID  string // sub of a valid id_token_hint
	req         oidc.AuthRequest

	// Set when CreateCallback links a session.
	done      bool
	subject   string
	sessionID string
	amr       []string
	authTime  time.Time
}

var _ op.AuthRequest = (*oidcRequest)(nil)

func (r *oidcRequest) GetID() string                      { return r.id }
func (r *oidcRequest) GetACR() string                     { return "" }
func (r *oidcRequest) GetAMR() []string                   { return r.amr }
func (r *oidcRequest) GetAudience() []string              { return []string{r.req.ClientID} }
func (r *oidcRequest) GetAuthTime() time.Time             { return r.authTime }
func (r *oidcRequest) GetClientID() string                { return r.req.ClientID }
func (r *oidcRequest) GetNonce() string                   { return r.req.Nonce }
func (r *oidcRequest) GetRedirectURI() string             { return r.req.RedirectURI }
func (r *oidcRequest) GetResponseType() oidc.ResponseType { return r.req.ResponseType }
func (r *oidcRequest) GetResponseMode() oidc.ResponseMode { return r.req.ResponseMode }
func (r *oidcRequest) GetScopes() []string                { return r.req.Scopes }
func (r *oidcRequest) GetState() string                   { return r.req.State }
func (r *oidcRequest) GetSubject() string                 { return r.subject }
func (r *oidcRequest) Done() bool                         { return r.done }
func (r *oidcRequest) session() string                    { return r.sessionID }

func (r *oidcRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if r.req.CodeChallenge == "" {
		return nil
	}
	method := r.req.CodeChallengeMethod
	if method == "" {
		method = oidc.CodeChallengeMethodPlain
	}
	return &oidc.CodeChallenge{Challenge: r.req.CodeChallenge, Method: method}
}

// codeRec is an issued authorization code.
type codeRec struct {
	requestID string
	issued    time.Time
	used      bool
}

// accessRec is an issued (opaque) access token.
type accessRec struct {
	subject, clientID, sessionID string
	scopes                       []string
	refreshID                    string // the refresh token issued with it, if any
	expires                      time.Time
}

// refreshRec is a live refresh token.
type refreshRec struct {
	subject, clientID, sessionID string
	nonce                        string // of the original auth request; Zitadel repeats it in refreshed ID tokens
	scopes, audience, amr        []string
	authTime                     time.Time
}

// refreshGrant is the op library's view of a refresh token being redeemed.
type refreshGrant struct {
	id string
	refreshRec
}

func (g *refreshGrant) GetAMR() []string             { return g.amr }
func (g *refreshGrant) GetAudience() []string        { return g.audience }
func (g *refreshGrant) GetAuthTime() time.Time       { return g.authTime }
func (g *refreshGrant) GetClientID() string          { return g.clientID }
func (g *refreshGrant) GetScopes() []string          { return g.scopes }
func (g *refreshGrant) GetSubject() string           { return g.subject }
func (g *refreshGrant) SetCurrentScopes(sc []string) { g.scopes = slices.Clone(sc) }
func (g *refreshGrant) session() string              { return g.sessionID }

// sessionBound is a token request that belongs to a Zitadel session.
type sessionBound interface{ session() string }

// createRequest stores a validated authorize request, in this package's
// auth request table (for GetAuthRequest and CreateCallback) and in the
// provider's.
func (p *oidcProvider) createRequest(ctx context.Context, ar *oidc.AuthRequest, hintUser, loginClient string) *oidcRequest {
	s := p.s
	id := "V2_" + p.newID()
	now := s.clock.Now().UTC().Truncate(time.Microsecond) // Zitadel's timestamps have µs precision
	req := &oidcRequest{id: id, created: now, issuer: op.IssuerFromContext(ctx), loginClient: loginClient,
		hintUserID: hintUser, req: *ar}
	req.req.Scopes = slices.Clone(ar.Scopes)
	req.req.Prompt = slices.Clone(ar.Prompt)
	req.req.UILocales = slices.Clone(ar.UILocales)
	req.req.IDTokenHint = "" // not kept: hintUserID holds what it proved
	p.mu.Lock()
	p.requests[id] = req
	p.mu.Unlock()
	s.mu.Lock()
	s.authRequests[id] = &authRequestRec{id: id, clientID: ar.ClientID, redirectURI: ar.RedirectURI,
		scopes: slices.Clone(ar.Scopes), loginClient: loginClient, created: now}
	s.mu.Unlock()
	return req
}

// newID returns a fresh numeric id from the server's sequence.
func (p *oidcProvider) newID() string {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	return p.s.newID()
}

func (p *oidcProvider) request(id string) *oidcRequest {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests[id]
}

// Errors of the token endpoint, with Zitadel's descriptions.
func errCodeInvalid() error {
	return oidc.ErrInvalidRequest().WithDescription("Errors.User.Code.Invalid")
}
func errCodeUsed() error {
	return oidc.ErrInvalidRequest().WithDescription("Errors.AuthRequest.NoCode")
}

// requestByCode returns the finished auth request an unused code belongs to.
func (p *oidcProvider) requestByCode(code string) (*oidcRequest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.codes[code]
	if c == nil {
		return nil, errCodeInvalid()
	}
	req := p.requests[c.requestID]
	if c.used || req == nil || !req.done || time.Since(c.issued) > oidcCodeLifetime {
		return nil, errCodeUsed()
	}
	return req, nil
}

// newRefreshToken returns an opaque refresh token for id: the provider's
// encryption of the id, so that a token of this provider that is no longer
// valid can be told from garbage, as Zitadel's errors do.
func (p *oidcProvider) newRefreshToken(id string) (string, error) {
	return p.provider.Crypto().Encrypt("rt:" + id)
}

func (p *oidcProvider) refreshID(token string) (string, bool) {
	if token == "" {
		return "", false
	}
	plain, err := p.provider.Crypto().Decrypt(token)
	if err != nil || len(plain) < 4 || plain[:3] != "rt:" {
		return "", false
	}
	return plain[3:], true
}

// refreshGrant returns the live refresh token named by token, if its
// session still exists.
func (p *oidcProvider) refreshGrant(token string) (*refreshGrant, error) {
	id, ok := p.refreshID(token)
	if !ok {
		return nil, oidc.ErrInvalidRequest().WithDescription("Errors.User.RefreshToken.Invalid")
	}
	p.mu.Lock()
	rec := p.refresh[id]
	p.mu.Unlock()
	if rec == nil || !p.s.sessionAlive(rec.sessionID) {
		return nil, oidc.ErrInvalidRequest().WithDescription("Errors.OIDCSession.RefreshTokenInvalid")
	}
	g := &refreshGrant{id: id, refreshRec: *rec}
	g.scopes = slices.Clone(rec.scopes)
	return g, nil
}

// oidcStorage implements the op library's Storage over an oidcProvider.
type oidcStorage struct{ p *oidcProvider }

var (
	_ op.Storage                        = (*oidcStorage)(nil)
	_ op.CanSetUserinfoFromRequest      = (*oidcStorage)(nil)
	_ op.CanTerminateSessionFromRequest = (*oidcStorage)(nil)
)

var errNotSupported = errors.New("not supported by sessiontest")

// CreateAuthRequest is not used: opServer.Authorize stores requests itself
// (it needs the request's headers).
func (st *oidcStorage) CreateAuthRequest(ctx context.Context, ar *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	return st.p.createRequest(ctx, ar, userID, ""), nil
}

func (st *oidcStorage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	if r := st.p.request(id); r != nil {
		return r, nil
	}
	return nil, oidc.ErrInvalidRequest().WithDescription("Errors.AuthRequest.NotFound")
}

func (st *oidcStorage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	return st.p.requestByCode(code)
}

func (st *oidcStorage) SaveAuthCode(_ context.Context, id, code string) error {
	st.p.mu.Lock()
	defer st.p.mu.Unlock()
	if st.p.requests[id] == nil {
		return oidc.ErrServerError().WithDescription("auth request vanished")
	}
	st.p.codes[code] = &codeRec{requestID: id, issued: time.Now()}
	return nil
}

// DeleteAuthRequest runs after a successful code exchange: the request and
// its code are used up.
func (st *oidcStorage) DeleteAuthRequest(_ context.Context, id string) error {
	p := st.p
	p.mu.Lock()
	delete(p.requests, id)
	for _, c := range p.codes {
		if c.requestID == id {
			c.used = true
		}
	}
	p.mu.Unlock()
	p.s.mu.Lock()
	delete(p.s.authRequests, id)
	p.s.mu.Unlock()
	return nil
}

func requestClientID(req op.TokenRequest) string {
	if c, ok := req.(interface{ GetClientID() string }); ok {
		return c.GetClientID()
	}
	return ""
}

func requestSession(req op.TokenRequest) string {
	if b, ok := req.(sessionBound); ok {
		return b.session()
	}
	return ""
}

func (st *oidcStorage) CreateAccessToken(_ context.Context, req op.TokenRequest) (string, time.Time, error) {
	id := st.p.newID()
	exp := time.Now().Add(oidcTokenLifetime)
	st.p.mu.Lock()
	st.p.access[id] = &accessRec{subject: req.GetSubject(), clientID: requestClientID(req), sessionID: requestSession(req),
		scopes: slices.Clone(req.GetScopes()), expires: exp}
	st.p.mu.Unlock()
	return id, exp, nil
}

// CreateAccessAndRefreshTokens issues an access token and a new refresh
// token; a redeemed refresh token and the access tokens issued with it stop
// working (rotation, as in Zitadel).
func (st *oidcStorage) CreateAccessAndRefreshTokens(_ context.Context, req op.TokenRequest, current string) (string, string, time.Time, error) {
	p := st.p
	rec := &refreshRec{subject: req.GetSubject(), clientID: requestClientID(req), sessionID: requestSession(req),
		scopes: slices.Clone(req.GetScopes()), audience: slices.Clone(req.GetAudience())}
	if idr, ok := req.(op.IDTokenRequest); ok {
		rec.amr, rec.authTime = slices.Clone(idr.GetAMR()), idr.GetAuthTime()
	}
	switch r := req.(type) {
	case *oidcRequest:
		rec.nonce = r.req.Nonce
	case *refreshGrant:
		rec.nonce = r.nonce
	}
	refreshID := p.newID()
	token, err := p.newRefreshToken(refreshID)
	if err != nil {
		return "", "", time.Time{}, err
	}
	accessID := p.newID()
	exp := time.Now().Add(oidcTokenLifetime)
	p.mu.Lock()
	defer p.mu.Unlock()
	if current != "" {
		if old, ok := p.refreshID(current); ok {
			delete(p.refresh, old)
			for id, a := range p.access {
				if a.refreshID == old {
					delete(p.access, id)
				}
			}
		}
	}
	p.refresh[refreshID] = rec
	p.access[accessID] = &accessRec{subject: rec.subject, clientID: rec.clientID, sessionID: rec.sessionID,
		scopes: slices.Clone(rec.scopes), refreshID: refreshID, expires: exp}
	return accessID, token, exp, nil
}

func (st *oidcStorage) TokenRequestByRefreshToken(_ context.Context, token string) (op.RefreshTokenRequest, error) {
	return st.p.refreshGrant(token)
}

// TerminateSession is not used (TerminateSessionFromRequest is).
func (st *oidcStorage) TerminateSession(context.Context, string, string) error { return nil }

// TerminateSessionFromRequest ends the Zitadel session named by the
// id_token_hint's sid, as Zitadel does. Without a hint, Zitadel hands the
// logout to the login UI: <login base>/logout?logout_token=<JWT>&post_logout_redirect=<uri>.
func (st *oidcStorage) TerminateSessionFromRequest(ctx context.Context, req *op.EndSessionRequest) (string, error) {
	p := st.p
	if req.IDTokenHintClaims != nil {
		if sid := req.IDTokenHintClaims.SessionID; sid != "" {
			p.s.terminateSession(sid)
		}
		p.revokeSession(req.IDTokenHintClaims.SessionID)
		return req.RedirectURI, nil
	}
	base := "/ui/v2/login"
	if app := p.app(req.ClientID); app != nil {
		base = app.a.LoginBaseURI
	}
	key, err := p.key()
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	signer, err := op.SignerFromKey(key)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	payload, _ := json.Marshal(map[string]string{"post_logout_redirect_uri": req.RedirectURI})
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	logoutToken, err := jws.CompactSerialize()
	if err != nil {
		return "", oidc.ErrServerError().WithParent(err)
	}
	return base + "/logout?" + url.Values{"logout_token": {logoutToken}, "post_logout_redirect": {req.RedirectURI}}.Encode(), nil
}

// revokeSession drops the tokens issued for a Zitadel session.
func (p *oidcProvider) revokeSession(sessionID string) {
	if sessionID == "" {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, a := range p.access {
		if a.sessionID == sessionID {
			delete(p.access, id)
		}
	}
	for id, r := range p.refresh {
		if r.sessionID == sessionID {
			delete(p.refresh, id)
		}
	}
}

func (st *oidcStorage) RevokeToken(_ context.Context, tokenOrID, _, clientID string) *oidc.Error {
	p := st.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.access[tokenOrID]; a != nil {
		if a.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(p.access, tokenOrID)
		return nil
	}
	if r := p.refresh[tokenOrID]; r != nil {
		if r.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		delete(p.refresh, tokenOrID)
	}
	return nil // RFC 7009: unknown tokens are not an error
}

func (st *oidcStorage) GetRefreshTokenInfo(_ context.Context, _ string, token string) (string, string, error) {
	id, ok := st.p.refreshID(token)
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	st.p.mu.Lock()
	defer st.p.mu.Unlock()
	r := st.p.refresh[id]
	if r == nil {
		return "", "", op.ErrInvalidRefreshToken
	}
	return r.subject, id, nil
}

func (st *oidcStorage) SigningKey(context.Context) (op.SigningKey, error) {
	k, err := st.p.key()
	if err != nil {
		return nil, err
	}
	return k, nil
}

func (st *oidcStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (st *oidcStorage) KeySet(context.Context) ([]op.Key, error) {
	k, err := st.p.key()
	if err != nil {
		return nil, err
	}
	return []op.Key{publicKey{k}}, nil
}

func (st *oidcStorage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	if app := st.p.app(clientID); app != nil {
		return app, nil
	}
	return nil, oidc.ErrInvalidClient().WithDescription("no active client not found")
}

func (st *oidcStorage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	app := st.p.app(clientID)
	switch {
	case app == nil:
		return oidc.ErrInvalidClient().WithDescription("no active client not found")
	case secret == "":
		return oidc.ErrInvalidClient().WithDescription("empty client secret")
	case app.a.ClientSecret == "" || !app.secretMatches(secret):
		return oidc.ErrInvalidClient().WithDescription("invalid secret")
	}
	return nil
}

// SetUserinfoFromScopes only names the subject: the ID token carries no
// profile or e-mail claims by default, as in Zitadel.
func (st *oidcStorage) SetUserinfoFromScopes(_ context.Context, info *oidc.UserInfo, userID, _ string, _ []string) error {
	info.Subject = userID
	return nil
}

// SetUserinfoFromRequest adds the sid claim (the Zitadel session id) to the
// ID token and, when no access token comes with it (response type
// "id_token"), the claims of the requested scopes.
func (st *oidcStorage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	info.Subject = req.GetSubject()
	if sid := requestSession(req); sid != "" {
		info.AppendClaims("sid", sid)
	}
	if g, ok := req.(*refreshGrant); ok && g.nonce != "" {
		info.AppendClaims("nonce", g.nonce)
	}
	if r, ok := req.(*oidcRequest); ok && r.req.ResponseType == oidc.ResponseTypeIDTokenOnly {
		st.p.s.fillUserinfo(info, req.GetSubject(), scopes)
	}
	return nil
}

// liveAccess returns the access token tokenID of subject if it has not
// expired and its session still exists, else nil.
func (p *oidcProvider) liveAccess(tokenID, subject string) *accessRec {
	p.mu.Lock()
	a := p.access[tokenID]
	p.mu.Unlock()
	if a == nil || a.subject != subject || time.Now().After(a.expires) || !p.s.sessionAlive(a.sessionID) {
		return nil
	}
	return a
}

// SetUserinfoFromToken answers /oidc/v1/userinfo: the access token must be
// live and its session must still exist.
func (st *oidcStorage) SetUserinfoFromToken(_ context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	p := st.p
	a := p.liveAccess(tokenID, subject)
	if a == nil {
		return oidc.ErrAccessDenied().WithDescription("access token invalid")
	}
	info.Subject = subject
	p.s.fillUserinfo(info, subject, a.scopes)
	return nil
}

func (st *oidcStorage) SetIntrospectionFromToken(_ context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	p := st.p
	a := p.liveAccess(tokenID, subject)
	if a == nil {
		return oidc.ErrAccessDenied().WithDescription("access token invalid")
	}
	info := &oidc.UserInfo{Subject: subject}
	p.s.fillUserinfo(info, subject, a.scopes)
	resp.SetUserInfo(info)
	resp.Scope = slices.Clone(a.scopes)
	resp.ClientID = a.clientID
	resp.Audience = []string{a.clientID}
	resp.Expiration = oidc.FromTime(a.expires)
	return nil
}

func (st *oidcStorage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (st *oidcStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotSupported
}

func (st *oidcStorage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotSupported
}

func (st *oidcStorage) Health(context.Context) error { return nil }

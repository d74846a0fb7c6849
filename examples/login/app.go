package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// demoApp is the relying party of the demo: an application that signs its
// users in through Zitadel, and so through the login service, with the
// authorization code flow and PKCE (github.com/zitadel/oidc/v3's rp on
// golang.org/x/oauth2), and shows the claims of the verified ID token.
type demoApp struct {
	rp    rp.RelyingParty
	views *views
	log   *slog.Logger
	// hint, when set, describes the stand-in's demo users on the home page.
	hint func() *standInHint
}

// appPath is where the demo app is mounted.
const appPath = "/app"

// newDemoApp discovers the OpenID provider at issuer and returns the app.
// redirectURI must be registered for clientID (a public client: no secret,
// PKCE).
func newDemoApp(ctx context.Context, issuer, clientID, redirectURI string, secure bool, hc *http.Client, vs *views, log *slog.Logger) (*demoApp, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // the state and PKCE cookies only live for one login
	cookieOpts := []httphelper.CookieHandlerOpt{httphelper.WithPath(appPath), httphelper.WithMaxAge(int((15 * time.Minute).Seconds()))}
	if !secure {
		cookieOpts = append(cookieOpts, httphelper.WithUnsecure())
	}
	cookies := httphelper.NewCookieHandler(key, key, cookieOpts...)
	a := &demoApp{views: vs, log: log}
	party, err := rp.NewRelyingPartyOIDC(ctx, issuer, clientID, "", redirectURI,
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail},
		rp.WithPKCE(cookies), rp.WithHTTPClient(hc), rp.WithErrorHandler(a.loginFailed),
		rp.WithVerifierOpts(rp.WithIssuedAtOffset(5*time.Second)))
	if err != nil {
		return nil, err
	}
	a.rp = party
	return a, nil
}

// handler serves the app at appPath.
func (a *demoApp) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+appPath, a.home)
	mux.Handle("GET "+appPath+"/login", rp.AuthURLHandler(randomState, a.rp))
	mux.Handle("GET "+appPath+"/callback", rp.CodeExchangeHandler(a.signedIn, a.rp))
	return securityHeaders(mux)
}

func randomState() string { return rand.Text() }

// claimsView is what the app shows of the verified ID token.
type claimsView struct {
	Subject  string
	AMR      []string
	AuthTime string
	Issuer   string
	All      string // every claim, as indented JSON
}

// home offers to sign in.
func (a *demoApp) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, view{Title: "Demo app"})
}

// signedIn runs after rp exchanged the code (with the PKCE verifier) and
// verified the ID token's signature, issuer, audience, expiry and nonce.
func (a *demoApp) signedIn(w http.ResponseWriter, r *http.Request, tokens *oidc.Tokens[*oidc.IDTokenClaims], _ string, _ rp.RelyingParty) {
	c := tokens.IDTokenClaims
	all, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		a.render(w, http.StatusInternalServerError, view{Title: "Demo app", Error: "The ID token's claims cannot be shown."})
		return
	}
	v := &claimsView{Subject: c.Subject, AMR: c.AuthenticationMethodsReferences, Issuer: c.Issuer, All: string(all)}
	if !c.AuthTime.AsTime().IsZero() {
		v.AuthTime = c.AuthTime.AsTime().UTC().Format(time.RFC3339)
	}
	a.render(w, http.StatusOK, view{Title: "Signed in", Claims: v})
}

// loginFailed shows an OAuth error sent back to the app (e.g.
// login_required).
func (a *demoApp) loginFailed(w http.ResponseWriter, _ *http.Request, errorType, description, _ string) {
	msg := "Sign-in failed: " + errorType
	if description != "" {
		msg += " (" + description + ")"
	}
	a.render(w, http.StatusUnauthorized, view{Title: "Demo app", Error: msg})
}

func (a *demoApp) render(w http.ResponseWriter, status int, v view) {
	if a.hint != nil && v.Claims == nil {
		v.Hint = a.hint()
	}
	a.views.render(w, status, "app", v)
}

package sessiontest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// The whole login loop against the OpenID provider: the application sends
// the browser to /oauth/v2/authorize, the login UI checks the user and
// finishes with CreateCallback, the application exchanges the code for an ID
// token it verifies with the provider's published key.
func ExampleWithOpenIDProvider() {
	srv := sessiontest.NewServer(sessiontest.WithOpenIDProvider())
	defer srv.Close()
	_ = srv.AddUser(sessiontest.User{ID: "u1", LoginName: "alice@example.com", Password: "Password1!"})
	_ = srv.AddAccessToken("login-client", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite)
	_ = srv.AddApplication(sessiontest.Application{ClientID: "my-app",
		RedirectURIs: []string{"http://localhost:4000/callback"}, LoginBaseURI: "http://localhost:3000/ui/v2/login"})
	ctx := context.Background()

	// The application starts a login (PKCE). The browser lands on the login UI.
	verifier := oauth2.GenerateVerifier()
	app := &oauth2.Config{ClientID: "my-app", RedirectURL: "http://localhost:4000/callback", Scopes: []string{"openid"},
		Endpoint: oauth2.Endpoint{AuthURL: srv.URL() + "/oauth/v2/authorize", TokenURL: srv.URL() + "/oauth/v2/token"}}
	browser := srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := browser.Get(app.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier)))
	if err != nil {
		fmt.Println(err)
		return
	}
	res.Body.Close()
	login, _ := url.Parse(res.Header.Get("Location"))
	authRequestID := login.Query().Get("authRequest")
	fmt.Println("login UI:", login.Host+login.Path, strings.HasPrefix(authRequestID, "V2_"))

	// The login UI checks the user and finishes the auth request.
	cl := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL()))
	lctx := withBearer(ctx, "login-client")
	s, err := sessionv2connect.NewSessionServiceClient(cl).CreateSession(lctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice@example.com"}},
		Password: &sessionv2.CheckPassword{Password: "Password1!"},
	}})
	if err != nil {
		fmt.Println(err)
		return
	}
	cb, err := oidcv2connect.NewOIDCServiceClient(cl).CreateCallback(lctx, &oidcv2.CreateCallbackRequest{AuthRequestId: authRequestID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	callback, _ := url.Parse(cb.GetCallbackUrl())

	// The application exchanges the code and verifies the ID token.
	tok, err := app.Exchange(context.WithValue(ctx, oauth2.HTTPClient, srv.Client()), callback.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		fmt.Println(err)
		return
	}
	party, err := rp.NewRelyingPartyOIDC(ctx, srv.URL(), "my-app", "", app.RedirectURL, app.Scopes, rp.WithHTTPClient(srv.Client()))
	if err != nil {
		fmt.Println(err)
		return
	}
	claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](ctx, tok.Extra("id_token").(string), party.IDTokenVerifier())
	if err != nil {
		fmt.Println(err)
		return
	}
	amr, _ := json.Marshal(claims.AuthenticationMethodsReferences)
	fmt.Println("state:", callback.Query().Get("state"), "sub:", claims.Subject, "amr:", string(amr))
	// Output:
	// login UI: localhost:3000/ui/v2/login/login true
	// state: state-1 sub: u1 amr: ["pwd"]
}

package main

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// tryVerifier is the PKCE code verifier of the printed authorize URL of an
// application that requires PKCE: an example, not a secret.
const tryVerifier = "try-it-locally-pkce-verifier-0123456789abcdef"

// quietOIDCLogs keeps the OpenID library's informational logs (route
// registration) off the terminal; refused OIDC requests are still logged to
// w as warnings, which helps when a login UI gets a flow wrong.
func quietOIDCLogs(w io.Writer) {
	slog.SetDefault(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn})))
}

// printOpenIDProvider tells on stderr where the OpenID provider is and, for
// each application of the seed, how to start a login: the authorize URL to
// open in a browser. Client secrets are never printed.
func (a *app) printOpenIDProvider(srv *sessiontest.Server, base string) {
	apps := srv.Applications()
	fmt.Fprintf(a.stderr, "OpenID provider: issuer %s (the URL you reach this server at), discovery %s/.well-known/openid-configuration\n", base, base)
	for _, app := range apps {
		kind := "public client: PKCE, no secret"
		if app.ClientSecret != "" {
			kind = "confidential client: client secret from the seed"
		}
		fmt.Fprintf(a.stderr, "application %s (%s)\n", app.ClientID, kind)
		fmt.Fprintf(a.stderr, "  login UI      %s/login?authRequest=V2_<id>\n", app.LoginBaseURI)
		fmt.Fprintf(a.stderr, "  redirect URIs %s\n", strings.Join(app.RedirectURIs, " "))
		q := url.Values{"client_id": {app.ClientID}, "redirect_uri": {app.RedirectURIs[0]}, "response_type": {app.ResponseTypes[0]},
			"scope": {"openid profile email"}, "state": {"try-1"}, "nonce": {"try-1"}}
		if app.PKCERequired {
			q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(tryVerifier))
			q.Set("code_challenge_method", "S256")
		}
		fmt.Fprintf(a.stderr, "  try           %s/oauth/v2/authorize?%s\n", base, q.Encode())
		if app.PKCERequired {
			fmt.Fprintf(a.stderr, "  code_verifier %s (for the token request; use your own in an app)\n", tryVerifier)
		}
	}
	if len(apps) == 0 {
		fmt.Fprintln(a.stderr, "no applications in the seed: add \"applications\" to start logins (see the README)")
	}
}

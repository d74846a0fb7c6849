package sessiontest

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// Application is an OIDC application (a client) of the server's OpenID
// provider (see WithOpenIDProvider), like a Zitadel OIDC app that uses
// Login V2: its authorize requests are sent to LoginBaseURI, where your login
// UI finishes them with the Session API and OIDCService.CreateCallback.
//
// Every application runs in Zitadel's development mode: http:// redirect URIs
// are accepted.
type Application struct {
	// ClientID identifies the application (required, unique, no spaces).
	ClientID string
	// ClientSecret makes the application confidential: at the token endpoint
	// it authenticates with client_secret_basic or client_secret_post.
	// Empty makes it a public client (auth method "none"), which should use
	// PKCE.
	ClientSecret string
	// RedirectURIs are the exact redirect_uri values /oauth/v2/authorize
	// accepts (at least one absolute URL).
	RedirectURIs []string
	// PostLogoutRedirectURIs are the post_logout_redirect_uri values
	// /oidc/v1/end_session accepts (absolute URLs).
	PostLogoutRedirectURIs []string
	// LoginBaseURI is the base URI of your login UI (required): the
	// authorize endpoint redirects the browser to
	// LoginBaseURI + "/login?authRequest=V2_<id>". An absolute http(s) URL,
	// or a path starting with "/" for a login UI on the same host.
	LoginBaseURI string
	// ResponseTypes the application may request: "code" (the default when
	// empty), "id_token" and "id_token token" (implicit flow).
	ResponseTypes []string
	// GrantTypes the application may use: "authorization_code" (the default
	// when empty), "refresh_token" and "implicit".
	GrantTypes []string
	// PKCERequired makes /oauth/v2/authorize refuse a request without
	// code_challenge. Zitadel itself accepts such requests even from public
	// clients, so this is off by default.
	PKCERequired bool
}

// String describes the application without its client secret.
func (a Application) String() string {
	secret := ""
	if a.ClientSecret != "" {
		secret = " secret:<redacted>"
	}
	return fmt.Sprintf("Application{ClientID:%q%s RedirectURIs:%q LoginBaseURI:%q ResponseTypes:%q GrantTypes:%q PKCERequired:%v}",
		a.ClientID, secret, a.RedirectURIs, a.LoginBaseURI, a.ResponseTypes, a.GrantTypes, a.PKCERequired)
}

// Application field names, Go and JSON, for error messages.
var appFieldJSON = map[string]string{
	"ClientID": "clientId", "ClientSecret": "clientSecret", "RedirectURIs": "redirectUris",
	"PostLogoutRedirectURIs": "postLogoutRedirectUris", "LoginBaseURI": "loginBaseUri",
	"ResponseTypes": "responseTypes", "GrantTypes": "grantTypes",
}

// appError is a problem with one field of an Application.
type appError struct {
	field string // Go field name, with an index suffix for list entries ("RedirectURIs[1]")
	msg   string
}

func (e *appError) Error() string { return e.field + ": " + e.msg }

// jsonField returns the field as named in a seed file ("redirectUris[1]").
func (e *appError) jsonField() string {
	name, idx, _ := strings.Cut(e.field, "[")
	if j, ok := appFieldJSON[name]; ok {
		name = j
	}
	if idx != "" {
		return name + "[" + idx
	}
	return name
}

var (
	knownResponseTypes = []string{"code", "id_token", "id_token token"}
	knownGrantTypes    = []string{"authorization_code", "refresh_token", "implicit"}
)

// normalized returns a copy of a with defaults applied, or the first
// problem found.
func (a Application) normalized() (Application, *appError) {
	if a.ClientID == "" {
		return a, &appError{"ClientID", "is required"}
	}
	if strings.IndexFunc(a.ClientID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 || len(a.ClientID) > 200 {
		return a, &appError{"ClientID", "must be at most 200 characters without spaces or control characters"}
	}
	if strings.IndexFunc(a.ClientSecret, unicode.IsControl) >= 0 {
		return a, &appError{"ClientSecret", "must not contain control characters"}
	}
	if len(a.RedirectURIs) == 0 {
		return a, &appError{"RedirectURIs", "at least one redirect URI is required"}
	}
	for i, u := range a.RedirectURIs {
		if msg := checkAbsoluteURI(u); msg != "" {
			return a, &appError{fmt.Sprintf("RedirectURIs[%d]", i), msg}
		}
	}
	for i, u := range a.PostLogoutRedirectURIs {
		if msg := checkAbsoluteURI(u); msg != "" {
			return a, &appError{fmt.Sprintf("PostLogoutRedirectURIs[%d]", i), msg}
		}
	}
	base := strings.TrimRight(a.LoginBaseURI, "/")
	switch {
	case a.LoginBaseURI == "":
		return a, &appError{"LoginBaseURI", "is required (the base URI of your login UI, e.g. http://localhost:3000/ui/v2/login)"}
	case strings.HasPrefix(a.LoginBaseURI, "/") && !strings.HasPrefix(a.LoginBaseURI, "//"):
		if strings.ContainsAny(a.LoginBaseURI, "?#") || strings.IndexFunc(a.LoginBaseURI, unicode.IsControl) >= 0 {
			return a, &appError{"LoginBaseURI", "a path must not contain a query, a fragment or control characters"}
		}
	default:
		if msg := checkAbsoluteURI(a.LoginBaseURI); msg != "" {
			return a, &appError{"LoginBaseURI", msg + " (or a path starting with /)"}
		}
		if u, _ := url.Parse(a.LoginBaseURI); u.RawQuery != "" || (u.Scheme != "http" && u.Scheme != "https") {
			return a, &appError{"LoginBaseURI", "must be an http or https URL without a query"}
		}
	}
	a.LoginBaseURI = base
	if len(a.ResponseTypes) == 0 {
		a.ResponseTypes = []string{"code"}
	}
	if len(a.GrantTypes) == 0 {
		a.GrantTypes = []string{"authorization_code"}
	}
	for i, rt := range a.ResponseTypes {
		if !slices.Contains(knownResponseTypes, rt) {
			return a, &appError{fmt.Sprintf("ResponseTypes[%d]", i), `unknown response type (want "code", "id_token" or "id_token token")`}
		}
	}
	for i, gt := range a.GrantTypes {
		if !slices.Contains(knownGrantTypes, gt) {
			return a, &appError{fmt.Sprintf("GrantTypes[%d]", i), `unknown grant type (want "authorization_code", "refresh_token" or "implicit")`}
		}
	}
	if slices.Contains(a.ResponseTypes, "code") && !slices.Contains(a.GrantTypes, "authorization_code") {
		return a, &appError{"GrantTypes", `response type "code" needs the grant type "authorization_code"`}
	}
	if (slices.Contains(a.ResponseTypes, "id_token") || slices.Contains(a.ResponseTypes, "id_token token")) && !slices.Contains(a.GrantTypes, "implicit") {
		return a, &appError{"GrantTypes", `response types "id_token" and "id_token token" need the grant type "implicit"`}
	}
	a.RedirectURIs = slices.Clone(a.RedirectURIs)
	a.PostLogoutRedirectURIs = slices.Clone(a.PostLogoutRedirectURIs)
	a.ResponseTypes = slices.Clone(a.ResponseTypes)
	a.GrantTypes = slices.Clone(a.GrantTypes)
	return a, nil
}

// checkAbsoluteURI returns why u is not an absolute URI usable as a
// redirect target, or "". The value itself is not repeated: errors name the
// field instead, so that they never echo seed contents.
func checkAbsoluteURI(u string) string {
	if strings.IndexFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "must not contain spaces or control characters"
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Opaque != "" || (p.Host == "" && (p.Scheme == "http" || p.Scheme == "https")) {
		return "is not an absolute URL"
	}
	if p.Fragment != "" || strings.Contains(u, "#") {
		return "must not contain a fragment"
	}
	return ""
}

// AddApplication registers an OIDC application with the server's OpenID
// provider. The server must have been created with WithOpenIDProvider.
// Invalid fields are reported by name and nothing is added.
func (s *Server) AddApplication(app Application) error {
	if s.oidc == nil {
		return errors.New("sessiontest: AddApplication: the server has no OpenID provider (create it with WithOpenIDProvider)")
	}
	a, err := app.normalized()
	if err != nil {
		return fmt.Errorf("sessiontest: AddApplication: Application.%s: %s", err.field, err.msg)
	}
	return s.oidc.addApplication(a)
}

// Applications returns the registered applications, in the order they were
// added.
func (s *Server) Applications() []Application {
	if s.oidc == nil {
		return nil
	}
	return s.oidc.applications()
}

// SeedApplication is an OIDC application in a Seed. See Application for the
// meaning of the fields.
type SeedApplication struct {
	ClientID               string   `json:"clientId"`
	ClientSecret           string   `json:"clientSecret,omitempty"`
	RedirectURIs           []string `json:"redirectUris"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectUris"`
	LoginBaseURI           string   `json:"loginBaseUri"`
	ResponseTypes          []string `json:"responseTypes"`
	GrantTypes             []string `json:"grantTypes"`
	PKCERequired           bool     `json:"pkceRequired,omitempty"`
}

// String describes the seed entry without its client secret.
func (sa SeedApplication) String() string { return sa.application().String() }

func (sa SeedApplication) application() Application {
	return Application{ClientID: sa.ClientID, ClientSecret: sa.ClientSecret, RedirectURIs: sa.RedirectURIs,
		PostLogoutRedirectURIs: sa.PostLogoutRedirectURIs, LoginBaseURI: sa.LoginBaseURI,
		ResponseTypes: sa.ResponseTypes, GrantTypes: sa.GrantTypes, PKCERequired: sa.PKCERequired}
}

// checkSeedApplications validates the applications of a seed, naming the
// offending entry and field as written in the file.
func checkSeedApplications(apps []SeedApplication) error {
	seen := map[string]int{}
	for i, sa := range apps {
		if _, err := sa.application().normalized(); err != nil {
			return fmt.Errorf("applications[%d].%s: %s", i, err.jsonField(), err.msg)
		}
		if j, dup := seen[sa.ClientID]; dup {
			return fmt.Errorf("applications[%d].clientId: is already used by applications[%d]", i, j)
		}
		seen[sa.ClientID] = i
	}
	return nil
}

// applySeedApplications adds the seed's applications.
func (s *Server) applySeedApplications(apps []SeedApplication) error {
	if len(apps) > 0 && s.oidc == nil {
		return errors.New("sessiontest: ApplySeed: the seed has applications but the server has no OpenID provider (create it with WithOpenIDProvider)")
	}
	for i, sa := range apps {
		a, err := sa.application().normalized()
		if err != nil {
			return fmt.Errorf("sessiontest: ApplySeed: applications[%d].%s: %s", i, err.jsonField(), err.msg)
		}
		if err := s.oidc.addApplication(a); err != nil {
			return fmt.Errorf("sessiontest: ApplySeed: applications[%d]: %w", i, err)
		}
	}
	return nil
}

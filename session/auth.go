package session

import (
	"errors"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/credentials"
)

// tokenEndpoints returns the OpenID issuer of the configured grant and the
// address its discovery and token requests are sent to ("" for the issuer
// itself).
//
// With an instance host, requests go to the dialed base URL (as the RPCs
// do), and the issuer is the one Zitadel reports for that instance: the
// instance host with the base URL's scheme (e.g. "http://localhost:8080"
// when dialing http://127.0.0.1:8080), unless WithIssuer names another.
func tokenEndpoints(cfg *config, baseURL string) (issuer, address string) {
	issuer = cfg.issuer
	if cfg.instanceHost == "" {
		if issuer == "" {
			issuer = baseURL
		}
		return issuer, ""
	}
	if issuer == "" {
		scheme := "https"
		if u, err := url.Parse(baseURL); err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		issuer = scheme + "://" + cfg.instanceHost
	}
	return issuer, baseURL
}

// tokenSource builds the configured token source, or nil without auth.
// Discovery-based sources run discovery on their first use, so New performs
// no network I/O and a briefly unavailable Zitadel does not make New fail.
func tokenSource(cfg *config, hc *http.Client, baseURL string) (oauth2.TokenSource, error) {
	issuer, address := tokenEndpoints(cfg, baseURL)
	switch cfg.auth {
	case authTokenSource:
		if cfg.tokenSource == nil {
			return nil, errors.New("session: WithTokenSource(nil)")
		}
		return cfg.tokenSource, nil
	case authPAT:
		if cfg.pat == "" {
			return nil, errors.New("session: WithPersonalAccessToken: empty token")
		}
		return credentials.PersonalAccessToken(cfg.pat), nil
	case authClientCredentials:
		if cfg.clientID == "" || cfg.clientSecret == "" {
			return nil, errors.New("session: WithClientCredentials: empty client ID or secret")
		}
		return credentials.ClientCredentials(credentials.ClientCredentialsConfig{
			Issuer: issuer, Address: address, ClientID: cfg.clientID, ClientSecret: cfg.clientSecret,
			Scopes: cfg.scopes, HTTPClient: tokenHTTPClient(hc),
		})
	case authServiceAccountKey:
		key := cfg.saKey
		if key == nil && cfg.saKeyFile != "" {
			k, err := credentials.ServiceAccountKeyFile(cfg.saKeyFile)
			if err != nil {
				return nil, err
			}
			key = k
		}
		if key == nil {
			return nil, errors.New("session: WithServiceAccountKey(nil)")
		}
		return credentials.JWTProfile(credentials.JWTProfileConfig{
			Issuer: issuer, Address: address, Key: key, Scopes: cfg.scopes, HTTPClient: tokenHTTPClient(hc),
		})
	}
	return nil, nil
}

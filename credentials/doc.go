// Package credentials provides the OAuth 2 token sources that authenticate
// calls to Zitadel's APIs: a personal access token ([PersonalAccessToken]),
// the client credentials grant ([ClientCredentials]) and the JWT profile
// grant with a service-account key ([JWTProfile], [ParseServiceAccountKey],
// [ServiceAccountKeyFile]).
//
// They are plain [golang.org/x/oauth2.TokenSource] values: pass them to
// interceptors.Auth for a connect-go client, or to any other HTTP client.
// The grant-based sources cache their token (one token request per token
// lifetime), look up the token endpoint by OpenID discovery on first use,
// never follow a redirect to another host, port or scheme, and report every
// failure as a [*TokenError] that tells an unreachable endpoint
// ([TokenError.Transient]) from rejected credentials ([TokenError.Code]).
//
// Secrets (access tokens, client secrets, private keys) never appear in
// errors, log records or String output produced by this package.
package credentials

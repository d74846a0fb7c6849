package session

import (
	"context"
	"errors"
	"net/http"
	"sync"

	"golang.org/x/oauth2"

	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// tokenSource builds the configured token source, or nil without auth.
// Discovery-based sources are built lazily on first use, so New performs no
// network I/O and a briefly unavailable Zitadel does not make New fail.
func tokenSource(cfg *config, hc *http.Client, baseURL string) (oauth2.TokenSource, error) {
	issuer := cfg.issuer
	if issuer == "" {
		issuer = baseURL
	}
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
		return interceptors.PersonalAccessToken(cfg.pat), nil
	case authClientCredentials:
		if cfg.clientID == "" || cfg.clientSecret == "" {
			return nil, errors.New("session: WithClientCredentials: empty client ID or secret")
		}
		ccfg := interceptors.ClientCredentialsConfig{
			Issuer: issuer, ClientID: cfg.clientID, ClientSecret: cfg.clientSecret,
			Scopes: cfg.scopes, HTTPClient: tokenHTTPClient(hc),
		}
		return &lazySource{build: func(ctx context.Context) (oauth2.TokenSource, error) {
			return interceptors.ClientCredentials(ctx, ccfg)
		}}, nil
	case authServiceAccountKey:
		key := cfg.saKey
		if key == nil && cfg.saKeyFile != "" {
			k, err := interceptors.ServiceAccountKeyFile(cfg.saKeyFile)
			if err != nil {
				return nil, err
			}
			key = k
		}
		if key == nil {
			return nil, errors.New("session: WithServiceAccountKey(nil)")
		}
		jcfg := interceptors.JWTProfileConfig{Issuer: issuer, Key: key, Scopes: cfg.scopes, HTTPClient: tokenHTTPClient(hc)}
		return &lazySource{build: func(ctx context.Context) (oauth2.TokenSource, error) {
			return interceptors.JWTProfile(ctx, jcfg)
		}}, nil
	}
	return nil, nil
}

// lazySource builds its token source (OpenID discovery) on first use and
// retries the build after a failure.
type lazySource struct {
	build func(context.Context) (oauth2.TokenSource, error)
	mu    sync.Mutex
	ts    oauth2.TokenSource
}

// Token implements oauth2.TokenSource.
func (l *lazySource) Token() (*oauth2.Token, error) {
	l.mu.Lock()
	ts := l.ts
	if ts == nil {
		var err error
		ts, err = l.build(context.Background())
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		l.ts = ts
	}
	l.mu.Unlock()
	return ts.Token()
}

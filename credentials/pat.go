package credentials

import (
	"errors"
	"fmt"

	"golang.org/x/oauth2"
)

// PersonalAccessToken returns a static token source for a Zitadel personal
// access token (PAT). The token never expires from the client's point of
// view. The returned value's String method does not reveal the token; an
// empty token makes every Token call fail.
func PersonalAccessToken(token string) oauth2.TokenSource {
	return patSource{token: token}
}

type patSource struct{ token string }

// Token implements oauth2.TokenSource.
func (p patSource) Token() (*oauth2.Token, error) {
	if p.token == "" {
		return nil, errors.New("credentials: personal access token is empty")
	}
	return &oauth2.Token{AccessToken: p.token, TokenType: "Bearer"}, nil
}

// String redacts the token.
func (p patSource) String() string { return "PersonalAccessToken(" + redacted + ")" }

// GoString redacts the token.
func (p patSource) GoString() string { return p.String() }

// Format redacts the token for every verb.
func (p patSource) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, p.String()) }

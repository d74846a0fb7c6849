package main

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
)

// flow is what the login service remembers about one login between two
// pages. It lives only in the browser, in an encrypted and authenticated
// cookie: the service itself keeps no state and can run as several
// instances sharing the cookie secret.
type flow struct {
	// AuthRequest is the OIDC auth request this login finishes ("V2_…").
	AuthRequest string `json:"a"`
	// SessionID and SessionToken are the Zitadel session (a
	// session.Handle). The token is a credential and rotates with every
	// change; the cookie is rewritten each time.
	SessionID    string `json:"s"`
	SessionToken string `json:"t"`
	// Policy is what the session must prove before the login is finished:
	// one of the policy names in policies (login.go), set after the first
	// factor.
	Policy string `json:"p,omitempty"`
}

// flowCookies reads and writes the flow cookie: AES-256 encrypted and
// HMAC-SHA-256 authenticated by github.com/gorilla/securecookie, HttpOnly
// (no script can read it), SameSite=Lax (not sent on cross-site POSTs) and
// Secure when the service is reached over https.
type flowCookies struct {
	codec  *securecookie.SecureCookie
	path   string
	secure bool
	maxAge time.Duration
}

const flowCookieName = "login_flow"

// newFlowCookies derives the encryption and MAC keys from secret (at least
// 32 random bytes; every instance of the service needs the same one).
func newFlowCookies(secret []byte, path string, secure bool, maxAge time.Duration) (*flowCookies, error) {
	if len(secret) < 32 {
		return nil, errors.New("cookie secret: need at least 32 bytes")
	}
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "login flow cookie: hmac", 32)
	if err != nil {
		return nil, err
	}
	blockKey, err := hkdf.Key(sha256.New, secret, nil, "login flow cookie: aes", 32)
	if err != nil {
		return nil, err
	}
	codec := securecookie.New(hashKey, blockKey).
		SetSerializer(securecookie.JSONEncoder{}).
		MaxAge(int(maxAge.Seconds()))
	return &flowCookies{codec: codec, path: path, secure: secure, maxAge: maxAge}, nil
}

// read returns the flow of this browser. ok is false when there is none or
// when it cannot be trusted (tampered, from another key, older than
// maxAge).
func (c *flowCookies) read(r *http.Request) (f flow, ok bool) {
	ck, err := r.Cookie(flowCookieName)
	if err != nil {
		return flow{}, false
	}
	if err := c.codec.Decode(flowCookieName, ck.Value, &f); err != nil || f.SessionID == "" || f.SessionToken == "" {
		return flow{}, false
	}
	return f, true
}

// write stores f in the browser, replacing the previous cookie.
func (c *flowCookies) write(w http.ResponseWriter, f flow) error {
	v, err := c.codec.Encode(flowCookieName, f)
	if err != nil {
		return err
	}
	http.SetCookie(w, c.cookie(v, int(c.maxAge.Seconds())))
	return nil
}

// clear removes the cookie once the login is finished or abandoned.
func (c *flowCookies) clear(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie("", -1))
}

func (c *flowCookies) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: flowCookieName, Value: value, Path: c.path, MaxAge: maxAge,
		HttpOnly: true, Secure: c.secure, SameSite: http.SameSiteLaxMode,
	}
}

// randomSecret returns a fresh cookie secret (256 bits).
func randomSecret() string { return rand.Text() + rand.Text() }

package main

import (
	"net/url"
	"strings"
)

// Checks of values given to the command (flags, environment variables,
// file contents) that no library checks for it. A failure is invalid input
// (exit code 5) naming the flag or variable and the rule, never the value
// of a secret.

// validToken reports whether t can be a session or access token: 1 to 4096
// printable ASCII characters without spaces. Anything else (control
// characters, line breaks) could not be sent in a header and is not
// written to a token file.
func validToken(t string) bool {
	if t == "" || len(t) > 4096 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return false
		}
	}
	return true
}

// checkHeaderValue checks a value sent as an HTTP header (instance host,
// organization id): printable, without control characters or line breaks.
func checkHeaderValue(name, v string) error {
	if len(v) > 1024 || strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f || r > 0x7e }) {
		return invalidErrorf("%s must be printable ASCII without control characters", name)
	}
	return nil
}

// checkServerURL parses the URL of a server (--url, --issuer): an http://
// or https:// URL with a host and without user information (credentials
// never travel in a URL, and a URL can end up in error messages).
func checkServerURL(name, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalidErrorf("%s must be an http:// or https:// URL with a host, e.g. https://auth.example.com", name)
	}
	if u.User != nil {
		return nil, invalidErrorf("%s must not contain user information; use ZITADEL_TOKEN for credentials", name)
	}
	return u, nil
}

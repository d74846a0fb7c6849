package session

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sessionkit/zitadel-session-go/internal/loopback"
)

// WithCleartextCredentials allows sending credentials (personal access
// token, client secret, JWT assertion, session tokens, passwords and codes)
// over plain http:// to a host that is not a loopback address. Without it,
// [New] refuses such a URL (for the RPCs and for discovery and token
// requests) before any connection is made; loopback hosts ("localhost",
// 127.0.0.0/8, ::1) never need it.
//
// Warning: anyone on the network path can read and reuse what is sent. Use
// it only where the path is trusted end to end, e.g. between containers of
// one compose network; prefer https://.
func WithCleartextCredentials() Option { return func(c *config) { c.cleartext = true } }

// checkURLs validates the base URL (unless the caller supplied the whole
// transport), the issuer and the instance host, and refuses cleartext
// credentials to a non-loopback host. No error contains user information
// of a URL.
func checkURLs(cfg *config, baseURL string) error {
	if cfg.transport == nil {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("session: base URL %q must be an absolute http:// or https:// URL", redactURL(baseURL))
		}
	}
	if u, err := url.Parse(baseURL); err == nil && u.User != nil {
		return fmt.Errorf("session: base URL %q must not contain user information (user:password@); "+
			"pass credentials with an authentication option such as WithPersonalAccessToken", redactURL(baseURL))
	}
	if cfg.issuer != "" {
		u, err := url.Parse(cfg.issuer)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			return fmt.Errorf("session: WithIssuer(%q): must be an absolute http:// or https:// URL", redactURL(cfg.issuer))
		case u.User != nil:
			return fmt.Errorf("session: WithIssuer(%q): must not contain user information (user:password@)", redactURL(cfg.issuer))
		case u.RawQuery != "" || u.Fragment != "":
			return fmt.Errorf("session: WithIssuer(%q): must not have a query or fragment", redactURL(cfg.issuer))
		}
	}
	if h := cfg.instanceHost; h != "" && strings.ContainsAny(h, "/@?#\\ \t\r\n") {
		return fmt.Errorf("session: WithInstanceHost: must be a host or host:port, without scheme, path, user information or spaces")
	}
	if cfg.cleartext {
		return nil
	}
	var targets []string
	if cfg.transport == nil {
		targets = append(targets, baseURL)
	}
	if cfg.auth == authClientCredentials || cfg.auth == authServiceAccountKey {
		issuer, address := tokenEndpoints(cfg, baseURL)
		if address == "" {
			address = issuer
		}
		targets = append(targets, address)
	}
	for _, t := range targets {
		u, err := url.Parse(t)
		if err != nil || u.Scheme != "http" || loopback.Host(u.Hostname()) {
			continue
		}
		return fmt.Errorf("session: refusing to send credentials over plain http:// to %s, which is not a loopback "+
			"address (localhost, 127.0.0.0/8, ::1): use https://, or pass session.WithCleartextCredentials() "+
			"if every network hop is trusted", u.Host)
	}
	return nil
}

// redactURL returns raw with any user information removed, also when raw
// does not parse.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if u.User == nil {
			return raw
		}
		c := *u
		c.User = nil
		return strings.Replace(c.String(), "//", "//[REDACTED]@", 1)
	}
	// Unparsable: cut everything before the last '@' of the authority.
	rest, scheme := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	authority, path := rest, ""
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority, path = rest[:i], rest[i:]
	}
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		authority = "[REDACTED]@" + authority[i+1:]
	}
	return scheme + authority + path
}

// errRedirect refuses every redirect of an RPC (see refuseRedirects).
type errRedirect struct{ host string }

func (e *errRedirect) Error() string {
	return fmt.Sprintf("session: refused a redirect to %s: RPCs never follow redirects "+
		"(check the URL given to New: Zitadel does not redirect API calls)", e.host)
}

// refuseRedirects is the CheckRedirect of the HTTP client for RPCs: it stops
// before anything is sent to the Location, so a redirect can neither move a
// request body (a password, a code, a session token) to another host nor
// downgrade it to plain http.
func refuseRedirects(req *http.Request, _ []*http.Request) error {
	return &errRedirect{host: req.URL.Host}
}

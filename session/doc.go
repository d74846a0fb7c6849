// Package session is an idiomatic Go client for Zitadel's Session API v2
// (zitadel.session.v2.SessionService) and the OIDC and SAML "finish the login"
// calls a login service needs.
//
// A login service typically does:
//
//	c, err := session.New("https://auth.example.com",
//		session.WithPersonalAccessToken(pat))
//	h, _, err := c.Create(ctx,
//		session.CheckLoginName("alice@example.com"),
//		session.CheckPassword(password))
//	_, err = h.Set(ctx, session.CheckTOTP(code)) // step up; h now holds the new token
//	callbackURL, err := c.FinishOIDC(ctx, authRequestID, h)
//
// The [Client] is a thin layer over the generated connect-go v2 stubs (which
// stay reachable through [Client.Raw]): it converts to and from Go types
// (time.Time, time.Duration, map[string][]byte), validates every request
// locally before anything is sent, decodes Zitadel's error details into
// [*Error], and keeps track of the session token, which Zitadel rotates on
// every change, in a [*Handle].
//
// Secrets (passwords, one-time codes, session tokens, client secrets) never
// appear in the String, fmt or slog output of any type of this package, nor
// in its errors. Retries (see [WithRetry]) are only ever applied to the
// read-only calls (GetSession, ListSessions, GetAuthRequest,
// GetSAMLRequest), so a password check is never sent twice.
package session

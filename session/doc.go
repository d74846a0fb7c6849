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
// # API conventions
//
// The exported names of this module follow one rule, so that new ones fit:
//
//   - "With" starts the options of a constructor, and only those: [New]
//     takes [Option]s such as [WithPersonalAccessToken] and [WithRetry], as
//     sessiontest.NewServer takes sessiontest.WithClock.
//   - What a call takes is named for what it is or carries, without "With":
//     checks are Check<Factor> ([CheckPassword], [CheckWebAuthn]),
//     challenges Challenge<Factor> ([ChallengeOTPSMS]), list filters
//     By<Field> ([ByUserID]), and the other per-call options [Metadata],
//     [MetadataMap], [Lifetime], a [UserAgent], [SortByCreationDate],
//     [PageSize], [Require] and [SkipPolicyCheck]. An option that receives
//     a result takes a pointer: [Details], [TotalResult]. (So do
//     sessiontest's per-call options, e.g. sessiontest.ForOrganization;
//     interceptors are named for what they add: interceptors.Auth,
//     interceptors.Retry.)
//   - A session token travels in a [Handle]: calls authorized by it are
//     methods of Handle ([Handle.Set], [Handle.Get], [Handle.Delete]; a
//     stored token becomes a Handle with [Client.Resume]); calls authorized
//     by the caller's own permissions are methods of Client ([Client.Get],
//     [Client.Delete], [Client.List]).
//   - Enumerations are this package's own types with a String method
//     ([FactorKind], [OIDCReason], [SAMLReason], [UserVerification],
//     [Method]); the generated types of Zitadel's API appear only behind
//     [Client.Raw], [Client.RawOIDC] and [Client.RawSAML]. Times are
//     time.Time fields named <Event>At (CreatedAt, VerifiedAt), zero when
//     the event did not happen.
//   - Initialisms are spelled as Go spells them (ID, URL, OIDC, SAML, TOTP,
//     OTP, IDP), and WebAuthn as the W3C specification and go-webauthn
//     spell it. Protobuf field names (web_auth_n) stay as they are on the
//     wire.
//   - One way to do each thing. The transport has three options with
//     distinct jobs: [WithHTTPClient] replaces the HTTP client (proxy,
//     dialer, TLS, HTTP/2 settings) for RPCs and token requests alike;
//     [WithCAPool] and [WithInsecureSkipVerify] adjust the TLS of the client
//     New builds instead; [WithTransport] replaces the connect-go transport
//     of the RPCs (e.g. in-process for tests) while every interceptor
//     option still applies.
//
// # Secrets and retries
//
// Secrets (passwords, one-time codes, session tokens, client secrets) never
// appear in the String, fmt or slog output of any type of this package, nor
// in its errors. Retries (see [WithRetry]) are only ever applied to the
// read-only calls (GetSession, ListSessions, GetAuthRequest,
// GetSAMLRequest), so a password check is never sent twice.
package session

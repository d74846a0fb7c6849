// Package sessiontest provides an in-memory fake of Zitadel's Session API v2
// (zitadel.session.v2.SessionService) for tests, in the style of
// net/http/httptest. A login service tested against it should work unchanged
// against a real Zitadel: the fake reproduces Zitadel's permission rules,
// check order, token rotation, metadata and expiry semantics, list semantics
// and its exact error codes, error ids and error-detail types.
//
// Besides the five SessionService RPCs the server implements
// OIDCService.GetAuthRequest/CreateCallback and SAMLService.GetSAMLRequest/
// CreateResponse for requests added with Server.AddAuthRequest,
// Server.AddSAMLRequest or a seed, so a login flow can be finished. Other OIDC/SAML
// RPCs return Unimplemented. With WithOpenIDProvider the server is also the
// OpenID provider that creates OIDC auth requests (see "OpenID provider and
// other surfaces" below).
//
// # Usage
//
//	srv := sessiontest.NewServer()
//	defer srv.Close()
//	_ = srv.AddUser(sessiontest.User{ID: "u1", LoginName: "alice", Password: "Password1!"})
//	_ = srv.AddAccessToken("login-token", "", sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionRead)
//	client := sessionv2connect.NewSessionServiceClient(connect.NewClient(
//		connecthttp.NewTransport(srv.Client(), srv.URL())))             // or connecthttp.WithGRPC(), WithGRPCWeb()
//	ctx, info := connect.NewClientContext(ctx)
//	info.RequestHeader().Set("Authorization", "Bearer login-token")
//	res, err := client.CreateSession(ctx, &sessionv2.CreateSessionRequest{...})
//
// The server listens on 127.0.0.1 and serves Connect, gRPC and gRPC-Web over
// HTTP/1.1 and cleartext HTTP/2 (or HTTPS with WithTLS). For in-process
// tests use connectinprocess.New(srv.ConnectServer()); to serve the RPCs
// from your own mux use Server.Mount.
//
// Time is taken from Server.Clock, which tests move with Clock.Advance or
// Clock.Set instead of sleeping (session lifetimes, OTP code expiry, TOTP
// windows, IdP intent expiry).
//
// # Callers and permissions
//
// Bearer tokens are registered with AddAccessToken: its permissions apply
// instance-wide, or to one organization with ForOrganization, and
// ForUserAgent binds the token to a user-agent fingerprint (like an OIDC
// access token issued to a browser). A session token is also accepted as a
// bearer token with Zitadel's rules (below). Permissions are session.read,
// session.write and session.delete; Zitadel's roles map to them as:
// IAM_LOGIN_CLIENT/IAM_OWNER = read+write+delete; ORG_OWNER = read+delete on
// its organization; a user without memberships = none. The OIDC and SAML
// RPCs need Zitadel's session.link, which the default roles give exactly to
// the holders of session.write, so session.write stands for it; a request's
// own login client (seed field loginClient) needs none.
//
// IdP intents are added with AddIntent, organizations with their own
// lockout policy with AddOrganization, passkeys and U2F keys with
// RegisterPasskey/RegisterU2F (a virtual Authenticator) or
// AddWebAuthnCredential (a public key), and all of it from a JSON seed with
// LoadSeed and ApplySeed (the format `zitadel-session serve --seed` reads).
//
// # Where Zitadel is surprising (and this fake does the same)
//
//   - Metadata is replaced, not merged: a Create/Set with at least one
//     non-empty value replaces all stored metadata with exactly the non-empty
//     entries sent; entries with empty values are ignored (they do not delete
//     a key on their own), and a Set carrying only empty values changes
//     nothing. Any non-empty metadata rotates the token, even identical values.
//   - SetSession does not check that the session exists: on an unknown id it
//     checks session.write on the instance and returns OK — with empty details
//     and no token if nothing was requested, otherwise with a token for a
//     session that GetSession still reports as NOT_FOUND. Nothing is stored.
//   - SetSession that changes nothing returns OK with session_token "" and the
//     old token stays valid. Every Set that changes anything (a check, a
//     challenge, non-empty metadata, a lifetime) returns a new token and
//     invalidates the previous one.
//   - SetSession ignores its session_token field and has no exemption for the
//     creator or the session user: it always needs session.write.
//   - Lockout policies are per organization (AddOrganization; the
//     instance's applies to organizations without one).
//   - A caller with no memberships at all gets NOT_FOUND AUTHZ-cdgFk
//     ("membership not found") instead of PERMISSION_DENIED; a caller with
//     memberships lacking the permission gets PERMISSION_DENIED AUTH-AWfge.
//     Only memberships on the instance or on the relevant organization count.
//   - CreateSession needs session.write on the instance; an organization
//     membership never suffices. The user check is resolved before the
//     permission check, so NOT_FOUND QUERY-Dfbg2 / FAILED_PRECONDITION
//     SESSION-Gj4ko can be returned to callers without permission.
//   - GetSession returns expired sessions normally (with their past
//     expiration_date); ListSessions includes them. SetSession on an expired
//     session fails with COMMAND-Hkl3d; DeleteSession works.
//   - GetSession reports existence (NOT_FOUND QUERY-SFeaa) before any
//     permission check. With a session_token, only the token is checked (a
//     wrong token fails even for callers with session.read).
//   - DeleteSession is idempotent: unknown and already terminated sessions
//     return OK (after the permission/token check). The creator is not exempt
//     from session.delete (unlike GetSession).
//   - Missing-user errors are FAILED_PRECONDITION for password, IdP intent,
//     WebAuthn and OTP challenges, but INVALID_ARGUMENT for the TOTP check
//     (COMMAND-8N9ds), the OTP checks (COMMAND-S453v) and the recovery code
//     check (COMMAND-4m9s2).
//   - WebAuthn failures are INTERNAL (WEBAU-4G8sw, WEBAU-ADgv4, WEBAU-3M9si),
//     not INVALID_ARGUMENT; an assertion from a credential the user does not
//     have for that challenge kind is FAILED_PRECONDITION COMMAND-Aej7i.
//   - A different user on a session that has a user is INVALID_ARGUMENT with
//     an empty id: "user change not possible ()".
//   - All-or-nothing: a failing check stores nothing on the session (not even
//     the checks before it in the same request) and does not rotate the
//     token, but failed password/TOTP/OTP/recovery attempts are counted on the
//     user and can lock it. The lockout policy applies from the failure that
//     reaches the limit; the response is still "password invalid", the next
//     request fails the user check with SESSION-Gj4ko.
//   - Locking or deactivating a user makes all its sessions vanish from
//     GetSession/ListSessions (unlocking does not bring them back).
//   - ListSessions never fails for lack of permission: rows the caller may not
//     see are silently dropped after counting, so total_result counts rows
//     the caller cannot see; total_result is 0 when the requested page is
//     empty. limit 0 means no limit in Zitadel (this server caps a page, see
//     below). details.processed_sequence is never set.
//   - An IdP intent is single-use even on the same session; its second use
//     fails with COMMAND-Df4bw (not succeeded).
//   - The TOTP check has no replay protection within its ±30 s window.
//   - Validation failures (protoc-gen-validate rules, e.g. lifetime ≤ 0, a
//     5-digit TOTP code, a WebAuthn challenge without domain) are
//     INVALID_ARGUMENT without error detail and without "(id)" suffix, as is
//     "auth header missing" (UNAUTHENTICATED).
//   - Messages are what Zitadel sends: the English text of the translation
//     key where Zitadel's catalogue has one ("Password is invalid"), the key
//     itself where it has none ("Errors.User.NotActive",
//     "Errors.PermissionDenied" on a wrong session token), and the raw text
//     of the authorization layer ("invalid auth header", "mfa required").
//   - The Authorization header must be exactly "Bearer <token>"
//     (case-sensitive); anything else is UNAUTHENTICATED AUTH-toLo1.
//   - A session token as bearer token needs an authentication method
//     (password, passkey, U2F, IdP intent, TOTP or OTP; the user check and
//     recovery codes do not count) — else "authentication required" — and,
//     unless it has two methods or a passkey, a user without a second
//     factor the login policy allows (TOTP or U2F by default; OTP via SMS or
//     e-mail and passkeys do not count) — else "mfa required". A TOTP-only
//     session of a TOTP user is refused; a password-only session of a user
//     whose only second factors are OTP via SMS/e-mail is accepted.
//   - Finishing a login (CreateCallback, CreateResponse) does not judge how
//     strongly the session is authenticated (a user-only session gets a
//     callback), but rejects expired (COMMAND-Hkl3d) and deleted
//     (COMMAND-Hewfq) sessions, stale or unknown tokens (COMMAND-sGr42) and
//     requests already handled (COMMAND-Sx208nt, SAML COMMAND-ttPKNdAIFT).
//   - The login name of the user check is matched case-insensitively but
//     not trimmed. A password check on a machine user is FAILED_PRECONDITION
//     COMMAND-3n77z "User could not be found".
//   - A user agent with explicitly empty strings is stored and read back
//     with them; only one without any field (or with nothing but an
//     unparsable ip) is stored as none.
//
// # Differences from Zitadel
//
// Where a real Zitadel v4.13.1, sent the same requests, answered
// differently, and the simplifications, with the reason:
//
//   - Token format: the session token is "<base64url>.<base64url>" (47
//     characters) instead of Zitadel's 78-character string; both are opaque
//     by contract. GetSessionRequest.session_token may be up to 500
//     characters, as on Zitadel's main branch (v4.13.1 allows 200).
//   - SetSession on an unknown id stores nothing, so a second such Set
//     starts its sequence again (Zitadel writes the events).
//   - ListSessions without a sorting column returns creation order (Zitadel
//     has no ORDER BY), and the read side is immediately consistent unless
//     WithProjectionLag is used (Zitadel's lists lag writes by ~15–45 ms).
//   - Limits (WithLimits, DefaultLimits) that Zitadel does not have in the
//     API: at most 1,000 sessions per ListSessions response (Zitadel returns
//     every match for limit 0; total_result still counts all, so clients can
//     page), 64 metadata entries and 64 KiB of metadata per request, 4 MiB
//     per request message. A development server must not be exhausted by one
//     call.
//   - One instance and no Host-based instance routing (Zitadel answers
//     QUERY-1kIjX for an unknown host); English messages only; no tarpit
//     delay after failed attempts; no login policy settings (force MFA,
//     allowed second factors are Zitadel's defaults); OTP "sent" messages go
//     to Server.Outbox instead of SMS/e-mail; a user's Phone/Email doubles
//     as "OTP SMS/e-mail factor added".
//   - OIDC/SAML: callbacks for requests added with AddAuthRequest or the
//     seed carry a random code unless WithOpenIDProvider is used (then the
//     code exchanges at the token endpoint, see below); SAML responses are
//     a placeholder, and there is no SAML identity provider.
//   - Terminated sessions are kept only for the retention (a Delete of a
//     purged session answers like one of an unknown session); Set on a
//     session whose user was locked or removed keeps working on the
//     "command side" while Get/List no longer show it, as in Zitadel, but a
//     later successful Set does not bring it back.
//
// Server.Client speaks cleartext HTTP/2 only (prior knowledge) to an http
// server: with both HTTP1 and UnencryptedHTTP2 enabled, net/http would use
// HTTP/1.1 for http:// URLs and gRPC would not really be exercised over
// HTTP/2. The server accepts HTTP/1.1 and h2c.
//
// # OpenID provider and other surfaces
//
// Like Zitadel, the server answers more than the RPCs on its port (Mount
// installs them, Handler and Start add CORS):
//
//   - Zitadel's REST paths for the Session, OIDC and SAML v2 services
//     (POST /v2/sessions → 201, GET/PATCH/DELETE /v2/sessions/{id},
//     POST /v2/sessions/search, /v2/oidc/auth_requests/{id}, ...), answered
//     by the same RPCs with grpc-gateway's conventions: camelCase JSON,
//     unknown fields ignored, the path's id winning over the body's, GET
//     fields from the query, errors as {"code": <gRPC code>, "message",
//     "details": [{"@type": "type.googleapis.com/zitadel.v1.…", …}]}, 405
//     {"code": 12, "message": "Method Not Allowed"} for a wrong method.
//   - CORS with Zitadel's policy: any origin echoed with credentials, its
//     list of allowed and exposed headers; a preflight for another header
//     gets 204 without Access-Control-Allow-*.
//   - gRPC server reflection v1 and v1alpha and grpc.health.v1.Health,
//     without credentials (reflection needs HTTP/2).
//   - With WithOpenIDProvider, an OpenID provider for the applications added
//     with AddApplication: /oauth/v2/authorize stores an auth request and
//     redirects to <LoginBaseURI>/login?authRequest=V2_<id> (refusals are
//     JSON, never redirects, as in Zitadel); GetAuthRequest shows it with
//     prompt, max_age, login_hint, ui_locales and hint_user_id; CreateCallback
//     links a session (of any strength, as in Zitadel) and returns the
//     redirect with a code; /oauth/v2/token issues an RS256 ID token with sub
//     = the session's user, amr as Zitadel derives it, sid = the session id,
//     and rotates refresh tokens. The login client named in the authorize
//     request's x-zitadel-login-client header may use the request without
//     permissions; other callers need session.read (GetAuthRequest) or
//     session.write (CreateCallback). Differences: aud is the client id
//     alone (Zitadel adds every client of the project and the project id);
//     codes and tokens are longer opaque strings; no projects, roles,
//     urn:zitadel:… claims, private_key_jwt or device flow.
//
// # Libraries
//
//   - golang.org/x/crypto/bcrypt hashes passwords, as Zitadel does by default,
//     so password checks have realistic semantics (72-byte limit, constant
//     time); the default cost is bcrypt.MinCost to keep tests fast
//     (WithPasswordHashCost).
//   - github.com/pquerna/otp validates TOTP codes (RFC 6238, SHA-1, 6 digits,
//     30 s period, ±1 step) — the same library Zitadel uses, so codes from any
//     authenticator app or from totp.GenerateCode work, evaluated at the
//     server Clock.
//   - github.com/go-webauthn/webauthn runs BeginLogin/ValidateLogin — the
//     library Zitadel uses — so assertions are verified for real (challenge,
//     origin, RP ID hash, flags, ES256 signature) and a browser or a real
//     authenticator would work too. Authenticator is a virtual authenticator
//     producing such assertions.
//   - github.com/zitadel/oidc/v3/pkg/op, the library Zitadel's own OpenID
//     provider is built on, runs the provider's endpoints; github.com/rs/cors
//     (Zitadel's) applies the CORS policy; connectrpc.com/grpcreflect/v2
//     serves reflection.
//
// # Resource use
//
// One mutex guards the whole state; a request holds it while it is
// evaluated (decoding, validation and bcrypt happen outside). Each session
// is a compact struct (no per-session maps unless it has metadata or a user
// agent header). Terminated sessions and sessions expired more than the
// retention (WithRetention, default 1h) ago are purged incrementally on
// writes, or explicitly with Server.Purge. The HTTP server has read, header
// and idle timeouts and a cap on concurrent HTTP/2 streams (Limits).
package sessiontest

package zitadelerr

// Zitadel's error ids, as Zitadel v4.13.1 sends them with the Session API v2
// and the OIDC / SAML calls that finish a login. Each comment names the
// Connect / gRPC code the id arrives with, the (English) message and the
// situation. Messages may be translated; key on code and id.

// Authentication and authorization of the caller.
const (
	// TokenInvalid (UNAUTHENTICATED, "Errors.Token.Invalid"): the bearer
	// token is unknown, expired or malformed.
	TokenInvalid = "AUTH-7fs1e"
	// AuthHeaderInvalid (UNAUTHENTICATED, "invalid auth header"): the
	// Authorization header is not "Bearer <token>" (the scheme is
	// case-sensitive; "bearer …", "Basic …" or a bare token are refused).
	AuthHeaderInvalid = "AUTH-toLo1"
	// AuthFactorRequired (PERMISSION_DENIED, "authentication required" or
	// "mfa required"): a session token used as bearer belongs to a session
	// without an authentication factor, or without the second factor its
	// user has set up (TOTP or U2F under the default login policy).
	AuthFactorRequired = "AUTHZ-Kl3p0"
	// AuthSessionExpired (PERMISSION_DENIED, "session expired"): a session
	// token used as bearer belongs to an expired session.
	AuthSessionExpired = "AUTHZ-EGDo3"
	// MembershipNotFound (NOT_FOUND, "membership not found"): the caller has
	// no membership at all on the instance or the organization; a permission
	// error despite its code.
	MembershipNotFound = "AUTHZ-cdgFk"
	// NoMatchingPermissions (PERMISSION_DENIED, "No matching permissions
	// found"): the caller has memberships, none granting the permission.
	NoMatchingPermissions = "AUTH-AWfge"
	// InstanceNotFound (NOT_FOUND, "Instance not found. Make sure you got
	// the domain right. …"): the request's host is not a domain of any
	// instance. Zitadel sends it without an error detail; the id is only
	// inside the message ("… ID=QUERY-1kIjX Message=Instance not found. …").
	InstanceNotFound = "QUERY-1kIjX"
)

// Sessions.
const (
	// SessionNotExisting (NOT_FOUND, "Session does not exist"): GetSession of
	// an unknown or terminated session.
	SessionNotExisting = "QUERY-SFeaa"
	// SessionTokenPermission (PERMISSION_DENIED, "Errors.PermissionDenied"):
	// GetSession with a wrong or stale (rotated) session token.
	SessionTokenPermission = "QUERY-dsfr3"
	// DeleteTokenInvalid (PERMISSION_DENIED, "Session Token is invalid"):
	// DeleteSession, CreateCallback or CreateResponse with a wrong or stale
	// session token.
	DeleteTokenInvalid = "COMMAND-sGr42"
	// SessionTerminated (FAILED_PRECONDITION, "Session already terminated"):
	// SetSession, CreateCallback or CreateResponse on a deleted session.
	SessionTerminated = "COMMAND-Hewfq"
	// SessionExpired (FAILED_PRECONDITION, "Session has expired"):
	// SetSession, CreateCallback or CreateResponse on an expired session.
	SessionExpired = "COMMAND-Hkl3d"
	// UserChangeNotPossible (INVALID_ARGUMENT, "user change not possible"):
	// a user check naming another user than the session's. Zitadel sends
	// this error with an empty id, so the constant is "": match it by code
	// and an empty id.
	UserChangeNotPossible = ""
)

// User check.
const (
	// UserNotFound (NOT_FOUND, "User could not be found"): the user check
	// names no user (login names are not trimmed).
	UserNotFound = "QUERY-Dfbg2"
	// UserNotActive (FAILED_PRECONDITION, "Errors.User.NotActive"): the
	// user check names a locked, deactivated or suspended user.
	UserNotActive = "SESSION-Gj4ko"
)

// Password check.
const (
	// PasswordNoUser (FAILED_PRECONDITION, "User ID missing"): a password
	// check on a session without a user.
	PasswordNoUser = "COMMAND-Sfw3f"
	// PasswordUserGone (FAILED_PRECONDITION, "User could not be found"): a
	// password check for a user that is gone or is a machine user.
	PasswordUserGone = "COMMAND-3n77z"
	// PasswordLocked (FAILED_PRECONDITION, "User is locked"): a password
	// check for a locked user; carries zitadel.v1.CredentialsCheckError.
	PasswordLocked = "COMMAND-JLK35"
	// PasswordLockedConcurrently (FAILED_PRECONDITION, "User is locked"):
	// the user was locked while the password was being checked.
	PasswordLockedConcurrently = "COMMAND-SFA3t"
	// PasswordNotSet (FAILED_PRECONDITION, "User has not set a password"):
	// a password check for a user without a password.
	PasswordNotSet = "COMMAND-3nJ4t"
	// PasswordInvalid (INVALID_ARGUMENT, "Password is invalid"): a wrong
	// password; carries zitadel.v1.CredentialsCheckError with the user's
	// failed-attempt count.
	PasswordInvalid = "COMMAND-3M0fs"
)

// IdP intent check.
const (
	// IntentNoUser (FAILED_PRECONDITION, "User ID missing"): an intent check
	// on a session without a user.
	IntentNoUser = "COMMAND-Sfw3r"
	// IntentTokenEmpty (PERMISSION_DENIED, "Intent Token is invalid"): the
	// intent token is empty.
	IntentTokenEmpty = "CRYPTO-Sfefs"
	// IntentTokenNotBase64 (PERMISSION_DENIED, "Intent Token is invalid"):
	// the intent token is not base64.
	IntentTokenNotBase64 = "CRYPTO-Swg31"
	// IntentTokenUndecryptable (PERMISSION_DENIED, "Intent Token is
	// invalid"): the intent token cannot be decrypted.
	IntentTokenUndecryptable = "CRYPTO-Sf4gt"
	// IntentTokenOtherIntent (PERMISSION_DENIED, "Intent Token is invalid"):
	// the intent token belongs to another intent.
	IntentTokenOtherIntent = "CRYPTO-CRYPTO"
	// IntentNotSucceeded (FAILED_PRECONDITION, "Intent has not succeeded"):
	// the intent did not succeed or was already used.
	IntentNotSucceeded = "COMMAND-Df4bw"
	// IntentExpired (FAILED_PRECONDITION, "Errors.Intent.Expired"): the
	// intent is too old.
	IntentExpired = "COMMAND-SAf42"
	// IntentOtherUser (FAILED_PRECONDITION, "Errors.Intent.OtherUser"): the
	// intent belongs to another user than the session's.
	IntentOtherUser = "COMMAND-O8xk3w"
)

// WebAuthN (passkey, U2F) challenge and check.
const (
	// WebAuthnNoUser (FAILED_PRECONDITION, "User ID missing"): a WebAuthN
	// challenge or check on a session without a user.
	WebAuthnNoUser = "COMMAND-eeR2e"
	// WebAuthnUserNotActive (FAILED_PRECONDITION, "User could not be
	// found"): the session's user is not an active human user.
	WebAuthnUserNotActive = "COMMAND-Df4b3"
	// WebAuthnBeginLogin (INTERNAL, "WebAuthN begin login failed"): a
	// WebAuthN challenge for a user without a passkey or U2F key (the factor
	// is not set up).
	WebAuthnBeginLogin = "WEBAU-4G8sw"
	// WebAuthnNoChallenge (FAILED_PRECONDITION,
	// "Errors.Session.WebAuthN.NoChallenge"): a WebAuthN check without a
	// preceding challenge.
	WebAuthnNoChallenge = "COMMAND-Ioqu5"
	// WebAuthnParse (INTERNAL, "Errors.User.WebAuthN.ValidateLoginFailed"):
	// the assertion cannot be parsed.
	WebAuthnParse = "WEBAU-ADgv4"
	// WebAuthnValidate (INTERNAL, "Errors.User.WebAuthN.ValidateLoginFailed"):
	// the assertion does not verify.
	WebAuthnValidate = "WEBAU-3M9si"
	// WebAuthnUnknownCredential (FAILED_PRECONDITION,
	// "Errors.User.WebAuthN.NotFound"): the assertion names a credential the
	// user does not have.
	WebAuthnUnknownCredential = "COMMAND-Aej7i"
)

// TOTP check.
const (
	// TOTPNoUser (INVALID_ARGUMENT, "User ID missing"): a TOTP check on a
	// session without a user.
	TOTPNoUser = "COMMAND-8N9ds"
	// TOTPNotReady (FAILED_PRECONDITION, "Multifactor OTP (OneTimePassword)
	// isn't ready"): the user has no TOTP set up.
	TOTPNotReady = "COMMAND-3Mif9s"
	// TOTPInvalid (INVALID_ARGUMENT, "Invalid code"): a wrong TOTP code.
	TOTPInvalid = "EVENT-8isk2"
	// TOTPLocked (FAILED_PRECONDITION, "User is locked"): a TOTP check for a
	// locked user.
	TOTPLocked = "COMMAND-SF3fg"
)

// OTP by SMS or e-mail: challenge and check.
const (
	// OTPSMSChallengeNoUser (FAILED_PRECONDITION, "User ID missing"): an
	// OTP SMS challenge on a session without a user.
	OTPSMSChallengeNoUser = "COMMAND-JKL3g"
	// OTPEmailChallengeNoUser (FAILED_PRECONDITION, "User ID missing"): an
	// OTP e-mail challenge on a session without a user.
	OTPEmailChallengeNoUser = "COMMAND-JK3gp"
	// OTPSMSNotReady (FAILED_PRECONDITION, "Multifactor OTP (OneTimePassword)
	// isn't ready"): an OTP SMS challenge for a user without OTP SMS set up.
	OTPSMSNotReady = "COMMAND-BJ2g3"
	// OTPEmailNotReady (FAILED_PRECONDITION, "Multifactor OTP
	// (OneTimePassword) isn't ready"): an OTP e-mail challenge for a user
	// without OTP e-mail set up.
	OTPEmailNotReady = "COMMAND-JKLJ3"
	// URLTemplateParse (INVALID_ARGUMENT, "URL Template is invalid"): the
	// e-mail challenge's url_template does not parse.
	URLTemplateParse = "DOMAIN-oGh5e"
	// URLTemplateExecute (INVALID_ARGUMENT, "URL Template is invalid"): the
	// e-mail challenge's url_template does not execute.
	URLTemplateExecute = "DOMAIN-ieYa7"
	// OTPCheckNoUser (INVALID_ARGUMENT, "User ID missing"): an OTP check on
	// a session without a user.
	OTPCheckNoUser = "COMMAND-S453v"
	// OTPCheckNotReady (FAILED_PRECONDITION, "Multifactor OTP
	// (OneTimePassword) isn't ready"): an OTP check for a user without that
	// OTP factor set up.
	OTPCheckNotReady = "COMMAND-d2r52"
	// OTPCodeNotFound (FAILED_PRECONDITION, "Code not found"): an OTP check
	// without a pending code (never challenged, or the code was used).
	OTPCodeNotFound = "COMMAND-S34gh"
	// OTPCodeExpired (FAILED_PRECONDITION, "Code is expired"): the OTP code
	// expired.
	OTPCodeExpired = "CODE-QvUQ4P"
	// OTPCodeInvalid (INVALID_ARGUMENT, "Code is invalid"): a wrong OTP
	// code.
	OTPCodeInvalid = "CODE-woT0xc"
	// OTPLocked (FAILED_PRECONDITION, "User is locked"): an OTP check for a
	// locked user (or one locked by this failed check).
	OTPLocked = "COMMAND-S6h4R"
)

// Recovery code check.
const (
	// RecoveryNoUser (INVALID_ARGUMENT, "User ID missing"): a recovery code
	// check on a session without a user.
	RecoveryNoUser = "COMMAND-4m9s2"
	// RecoveryLocked (FAILED_PRECONDITION, "User is locked"): a recovery
	// code check for a locked user.
	RecoveryLocked = "COMMAND-2w6oa"
	// RecoveryLockedAfter (FAILED_PRECONDITION, "User is locked"): the user
	// was locked by this failed recovery code check.
	RecoveryLockedAfter = "COMMAND-ASV12"
	// RecoveryNotReady (FAILED_PRECONDITION, "Recovery codes are not ready
	// for use"): the user has no recovery codes.
	RecoveryNotReady = "COMMAND-84rgg"
	// RecoveryInvalid (INVALID_ARGUMENT,
	// "Errors.User.MFA.RecoveryCodes.InvalidCode"): a wrong recovery code.
	RecoveryInvalid = "DOMAIN-6uvh0"
)

// ListSessions queries.
const (
	// ListCreatorInvalid (INVALID_ARGUMENT, "List.Query.Invalid"): a creator
	// query with an empty id.
	ListCreatorInvalid = "GRPC-x8n24uh"
	// ListUserAgentInvalid (INVALID_ARGUMENT, "List.Query.Invalid"): a user
	// agent query with an empty fingerprint, or without one while the caller
	// has no user agent id.
	ListUserAgentInvalid = "GRPC-x8n23uh"
)

// Finishing a login: OIDC (GetAuthRequest, CreateCallback) and SAML
// (GetSAMLRequest, CreateResponse).
const (
	// LoginRequestNotFound (NOT_FOUND, "Auth Request does not exist" /
	// "Errors.SamlRequest.NotExisting"): GetAuthRequest or GetSAMLRequest of
	// an unknown request, or of an OIDC request finished with an error.
	LoginRequestNotFound = "QUERY-Thee9"
	// CallbackRequestNotFound (NOT_FOUND, "Auth Request does not exist"):
	// CreateCallback for an unknown (or malformed) auth request id.
	CallbackRequestNotFound = "COMMAND-jae5P"
	// ResponseRequestNotFound (NOT_FOUND, "SAMLRequest does not exist"):
	// CreateResponse for an unknown SAML request id.
	ResponseRequestNotFound = "COMMAND-GH3PVLSfXC"
	// AuthRequestAlreadyHandled (FAILED_PRECONDITION, "Auth Request has
	// already been handled"): CreateCallback for an auth request that was
	// already finished.
	AuthRequestAlreadyHandled = "COMMAND-Sx208nt"
	// SAMLRequestAlreadyHandled (FAILED_PRECONDITION, "SAMLRequest has
	// already been handled"): CreateResponse for a SAML request that was
	// already finished.
	SAMLRequestAlreadyHandled = "COMMAND-ttPKNdAIFT"
	// AuthRequestHandledOnError (FAILED_PRECONDITION, "Auth Request has
	// already been handled"): CreateCallback with an error (FailOIDC) for an
	// auth request that is unknown or already finished.
	AuthRequestHandledOnError = "COMMAND-Sx202nt"
	// SAMLRequestHandledOnError (FAILED_PRECONDITION, "SAMLRequest has
	// already been handled"): CreateResponse with an error (FailSAML) for a
	// SAML request that is unknown or already finished.
	SAMLRequestHandledOnError = "COMMAND-32lGj1Fhjt"
	// CallbackSessionTokenInvalid (INVALID_ARGUMENT, "Session Token is
	// invalid"): CreateCallback with a session token that cannot be
	// decrypted (garbled).
	CallbackSessionTokenInvalid = "COMMAND-hi6Ph"
)

// Package zitadelerr holds Zitadel's error ids for the Session API v2 (and
// the OIDC / SAML calls that finish a login) and their classification.
//
// Zitadel reports an error as a Connect / gRPC code plus an id such as
// "COMMAND-3M0fs", sent in an error detail and as the " (<id>)" suffix of
// the message. Messages may be translated; key on the code and the id. The
// session package decodes errors into session.Error (whose ID field holds
// the id) and offers predicates built on [KindOf]; use this package directly
// for an id the predicates do not cover, or with another Zitadel client.
//
//	var e *session.Error
//	if errors.As(err, &e) && e.ID == zitadelerr.OTPCodeExpired { … }
package zitadelerr

// Kind is what an error id means for the caller: which action fixes it.
// The zero Kind, [KindOther], is every id without a classification.
type Kind uint8

// The kinds of error ids.
const (
	// KindOther is an id without a classification here (e.g. a check sent
	// before the user check, an invalid list query), and every unknown id.
	KindOther Kind = iota
	// KindInvalidCredentials: the credential presented in a check was not
	// accepted: a wrong password, TOTP, OTP or recovery code, an expired OTP
	// code, an IdP intent that is invalid, expired, used or another user's,
	// a WebAuthn assertion that does not verify or names an unknown key.
	// The user must present a new one.
	KindInvalidCredentials
	// KindLocked: the user is locked (or, as the user check reports it, not
	// active: locked, deactivated or suspended).
	KindLocked
	// KindSessionExpired: the session expired; create a new one.
	KindSessionExpired
	// KindSessionTerminated: the session was deleted (logged out); create a
	// new one.
	KindSessionTerminated
	// KindAlreadyHandled: the OIDC auth request or SAML request was already
	// finished; the browser must start a new login at the application.
	KindAlreadyHandled
	// KindFactorNotReady: the user has not set up the factor the check or
	// challenge needs (no password, TOTP, OTP SMS / e-mail, recovery codes,
	// passkey or U2F key).
	KindFactorNotReady
	// KindUnauthenticated: the caller's token is missing, malformed, unknown
	// or stale, or a session token used as bearer belongs to a session that
	// is not authenticated enough.
	KindUnauthenticated
	// KindPermissionDenied: the caller is authenticated but lacks the
	// permission (including Zitadel's NOT_FOUND "membership not found").
	KindPermissionDenied
	// KindNotFound: the session, user, auth request or SAML request does
	// not exist.
	KindNotFound
	// KindInstanceNotFound: the request's host is not a Zitadel instance's
	// domain (dial the instance domain, or send it as the instance host).
	KindInstanceNotFound
)

var kindNames = [...]string{
	KindOther:              "other",
	KindInvalidCredentials: "invalid credentials",
	KindLocked:             "locked",
	KindSessionExpired:     "session expired",
	KindSessionTerminated:  "session terminated",
	KindAlreadyHandled:     "already handled",
	KindFactorNotReady:     "factor not ready",
	KindUnauthenticated:    "unauthenticated",
	KindPermissionDenied:   "permission denied",
	KindNotFound:           "not found",
	KindInstanceNotFound:   "instance not found",
}

// String returns the kind's name, e.g. "session expired".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

var kinds = map[string]Kind{
	PasswordInvalid:           KindInvalidCredentials,
	TOTPInvalid:               KindInvalidCredentials,
	OTPCodeInvalid:            KindInvalidCredentials,
	OTPCodeExpired:            KindInvalidCredentials,
	RecoveryInvalid:           KindInvalidCredentials,
	WebAuthnParse:             KindInvalidCredentials,
	WebAuthnValidate:          KindInvalidCredentials,
	WebAuthnUnknownCredential: KindInvalidCredentials,
	IntentTokenEmpty:          KindInvalidCredentials,
	IntentTokenNotBase64:      KindInvalidCredentials,
	IntentTokenUndecryptable:  KindInvalidCredentials,
	IntentTokenOtherIntent:    KindInvalidCredentials,
	IntentNotSucceeded:        KindInvalidCredentials,
	IntentExpired:             KindInvalidCredentials,
	IntentOtherUser:           KindInvalidCredentials,

	PasswordLocked:             KindLocked,
	PasswordLockedConcurrently: KindLocked,
	TOTPLocked:                 KindLocked,
	OTPLocked:                  KindLocked,
	RecoveryLocked:             KindLocked,
	RecoveryLockedAfter:        KindLocked,
	UserNotActive:              KindLocked,

	SessionExpired:     KindSessionExpired,
	AuthSessionExpired: KindSessionExpired,

	SessionTerminated: KindSessionTerminated,

	AuthRequestAlreadyHandled: KindAlreadyHandled,
	SAMLRequestAlreadyHandled: KindAlreadyHandled,
	AuthRequestHandledOnError: KindAlreadyHandled,
	SAMLRequestHandledOnError: KindAlreadyHandled,

	PasswordNotSet:     KindFactorNotReady,
	TOTPNotReady:       KindFactorNotReady,
	OTPSMSNotReady:     KindFactorNotReady,
	OTPEmailNotReady:   KindFactorNotReady,
	OTPCheckNotReady:   KindFactorNotReady,
	RecoveryNotReady:   KindFactorNotReady,
	WebAuthnBeginLogin: KindFactorNotReady,

	TokenInvalid:                KindUnauthenticated,
	AuthHeaderInvalid:           KindUnauthenticated,
	AuthFactorRequired:          KindUnauthenticated,
	SessionTokenPermission:      KindUnauthenticated,
	DeleteTokenInvalid:          KindUnauthenticated,
	CallbackSessionTokenInvalid: KindUnauthenticated,

	NoMatchingPermissions: KindPermissionDenied,
	MembershipNotFound:    KindPermissionDenied,

	SessionNotExisting:      KindNotFound,
	UserNotFound:            KindNotFound,
	LoginRequestNotFound:    KindNotFound,
	CallbackRequestNotFound: KindNotFound,
	ResponseRequestNotFound: KindNotFound,

	InstanceNotFound: KindInstanceNotFound,
}

// KindOf returns the kind of the error id; [KindOther] for an unclassified
// or unknown id and for "".
func KindOf(id string) Kind {
	if id == "" {
		return KindOther
	}
	return kinds[id]
}

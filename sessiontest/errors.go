package sessiontest

import (
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
)

// Error ids returned by the server, exactly as Zitadel returns them. Every
// Zitadel-style error carries one of these ids in its message suffix
// ("<message> (<id>)") and in its error detail. Clients should key on the
// code plus this id, never on the message text.
const (
	IDTokenInvalid            = "AUTH-7fs1e"    // Unauthenticated: unknown/invalid bearer token
	IDAuthFactorRequired      = "AUTHZ-Kl3p0"   // PermissionDenied: session bearer without (multi) factor
	IDAuthSessionExpired      = "AUTHZ-EGDo3"   // PermissionDenied: session bearer expired
	IDMembershipNotFound      = "AUTHZ-cdgFk"   // NotFound: caller has no memberships at all
	IDNoMatchingPermissions   = "AUTH-AWfge"    // PermissionDenied: memberships without the permission
	IDSessionNotExisting      = "QUERY-SFeaa"   // NotFound: unknown/terminated session (read side)
	IDSessionTokenPermission  = "QUERY-dsfr3"   // PermissionDenied: wrong/stale token on Get (and as bearer)
	IDDeleteTokenInvalid      = "COMMAND-sGr42" // PermissionDenied: wrong/stale token on Delete
	IDSessionTerminated       = "COMMAND-Hewfq" // FailedPrecondition: Set on a terminated session
	IDSessionExpired          = "COMMAND-Hkl3d" // FailedPrecondition: Set on an expired session
	IDUserNotFound            = "QUERY-Dfbg2"   // NotFound: user check, unknown user
	IDUserNotActive           = "SESSION-Gj4ko" // FailedPrecondition: user check, user inactive/locked
	IDUserChangeNotPossible   = ""              // InvalidArgument: other user on a session with a user
	IDPasswordNoUser          = "COMMAND-Sfw3f"
	IDPasswordUserGone        = "COMMAND-3n77z"
	IDPasswordLocked          = "COMMAND-JLK35"
	IDPasswordLockedConcurr   = "COMMAND-SFA3t"
	IDPasswordNotSet          = "COMMAND-3nJ4t"
	IDPasswordInvalid         = "COMMAND-3M0fs"
	IDIntentNoUser            = "COMMAND-Sfw3r"
	IDIntentTokenEmpty        = "CRYPTO-Sfefs"
	IDIntentTokenNotBase64    = "CRYPTO-Swg31"
	IDIntentTokenUndecrypt    = "CRYPTO-Sf4gt"
	IDIntentTokenOtherIntent  = "CRYPTO-CRYPTO"
	IDIntentNotSucceeded      = "COMMAND-Df4bw"
	IDIntentExpired           = "COMMAND-SAf42"
	IDIntentOtherUser         = "COMMAND-O8xk3w"
	IDWebAuthNNoUser          = "COMMAND-eeR2e"
	IDWebAuthNUserNotActive   = "COMMAND-Df4b3"
	IDWebAuthNBeginLogin      = "WEBAU-4G8sw"
	IDWebAuthNNoChallenge     = "COMMAND-Ioqu5"
	IDWebAuthNParse           = "WEBAU-ADgv4"
	IDWebAuthNValidate        = "WEBAU-3M9si"
	IDWebAuthNUnknownCred     = "COMMAND-Aej7i"
	IDTOTPNoUser              = "COMMAND-8N9ds"
	IDTOTPNotReady            = "COMMAND-3Mif9s"
	IDTOTPInvalid             = "EVENT-8isk2"
	IDTOTPLocked              = "COMMAND-SF3fg"
	IDOTPSMSChallengeNoUser   = "COMMAND-JKL3g"
	IDOTPEmailChallengeNoUser = "COMMAND-JK3gp"
	IDOTPSMSNotReady          = "COMMAND-BJ2g3"
	IDOTPEmailNotReady        = "COMMAND-JKLJ3"
	IDURLTemplateParse        = "DOMAIN-oGh5e"
	IDURLTemplateExecute      = "DOMAIN-ieYa7"
	IDOTPCheckNoUser          = "COMMAND-S453v"
	IDOTPCheckNotReady        = "COMMAND-d2r52"
	IDOTPCodeNotFound         = "COMMAND-S34gh"
	IDOTPCodeExpired          = "CODE-QvUQ4P"
	IDOTPCodeInvalid          = "CODE-woT0xc"
	IDOTPLocked               = "COMMAND-S6h4R"
	IDRecoveryNoUser          = "COMMAND-4m9s2"
	IDRecoveryLocked          = "COMMAND-2w6oa"
	IDRecoveryLockedAfter     = "COMMAND-ASV12"
	IDRecoveryNotReady        = "COMMAND-84rgg"
	IDRecoveryInvalid         = "DOMAIN-6uvh0"
	IDListCreatorInvalid      = "GRPC-x8n24uh"
	IDListUserAgentInvalid    = "GRPC-x8n23uh"

	// Ids used by the OIDC/SAML finishing RPCs of this fake.
	IDAuthRequestNotFound = "QUERY-Gsfw2"
	IDAuthRequestHandled  = "COMMAND-Sf3gt"
	IDSAMLRequestNotFound = "QUERY-Sgwg2"
	IDSAMLRequestHandled  = "COMMAND-Bg3d1"
)

// Messages: the English translation where Zitadel has one (behaviour §6.2),
// otherwise the translation key, or the raw text for authorization errors.
const (
	msgTokenInvalid         = "Errors.Token.Invalid"
	msgAuthRequired         = "authentication required"
	msgMFARequired          = "mfa required"
	msgAuthSessionExpired   = "session expired"
	msgMembershipNotFound   = "membership not found"
	msgNoMatchingPerms      = "No matching permissions found"
	msgSessionNotExisting   = "Session does not exist"
	msgSessionNotExistAuth  = "Errors.Session.NotExisting"
	msgPermissionDenied     = "Permission denied"
	msgPermissionDeniedAuth = "Errors.PermissionDenied"
	msgSessionTokenInvalid  = "Session Token is invalid"
	msgSessionTerminated    = "Session already terminated"
	msgSessionExpired       = "Session has expired"
	msgUserNotFound         = "User could not be found"
	msgUserNotActive        = "Errors.User.NotActive"
	msgUserChange           = "user change not possible"
	msgUserIDMissing        = "User ID missing"
	msgUserLocked           = "User is locked"
	msgPasswordNotSet       = "Errors.User.Password.NotSet"
	msgPasswordInvalid      = "Password is invalid"
	msgIntentInvalidToken   = "Errors.Intent.InvalidToken"
	msgIntentNotSucceeded   = "Intent has not succeeded"
	msgIntentExpired        = "Errors.Intent.Expired"
	msgIntentOtherUser      = "Errors.Intent.OtherUser"
	msgWebAuthNBeginFailed  = "Errors.User.WebAuthN.BeginLoginFailed"
	msgWebAuthNNoChallenge  = "Errors.Session.WebAuthN.NoChallenge"
	msgWebAuthNValidate     = "Errors.User.WebAuthN.ValidateLoginFailed"
	msgWebAuthNNotFound     = "Errors.User.WebAuthN.NotFound"
	msgOTPNotReady          = "Multifactor OTP (OneTimePassword) isn't ready"
	msgOTPInvalidCode       = "Errors.User.MFA.OTP.InvalidCode"
	msgInvalidURLTemplate   = "Errors.User.InvalidURLTemplate"
	msgCodeNotFound         = "Code not found"
	msgCodeExpired          = "Code is expired"
	msgCodeInvalid          = "Code is invalid"
	msgRecoveryNotReady     = "Errors.User.MFA.RecoveryCodes.NotReady"
	msgRecoveryInvalid      = "Errors.User.MFA.RecoveryCodes.InvalidCode"
	msgListQueryInvalid     = "List.Query.Invalid"
	msgAuthRequestNotFound  = "Errors.AuthRequest.NotFound"
	msgAuthRequestHandled   = "Errors.AuthRequest.AlreadyHandled"
	msgSAMLRequestNotFound  = "Errors.SAMLRequest.NotFound"
	msgSAMLRequestHandled   = "Errors.SAMLRequest.AlreadyHandled"
)

// zerr builds a Zitadel-converted error: message "<msg> (<id>)" with exactly
// one zitadel.v1.ErrorDetail.
func zerr(code connect.Code, id, msg string) *connect.Error {
	e := connect.NewError(code, msg+" ("+id+")")
	if d, err := connectproto.NewErrorDetail(&zitadelv1.ErrorDetail{Id: id, Message: msg}); err == nil {
		e = e.WithDetail(d)
	}
	return e
}

// credErr builds a password-check error carrying a
// zitadel.v1.CredentialsCheckError with the failed-attempt count.
func credErr(code connect.Code, id, msg string, failed int32) *connect.Error {
	e := connect.NewError(code, msg+" ("+id+")")
	if d, err := connectproto.NewErrorDetail(&zitadelv1.CredentialsCheckError{Id: id, Message: msg, FailedAttempts: failed}); err == nil {
		e = e.WithDetail(d)
	}
	return e
}

func errMembership() *connect.Error {
	return zerr(connect.CodeNotFound, IDMembershipNotFound, msgMembershipNotFound)
}

func errNoPermission() *connect.Error {
	return zerr(connect.CodePermissionDenied, IDNoMatchingPermissions, msgNoMatchingPerms)
}

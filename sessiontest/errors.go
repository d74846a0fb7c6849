package sessiontest

import (
	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectproto"
	"google.golang.org/protobuf/proto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// Translation keys Zitadel raises errors with. Handler errors are sent as
// the English text of their key (english), or as the key itself where
// Zitadel's English catalogue has none; errors of the authorization layer
// are never translated (authErr).
const (
	keyTokenInvalid        = "Errors.Token.Invalid"
	keyPermissionDenied    = "Errors.PermissionDenied"
	keySessionNotExisting  = "Errors.Session.NotExisting"
	keySessionTerminated   = "Errors.Session.Terminated"
	keySessionExpired      = "Errors.Session.Expired"
	keySessionTokenInvalid = "Errors.Session.Token.Invalid"
	keyWebAuthNNoChallenge = "Errors.Session.WebAuthN.NoChallenge"
	keyUserNotFound        = "Errors.User.NotFound"
	keyUserNotActive       = "Errors.User.NotActive"
	keyUserIDMissing       = "Errors.User.UserIDMissing"
	keyUserLocked          = "Errors.User.Locked"
	keyPasswordNotSet      = "Errors.User.Password.NotSet"
	keyPasswordInvalid     = "Errors.User.Password.Invalid"
	keyInvalidURLTemplate  = "Errors.User.InvalidURLTemplate"
	keyCodeNotFound        = "Errors.User.Code.NotFound"
	keyCodeExpired         = "Errors.User.Code.Expired"
	keyCodeInvalid         = "Errors.User.Code.Invalid"
	keyOTPNotReady         = "Errors.User.MFA.OTP.NotReady"
	keyOTPInvalidCode      = "Errors.User.MFA.OTP.InvalidCode"
	keyRecoveryNotReady    = "Errors.User.MFA.RecoveryCodes.NotReady"
	keyRecoveryInvalid     = "Errors.User.MFA.RecoveryCodes.InvalidCode"
	keyWebAuthNNotFound    = "Errors.User.WebAuthN.NotFound"
	keyWebAuthNBeginFailed = "Errors.User.WebAuthN.BeginLoginFailed"
	keyWebAuthNValidate    = "Errors.User.WebAuthN.ValidateLoginFailed"
	keyIntentInvalidToken  = "Errors.Intent.InvalidToken"
	keyIntentNotSucceeded  = "Errors.Intent.NotSucceeded"
	keyIntentExpired       = "Errors.Intent.Expired"
	keyIntentOtherUser     = "Errors.Intent.OtherUser"
	keyAuthRequestNotExist = "Errors.AuthRequest.NotExisting"
	keyAuthRequestHandled  = "Errors.AuthRequest.AlreadyHandled"
	keySAMLRequestNotExist = "Errors.SAMLRequest.NotExisting"
	keySAMLRequestHandled  = "Errors.SAMLRequest.AlreadyHandled"
	keySAMLRequestQueryKey = "Errors.SamlRequest.NotExisting" // GetSAMLRequest's key: spelled so, it has no translation
	keyListQueryInvalid    = "List.Query.Invalid"
	textUserChange         = "user change not possible"
	textMembershipNotFound = "membership not found"
	textNoMatchingPerms    = "No matching permissions found"
	textAuthHeaderMissing  = "auth header missing"
	textAuthHeaderInvalid  = "invalid auth header"
	textAuthRequired       = "authentication required"
	textMFARequired        = "mfa required"
	textAuthSessionExpired = "session expired"
)

// english is the part of Zitadel's English message catalogue
// (internal/static/i18n/en.yaml) whose keys this server raises. A key that
// is missing here is sent untranslated, as Zitadel does (for example
// Errors.User.NotActive and Errors.PermissionDenied have no English text).
var english = map[string]string{
	keyTokenInvalid:        "Token is invalid",
	keySessionNotExisting:  "Session does not exist",
	keySessionTerminated:   "Session already terminated",
	keySessionExpired:      "Session has expired",
	keySessionTokenInvalid: "Session Token is invalid",
	keyWebAuthNNoChallenge: "Session without WebAuthN challenge",
	keyUserNotFound:        "User could not be found",
	keyUserIDMissing:       "User ID missing",
	keyUserLocked:          "User is locked",
	keyPasswordNotSet:      "User has not set a password",
	keyPasswordInvalid:     "Password is invalid",
	keyInvalidURLTemplate:  "URL Template is invalid",
	keyCodeNotFound:        "Code not found",
	keyCodeExpired:         "Code is expired",
	keyCodeInvalid:         "Code is invalid",
	keyOTPNotReady:         "Multifactor OTP (OneTimePassword) isn't ready",
	keyOTPInvalidCode:      "Invalid code",
	keyRecoveryNotReady:    "Recovery codes are not ready for use",
	keyRecoveryInvalid:     "Invalid recovery code provided",
	keyWebAuthNNotFound:    "WebAuthN Token could not be found",
	keyWebAuthNBeginFailed: "WebAuthN begin login failed",
	keyWebAuthNValidate:    "Error on validate login credentials",
	keyIntentInvalidToken:  "Intent Token is invalid",
	keyIntentNotSucceeded:  "Intent has not succeeded",
	keyIntentExpired:       "Intent has expired",
	keyIntentOtherUser:     "Intent meant for another user",
	keyAuthRequestNotExist: "Auth Request does not exist",
	keyAuthRequestHandled:  "Auth Request has already been handled",
	keySAMLRequestNotExist: "SAMLRequest does not exist",
	keySAMLRequestHandled:  "SAMLRequest has already been handled",
}

// translate returns the English text of key, or key itself when Zitadel's
// catalogue has none (also for texts that are not keys).
func translate(key string) string {
	if t, ok := english[key]; ok {
		return t
	}
	return key
}

// zerr builds the error a Zitadel handler returns: the key translated,
// message "<text> (<id>)", exactly one zitadel.v1.ErrorDetail.
func zerr(code connect.Code, id, key string) *connect.Error {
	return detailed(code, id, translate(key), &zitadelv1.ErrorDetail{Id: id, Message: translate(key)})
}

// authErr builds an error of Zitadel's authorization layer: like zerr, but
// the text is sent as it is (never translated).
func authErr(code connect.Code, id, text string) *connect.Error {
	return detailed(code, id, text, &zitadelv1.ErrorDetail{Id: id, Message: text})
}

// credErr builds a password-check error carrying a
// zitadel.v1.CredentialsCheckError with the failed-attempt count.
func credErr(code connect.Code, id, key string, failed int32) *connect.Error {
	text := translate(key)
	return detailed(code, id, text, &zitadelv1.CredentialsCheckError{Id: id, Message: text, FailedAttempts: failed})
}

func detailed(code connect.Code, id, text string, detail proto.Message) *connect.Error {
	e := connect.NewError(code, text+" ("+id+")")
	if d, err := connectproto.NewErrorDetail(detail); err == nil {
		e = e.WithDetail(d)
	}
	return e
}

// plainErr is an error Zitadel sends without an id or error detail: a
// transport-level error ("auth header missing") or a validation failure.
func plainErr(code connect.Code, text string) *connect.Error {
	return connect.NewError(code, text)
}

func errMembership() *connect.Error {
	return authErr(connect.CodeNotFound, zitadelerr.MembershipNotFound, textMembershipNotFound)
}

func errNoPermission() *connect.Error {
	return authErr(connect.CodePermissionDenied, zitadelerr.NoMatchingPermissions, textNoMatchingPerms)
}

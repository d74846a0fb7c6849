package session

import (
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// checkKind identifies one of Zitadel's session checks.
type checkKind uint8

const (
	checkUserID checkKind = iota + 1
	checkLoginName
	checkPassword
	checkWebAuthn
	checkIDPIntent
	checkTOTP
	checkOTPSMS
	checkOTPEmail
	checkRecoveryCode
)

var checkNames = [...]string{
	checkUserID:       "user",
	checkLoginName:    "user",
	checkPassword:     "password",
	checkWebAuthn:     "webauthn",
	checkIDPIntent:    "idp_intent",
	checkTOTP:         "totp",
	checkOTPSMS:       "otp_sms",
	checkOTPEmail:     "otp_email",
	checkRecoveryCode: "recovery_code",
}

// Check is one verification Zitadel performs on a session: the user, a
// password, a one-time code, a WebAuthn assertion or an IdP intent. Build it
// with CheckUserID, CheckPassword, ...; pass it to [Client.Create] or
// [Handle.Set]. Zitadel evaluates the checks of one request in a fixed order
// (user, password, intent, WebAuthn, TOTP, OTP SMS, OTP email, recovery code)
// and applies all of them or none.
//
// A Check holding a secret (password, code, intent token, assertion) prints
// as "[REDACTED]" in String, fmt and slog output.
type Check struct {
	kind   checkKind
	value  string // user id, login name or secret
	value2 string // idp intent token
	data   *structpb.Struct
	err    error
}

// CheckUserID selects the session's user by user ID.
func CheckUserID(id string) Check { return Check{kind: checkUserID, value: id} }

// CheckLoginName selects the session's user by login name
// (case-insensitive).
func CheckLoginName(name string) Check { return Check{kind: checkLoginName, value: name} }

// CheckPassword verifies the user's password. It needs a user, from an
// earlier request or a user check in the same request. A wrong password
// counts toward the lockout policy; it is never retried by this package.
func CheckPassword(password string) Check { return Check{kind: checkPassword, value: password} }

// CheckTOTP verifies a 6-digit code from the user's authenticator app.
func CheckTOTP(code string) Check { return Check{kind: checkTOTP, value: code} }

// CheckOTPSMS verifies the code sent by SMS after [ChallengeOTPSMS].
func CheckOTPSMS(code string) Check { return Check{kind: checkOTPSMS, value: code} }

// CheckOTPEmail verifies the code sent by email after [ChallengeOTPEmail].
func CheckOTPEmail(code string) Check { return Check{kind: checkOTPEmail, value: code} }

// CheckRecoveryCode verifies (and consumes) one of the user's recovery codes.
func CheckRecoveryCode(code string) Check { return Check{kind: checkRecoveryCode, value: code} }

// CheckIDPIntent verifies a succeeded IdP intent (single use).
func CheckIDPIntent(intentID, intentToken string) Check {
	return Check{kind: checkIDPIntent, value: intentID, value2: intentToken}
}

// CheckWebAuthn verifies a WebAuthn assertion after [ChallengeWebAuthn].
// assertionJSON is the JSON the browser produced from
// navigator.credentials.get (the PublicKeyCredential, e.g. via
// credential.toJSON()), passed through unchanged. Malformed JSON makes the
// request fail locally without sending anything.
func CheckWebAuthn(assertionJSON []byte) Check {
	s := new(structpb.Struct)
	if err := protojson.Unmarshal(assertionJSON, s); err != nil {
		return Check{kind: checkWebAuthn, err: fmt.Errorf("WebAuthn assertion is not a JSON object: %w", errRedacted)}
	}
	return Check{kind: checkWebAuthn, data: s}
}

// CheckWebAuthnStruct is [CheckWebAuthn] for an assertion that is already a
// *structpb.Struct.
func CheckWebAuthnStruct(assertion *structpb.Struct) Check {
	return Check{kind: checkWebAuthn, data: assertion}
}

// errRedacted stands in for errors whose text might contain secret input.
var errRedacted = redactedError{}

type redactedError struct{}

func (redactedError) Error() string { return "details redacted" }

// String describes the check without its secret, e.g.
// "session.CheckPassword([REDACTED])".
func (c Check) String() string {
	switch c.kind {
	case checkUserID:
		return "session.CheckUserID(" + c.value + ")"
	case checkLoginName:
		return "session.CheckLoginName(" + c.value + ")"
	case checkPassword:
		return "session.CheckPassword(" + redacted + ")"
	case checkWebAuthn:
		return "session.CheckWebAuthn(" + redacted + ")"
	case checkIDPIntent:
		return "session.CheckIDPIntent(" + c.value + ", " + redacted + ")"
	case checkTOTP:
		return "session.CheckTOTP(" + redacted + ")"
	case checkOTPSMS:
		return "session.CheckOTPSMS(" + redacted + ")"
	case checkOTPEmail:
		return "session.CheckOTPEmail(" + redacted + ")"
	case checkRecoveryCode:
		return "session.CheckRecoveryCode(" + redacted + ")"
	}
	return "session.Check(invalid)"
}

// GoString implements fmt.GoStringer with the same redacted text as String.
func (c Check) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (c Check) Format(f fmt.State, verb rune) { formatString(f, verb, c.String()) }

// LogValue implements slog.LogValuer with the redacted String.
func (c Check) LogValue() slog.Value { return slog.StringValue(c.String()) }

func (c Check) applyCreate(m *mutation) { m.addCheck(c) }
func (Check) setOption()                {}

// addCheck puts c into the request's Checks, rejecting a second check of the
// same kind (which the wire format could not express).
func (m *mutation) addCheck(c Check) {
	if m.err != nil {
		return
	}
	if c.err != nil {
		m.err = c.err
		return
	}
	if c.kind == 0 || int(c.kind) >= len(checkNames) {
		m.err = fmt.Errorf("zero Check value; use the Check* constructors")
		return
	}
	if m.checks == nil {
		m.checks = new(sessionv2.Checks)
	}
	ch := m.checks
	dup := false
	switch c.kind {
	case checkUserID:
		dup = ch.User != nil
		ch.User = &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: c.value}}
	case checkLoginName:
		dup = ch.User != nil
		ch.User = &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: c.value}}
	case checkPassword:
		dup = ch.Password != nil
		ch.Password = &sessionv2.CheckPassword{Password: c.value}
	case checkWebAuthn:
		dup = ch.WebAuthN != nil
		ch.WebAuthN = &sessionv2.CheckWebAuthN{CredentialAssertionData: c.data}
	case checkIDPIntent:
		dup = ch.IdpIntent != nil
		ch.IdpIntent = &sessionv2.CheckIDPIntent{IdpIntentId: c.value, IdpIntentToken: c.value2}
	case checkTOTP:
		dup = ch.Totp != nil
		ch.Totp = &sessionv2.CheckTOTP{Code: c.value}
	case checkOTPSMS:
		dup = ch.OtpSms != nil
		ch.OtpSms = &sessionv2.CheckOTP{Code: c.value}
	case checkOTPEmail:
		dup = ch.OtpEmail != nil
		ch.OtpEmail = &sessionv2.CheckOTP{Code: c.value}
	case checkRecoveryCode:
		dup = ch.RecoveryCode != nil
		ch.RecoveryCode = &sessionv2.CheckRecoveryCode{Code: c.value}
	}
	if dup {
		m.err = fmt.Errorf("more than one %s check in one request", checkNames[c.kind])
	}
}

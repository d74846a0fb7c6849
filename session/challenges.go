package session

import (
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// UserVerification is the WebAuthn user-verification requirement of a
// [ChallengeWebAuthn].
type UserVerification int32

// The values are those of the wire enum UserVerificationRequirement; the
// zero value (unspecified) is rejected locally.
const (
	// UserVerificationRequired asks for a passkey with user verification
	// (PIN, biometrics): a passwordless login.
	UserVerificationRequired UserVerification = 1
	// UserVerificationPreferred asks for a security key (U2F) as second
	// factor; user verification is welcome but not required.
	UserVerificationPreferred UserVerification = 2
	// UserVerificationDiscouraged asks for a security key (U2F) without user
	// verification.
	UserVerificationDiscouraged UserVerification = 3
)

// String returns "required", "preferred", "discouraged" or "unspecified".
func (u UserVerification) String() string {
	switch u {
	case UserVerificationRequired:
		return "required"
	case UserVerificationPreferred:
		return "preferred"
	case UserVerificationDiscouraged:
		return "discouraged"
	}
	return "unspecified"
}

type challengeKind uint8

const (
	challengeWebAuthn challengeKind = iota + 1
	challengeOTPSMS
	challengeOTPSMSReturn
	challengeOTPEmail
	challengeOTPEmailLink
	challengeOTPEmailReturn
)

// Challenge asks Zitadel to start a challenge-response factor: a WebAuthn
// assertion or an OTP code sent by SMS or email. Pass it to [Client.Create]
// or [Handle.Set]; the response's [*Challenges] carry what the user needs.
type Challenge struct {
	kind   challengeKind
	domain string
	uv     UserVerification
	tmpl   string
}

// ChallengeWebAuthn requests WebAuthn credential request options for the
// relying party domain (e.g. "login.example.com"). With
// UserVerificationRequired the user's passkeys are offered, otherwise the
// user's U2F security keys. Send [Challenges.WebAuthn] to the browser and
// pass its assertion to [CheckWebAuthn].
func ChallengeWebAuthn(domain string, uv UserVerification) Challenge {
	return Challenge{kind: challengeWebAuthn, domain: domain, uv: uv}
}

// ChallengeOTPSMS makes Zitadel send a one-time code to the user's phone.
func ChallengeOTPSMS() Challenge { return Challenge{kind: challengeOTPSMS} }

// ChallengeOTPEmail makes Zitadel send a one-time code to the user's email
// address using the instance's default template.
func ChallengeOTPEmail() Challenge { return Challenge{kind: challengeOTPEmail} }

// ChallengeOTPEmailLink makes Zitadel send a one-time code by email using
// urlTemplate (Go template with .Code .UserID .LoginName .DisplayName
// .SessionID .PreferredLanguage) to build the link in the message.
func ChallengeOTPEmailLink(urlTemplate string) Challenge {
	return Challenge{kind: challengeOTPEmailLink, tmpl: urlTemplate}
}

// ChallengeOTPSMSReturnCode makes Zitadel generate an SMS one-time code and
// return it in [Challenges.OTPSMSCode] instead of sending it, for a login
// service that delivers codes itself.
//
// Warning: the code proves possession of the user's phone. Never let a
// browser or any other untrusted party choose this option or see the
// returned code; it would bypass the second factor.
func ChallengeOTPSMSReturnCode() Challenge { return Challenge{kind: challengeOTPSMSReturn} }

// ChallengeOTPEmailReturnCode makes Zitadel generate an email one-time code
// and return it in [Challenges.OTPEmailCode] instead of sending it, for a
// login service that delivers codes itself.
//
// Warning: the code proves access to the user's mailbox. Never let a browser
// or any other untrusted party choose this option or see the returned code;
// it would bypass the second factor.
func ChallengeOTPEmailReturnCode() Challenge { return Challenge{kind: challengeOTPEmailReturn} }

// String describes the challenge.
func (c Challenge) String() string {
	switch c.kind {
	case challengeWebAuthn:
		return "session.ChallengeWebAuthn(" + c.domain + ", " + c.uv.String() + ")"
	case challengeOTPSMS:
		return "session.ChallengeOTPSMS()"
	case challengeOTPSMSReturn:
		return "session.ChallengeOTPSMSReturnCode()"
	case challengeOTPEmail:
		return "session.ChallengeOTPEmail()"
	case challengeOTPEmailLink:
		return "session.ChallengeOTPEmailLink(" + c.tmpl + ")"
	case challengeOTPEmailReturn:
		return "session.ChallengeOTPEmailReturnCode()"
	}
	return "session.Challenge(invalid)"
}

func (c Challenge) applyCreate(m *mutation) {
	if m.err != nil {
		return
	}
	if m.challenges == nil {
		m.challenges = new(sessionv2.RequestChallenges)
	}
	rc := m.challenges
	dup := false
	switch c.kind {
	case challengeWebAuthn:
		dup = rc.WebAuthN != nil
		rc.WebAuthN = &sessionv2.RequestChallenges_WebAuthN{
			Domain:                      c.domain,
			UserVerificationRequirement: sessionv2.UserVerificationRequirement(c.uv),
		}
	case challengeOTPSMS, challengeOTPSMSReturn:
		dup = rc.OtpSms != nil
		rc.OtpSms = &sessionv2.RequestChallenges_OTPSMS{ReturnCode: c.kind == challengeOTPSMSReturn}
	case challengeOTPEmail:
		dup = rc.OtpEmail != nil
		rc.OtpEmail = &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_SendCode_{SendCode: &sessionv2.RequestChallenges_OTPEmail_SendCode{}},
		}
	case challengeOTPEmailLink:
		dup = rc.OtpEmail != nil
		tmpl := c.tmpl
		rc.OtpEmail = &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_SendCode_{SendCode: &sessionv2.RequestChallenges_OTPEmail_SendCode{UrlTemplate: &tmpl}},
		}
	case challengeOTPEmailReturn:
		dup = rc.OtpEmail != nil
		rc.OtpEmail = &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_ReturnCode_{ReturnCode: &sessionv2.RequestChallenges_OTPEmail_ReturnCode{}},
		}
	default:
		m.err = fmt.Errorf("zero Challenge value; use the Challenge* constructors")
		return
	}
	if dup {
		m.err = fmt.Errorf("more than one %s challenge in one request", c.kindName())
	}
}

func (c Challenge) kindName() string {
	switch c.kind {
	case challengeWebAuthn:
		return "webauthn"
	case challengeOTPSMS, challengeOTPSMSReturn:
		return "otp_sms"
	}
	return "otp_email"
}

func (Challenge) setOption() {}

// Challenges is Zitadel's answer to the requested challenges. It is nil when
// the request asked for none.
type Challenges struct {
	// WebAuthn holds the credential request options for the browser; nil
	// unless [ChallengeWebAuthn] was requested.
	WebAuthn *WebAuthnChallenge

	otpSMS, otpEmail string
	hasSMS, hasEmail bool
}

// OTPSMSCode returns the code generated for [ChallengeOTPSMSReturnCode]. It
// is a secret: deliver it to the user only, never to the browser that is
// logging in.
func (c *Challenges) OTPSMSCode() (code string, ok bool) {
	if c == nil {
		return "", false
	}
	return c.otpSMS, c.hasSMS
}

// OTPEmailCode returns the code generated for [ChallengeOTPEmailReturnCode].
// It is a secret: deliver it to the user only, never to the browser that is
// logging in.
func (c *Challenges) OTPEmailCode() (code string, ok bool) {
	if c == nil {
		return "", false
	}
	return c.otpEmail, c.hasEmail
}

// String describes the challenges with codes redacted.
func (c *Challenges) String() string {
	if c == nil {
		return "<nil>"
	}
	s := "session.Challenges{"
	if c.WebAuthn != nil {
		s += "WebAuthn: requested, "
	}
	if c.hasSMS {
		s += "OTPSMSCode: " + redacted + ", "
	}
	if c.hasEmail {
		s += "OTPEmailCode: " + redacted + ", "
	}
	return s + "}"
}

// GoString implements fmt.GoStringer with the redacted String.
func (c *Challenges) GoString() string { return c.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (c *Challenges) Format(f fmt.State, verb rune) { formatString(f, verb, c.String()) }

// LogValue implements slog.LogValuer with the redacted String.
func (c *Challenges) LogValue() slog.Value { return slog.StringValue(c.String()) }

// WebAuthnChallenge holds the PublicKeyCredentialRequestOptions for
// navigator.credentials.get.
type WebAuthnChallenge struct {
	// RequestOptions is the options object as Zitadel returned it
	// ({"publicKey": {...}}).
	RequestOptions *structpb.Struct
}

// JSON returns RequestOptions as JSON, ready to be sent to the browser.
func (w *WebAuthnChallenge) JSON() ([]byte, error) {
	if w == nil || w.RequestOptions == nil {
		return []byte("null"), nil
	}
	return protojson.Marshal(w.RequestOptions)
}

func challengesFromProto(p *sessionv2.Challenges) *Challenges {
	if p == nil {
		return nil
	}
	c := &Challenges{}
	if p.WebAuthN != nil {
		c.WebAuthn = &WebAuthnChallenge{RequestOptions: p.WebAuthN.GetPublicKeyCredentialRequestOptions()}
	}
	if p.OtpSms != nil {
		c.otpSMS, c.hasSMS = *p.OtpSms, true
	}
	if p.OtpEmail != nil {
		c.otpEmail, c.hasEmail = *p.OtpEmail, true
	}
	return c
}

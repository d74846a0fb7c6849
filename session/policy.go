package session

import "strings"

// FactorKind names one kind of verified factor. Each FactorKind is also a
// [Policy] satisfied when that factor is verified.
type FactorKind uint8

// The factor kinds, in Zitadel's check order.
const (
	FactorUser FactorKind = iota + 1
	FactorPassword
	FactorIntent
	FactorWebAuthn
	FactorTOTP
	FactorOTPSMS
	FactorOTPEmail
	FactorRecoveryCode
	// FactorPasskey is a WebAuthn assertion with user verification
	// (passwordless); as a Policy it requires UserVerified.
	FactorPasskey
)

var factorNames = [...]string{
	FactorUser: "user", FactorPassword: "password", FactorIntent: "intent",
	FactorWebAuthn: "webauthn", FactorTOTP: "totp", FactorOTPSMS: "otp_sms",
	FactorOTPEmail: "otp_email", FactorRecoveryCode: "recovery_code", FactorPasskey: "passkey",
}

// String returns the factor's name, e.g. "totp".
func (k FactorKind) String() string {
	if int(k) < len(factorNames) && factorNames[k] != "" {
		return factorNames[k]
	}
	return "unknown"
}

// SatisfiedBy reports whether s has this factor verified.
func (k FactorKind) SatisfiedBy(s *Session) bool {
	if s == nil {
		return false
	}
	f := &s.Factors
	switch k {
	case FactorUser:
		return f.User.Verified()
	case FactorPassword:
		return f.Password.Verified()
	case FactorIntent:
		return f.Intent.Verified()
	case FactorWebAuthn:
		return f.WebAuthn.Verified()
	case FactorPasskey:
		return f.WebAuthn.Verified() && f.WebAuthn.UserVerified
	case FactorTOTP:
		return f.TOTP.Verified()
	case FactorOTPSMS:
		return f.OTPSMS.Verified()
	case FactorOTPEmail:
		return f.OTPEmail.Verified()
	case FactorRecoveryCode:
		return f.RecoveryCode.Verified()
	}
	return false
}

// VerifiedFactors lists the verified factors in Zitadel's check order. A
// WebAuthn assertion with user verification is listed as FactorWebAuthn and
// FactorPasskey.
func (s *Session) VerifiedFactors() []FactorKind {
	var out []FactorKind
	for k := FactorUser; k <= FactorPasskey; k++ {
		if k.SatisfiedBy(s) {
			out = append(out, k)
		}
	}
	return out
}

// Policy decides whether a session is authenticated enough, e.g. before
// finishing a login. Combine policies with [AllOf] and [AnyOf]; every
// [FactorKind] is a Policy.
type Policy interface {
	// SatisfiedBy reports whether s satisfies the policy.
	SatisfiedBy(s *Session) bool
	// String describes the policy.
	String() string
}

// Satisfies reports whether s satisfies p. A nil policy is never satisfied.
func (s *Session) Satisfies(p Policy) bool {
	return p != nil && p.SatisfiedBy(s)
}

type allOf []Policy

// AllOf is satisfied when every policy is (and no policy is nil). AllOf() is
// never satisfied, so a forgotten argument does not grant access.
func AllOf(ps ...Policy) Policy { return allOf(ps) }

func (a allOf) SatisfiedBy(s *Session) bool {
	if len(a) == 0 {
		return false
	}
	for _, p := range a {
		if p == nil || !p.SatisfiedBy(s) {
			return false
		}
	}
	return true
}

func (a allOf) String() string { return "AllOf(" + joinPolicies(a) + ")" }

type anyOf []Policy

// AnyOf is satisfied when at least one policy is. AnyOf() is never
// satisfied.
func AnyOf(ps ...Policy) Policy { return anyOf(ps) }

func (a anyOf) SatisfiedBy(s *Session) bool {
	for _, p := range a {
		if p != nil && p.SatisfiedBy(s) {
			return true
		}
	}
	return false
}

func (a anyOf) String() string { return "AnyOf(" + joinPolicies(a) + ")" }

func joinPolicies(ps []Policy) string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		if p == nil {
			parts[i] = "<nil>"
		} else {
			parts[i] = p.String()
		}
	}
	return strings.Join(parts, ", ")
}

// Predefined policies.
var (
	// SecondFactor is any factor besides user, password and IdP intent:
	// WebAuthn, TOTP, OTP by SMS or email, or a recovery code.
	SecondFactor Policy = AnyOf(FactorWebAuthn, FactorTOTP, FactorOTPSMS, FactorOTPEmail, FactorRecoveryCode)
	// PasswordAndSecondFactor is a checked user with password and a
	// [SecondFactor].
	PasswordAndSecondFactor Policy = AllOf(FactorUser, FactorPassword, SecondFactor)
	// Passwordless is a checked user with a passkey (WebAuthn with user
	// verification).
	Passwordless Policy = AllOf(FactorUser, FactorPasskey)
	// Authenticated is a checked user with at least one of password, IdP
	// intent or WebAuthn.
	Authenticated Policy = AllOf(FactorUser, AnyOf(FactorPassword, FactorIntent, FactorWebAuthn))
)

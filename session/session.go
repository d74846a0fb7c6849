package session

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// Session is a session as returned by [Client.Get] and [Client.List]. It
// holds no token.
type Session struct {
	// ID is the session's ID.
	ID string
	// CreatedAt is when the session was created.
	CreatedAt time.Time
	// ChangedAt is when the session was last changed.
	ChangedAt time.Time
	// Sequence increases with every change (monotonic, not contiguous).
	Sequence uint64
	// ExpiresAt is when the session expires; zero when it never does.
	ExpiresAt time.Time
	// Factors are the verified factors.
	Factors Factors
	// Metadata is the session's metadata; nil or empty when none.
	Metadata map[string][]byte
	// UserAgent is the user agent recorded at creation; nil when none.
	UserAgent *UserAgent
}

// Factors are the factors verified on a session. A factor that was not
// verified has a zero VerifiedAt.
type Factors struct {
	// User is the session's user.
	User UserFactor
	// Password is the password check.
	Password Factor
	// WebAuthn is the passkey / security key check.
	WebAuthn WebAuthnFactor
	// Intent is the IdP intent check.
	Intent Factor
	// TOTP is the authenticator-app check.
	TOTP Factor
	// OTPSMS is the SMS one-time code check.
	OTPSMS Factor
	// OTPEmail is the email one-time code check.
	OTPEmail Factor
	// RecoveryCode is the recovery code check.
	RecoveryCode Factor
}

// VerifiedAt returns when the factor k was last verified, zero when it was
// not (or k is not a FactorKind). For [FactorPasskey] it is the time of the
// WebAuthn check when the authenticator verified the user, else zero.
func (f *Factors) VerifiedAt(k FactorKind) time.Time {
	switch k {
	case FactorUser:
		return f.User.VerifiedAt
	case FactorPassword:
		return f.Password.VerifiedAt
	case FactorIntent:
		return f.Intent.VerifiedAt
	case FactorWebAuthn:
		return f.WebAuthn.VerifiedAt
	case FactorPasskey:
		if f.WebAuthn.UserVerified {
			return f.WebAuthn.VerifiedAt
		}
	case FactorTOTP:
		return f.TOTP.VerifiedAt
	case FactorOTPSMS:
		return f.OTPSMS.VerifiedAt
	case FactorOTPEmail:
		return f.OTPEmail.VerifiedAt
	case FactorRecoveryCode:
		return f.RecoveryCode.VerifiedAt
	}
	return time.Time{}
}

// Factor is a verified factor.
type Factor struct {
	// VerifiedAt is when the factor was last verified; zero when never.
	VerifiedAt time.Time
}

// Verified reports whether the factor was verified.
func (f Factor) Verified() bool { return !f.VerifiedAt.IsZero() }

// UserFactor is the session's user.
type UserFactor struct {
	// ID is the user's ID.
	ID string
	// LoginName is the user's login name (read live from the user).
	LoginName string
	// DisplayName is the user's display name (empty for machine users).
	DisplayName string
	// OrganizationID is the ID of the user's organization.
	OrganizationID string
	// VerifiedAt is when the user was checked; zero when never.
	VerifiedAt time.Time
}

// Verified reports whether the user was checked.
func (f UserFactor) Verified() bool { return !f.VerifiedAt.IsZero() }

// WebAuthnFactor is a verified WebAuthn assertion.
type WebAuthnFactor struct {
	// VerifiedAt is when the assertion was verified; zero when never.
	VerifiedAt time.Time
	// UserVerified reports whether the authenticator verified the user (PIN,
	// biometrics), i.e. a passkey login.
	UserVerified bool
}

// Verified reports whether an assertion was verified.
func (f WebAuthnFactor) Verified() bool { return !f.VerifiedAt.IsZero() }

// Expired reports whether the session has an expiration that is not after
// now.
func (s *Session) Expired(now time.Time) bool {
	return !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt)
}

func toTime(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

// sessionFromProto converts p. The metadata map is taken over, not copied: p
// is a response message this package owns and discards.
func sessionFromProto(p *sessionv2.Session) *Session {
	if p == nil {
		return nil
	}
	s := &Session{
		ID:        p.Id,
		CreatedAt: toTime(p.CreationDate),
		ChangedAt: toTime(p.ChangeDate),
		Sequence:  p.Sequence,
		ExpiresAt: toTime(p.ExpirationDate),
		Metadata:  p.Metadata,
	}
	if f := p.Factors; f != nil {
		if u := f.User; u != nil {
			s.Factors.User = UserFactor{
				ID:             u.Id,
				LoginName:      u.LoginName,
				DisplayName:    u.DisplayName,
				OrganizationID: u.OrganizationId,
				VerifiedAt:     toTime(u.VerifiedAt),
			}
		}
		s.Factors.Password.VerifiedAt = toTime(f.Password.GetVerifiedAt())
		s.Factors.WebAuthn = WebAuthnFactor{VerifiedAt: toTime(f.WebAuthN.GetVerifiedAt()), UserVerified: f.WebAuthN.GetUserVerified()}
		s.Factors.Intent.VerifiedAt = toTime(f.Intent.GetVerifiedAt())
		s.Factors.TOTP.VerifiedAt = toTime(f.Totp.GetVerifiedAt())
		s.Factors.OTPSMS.VerifiedAt = toTime(f.OtpSms.GetVerifiedAt())
		s.Factors.OTPEmail.VerifiedAt = toTime(f.OtpEmail.GetVerifiedAt())
		s.Factors.RecoveryCode.VerifiedAt = toTime(f.RecoveryCode.GetVerifiedAt())
	}
	if ua := p.UserAgent; ua != nil {
		u := &UserAgent{FingerprintID: ua.GetFingerprintId(), IP: ua.GetIp(), Description: ua.GetDescription()}
		if len(ua.Header) > 0 {
			u.Header = make(map[string][]string, len(ua.Header))
			for k, v := range ua.Header {
				u.Header[k] = v.GetValues()
			}
		}
		s.UserAgent = u
	}
	return s
}

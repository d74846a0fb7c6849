package session

import (
	"context"
	"errors"
	"strings"
	"time"

	"connectrpc.com/connect/v2"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// ErrPolicyNotSatisfied is the cause of the error [Client.FinishOIDC] and
// [Client.FinishSAML] return when the session does not satisfy the finishing
// policy; nothing was sent to finish the login. Test for it with errors.Is.
var ErrPolicyNotSatisfied = errors.New("session does not satisfy the login policy")

// FinishOption is an option of [Client.FinishOIDC] and [Client.FinishSAML]:
// [Require] or [SkipPolicyCheck].
type FinishOption struct {
	policy Policy
	skip   bool
	set    bool
}

// Require makes FinishOIDC / FinishSAML refuse, before finishing the login, a
// session that does not satisfy p, e.g. [PasswordAndSecondFactor]. Without it
// the policy is [Authenticated].
func Require(p Policy) FinishOption { return FinishOption{policy: p, set: true} }

// SkipPolicyCheck makes FinishOIDC / FinishSAML finish the login with
// whatever the session has verified, without a local check and without its
// GetSession. Zitadel itself then accepts even a session with only a user
// check (see [Client.FinishOIDC]); use it only when your own code has checked
// the session.
func SkipPolicyCheck() FinishOption { return FinishOption{skip: true, set: true} }

// factorSet is a set of FactorKinds a handle's own calls have verified.
type factorSet uint16

func (f factorSet) has(k FactorKind) bool { return f&(1<<k) != 0 }

// checkedFactors returns the factors whose checks are in c. Zitadel applies
// all checks of a request or none, so after a successful call all of them
// are verified.
func checkedFactors(c *sessionv2.Checks) factorSet {
	if c == nil {
		return 0
	}
	var f factorSet
	for k, present := range [...]bool{
		FactorUser: c.User != nil, FactorPassword: c.Password != nil, FactorIntent: c.IdpIntent != nil,
		FactorWebAuthn: c.WebAuthN != nil, FactorTOTP: c.Totp != nil, FactorOTPSMS: c.OtpSms != nil,
		FactorOTPEmail: c.OtpEmail != nil, FactorRecoveryCode: c.RecoveryCode != nil,
	} {
		if present {
			f |= 1 << k
		}
	}
	return f
}

// knownVerified is the VerifiedAt of a factor a handle's own call verified:
// the handle knows that, not when. Only factor policies (which look at
// nothing but Verified) are evaluated on such a session.
var knownVerified = time.Unix(1, 0)

// knownSession returns a Session holding only what h's own calls verified.
// WebAuthn is recorded without user verification (the handle does not read
// the assertion's flags), so passkey policies need a GetSession.
func (h *Handle) knownSession() *Session {
	h.mu.RLock()
	f := h.checked
	h.mu.RUnlock()
	s := &Session{ID: h.id}
	at := func(k FactorKind) time.Time {
		if f.has(k) {
			return knownVerified
		}
		return time.Time{}
	}
	s.Factors.User.VerifiedAt = at(FactorUser)
	s.Factors.Password.VerifiedAt = at(FactorPassword)
	s.Factors.Intent.VerifiedAt = at(FactorIntent)
	s.Factors.WebAuthn.VerifiedAt = at(FactorWebAuthn)
	s.Factors.TOTP.VerifiedAt = at(FactorTOTP)
	s.Factors.OTPSMS.VerifiedAt = at(FactorOTPSMS)
	s.Factors.OTPEmail.VerifiedAt = at(FactorOTPEmail)
	s.Factors.RecoveryCode.VerifiedAt = at(FactorRecoveryCode)
	return s
}

// isFactorPolicy reports whether p looks at nothing but which factors are
// verified: a FactorKind, or AllOf / AnyOf of such policies (every
// predefined policy). Other policies may look at anything (times, metadata)
// and are only evaluated on a session read from Zitadel.
func isFactorPolicy(p Policy) bool {
	switch p := p.(type) {
	case FactorKind:
		return true
	case allOf:
		for _, q := range p {
			if !isFactorPolicy(q) {
				return false
			}
		}
		return true
	case anyOf:
		for _, q := range p {
			if q != nil && !isFactorPolicy(q) {
				return false
			}
		}
		return true
	}
	return false
}

// checkFinish enforces the finishing policy of opts on h before op is sent.
// It costs no call when the factors h's own Create / Set verified satisfy a
// factor policy, else one GetSession with h's token.
func checkFinish(ctx context.Context, op string, h *Handle, opts []FinishOption) error {
	var policy Policy = Authenticated
	skip, required := false, false
	for _, o := range opts {
		if !o.set {
			continue
		}
		if o.skip {
			skip = true
		} else {
			if required {
				return localError(op, "Require given more than once", nil)
			}
			policy, required = o.policy, true
		}
	}
	if skip && required {
		return localError(op, "Require and SkipPolicyCheck given together", nil)
	}
	if skip {
		return nil
	}
	if policy == nil {
		return localError(op, "Require(nil): a nil policy is never satisfied", nil)
	}
	if isFactorPolicy(policy) && policy.SatisfiedBy(h.knownSession()) {
		return nil
	}
	if h.c == nil {
		return errDetachedHandle(op)
	}
	s, err := h.Get(ctx)
	if err != nil {
		return err
	}
	if s.Satisfies(policy) {
		return nil
	}
	return policyError(op, policy, s)
}

// policyError reports a session that does not satisfy policy: a local
// FailedPrecondition error wrapping ErrPolicyNotSatisfied.
func policyError(op string, policy Policy, s *Session) error {
	var verified []string
	for _, k := range s.VerifiedFactors() {
		verified = append(verified, k.String())
	}
	if len(verified) == 0 {
		verified = append(verified, "none")
	}
	msg := "session " + s.ID + " does not satisfy the login policy " + policy.String() +
		" (verified: " + strings.Join(verified, ", ") + "); nothing was sent. " +
		"Check more factors first, or choose the policy with session.Require"
	ce := connect.NewError(connect.CodeFailedPrecondition, msg).WithCause(ErrPolicyNotSatisfied)
	return &Error{Op: op, Code: connect.CodeFailedPrecondition, Message: msg, Local: true, cause: ce}
}

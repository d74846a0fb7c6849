package sessiontest

import (
	"errors"
	"fmt"
)

// Organization is an organization with its own settings, for
// AddOrganization. Users name their organization in User.OrganizationID;
// organizations that are not added use the instance's settings.
type Organization struct {
	ID string // required, unique
	// LockoutPolicy, if set, is the organization's lockout policy, which
	// replaces the instance's (WithLockoutPolicy) for its users, as in
	// Zitadel.
	LockoutPolicy *LockoutPolicy
}

// LockoutPolicy is Zitadel's lockout policy: a user is locked when the
// number of failed password checks reaches MaxPasswordAttempts, or the
// number of failed TOTP/OTP/recovery-code checks reaches MaxOTPAttempts.
// Zero disables locking for that kind.
type LockoutPolicy struct {
	MaxPasswordAttempts int
	MaxOTPAttempts      int
}

// AddOrganization adds an organization and its settings.
func (s *Server) AddOrganization(o Organization) error {
	if o.ID == "" {
		return errors.New("sessiontest: AddOrganization: ID is required")
	}
	if p := o.LockoutPolicy; p != nil && (p.MaxPasswordAttempts < 0 || p.MaxOTPAttempts < 0) {
		return fmt.Errorf("sessiontest: AddOrganization %q: lockout policy attempts must not be negative", o.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.orgs[o.ID]; dup {
		return fmt.Errorf("sessiontest: AddOrganization: organization %q already exists", o.ID)
	}
	if o.LockoutPolicy != nil {
		p := *o.LockoutPolicy
		o.LockoutPolicy = &p
	}
	s.orgs[o.ID] = o
	return nil
}

// lockoutPolicy returns the policy that applies to u (caller holds mu).
func (s *Server) lockoutPolicy(u *userRec) LockoutPolicy {
	if o, ok := s.orgs[u.orgID]; ok && o.LockoutPolicy != nil {
		return *o.LockoutPolicy
	}
	return LockoutPolicy{MaxPasswordAttempts: s.cfg.maxPassword, MaxOTPAttempts: s.cfg.maxOTP}
}

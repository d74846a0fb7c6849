package sessiontest

import (
	"errors"
	"strings"
)

// tokenRec is a registered bearer token.
type tokenRec struct {
	user  *userRec
	agent string
}

// TokenOption is an argument of AddAccessToken after the user ID: a
// Permission to grant, ForOrganization or ForUserAgent.
type TokenOption interface {
	applyToken(*tokenSpec)
}

type tokenSpec struct {
	perms []Permission
	org   string
	agent string
}

func (p Permission) applyToken(t *tokenSpec) { t.perms = append(t.perms, p) }

type tokenOptionFunc func(*tokenSpec)

func (f tokenOptionFunc) applyToken(t *tokenSpec) { f(t) }

// ForOrganization makes AddAccessToken grant the token's permissions on the
// organization orgID only (like an ORG_OWNER membership) instead of on the
// instance.
func ForOrganization(orgID string) TokenOption {
	return tokenOptionFunc(func(t *tokenSpec) { t.org = orgID })
}

// ForUserAgent binds the token to a user-agent fingerprint ID, like an OIDC
// access token issued to a browser: such a caller may read the sessions
// created with that fingerprint, and ListSessions' user_agent_query without
// a fingerprint uses it.
func ForUserAgent(fingerprintID string) TokenOption {
	return tokenOptionFunc(func(t *tokenSpec) { t.agent = fingerprintID })
}

// AddAccessToken registers a bearer token (a personal access token) of
// userID and grants the user the permissions among opts, instance-wide or,
// with ForOrganization, on one organization. If userID is empty a machine
// user is generated; if it names an unknown user, a machine user with that
// ID is created. A user without any permission has no memberships at all,
// so permission checks fail with NOT_FOUND AUTHZ-cdgFk, like in Zitadel.
//
//	srv.AddAccessToken("login-pat", "login-client", sessiontest.PermissionSessionRead,
//		sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete)
//	srv.AddAccessToken("org-pat", "org-owner", sessiontest.PermissionSessionRead,
//		sessiontest.ForOrganization("100000000000000001"))
func (s *Server) AddAccessToken(token, userID string, opts ...TokenOption) error {
	var spec tokenSpec
	for _, o := range opts {
		if o != nil {
			o.applyToken(&spec)
		}
	}
	if token == "" {
		return errors.New("sessiontest: access token must not be empty")
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return errors.New("sessiontest: access token must not contain whitespace")
	}
	bits, err := permBits(spec.perms)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tokens[token]; dup {
		return errors.New("sessiontest: access token already registered")
	}
	u := s.usersByID[userID]
	if u == nil {
		u = &userRec{id: userID, loginName: userID, orgID: s.cfg.defaultOrgID, machine: true}
		if userID == "" {
			u.id = s.newID()
			u.loginName = "machine-" + u.id
		}
		if err := s.insertUser(u); err != nil {
			return err
		}
	}
	s.tokens[token] = &tokenRec{user: u, agent: spec.agent}
	if bits != 0 {
		u.grants = append(u.grants, grant{org: spec.org, perms: bits})
	}
	return nil
}

// Grant gives userID the permissions on organization orgID, or instance-wide
// when orgID is empty (a membership). Permissions apply to all of the user's
// tokens and session tokens.
func (s *Server) Grant(userID, orgID string, perms ...Permission) error {
	bits, err := permBits(perms)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.mustUser("Grant", userID)
	if err != nil {
		return err
	}
	if bits != 0 {
		u.grants = append(u.grants, grant{org: orgID, perms: bits})
	}
	return nil
}

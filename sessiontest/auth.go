package sessiontest

import (
	"context"
	"strings"

	"connectrpc.com/connect/v2"
)

// caller is the authenticated principal of a request.
type caller struct {
	user  *userRec
	agent string
}

type callerKey struct{}

func callerFrom(ctx context.Context) *caller {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil {
		return &caller{user: &userRec{}}
	}
	return c
}

// authInterceptor authenticates every RPC before the request is decoded.
func (s *Server) authInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		info, _ := connect.CallInfoForServerContext(ctx)
		var auth string
		if info != nil {
			auth = info.RequestHeader().Get("Authorization")
		}
		if auth == "" {
			return connect.NewError(connect.CodeUnauthenticated, "auth header missing")
		}
		c, err := s.authenticate(auth)
		if err != nil {
			return err
		}
		return next(context.WithValue(ctx, callerKey{}, c), spec, stream)
	}
}

func (s *Server) authenticate(header string) (*caller, error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, zerr(connect.CodeUnauthenticated, IDTokenInvalid, msgTokenInvalid)
	}
	s.tokensMu.RLock()
	tr := s.tokens[tok]
	s.tokensMu.RUnlock()
	if tr != nil {
		return &caller{user: tr.user, agent: tr.agent}, nil
	}
	return s.authenticateSessionToken(tok)
}

// authenticateSessionToken applies Zitadel's rules for a session token used
// as a bearer token. Auth-layer messages are raw keys/texts.
func (s *Server) authenticateSessionToken(tok string) (*caller, error) {
	id, _, ok := decodeToken(tok)
	if !ok {
		return nil, zerr(connect.CodeUnauthenticated, IDTokenInvalid, msgTokenInvalid)
	}
	ss := s.lookup(id)
	if ss == nil {
		return nil, zerr(connect.CodeNotFound, IDSessionNotExisting, msgSessionNotExistAuth)
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.visible() {
		return nil, zerr(connect.CodeNotFound, IDSessionNotExisting, msgSessionNotExistAuth)
	}
	if !tokenMatches(ss, id, tok) {
		return nil, zerr(connect.CodePermissionDenied, IDSessionTokenPermission, msgPermissionDeniedAuth)
	}
	if ss.expiration != 0 && ss.expiration < micros(s.clock.Now()) {
		return nil, zerr(connect.CodePermissionDenied, IDAuthSessionExpired, msgAuthSessionExpired)
	}
	f := ss.factors
	if ss.user == nil || (f[fPassword] == 0 && f[fIntent] == 0 && f[fWebAuthN] == 0 && f[fTOTP] == 0 &&
		f[fOTPSMS] == 0 && f[fOTPEmail] == 0 && f[fRecovery] == 0) {
		return nil, zerr(connect.CodePermissionDenied, IDAuthFactorRequired, msgAuthRequired)
	}
	hasMFA := f[fWebAuthN] != 0 || f[fTOTP] != 0 || f[fOTPSMS] != 0 || f[fOTPEmail] != 0 || f[fRecovery] != 0
	if !hasMFA && ss.user.hasSecondFactor() {
		return nil, zerr(connect.CodePermissionDenied, IDAuthFactorRequired, msgMFARequired)
	}
	return &caller{user: ss.user}, nil
}

// checkPermission implements Zitadel's membership check: orgID "" means the
// instance. Only memberships on the instance or on orgID are relevant; none
// at all → NOT_FOUND AUTHZ-cdgFk, none granting perm → PERMISSION_DENIED
// AUTH-AWfge.
func (c *caller) checkPermission(perm uint8, orgID string) error {
	var grants []grant
	if gs := c.user.grants.Load(); gs != nil {
		grants = *gs
	}
	relevant := false
	for _, g := range grants {
		if g.org != "" && g.org != orgID {
			continue
		}
		relevant = true
		if g.perms&perm != 0 {
			return nil
		}
	}
	if !relevant {
		return errMembership()
	}
	return errNoPermission()
}

// hasPermission is checkPermission without the error.
func (c *caller) hasPermission(perm uint8, orgID string) bool {
	return c.checkPermission(perm, orgID) == nil
}

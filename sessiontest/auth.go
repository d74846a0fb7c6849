package sessiontest

import (
	"context"
	"strings"

	"connectrpc.com/connect/v2"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// This file is the one place that decides who a caller is and what it may
// do: the Authorization header, access tokens, a session token used as a
// bearer token, and membership permissions.

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
		var header string
		if info != nil {
			header = info.RequestHeader().Get("Authorization")
		}
		c, err := s.authenticate(header)
		if err != nil {
			return err
		}
		return next(context.WithValue(ctx, callerKey{}, c), spec, stream)
	}
}

// bearerPrefix is the only scheme Zitadel accepts, case-sensitively.
const bearerPrefix = "Bearer "

// authenticate applies Zitadel's rules to an Authorization header: it must
// be there, split into exactly "Bearer " and a token (HTTP trims the value,
// so "Bearer " alone is malformed), and the token must be a known access
// token or a session token that proves enough (sessionBearer).
func (s *Server) authenticate(header string) (*caller, error) {
	header = strings.Trim(header, " \t")
	if header == "" {
		return nil, plainErr(connect.CodeUnauthenticated, textAuthHeaderMissing)
	}
	parts := strings.Split(header, bearerPrefix)
	if len(parts) != 2 {
		return nil, authErr(connect.CodeUnauthenticated, zitadelerr.AuthHeaderInvalid, textAuthHeaderInvalid)
	}
	tok := parts[1]
	s.mu.Lock()
	defer s.mu.Unlock()
	if tr := s.tokens[tok]; tr != nil {
		return &caller{user: tr.user, agent: tr.agent}, nil
	}
	return s.sessionBearer(tok)
}

// sessionBearer applies Zitadel's rules for a session token used as a bearer
// token (caller holds mu): the session must exist and the token be its
// current one, it must not be expired, and it must prove enough
// (provesEnough). The caller is then the session user, without agent.
func (s *Server) sessionBearer(tok string) (*caller, error) {
	id, _, ok := decodeToken(tok)
	if !ok {
		return nil, authErr(connect.CodeUnauthenticated, zitadelerr.TokenInvalid, keyTokenInvalid)
	}
	ss := s.lookup(id)
	if ss == nil || !ss.visible() {
		return nil, authErr(connect.CodeNotFound, zitadelerr.SessionNotExisting, keySessionNotExisting)
	}
	if !tokenMatches(ss, id, tok) {
		return nil, authErr(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission, keyPermissionDenied)
	}
	if ss.expiration != 0 && ss.expiration < micros(s.clock.Now()) {
		return nil, authErr(connect.CodePermissionDenied, zitadelerr.AuthSessionExpired, textAuthSessionExpired)
	}
	if err := provesEnough(ss); err != nil {
		return nil, err
	}
	return &caller{user: ss.user}, nil
}

// authMethod is a way a session authenticated its user, as Zitadel's
// authorization layer counts them (domain.UserAuthMethodType).
type authMethod uint8

const (
	methodPassword authMethod = iota
	methodPasskey             // WebAuthn with user verification
	methodU2F                 // WebAuthn without user verification
	methodIDP
	methodTOTP
	methodOTPSMS
	methodOTPEmail
)

// authMethods lists the session's checked factors that count as
// authentication. The user check and recovery codes do not.
func authMethods(ss *session) []authMethod {
	var out []authMethod
	f := ss.factors
	if f[fPassword] != 0 {
		out = append(out, methodPassword)
	}
	if f[fWebAuthN] != 0 {
		if ss.flags&flagWebAuthNUV != 0 {
			out = append(out, methodPasskey)
		} else {
			out = append(out, methodU2F)
		}
	}
	if f[fIntent] != 0 {
		out = append(out, methodIDP)
	}
	if f[fTOTP] != 0 {
		out = append(out, methodTOTP)
	}
	if f[fOTPSMS] != 0 {
		out = append(out, methodOTPSMS)
	}
	if f[fOTPEmail] != 0 {
		out = append(out, methodOTPEmail)
	}
	return out
}

// hasMFA is Zitadel's domain.HasMFA: a passkey alone, or two methods.
func hasMFA(methods []authMethod) bool {
	for _, m := range methods {
		if m == methodPasskey {
			return true
		}
	}
	return len(methods) > 1
}

// provesEnough is Zitadel's checkAuthentication for a session token used as
// a bearer token: at least one authentication method ("authentication
// required"); and unless the session has multi-factor authentication or the
// user is a machine, the user must not have set up a second factor the
// login policy allows — TOTP or U2F with the default policy — ("mfa
// required"). So a TOTP-only session of a TOTP user is refused, a
// password-only session of a user whose only second factors are OTP via SMS
// or e-mail is accepted.
func provesEnough(ss *session) error {
	methods := authMethods(ss)
	if ss.user == nil || len(methods) == 0 {
		return authErr(connect.CodePermissionDenied, zitadelerr.AuthFactorRequired, textAuthRequired)
	}
	if hasMFA(methods) || ss.user.machine {
		return nil
	}
	if ss.user.secondFactorSetUp() {
		return authErr(connect.CodePermissionDenied, zitadelerr.AuthFactorRequired, textMFARequired)
	}
	return nil
}

// checkPermission implements Zitadel's membership check (caller holds mu):
// orgID "" means the instance. Only memberships on the instance or on orgID
// are relevant; none at all → NOT_FOUND AUTHZ-cdgFk, none granting perm →
// PERMISSION_DENIED AUTH-AWfge.
func (c *caller) checkPermission(perm uint8, orgID string) error {
	relevant := false
	for _, g := range c.user.grants {
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

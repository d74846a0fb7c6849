package sessiontest

import (
	"context"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// This file joins the OpenID provider to the OIDCService RPCs that a login
// UI calls: GetAuthRequest shows what /oauth/v2/authorize received, and
// CreateCallback links a session and returns the redirect with a code.

// oidcRequestFor returns the provider's record of an auth request, or nil
// for a request seeded with AddAuthRequest (or without a provider).
func (s *Server) oidcRequestFor(id string) *oidcRequest {
	if s.oidc == nil {
		return nil
	}
	return s.oidc.request(id)
}

// authRequestAccess applies Zitadel's rule for a request made by
// /oauth/v2/authorize: the login client named in its
// x-zitadel-login-client header may always use it; any other caller needs
// the permission (session.read for GetAuthRequest, session.write for
// CreateCallback, standing in for Zitadel's IAM_LOGIN_CLIENT role).
func authRequestAccess(ctx context.Context, loginClient string, perm uint8) error {
	c := callerFrom(ctx)
	if loginClient != "" && c.user != nil && c.user.id == loginClient {
		return nil
	}
	return c.checkPermission(perm, "")
}

var promptValues = map[string]oidcv2.Prompt{
	oidc.PromptNone: oidcv2.Prompt_PROMPT_NONE, oidc.PromptLogin: oidcv2.Prompt_PROMPT_LOGIN,
	oidc.PromptConsent: oidcv2.Prompt_PROMPT_CONSENT, oidc.PromptSelectAccount: oidcv2.Prompt_PROMPT_SELECT_ACCOUNT,
	"create": oidcv2.Prompt_PROMPT_CREATE,
}

// describeOIDCRequest completes GetAuthRequest's answer for a request made
// by /oauth/v2/authorize (prompt, ui_locales, login_hint, max_age,
// hint_user_id, as Zitadel shows them), after the access check.
func (s *Server) describeOIDCRequest(ctx context.Context, out *oidcv2.AuthRequest) error {
	r := s.oidcRequestFor(out.GetId())
	if r == nil {
		return nil
	}
	if err := authRequestAccess(ctx, r.loginClient, permRead); err != nil {
		return err
	}
	for _, p := range r.req.Prompt {
		if v, ok := promptValues[p]; ok {
			out.Prompt = append(out.Prompt, v)
		}
	}
	for _, l := range r.req.UILocales {
		out.UiLocales = append(out.UiLocales, l.String())
	}
	if r.req.LoginHint != "" {
		out.LoginHint = new(r.req.LoginHint)
	}
	if r.req.MaxAge != nil {
		out.MaxAge = durationpb.New(time.Duration(*r.req.MaxAge) * time.Second)
	}
	if r.hintUserID != "" {
		out.HintUserId = new(r.hintUserID)
	}
	return nil
}

// finishOIDCRequest is CreateCallback for a request made by
// /oauth/v2/authorize: with a session it links the session's user and
// factors and returns the redirect URI with a code (or, for the implicit
// flow, the tokens); with an error it returns the redirect URI with the
// OAuth error parameters and the state. The caller does not hold s.mu: the
// provider's storage takes it while the callback is built.
func (s *Server) finishOIDCRequest(ctx context.Context, req *oidcv2.CreateCallbackRequest, ar *authRequestRec, r *oidcRequest) (*oidcv2.CreateCallbackResponse, error) {
	linked, params, err := s.claimOIDCRequest(ctx, req, ar, r)
	if err != nil {
		return nil, err
	}
	var callback string
	if linked != nil {
		var err error
		if callback, err = s.oidc.linkAndRespond(ctx, linked); err != nil {
			return nil, connect.NewError(connect.CodeInternal, "creating the callback failed")
		}
	} else {
		callback = appendParams(r.req.RedirectURI, r.req.ResponseMode == oidc.ResponseModeFragment, params)
	}
	return &oidcv2.CreateCallbackResponse{
		Details:     &objectv2.Details{ChangeDate: timestamppb.New(s.clock.Now()), ResourceOwner: s.cfg.instanceID},
		CallbackUrl: callback,
	}, nil
}

// claimOIDCRequest checks the caller and the session of a CreateCallback
// for a request made by /oauth/v2/authorize and marks the request handled.
// It returns the finished request (with a session) or the error parameters.
func (s *Server) claimOIDCRequest(ctx context.Context, req *oidcv2.CreateCallbackRequest, ar *authRequestRec, r *oidcRequest) (*oidcRequest, url.Values, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := authRequestAccess(ctx, r.loginClient, permWrite); err != nil {
		return nil, nil, err
	}
	var linked *oidcRequest
	var params url.Values
	switch kind := req.GetCallbackKind().(type) {
	case *oidcv2.CreateCallbackRequest_Session:
		id := kind.Session.GetSessionId()
		if err := s.linkableSession(id, kind.Session.GetSessionToken()); err != nil {
			return nil, nil, err
		}
		user, amr, authTime, ok := s.sessionProof(id)
		if !ok {
			return nil, nil, zerr(connect.CodeNotFound, zitadelerr.SessionNotExisting, keySessionNotExisting)
		}
		c := *r
		c.done, c.subject, c.sessionID, c.amr, c.authTime = true, user, id, amr, authTime
		linked = &c
	case *oidcv2.CreateCallbackRequest_Error:
		params = url.Values{"error": {oauthErrorCode(kind.Error.GetError())}}
		if d := kind.Error.ErrorDescription; d != nil {
			params.Set("error_description", *d)
		}
		if u := kind.Error.ErrorUri; u != nil {
			params.Set("error_uri", *u)
		}
		if r.req.State != "" {
			params.Set("state", r.req.State)
		}
	default:
		return nil, nil, connect.NewError(connect.CodeInvalidArgument, "invalid CreateCallbackRequest.CallbackKind: value is required")
	}
	if ar.handled {
		return nil, nil, zerr(connect.CodeFailedPrecondition, zitadelerr.AuthRequestAlreadyHandled, keyAuthRequestHandled)
	}
	ar.handled = true
	return linked, params, nil
}

// linkAndRespond stores the finished request and builds the redirect to the
// client: a code for the code flow, tokens for the implicit flow.
func (p *oidcProvider) linkAndRespond(ctx context.Context, r *oidcRequest) (string, error) {
	p.mu.Lock()
	p.requests[r.id] = r
	p.mu.Unlock()
	ctx = op.ContextWithIssuer(ctx, r.issuer)
	if r.req.ResponseType == oidc.ResponseTypeCode {
		return op.BuildAuthResponseCallbackURL(ctx, r, p.provider)
	}
	app := p.app(r.req.ClientID)
	if app == nil {
		return "", oidc.ErrInvalidClient()
	}
	resp, err := op.CreateTokenResponse(ctx, r, app, p.provider, r.req.ResponseType != oidc.ResponseTypeIDTokenOnly, "", "")
	if err != nil {
		return "", err
	}
	return op.AuthResponseURL(r.req.RedirectURI, r.req.ResponseType, r.req.ResponseMode, resp, p.provider.Encoder())
}

// appendParams adds params to uri as query (merged with an existing query)
// or as fragment.
func appendParams(uri string, fragment bool, params url.Values) string {
	if fragment {
		return uri + "#" + params.Encode()
	}
	if u, err := url.Parse(uri); err == nil {
		q := u.Query()
		for k, vs := range params {
			q[k] = append(q[k], vs...)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + params.Encode()
}

// sessionProof returns what a session proves, as Zitadel puts it into an
// ID token: the user, the amr values and the time of the last factor check
// (zero when only the user was checked). The caller holds s.mu.
func (s *Server) sessionProof(id string) (userID string, amr []string, authTime time.Time, ok bool) {
	ss := s.lookup(id)
	if ss == nil || !ss.visible() || ss.user == nil {
		return "", nil, time.Time{}, false
	}
	f := ss.factors
	var last int64
	for _, k := range []int{fPassword, fIntent, fWebAuthN, fTOTP, fOTPSMS, fOTPEmail, fRecovery} {
		last = max(last, f[k])
	}
	if last != 0 {
		authTime = fromMicros(last)
	}
	return ss.user.id, authMethodsToAMR(f, ss.flags&flagWebAuthNUV != 0), authTime, true
}

// authMethodsToAMR maps a session's checked factors to amr values the way
// Zitadel does (internal/api/oidc/amr.go): password → "pwd"; a passkey
// (user verified) → "user" and counts as two factors; a U2F key → "user";
// TOTP and OTP by SMS or e-mail → one "otp"; an IdP intent counts as a factor
// without a value; two factors or more → "mfa". A recovery code adds nothing.
// The result is nil when nothing but the user was checked.
func authMethodsToAMR(f [numFactors]int64, userVerified bool) []string {
	var amr []string
	var factors, otp int
	if f[fPassword] != 0 {
		amr = append(amr, "pwd")
		factors++
	}
	if f[fWebAuthN] != 0 {
		amr = append(amr, "user")
		factors++
		if userVerified {
			factors++
		}
	}
	if f[fIntent] != 0 {
		factors++
	}
	for _, k := range []int{fTOTP, fOTPSMS, fOTPEmail} {
		if f[k] != 0 {
			otp++
			factors++
		}
	}
	if otp > 0 {
		amr = append(amr, "otp")
	}
	if factors >= 2 {
		amr = append(amr, "mfa")
	}
	return amr
}

// sessionAlive reports whether a session still exists and is not expired
// ("" — no session — counts as alive).
func (s *Server) sessionAlive(id string) bool {
	if id == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.lookup(id)
	if ss == nil {
		return false
	}
	return ss.visible() && (ss.expiration == 0 || ss.expiration >= micros(s.clock.Now()))
}

// terminateSession ends a session as DeleteSession does (end_session with
// an ID token naming it).
func (s *Server) terminateSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.lookup(id); ss != nil {
		s.terminate(ss)
	}
}

// fillUserinfo sets the claims of the requested scopes for a user:
// profile → name (the display name) and preferred_username (the login
// name); email → email, email_verified; phone → phone_number,
// phone_number_verified.
func (s *Server) fillUserinfo(info *oidc.UserInfo, userID string, scopes []string) {
	info.Subject = userID
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.usersByID[userID]
	if u == nil {
		return
	}
	email, phone := u.email, u.phone
	for _, sc := range scopes {
		switch sc {
		case oidc.ScopeProfile:
			info.Name = u.displayName
			info.PreferredUsername = u.loginName
		case oidc.ScopeEmail:
			if email != "" {
				info.Email, info.EmailVerified = email, true
			}
		case oidc.ScopePhone:
			if phone != "" {
				info.PhoneNumber, info.PhoneNumberVerified = phone, true
			}
		}
	}
}

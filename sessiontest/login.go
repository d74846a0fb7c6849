package sessiontest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/timestamppb"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

type authRequestRec struct {
	id, clientID, redirectURI, loginClient string
	scopes                                 []string
	created                                time.Time
	handled                                bool
}

type samlRequestRec struct {
	id, issuer, acsURL, relayState, binding, loginClient string
	created                                              time.Time
	handled                                              bool
}

// AddAuthRequest seeds an OIDC auth request (as if a relying party had sent
// the browser to /oauth/v2/authorize) and returns its ID ("V2_<digits>"),
// for OIDCService.GetAuthRequest and CreateCallback. It has no login client,
// so callers need session.link (see the package documentation).
func (s *Server) AddAuthRequest(clientID, redirectURI string, scopes ...string) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = "V2_" + s.newID()
	s.authRequests[id] = &authRequestRec{id: id, clientID: clientID, redirectURI: redirectURI,
		scopes: append([]string(nil), scopes...), created: s.clock.Now()}
	return id
}

// AddSAMLRequest seeds a SAML request and returns its ID ("V2_<digits>"),
// for SAMLService.GetSAMLRequest and CreateResponse. binding is the ACS
// binding, e.g. "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST".
func (s *Server) AddSAMLRequest(issuer, acsURL, relayState string, binding string) (id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id = "V2_" + s.newID()
	s.samlRequests[id] = &samlRequestRec{id: id, issuer: issuer, acsURL: acsURL, relayState: relayState,
		binding: binding, created: s.clock.Now()}
	return id
}

// mayLink is Zitadel's check before a request is read or finished: the
// request's own login client may, any other caller needs session.link on
// the instance. This server has no separate session.link permission: with
// Zitadel's default roles exactly the holders of session.write
// (IAM_OWNER, IAM_LOGIN_CLIENT) have it, so session.write stands for it.
func (c *caller) mayLink(loginClient string) error {
	if loginClient != "" && c.user.id == loginClient {
		return nil
	}
	return c.checkPermission(permWrite, "")
}

// linkableSession checks the session handed to CreateCallback or
// CreateResponse as Zitadel's command side does (caller holds mu): not
// terminated, not expired, and the token is its current one. It does not
// judge how strongly the session is authenticated: a session with only a
// user check is accepted.
func (s *Server) linkableSession(id, tok string) error {
	ss := s.lookup(id)
	if ss != nil {
		if ss.flags&flagTerminated != 0 {
			return zerr(connect.CodeFailedPrecondition, zitadelerr.SessionTerminated, keySessionTerminated)
		}
		if ss.expiration != 0 && ss.expiration < micros(s.clock.Now()) {
			return zerr(connect.CodeFailedPrecondition, zitadelerr.SessionExpired, keySessionExpired)
		}
	}
	if ss == nil || !tokenMatches(ss, id, tok) {
		return zerr(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid, keySessionTokenInvalid)
	}
	return nil
}

func randomCode() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

type oidcHandler struct {
	oidcv2connect.UnimplementedOIDCServiceHandler
	s *Server
}

// GetAuthRequest returns an auth request seeded with AddAuthRequest.
func (h *oidcHandler) GetAuthRequest(ctx context.Context, req *oidcv2.GetAuthRequestRequest) (*oidcv2.GetAuthRequestResponse, error) {
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	ar := h.s.authRequests[req.GetAuthRequestId()]
	if ar == nil || ar.handled {
		return nil, zerr(connect.CodeNotFound, zitadelerr.LoginRequestNotFound, keyAuthRequestNotExist)
	}
	if err := callerFrom(ctx).mayLink(ar.loginClient); err != nil {
		return nil, err
	}
	out := &oidcv2.AuthRequest{
		Id: ar.id, CreationDate: timestamppb.New(ar.created), ClientId: ar.clientID,
		Scope: append([]string(nil), ar.scopes...), RedirectUri: ar.redirectURI,
	}
	if err := h.s.describeOIDCRequest(ctx, out); err != nil {
		return nil, err
	}
	return &oidcv2.GetAuthRequestResponse{AuthRequest: out}, nil
}

// CreateCallback finishes an auth request with a session (→ redirect URI with
// a code) or an error (→ redirect URI with error parameters).
func (h *oidcHandler) CreateCallback(ctx context.Context, req *oidcv2.CreateCallbackRequest) (*oidcv2.CreateCallbackResponse, error) {
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	s := h.s
	s.mu.Lock()
	ar := s.authRequests[req.GetAuthRequestId()]
	if ar != nil {
		if r := s.oidcRequestFor(ar.id); r != nil { // made by /oauth/v2/authorize
			s.mu.Unlock()
			return s.finishOIDCRequest(ctx, req, ar, r)
		}
	}
	defer s.mu.Unlock()
	q := url.Values{}
	switch kind := req.GetCallbackKind().(type) {
	case *oidcv2.CreateCallbackRequest_Session:
		if ar == nil {
			return nil, zerr(connect.CodeNotFound, zitadelerr.CallbackRequestNotFound, keyAuthRequestNotExist)
		}
		if ar.handled {
			return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.AuthRequestAlreadyHandled, keyAuthRequestHandled)
		}
		if err := callerFrom(ctx).mayLink(ar.loginClient); err != nil {
			return nil, err
		}
		if err := s.linkableSession(kind.Session.GetSessionId(), kind.Session.GetSessionToken()); err != nil {
			return nil, err
		}
		q.Set("code", randomCode())
	case *oidcv2.CreateCallbackRequest_Error:
		if ar == nil || ar.handled {
			return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.AuthRequestHandledOnError, keyAuthRequestHandled)
		}
		q.Set("error", oauthErrorCode(kind.Error.GetError()))
		if d := kind.Error.ErrorDescription; d != nil {
			q.Set("error_description", *d)
		}
	default:
		return nil, plainErr(connect.CodeInvalidArgument, "invalid CreateCallbackRequest.CallbackKind: value is required")
	}
	ar.handled = true
	sep := "?"
	if strings.Contains(ar.redirectURI, "?") {
		sep = "&"
	}
	now := s.clock.Now()
	return &oidcv2.CreateCallbackResponse{
		Details:     &objectv2.Details{ChangeDate: timestamppb.New(now), ResourceOwner: s.cfg.instanceID},
		CallbackUrl: ar.redirectURI + sep + q.Encode(),
	}, nil
}

type samlHandler struct {
	samlv2connect.UnimplementedSAMLServiceHandler
	s *Server
}

// GetSAMLRequest returns a SAML request seeded with AddSAMLRequest.
func (h *samlHandler) GetSAMLRequest(ctx context.Context, req *samlv2.GetSAMLRequestRequest) (*samlv2.GetSAMLRequestResponse, error) {
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	sr := h.s.samlRequests[req.GetSamlRequestId()]
	if sr == nil || sr.handled {
		return nil, zerr(connect.CodeNotFound, zitadelerr.LoginRequestNotFound, keySAMLRequestQueryKey)
	}
	if err := callerFrom(ctx).mayLink(sr.loginClient); err != nil {
		return nil, err
	}
	return &samlv2.GetSAMLRequestResponse{SamlRequest: &samlv2.SAMLRequest{
		Id: sr.id, CreationDate: timestamppb.New(sr.created), Issuer: sr.issuer,
		AssertionConsumerService: sr.acsURL, RelayState: sr.relayState, Binding: sr.binding,
	}}, nil
}

// CreateResponse finishes a SAML request with a session or an error. For an
// HTTP-POST binding the response carries a (fake, base64) SAMLResponse and
// the relay state; otherwise a redirect URL.
func (h *samlHandler) CreateResponse(ctx context.Context, req *samlv2.CreateResponseRequest) (*samlv2.CreateResponseResponse, error) {
	if err := validateRequest(req); err != nil {
		return nil, err
	}
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	sr := s.samlRequests[req.GetSamlRequestId()]
	c := callerFrom(ctx)
	status := "success"
	switch kind := req.GetResponseKind().(type) {
	case *samlv2.CreateResponseRequest_Session:
		if sr == nil {
			return nil, zerr(connect.CodeNotFound, zitadelerr.ResponseRequestNotFound, keySAMLRequestNotExist)
		}
		if sr.handled {
			return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.SAMLRequestAlreadyHandled, keySAMLRequestHandled)
		}
		if err := c.mayLink(sr.loginClient); err != nil {
			return nil, err
		}
		if err := s.linkableSession(kind.Session.GetSessionId(), kind.Session.GetSessionToken()); err != nil {
			return nil, err
		}
	case *samlv2.CreateResponseRequest_Error:
		if sr == nil || sr.handled {
			return nil, zerr(connect.CodeFailedPrecondition, zitadelerr.SAMLRequestHandledOnError, keySAMLRequestHandled)
		}
		if err := c.checkPermission(permWrite, ""); err != nil {
			return nil, err
		}
		status = strings.ToLower(strings.TrimPrefix(kind.Error.GetError().String(), "ERROR_REASON_"))
	default:
		return nil, plainErr(connect.CodeInvalidArgument, "invalid CreateResponseRequest.ResponseKind: value is required")
	}
	sr.handled = true
	samlResp := base64.StdEncoding.EncodeToString([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="` + sr.id + `" status="` + status + `"/>`))
	resp := &samlv2.CreateResponseResponse{
		Details: &objectv2.Details{ChangeDate: timestamppb.New(s.clock.Now()), ResourceOwner: s.cfg.instanceID},
		Url:     sr.acsURL,
	}
	if strings.Contains(strings.ToUpper(sr.binding), "POST") {
		resp.Binding = &samlv2.CreateResponseResponse_Post{Post: &samlv2.PostResponse{RelayState: sr.relayState, SamlResponse: samlResp}}
	} else {
		q := url.Values{"SAMLResponse": {samlResp}, "RelayState": {sr.relayState}}
		sep := "?"
		if strings.Contains(sr.acsURL, "?") {
			sep = "&"
		}
		resp.Url = sr.acsURL + sep + q.Encode()
		resp.Binding = &samlv2.CreateResponseResponse_Redirect{Redirect: &samlv2.RedirectResponse{}}
	}
	return resp, nil
}

// oauthErrorCode maps an OIDC error reason to the OAuth 2.0 / OIDC error code
// that goes into the callback URL ("access_denied", "login_required", ...).
func oauthErrorCode(r oidcv2.ErrorReason) string {
	switch r {
	case oidcv2.ErrorReason_ERROR_REASON_UNSPECIFIED:
		return "server_error"
	case oidcv2.ErrorReason_ERROR_REASON_TEMPORARY_UNAVAILABLE:
		return "temporarily_unavailable"
	}
	return strings.ToLower(strings.TrimPrefix(r.String(), "ERROR_REASON_"))
}

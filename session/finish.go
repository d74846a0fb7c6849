package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
)

const (
	opCreateCallback = "CreateCallback"
	opCreateResponse = "CreateResponse"
)

var errNilHandle = errors.New("nil *Handle")

// FinishOIDC completes the OIDC authorization request authRequestID (the ID
// Zitadel passed to the login UI) with the session h and returns the URL to
// redirect the browser to (the client's redirect_uri with code and state).
//
// Zitadel does not check how strongly the session is authenticated: it
// answers with a code, which exchanges for tokens, even for a session with
// nothing but a user check. It rejects only an expired session
// ([IsSessionExpired]), a deleted one ([IsSessionTerminated]), a wrong or
// stale session token ([IsUnauthenticated]), an unknown request
// ([IsNotFound]) and a request that was already finished
// ([IsAlreadyHandled]). So FinishOIDC first checks the session against a
// policy, locally: the policy is [Authenticated] (a user check plus a
// password, IdP intent or WebAuthn check) unless [Require] names another,
// e.g. session.Require(session.PasswordAndSecondFactor); [SkipPolicyCheck]
// turns the check off. A session that does not satisfy it is refused with a
// local FailedPrecondition [*Error] wrapping [ErrPolicyNotSatisfied], and
// nothing is sent to finish the login.
//
// What the check costs: nothing when h comes from [Client.Create] and the
// checks of its own Create and [Handle.Set] calls satisfy the policy. Else
// (a handle from [Client.Resume], which knows nothing of its session; a
// passkey policy, since the handle does not know whether the authenticator
// verified the user; a policy other than a FactorKind, AllOf or AnyOf) one
// GetSession with h's token comes first, and its error, if any, is returned
// as it is (e.g. NotFound for a deleted session).
func (c *Client) FinishOIDC(ctx context.Context, authRequestID string, h *Handle, opts ...FinishOption) (callbackURL string, err error) {
	if h == nil {
		return "", localError(opCreateCallback, errNilHandle.Error(), nil)
	}
	req := &oidcv2.CreateCallbackRequest{
		AuthRequestId: authRequestID,
		CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{
			SessionId: h.ID(), SessionToken: h.SessionToken(),
		}},
	}
	if err := check(opCreateCallback, req); err != nil {
		return "", err
	}
	if err := checkFinish(ctx, opCreateCallback, h, opts); err != nil {
		return "", err
	}
	return c.sendCallback(ctx, req)
}

// OIDCError is the error a login UI returns to an OIDC client instead of a
// login, e.g. when the user cancels.
type OIDCError struct {
	// Reason is the OAuth 2.0 error code, e.g. [OIDCReasonAccessDenied].
	Reason OIDCReason
	// Description is the optional error_description.
	Description string
	// URI is the optional error_uri.
	URI string
}

// FailOIDC completes the OIDC authorization request with an error and
// returns the URL to redirect the browser to.
func (c *Client) FailOIDC(ctx context.Context, authRequestID string, e OIDCError) (callbackURL string, err error) {
	if e.Reason.String() == "unknown" {
		return "", localError(opCreateCallback, "OIDCError.Reason: not one of the OIDCReason constants", nil)
	}
	ae := &oidcv2.AuthorizationError{Error: e.Reason.toProto()}
	if e.Description != "" {
		ae.ErrorDescription = &e.Description
	}
	if e.URI != "" {
		ae.ErrorUri = &e.URI
	}
	return c.createCallback(ctx, &oidcv2.CreateCallbackRequest{
		AuthRequestId: authRequestID,
		CallbackKind:  &oidcv2.CreateCallbackRequest_Error{Error: ae},
	})
}

func (c *Client) createCallback(ctx context.Context, req *oidcv2.CreateCallbackRequest) (string, error) {
	if err := check(opCreateCallback, req); err != nil {
		return "", err
	}
	return c.sendCallback(ctx, req)
}

// sendCallback sends a validated CreateCallback request.
func (c *Client) sendCallback(ctx context.Context, req *oidcv2.CreateCallbackRequest) (string, error) {
	res, err := c.oidc.CreateCallback(ctx, req)
	if err != nil {
		return "", newError(ctx, opCreateCallback, err)
	}
	return res.GetCallbackUrl(), nil
}

// SAMLBinding is how the browser delivers a SAML response to the service
// provider.
type SAMLBinding uint8

const (
	// SAMLBindingRedirect: redirect the browser to [SAMLResponse.URL].
	SAMLBindingRedirect SAMLBinding = iota + 1
	// SAMLBindingPost: render an auto-submitting form that POSTs
	// SAMLResponse and RelayState to [SAMLResponse.URL].
	SAMLBindingPost
)

// String returns "redirect" or "post".
func (b SAMLBinding) String() string {
	switch b {
	case SAMLBindingRedirect:
		return "redirect"
	case SAMLBindingPost:
		return "post"
	}
	return "unknown"
}

// SAMLResponse tells the login UI how to send the browser back to the SAML
// service provider.
type SAMLResponse struct {
	// URL is the redirect URL (redirect binding) or the form action (post
	// binding).
	URL string
	// Binding is the delivery method.
	Binding SAMLBinding
	// RelayState is the form's RelayState value (post binding).
	RelayState string
	// SAMLResponse is the form's SAMLResponse value (post binding): a signed
	// assertion that logs the user in. It is redacted in String, fmt and
	// slog output.
	SAMLResponse string
}

// String describes the response with the assertion redacted.
func (r *SAMLResponse) String() string {
	if r == nil {
		return "<nil>"
	}
	return fmt.Sprintf("session.SAMLResponse{URL: %s, Binding: %s, RelayState: %s, SAMLResponse: %s}",
		r.URL, r.Binding, r.RelayState, secretValue(r.SAMLResponse))
}

// GoString implements fmt.GoStringer with the redacted String.
func (r *SAMLResponse) GoString() string { return r.String() }

// Format implements fmt.Formatter so that every verb prints the redacted
// String.
func (r *SAMLResponse) Format(f fmt.State, verb rune) { formatString(f, verb, r.String()) }

// LogValue implements slog.LogValuer with the assertion redacted.
func (r *SAMLResponse) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	return slog.GroupValue(slog.String("url", r.URL), slog.String("binding", r.Binding.String()),
		slog.String("relay_state", r.RelayState), slog.String("saml_response", secretValue(r.SAMLResponse)))
}

// FinishSAML completes the SAML request samlRequestID with the session h.
// Like [Client.FinishOIDC] (see there for what Zitadel does and does not
// reject, and for what the check costs) it first checks the session against
// the policy — [Authenticated] unless [Require] names another, none with
// [SkipPolicyCheck] — and refuses, without finishing the login, a session
// that does not satisfy it.
func (c *Client) FinishSAML(ctx context.Context, samlRequestID string, h *Handle, opts ...FinishOption) (*SAMLResponse, error) {
	if h == nil {
		return nil, localError(opCreateResponse, errNilHandle.Error(), nil)
	}
	req := &samlv2.CreateResponseRequest{
		SamlRequestId: samlRequestID,
		ResponseKind: &samlv2.CreateResponseRequest_Session{Session: &samlv2.Session{
			SessionId: h.ID(), SessionToken: h.SessionToken(),
		}},
	}
	if err := check(opCreateResponse, req); err != nil {
		return nil, err
	}
	if err := checkFinish(ctx, opCreateResponse, h, opts); err != nil {
		return nil, err
	}
	return c.sendResponse(ctx, req)
}

// SAMLError is the error a login UI returns to a SAML service provider
// instead of a login.
type SAMLError struct {
	// Reason is the SAML status, e.g. [SAMLReasonAuthnFailed].
	Reason SAMLReason
	// Description is an optional status message.
	Description string
}

// FailSAML completes the SAML request with an error.
func (c *Client) FailSAML(ctx context.Context, samlRequestID string, e SAMLError) (*SAMLResponse, error) {
	if e.Reason.String() == "unknown" {
		return nil, localError(opCreateResponse, "SAMLError.Reason: not one of the SAMLReason constants", nil)
	}
	ae := &samlv2.AuthorizationError{Error: e.Reason.toProto()}
	if e.Description != "" {
		ae.ErrorDescription = &e.Description
	}
	return c.createResponse(ctx, &samlv2.CreateResponseRequest{
		SamlRequestId: samlRequestID,
		ResponseKind:  &samlv2.CreateResponseRequest_Error{Error: ae},
	})
}

func (c *Client) createResponse(ctx context.Context, req *samlv2.CreateResponseRequest) (*SAMLResponse, error) {
	if err := check(opCreateResponse, req); err != nil {
		return nil, err
	}
	return c.sendResponse(ctx, req)
}

// sendResponse sends a validated CreateResponse request.
func (c *Client) sendResponse(ctx context.Context, req *samlv2.CreateResponseRequest) (*SAMLResponse, error) {
	res, err := c.saml.CreateResponse(ctx, req)
	if err != nil {
		return nil, newError(ctx, opCreateResponse, err)
	}
	out := &SAMLResponse{URL: res.GetUrl()}
	switch b := res.Binding.(type) {
	case *samlv2.CreateResponseResponse_Redirect:
		out.Binding = SAMLBindingRedirect
	case *samlv2.CreateResponseResponse_Post:
		out.Binding = SAMLBindingPost
		out.RelayState = b.Post.GetRelayState()
		out.SAMLResponse = b.Post.GetSamlResponse()
	}
	return out, nil
}

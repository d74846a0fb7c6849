package session

import (
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
)

// OIDCReason is the OAuth 2.0 / OpenID Connect error code of an
// [OIDCError], sent to the client as the error parameter of the redirect.
// The zero value is unspecified: Zitadel sends "server_error" for it.
type OIDCReason int32

// The OAuth 2.0 (RFC 6749 section 4.1.2.1) and OpenID Connect Core (section
// 3.1.2.6) error codes Zitadel accepts. The values are those of the wire
// enum zitadel.oidc.v2.ErrorReason.
const (
	OIDCReasonUnspecified              OIDCReason = 0
	OIDCReasonInvalidRequest           OIDCReason = 1
	OIDCReasonUnauthorizedClient       OIDCReason = 2
	OIDCReasonAccessDenied             OIDCReason = 3
	OIDCReasonUnsupportedResponseType  OIDCReason = 4
	OIDCReasonInvalidScope             OIDCReason = 5
	OIDCReasonServerError              OIDCReason = 6
	OIDCReasonTemporarilyUnavailable   OIDCReason = 7
	OIDCReasonInteractionRequired      OIDCReason = 8
	OIDCReasonLoginRequired            OIDCReason = 9
	OIDCReasonAccountSelectionRequired OIDCReason = 10
	OIDCReasonConsentRequired          OIDCReason = 11
	OIDCReasonInvalidRequestURI        OIDCReason = 12
	OIDCReasonInvalidRequestObject     OIDCReason = 13
	OIDCReasonRequestNotSupported      OIDCReason = 14
	OIDCReasonRequestURINotSupported   OIDCReason = 15
	OIDCReasonRegistrationNotSupported OIDCReason = 16
)

var oidcReasonNames = [...]string{
	OIDCReasonUnspecified:              "unspecified",
	OIDCReasonInvalidRequest:           "invalid_request",
	OIDCReasonUnauthorizedClient:       "unauthorized_client",
	OIDCReasonAccessDenied:             "access_denied",
	OIDCReasonUnsupportedResponseType:  "unsupported_response_type",
	OIDCReasonInvalidScope:             "invalid_scope",
	OIDCReasonServerError:              "server_error",
	OIDCReasonTemporarilyUnavailable:   "temporarily_unavailable",
	OIDCReasonInteractionRequired:      "interaction_required",
	OIDCReasonLoginRequired:            "login_required",
	OIDCReasonAccountSelectionRequired: "account_selection_required",
	OIDCReasonConsentRequired:          "consent_required",
	OIDCReasonInvalidRequestURI:        "invalid_request_uri",
	OIDCReasonInvalidRequestObject:     "invalid_request_object",
	OIDCReasonRequestNotSupported:      "request_not_supported",
	OIDCReasonRequestURINotSupported:   "request_uri_not_supported",
	OIDCReasonRegistrationNotSupported: "registration_not_supported",
}

// String returns the error code as it appears in the redirect, e.g.
// "access_denied"; "unspecified" for the zero value and "unknown" for a
// value that is not one of the constants.
func (r OIDCReason) String() string {
	if r >= 0 && int(r) < len(oidcReasonNames) {
		return oidcReasonNames[r]
	}
	return "unknown"
}

// toProto returns r as the wire enum. A value that is not one of the
// constants never gets here: FailOIDC refuses it locally.
func (r OIDCReason) toProto() oidcv2.ErrorReason { return oidcv2.ErrorReason(r) }

// SAMLReason is the SAML 2.0 status of a [SAMLError]. The zero value is
// unspecified.
type SAMLReason int32

// The SAML 2.0 second-level status codes Zitadel accepts (SAML core, section
// 3.2.2.2). The values are those of the wire enum zitadel.saml.v2.ErrorReason.
const (
	SAMLReasonUnspecified            SAMLReason = 0
	SAMLReasonVersionMismatch        SAMLReason = 1
	SAMLReasonAuthnFailed            SAMLReason = 2
	SAMLReasonInvalidAttrNameOrValue SAMLReason = 3
	SAMLReasonInvalidNameIDPolicy    SAMLReason = 4
	SAMLReasonRequestDenied          SAMLReason = 5
	SAMLReasonRequestUnsupported     SAMLReason = 6
	SAMLReasonUnsupportedBinding     SAMLReason = 7
)

var samlReasonNames = [...]string{
	SAMLReasonUnspecified:            "unspecified",
	SAMLReasonVersionMismatch:        "VersionMismatch",
	SAMLReasonAuthnFailed:            "AuthnFailed",
	SAMLReasonInvalidAttrNameOrValue: "InvalidAttrNameOrValue",
	SAMLReasonInvalidNameIDPolicy:    "InvalidNameIDPolicy",
	SAMLReasonRequestDenied:          "RequestDenied",
	SAMLReasonRequestUnsupported:     "RequestUnsupported",
	SAMLReasonUnsupportedBinding:     "UnsupportedBinding",
}

// String returns the status code's name as in SAML core, e.g.
// "AuthnFailed" (the last part of
// urn:oasis:names:tc:SAML:2.0:status:AuthnFailed); "unspecified" for the
// zero value and "unknown" for a value that is not one of the constants.
func (r SAMLReason) String() string {
	if r >= 0 && int(r) < len(samlReasonNames) {
		return samlReasonNames[r]
	}
	return "unknown"
}

// toProto returns r as the wire enum. A value that is not one of the
// constants never gets here: FailSAML refuses it locally.
func (r SAMLReason) toProto() samlv2.ErrorReason { return samlv2.ErrorReason(r) }

package validate

import "time"

// ruleKind tells which protoc-gen-validate rule family a fieldRule belongs to.
type ruleKind uint8

const (
	kindString   ruleKind = iota + 1 // (validate.rules).string: len / min_len / max_len (runes)
	kindEnum                         // (validate.rules).enum: defined_only / not_in
	kindMessage                      // (validate.rules).message: required
	kindDuration                     // (validate.rules).duration: gt
)

// fieldRule is one (validate.rules) annotation of upstream Zitadel, keyed by
// message full name and proto field name. Zero-valued limits are "not set",
// exactly as in PGV (which ignores a rule whose value is 0).
type fieldRule struct {
	msg   string // message full name, e.g. "zitadel.session.v2.CheckTOTP"
	field string // proto field name, e.g. "code"
	kind  ruleKind

	// kindString
	len, minLen, maxLen int

	// kindEnum
	definedOnly bool
	notIn       []int32

	// kindMessage
	required bool

	// kindDuration
	gt    time.Duration
	gtSet bool
}

// oneofRule is one (validate.required) = true annotation on a oneof.
type oneofRule struct {
	msg   string // message full name
	oneof string // proto oneof name
}

// Helpers that keep the table below readable.
func str(msg, field string, minLen, maxLen int) fieldRule {
	return fieldRule{msg: msg, field: field, kind: kindString, minLen: minLen, maxLen: maxLen}
}

func strLen(msg, field string, n int) fieldRule {
	return fieldRule{msg: msg, field: field, kind: kindString, len: n}
}

const (
	sess = "zitadel.session.v2."
	oidc = "zitadel.oidc.v2."
	saml = "zitadel.saml.v2."
)

// fieldRules is every (validate.rules) annotation upstream Zitadel (main,
// a97999e5) has on the messages reachable from the session, OIDC and SAML v2
// services. TestRuleTableMatchesFacts compares it with
// proto/testdata/session-v2-wire.json in both directions.
var fieldRules = []fieldRule{
	// zitadel.session.v2 – requests
	str(sess+"GetSessionRequest", "session_id", 1, 200),
	str(sess+"GetSessionRequest", "session_token", 1, 500), // proto3 optional: only when present
	{msg: sess + "CreateSessionRequest", field: "lifetime", kind: kindDuration, gt: 0, gtSet: true},
	str(sess+"SetSessionRequest", "session_id", 1, 200),
	{msg: sess + "SetSessionRequest", field: "lifetime", kind: kindDuration, gt: 0, gtSet: true},
	str(sess+"DeleteSessionRequest", "session_id", 1, 200),

	// zitadel.session.v2 – checks
	str(sess+"CheckUser", "user_id", 1, 200),
	str(sess+"CheckUser", "login_name", 1, 200),
	str(sess+"CheckPassword", "password", 1, 200),
	{msg: sess + "CheckWebAuthN", field: "credential_assertion_data", kind: kindMessage, required: true},
	str(sess+"CheckIDPIntent", "idp_intent_id", 1, 200),
	str(sess+"CheckIDPIntent", "idp_intent_token", 1, 200),
	str(sess+"CheckTOTP", "code", 6, 6),
	str(sess+"CheckOTP", "code", 1, 0),
	str(sess+"CheckRecoveryCode", "code", 1, 200),

	// zitadel.session.v2 – challenges
	str(sess+"RequestChallenges.WebAuthN", "domain", 1, 200),
	{msg: sess + "RequestChallenges.WebAuthN", field: "user_verification_requirement", kind: kindEnum, definedOnly: true, notIn: []int32{0}},
	str(sess+"RequestChallenges.OTPEmail.SendCode", "url_template", 1, 200), // proto3 optional

	// zitadel.session.v2 – search queries
	{msg: sess + "CreationDateQuery", field: "method", kind: kindEnum, definedOnly: true},
	{msg: sess + "ExpirationDateQuery", field: "method", kind: kindEnum, definedOnly: true},
	str(sess+"CreatorQuery", "id", 0, 200),               // proto3 optional
	str(sess+"UserAgentQuery", "fingerprint_id", 0, 200), // proto3 optional

	// zitadel.oidc.v2
	str(oidc+"GetAuthRequestRequest", "auth_request_id", 1, 200),
	str(oidc+"CreateCallbackRequest", "auth_request_id", 1, 200),
	str(oidc+"Session", "session_id", 1, 200),
	str(oidc+"Session", "session_token", 1, 500),
	strLen(oidc+"GetDeviceAuthorizationRequestRequest", "user_code", 9),
	str(oidc+"AuthorizeOrDenyDeviceAuthorizationRequest", "device_authorization_id", 1, 500),

	// zitadel.saml.v2
	str(saml+"GetSAMLRequestRequest", "saml_request_id", 1, 200),
	str(saml+"CreateResponseRequest", "saml_request_id", 1, 200),
	str(saml+"Session", "session_id", 1, 200),
	str(saml+"Session", "session_token", 1, 500),
}

// oneofRules is every (validate.required) oneof upstream.
var oneofRules = []oneofRule{
	{sess + "CheckUser", "search"},
	{sess + "SearchQuery", "query"},
	{oidc + "CreateCallbackRequest", "callback_kind"},
	{oidc + "AuthorizeOrDenyDeviceAuthorizationRequest", "decision"},
	{saml + "CreateResponseRequest", "response_kind"},
}

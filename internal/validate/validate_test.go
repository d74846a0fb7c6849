package validate

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// ---- facts ------------------------------------------------------------------

type factField struct {
	Name     string         `json:"name"`
	Validate map[string]any `json:"validate"`
}

type factOneof struct {
	Name             string `json:"name"`
	ValidateRequired bool   `json:"validate_required"`
}

type factMessage struct {
	FullName string      `json:"full_name"`
	Fields   []factField `json:"fields"`
	Oneofs   []factOneof `json:"oneofs"`
}

type facts struct {
	Messages []factMessage `json:"messages"`
	Related  map[string]struct {
		Messages []factMessage `json:"messages"`
	} `json:"related"`
}

func loadFacts(t *testing.T) []factMessage {
	t.Helper()
	raw, err := os.ReadFile("../../proto/testdata/session-v2-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	msgs := append([]factMessage(nil), f.Messages...)
	for _, r := range f.Related {
		msgs = append(msgs, r.Messages...)
	}
	if len(msgs) < 50 {
		t.Fatalf("facts look truncated: %d messages", len(msgs))
	}
	return msgs
}

// ruleAsFact renders a table rule in the facts' snake_case PGV layout.
func ruleAsFact(r fieldRule) map[string]any {
	switch r.kind {
	case kindString:
		m := map[string]any{}
		if r.len > 0 {
			m["len"] = r.len
		}
		if r.minLen > 0 {
			m["min_len"] = r.minLen
		}
		if r.maxLen > 0 {
			m["max_len"] = r.maxLen
		}
		return map[string]any{"string": m}
	case kindEnum:
		m := map[string]any{}
		if r.definedOnly {
			m["defined_only"] = true
		}
		if len(r.notIn) > 0 {
			m["not_in"] = r.notIn
		}
		return map[string]any{"enum": m}
	case kindMessage:
		return map[string]any{"message": map[string]any{"required": r.required}}
	case kindDuration:
		m := map[string]any{}
		if r.gtSet {
			m["gt"] = r.gt.String()
		}
		return map[string]any{"duration": m}
	}
	return nil
}

// normalize round-trips through JSON so both sides use float64/[]any.
func normalize(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(x) // map keys sorted
	return string(b)
}

func TestRuleTableMatchesFacts(t *testing.T) {
	want := map[string]string{}
	wantOneofs := map[string]bool{}
	for _, m := range loadFacts(t) {
		for _, f := range m.Fields {
			if f.Validate != nil {
				want[m.FullName+"."+f.Name] = normalize(t, f.Validate)
			}
		}
		for _, o := range m.Oneofs {
			if o.ValidateRequired {
				wantOneofs[m.FullName+"."+o.Name] = true
			}
		}
	}
	if len(want) == 0 || len(wantOneofs) == 0 {
		t.Fatal("no rules found in facts")
	}
	got := map[string]string{}
	for _, r := range fieldRules {
		k := r.msg + "." + r.field
		if _, dup := got[k]; dup {
			t.Errorf("duplicate rule %s", k)
		}
		got[k] = normalize(t, ruleAsFact(r))
	}
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("missing rule %s: %s", k, w)
		} else if g != w {
			t.Errorf("rule %s: table %s, facts %s", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("extra rule %s: %s", k, g)
		}
	}
	gotOneofs := map[string]bool{}
	for _, o := range oneofRules {
		gotOneofs[o.msg+"."+o.oneof] = true
	}
	if !reflect.DeepEqual(gotOneofs, wantOneofs) {
		t.Errorf("required oneofs: table %v, facts %v", keys(gotOneofs), keys(wantOneofs))
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Every rule is attached to a step of a compiled plan (so it is enforced), and
// the Go names printed in errors exist on the generated structs.
func TestPlansCoverRulesAndGoNames(t *testing.T) {
	loadPlans() // panics if a rule names an unknown field or oneof
	attached := map[*fieldRule]bool{}
	for name, p := range plans {
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			continue // e.g. map entry types
		}
		typ := reflect.TypeOf(mt.Zero().Interface()).Elem()
		if typ.Name() != p.goName {
			t.Errorf("%s: go name %q, generated type %q", name, p.goName, typ.Name())
		}
		for _, s := range p.allSteps() {
			if s.rule != nil {
				attached[s.rule] = true
			}
			if s.fd.ContainingOneof() == nil || s.fd.ContainingOneof().IsSynthetic() {
				if _, ok := typ.FieldByName(s.goName); !ok {
					t.Errorf("%s: no Go field %q", name, s.goName)
				}
			}
		}
		for _, o := range p.oneofs {
			if _, ok := typ.FieldByName(o.goName); !ok {
				t.Errorf("%s: no Go oneof field %q", name, o.goName)
			}
		}
	}
	for i := range fieldRules {
		if !attached[&fieldRules[i]] {
			t.Errorf("rule %s.%s is not attached to any plan", fieldRules[i].msg, fieldRules[i].field)
		}
	}
	for _, req := range []proto.Message{
		&sessionv2.CreateSessionRequest{}, &sessionv2.SetSessionRequest{}, &sessionv2.GetSessionRequest{},
		&sessionv2.DeleteSessionRequest{}, &sessionv2.ListSessionsRequest{},
		&oidcv2.CreateCallbackRequest{}, &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest{},
		&samlv2.CreateResponseRequest{},
	} {
		if p := plans[req.ProtoReflect().Descriptor().FullName()]; p == nil || !p.active {
			t.Errorf("%T has no active plan", req)
		}
	}
	if p := plans["zitadel.session.v2.UserAgent"]; p == nil || p.active {
		t.Error("UserAgent should be compiled but inactive (no rules below it)")
	}
}

// ---- behaviour --------------------------------------------------------------

func ptr[T any](v T) *T { return &v }

func validCreate() *sessionv2.CreateSessionRequest {
	return &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "mini@example.com"}},
			Password: &sessionv2.CheckPassword{Password: "Password1!"},
			Totp:     &sessionv2.CheckTOTP{Code: "123456"},
		},
		Metadata:  map[string][]byte{"k": []byte("v")},
		UserAgent: &sessionv2.UserAgent{FingerprintId: ptr("fp"), Header: map[string]*sessionv2.UserAgent_HeaderValues{"foo": {Values: []string{"a"}}}},
		Lifetime:  durationpb.New(5 * time.Minute),
	}
}

func withChecks(c *sessionv2.Checks) *sessionv2.CreateSessionRequest {
	return &sessionv2.CreateSessionRequest{Checks: c}
}

func withChallenges(c *sessionv2.RequestChallenges) *sessionv2.CreateSessionRequest {
	return &sessionv2.CreateSessionRequest{Challenges: c}
}

func list(q ...*sessionv2.SearchQuery) *sessionv2.ListSessionsRequest {
	return &sessionv2.ListSessionsRequest{Queries: q}
}

func TestRequest(t *testing.T) {
	const (
		between200 = "value length must be between 1 and 200 runes, inclusive"
		between500 = "value length must be between 1 and 500 runes, inclusive"
		embedded   = "embedded message failed validation"
	)
	s200 := strings.Repeat("a", 200)
	s201 := strings.Repeat("a", 201)
	s500 := strings.Repeat("ä", 500) // 1000 bytes, 500 runes
	webauthn := func(domain string, uv sessionv2.UserVerificationRequirement) *sessionv2.CreateSessionRequest {
		return withChallenges(&sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{Domain: domain, UserVerificationRequirement: uv}})
	}
	sendCode := func(tpl *string) *sessionv2.CreateSessionRequest {
		return withChallenges(&sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_SendCode_{SendCode: &sessionv2.RequestChallenges_OTPEmail_SendCode{UrlTemplate: tpl}}}})
	}
	required := sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED

	tests := []struct {
		name string
		req  proto.Message
		path string // "" = valid
		// innermost violation
		msg, field, reason string
		// full Error() text, checked when set
		text string
	}{
		// --- valid
		{name: "nil message", req: nil},
		{name: "typed nil", req: (*sessionv2.CreateSessionRequest)(nil)},
		{name: "empty create", req: &sessionv2.CreateSessionRequest{}},
		{name: "full create", req: validCreate()},
		{name: "create user by id", req: withChecks(&sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: s200}}})},
		{name: "totp 6 multibyte runes", req: withChecks(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "ääääää"}})},
		{name: "otp long", req: withChecks(&sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: s201}})},
		{name: "webauthn check", req: withChecks(&sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: &structpb.Struct{}}})},
		{name: "webauthn challenge", req: webauthn("example.com", required)},
		{name: "send code absent template", req: sendCode(nil)},
		{name: "send code template", req: sendCode(ptr("https://x/{{.Code}}"))},
		{name: "return code", req: withChallenges(&sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{DeliveryType: &sessionv2.RequestChallenges_OTPEmail_ReturnCode_{ReturnCode: &sessionv2.RequestChallenges_OTPEmail_ReturnCode{}}}})},
		{name: "get token absent", req: &sessionv2.GetSessionRequest{SessionId: "1"}},
		{name: "get token 500 runes", req: &sessionv2.GetSessionRequest{SessionId: "1", SessionToken: ptr(s500)}},
		{name: "delete empty token", req: &sessionv2.DeleteSessionRequest{SessionId: "1"}},
		{name: "set valid", req: &sessionv2.SetSessionRequest{SessionId: "1", Lifetime: durationpb.New(time.Nanosecond)}},
		{name: "list empty", req: list()},
		{name: "list queries", req: list(
			&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{}}},
			&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{Id: ptr("")}}},
			&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreationDateQuery{CreationDateQuery: &sessionv2.CreationDateQuery{Method: zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS}}},
		)},
		{name: "oidc callback", req: &oidcv2.CreateCallbackRequest{AuthRequestId: "a", CallbackKind: &oidcv2.CreateCallbackRequest_Error{Error: &oidcv2.AuthorizationError{}}}},
		{name: "oidc device deny", req: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest{DeviceAuthorizationId: "d", Decision: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest_Deny{Deny: &oidcv2.Deny{}}}},
		{name: "oidc user code", req: &oidcv2.GetDeviceAuthorizationRequestRequest{UserCode: "ABCD-EFGH"}},
		{name: "saml response", req: &samlv2.CreateResponseRequest{SamlRequestId: "s", ResponseKind: &samlv2.CreateResponseRequest_Session{Session: &samlv2.Session{SessionId: "1", SessionToken: "t"}}}},

		// --- invalid
		{name: "totp 5", req: withChecks(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "12345"}}),
			path: "checks.totp.code", msg: "CheckTOTP", field: "Code", reason: "value length must be 6 runes",
			text: "invalid CreateSessionRequest.Checks: embedded message failed validation | caused by: invalid Checks.Totp: embedded message failed validation | caused by: invalid CheckTOTP.Code: value length must be 6 runes"},
		{name: "totp 6 bytes 3 runes", req: withChecks(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "äää"}}),
			path: "checks.totp.code", msg: "CheckTOTP", field: "Code", reason: "value length must be 6 runes"},
		{name: "totp empty present", req: withChecks(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{}}),
			path: "checks.totp.code", msg: "CheckTOTP", field: "Code", reason: "value length must be 6 runes"},
		{name: "user no search", req: withChecks(&sessionv2.Checks{User: &sessionv2.CheckUser{}}),
			path: "checks.user.search", msg: "CheckUser", field: "Search", reason: "value is required",
			text: "invalid CreateSessionRequest.Checks: embedded message failed validation | caused by: invalid Checks.User: embedded message failed validation | caused by: invalid CheckUser.Search: value is required"},
		{name: "user id empty", req: withChecks(&sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{}}}),
			path: "checks.user.user_id", msg: "CheckUser", field: "UserId", reason: between200},
		{name: "login name 201", req: withChecks(&sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: s201}}}),
			path: "checks.user.login_name", msg: "CheckUser", field: "LoginName", reason: between200},
		{name: "password empty", req: withChecks(&sessionv2.Checks{Password: &sessionv2.CheckPassword{}}),
			path: "checks.password.password", msg: "CheckPassword", field: "Password", reason: between200},
		{name: "webauthn data missing", req: withChecks(&sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{}}),
			path: "checks.web_auth_n.credential_assertion_data", msg: "CheckWebAuthN", field: "CredentialAssertionData", reason: "value is required"},
		{name: "intent id empty", req: withChecks(&sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentToken: "t"}}),
			path: "checks.idp_intent.idp_intent_id", msg: "CheckIDPIntent", field: "IdpIntentId", reason: between200},
		{name: "intent token long", req: withChecks(&sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: "i", IdpIntentToken: s201}}),
			path: "checks.idp_intent.idp_intent_token", msg: "CheckIDPIntent", field: "IdpIntentToken", reason: between200},
		{name: "otp sms empty", req: withChecks(&sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{}}),
			path: "checks.otp_sms.code", msg: "CheckOTP", field: "Code", reason: "value length must be at least 1 runes"},
		{name: "otp email empty", req: withChecks(&sessionv2.Checks{OtpEmail: &sessionv2.CheckOTP{}}),
			path: "checks.otp_email.code", msg: "CheckOTP", field: "Code", reason: "value length must be at least 1 runes"},
		{name: "recovery long", req: withChecks(&sessionv2.Checks{RecoveryCode: &sessionv2.CheckRecoveryCode{Code: s201}}),
			path: "checks.recovery_code.code", msg: "CheckRecoveryCode", field: "Code", reason: between200},
		{name: "first failing check wins", req: withChecks(&sessionv2.Checks{Password: &sessionv2.CheckPassword{}, Totp: &sessionv2.CheckTOTP{}}),
			path: "checks.password.password", msg: "CheckPassword", field: "Password", reason: between200},
		{name: "lifetime zero", req: &sessionv2.CreateSessionRequest{Lifetime: durationpb.New(0)},
			path: "lifetime", msg: "CreateSessionRequest", field: "Lifetime", reason: "value must be greater than 0s",
			text: "invalid CreateSessionRequest.Lifetime: value must be greater than 0s"},
		{name: "lifetime negative", req: &sessionv2.CreateSessionRequest{Lifetime: durationpb.New(-time.Minute)},
			path: "lifetime", msg: "CreateSessionRequest", field: "Lifetime", reason: "value must be greater than 0s"},
		{name: "lifetime malformed", req: &sessionv2.CreateSessionRequest{Lifetime: &durationpb.Duration{Seconds: 1, Nanos: -1}},
			path: "lifetime", msg: "CreateSessionRequest", field: "Lifetime", reason: "value is not a valid duration"},
		{name: "checks before lifetime", req: &sessionv2.CreateSessionRequest{Lifetime: durationpb.New(0), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{}}},
			path: "checks.totp.code", msg: "CheckTOTP", field: "Code", reason: "value length must be 6 runes"},
		{name: "set lifetime zero", req: &sessionv2.SetSessionRequest{SessionId: "1", Lifetime: &durationpb.Duration{}},
			path: "lifetime", msg: "SetSessionRequest", field: "Lifetime", reason: "value must be greater than 0s"},
		{name: "set id empty", req: &sessionv2.SetSessionRequest{},
			path: "session_id", msg: "SetSessionRequest", field: "SessionId", reason: between200,
			text: "invalid SetSessionRequest.SessionId: " + between200},
		{name: "set checks", req: &sessionv2.SetSessionRequest{SessionId: "1", Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{}}},
			path: "checks.user.search", msg: "CheckUser", field: "Search", reason: "value is required"},
		{name: "webauthn domain empty", req: webauthn("", required),
			path: "challenges.web_auth_n.domain", msg: "RequestChallenges_WebAuthN", field: "Domain", reason: between200,
			text: "invalid CreateSessionRequest.Challenges: embedded message failed validation | caused by: invalid RequestChallenges.WebAuthN: embedded message failed validation | caused by: invalid RequestChallenges_WebAuthN.Domain: " + between200},
		{name: "webauthn uv unspecified", req: webauthn("example.com", 0),
			path: "challenges.web_auth_n.user_verification_requirement", msg: "RequestChallenges_WebAuthN", field: "UserVerificationRequirement", reason: "value must not be in list [USER_VERIFICATION_REQUIREMENT_UNSPECIFIED]"},
		{name: "webauthn uv undefined", req: webauthn("example.com", 42),
			path: "challenges.web_auth_n.user_verification_requirement", msg: "RequestChallenges_WebAuthN", field: "UserVerificationRequirement", reason: "value must be one of the defined enum values"},
		{name: "send code empty template", req: sendCode(ptr("")),
			path: "challenges.otp_email.send_code.url_template", msg: "RequestChallenges_OTPEmail_SendCode", field: "UrlTemplate", reason: between200,
			text: "invalid CreateSessionRequest.Challenges: embedded message failed validation | caused by: invalid RequestChallenges.OtpEmail: embedded message failed validation | caused by: invalid RequestChallenges_OTPEmail.SendCode: embedded message failed validation | caused by: invalid RequestChallenges_OTPEmail_SendCode.UrlTemplate: " + between200},
		{name: "send code long template", req: sendCode(ptr(s201)),
			path: "challenges.otp_email.send_code.url_template", msg: "RequestChallenges_OTPEmail_SendCode", field: "UrlTemplate", reason: between200},
		{name: "get id empty", req: &sessionv2.GetSessionRequest{},
			path: "session_id", msg: "GetSessionRequest", field: "SessionId", reason: between200},
		{name: "get token present empty", req: &sessionv2.GetSessionRequest{SessionId: "1", SessionToken: ptr("")},
			path: "session_token", msg: "GetSessionRequest", field: "SessionToken", reason: between500},
		{name: "get token 501", req: &sessionv2.GetSessionRequest{SessionId: "1", SessionToken: ptr(s500 + "x")},
			path: "session_token", msg: "GetSessionRequest", field: "SessionToken", reason: between500},
		{name: "delete id long", req: &sessionv2.DeleteSessionRequest{SessionId: s201},
			path: "session_id", msg: "DeleteSessionRequest", field: "SessionId", reason: between200},
		{name: "list query unset", req: list(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{}}}, &sessionv2.SearchQuery{}),
			path: "queries[1].query", msg: "SearchQuery", field: "Query", reason: "value is required",
			text: "invalid ListSessionsRequest.Queries[1]: embedded message failed validation | caused by: invalid SearchQuery.Query: value is required"},
		{name: "list creator long", req: list(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{Id: ptr(s201)}}}),
			path: "queries[0].creator_query.id", msg: "CreatorQuery", field: "Id", reason: "value length must be at most 200 runes"},
		{name: "list user agent long", req: list(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserAgentQuery{UserAgentQuery: &sessionv2.UserAgentQuery{FingerprintId: ptr(s201)}}}),
			path: "queries[0].user_agent_query.fingerprint_id", msg: "UserAgentQuery", field: "FingerprintId", reason: "value length must be at most 200 runes"},
		{name: "list creation method", req: list(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreationDateQuery{CreationDateQuery: &sessionv2.CreationDateQuery{Method: 99}}}),
			path: "queries[0].creation_date_query.method", msg: "CreationDateQuery", field: "Method", reason: "value must be one of the defined enum values"},
		{name: "list expiration method", req: list(&sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_ExpirationDateQuery{ExpirationDateQuery: &sessionv2.ExpirationDateQuery{Method: -1}}}),
			path: "queries[0].expiration_date_query.method", msg: "ExpirationDateQuery", field: "Method", reason: "value must be one of the defined enum values"},
		{name: "oidc get auth request", req: &oidcv2.GetAuthRequestRequest{},
			path: "auth_request_id", msg: "GetAuthRequestRequest", field: "AuthRequestId", reason: between200},
		{name: "oidc callback kind", req: &oidcv2.CreateCallbackRequest{AuthRequestId: "a"},
			path: "callback_kind", msg: "CreateCallbackRequest", field: "CallbackKind", reason: "value is required"},
		{name: "oidc callback session token", req: &oidcv2.CreateCallbackRequest{AuthRequestId: "a", CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: "1"}}},
			path: "session.session_token", msg: "Session", field: "SessionToken", reason: between500,
			text: "invalid CreateCallbackRequest.Session: embedded message failed validation | caused by: invalid Session.SessionToken: " + between500},
		{name: "oidc user code 8", req: &oidcv2.GetDeviceAuthorizationRequestRequest{UserCode: "ABCDEFGH"},
			path: "user_code", msg: "GetDeviceAuthorizationRequestRequest", field: "UserCode", reason: "value length must be 9 runes"},
		{name: "oidc device decision", req: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest{DeviceAuthorizationId: "d"},
			path: "decision", msg: "AuthorizeOrDenyDeviceAuthorizationRequest", field: "Decision", reason: "value is required"},
		{name: "oidc device id", req: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest{},
			path: "device_authorization_id", msg: "AuthorizeOrDenyDeviceAuthorizationRequest", field: "DeviceAuthorizationId", reason: between500},
		{name: "oidc device session id", req: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest{DeviceAuthorizationId: "d", Decision: &oidcv2.AuthorizeOrDenyDeviceAuthorizationRequest_Session{Session: &oidcv2.Session{SessionToken: "t"}}},
			path: "session.session_id", msg: "Session", field: "SessionId", reason: between200},
		{name: "saml get request", req: &samlv2.GetSAMLRequestRequest{SamlRequestId: s201},
			path: "saml_request_id", msg: "GetSAMLRequestRequest", field: "SamlRequestId", reason: between200},
		{name: "saml response kind", req: &samlv2.CreateResponseRequest{SamlRequestId: "s"},
			path: "response_kind", msg: "CreateResponseRequest", field: "ResponseKind", reason: "value is required"},
		{name: "saml session token", req: &samlv2.CreateResponseRequest{SamlRequestId: "s", ResponseKind: &samlv2.CreateResponseRequest_Session{Session: &samlv2.Session{SessionId: "1", SessionToken: s500 + "x"}}},
			path: "session.session_token", msg: "Session", field: "SessionToken", reason: between500},
		{name: "saml id before kind", req: &samlv2.CreateResponseRequest{},
			path: "saml_request_id", msg: "CreateResponseRequest", field: "SamlRequestId", reason: between200},
	}
	if len(tests) < 30 {
		t.Fatalf("only %d rows", len(tests))
	}
	fastRows := 0
	defer func() {
		if fastRows < 40 {
			t.Errorf("only %d rows exercised the fast path", fastRows)
		}
	}()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The fast path must agree with the reference validator: never
			// accept what it rejects, and accept the valid hot requests.
			if valid, hot := fastValid(tt.req); hot {
				fastRows++
				if valid && tt.path != "" {
					t.Errorf("fast path accepts an invalid request (%s)", tt.path)
				}
				if !valid && tt.path == "" && tt.req != nil {
					t.Errorf("fast path rejects a valid request")
				}
			}
			err := Request(tt.req)
			if tt.path == "" {
				if err != nil {
					t.Fatalf("want nil, got %v", err)
				}
				return
			}
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("want *Error, got %T %v", err, err)
			}
			inner := ve
			for inner.Cause != nil {
				if inner.Reason != "embedded message failed validation" {
					t.Errorf("outer level %s.%s reason %q", inner.Message, inner.Field, inner.Reason)
				}
				if !strings.HasPrefix(inner.Cause.Path, inner.Path+".") {
					t.Errorf("cause path %q not below %q", inner.Cause.Path, inner.Path)
				}
				inner = inner.Cause
			}
			if inner.Path != tt.path || inner.Message != tt.msg || inner.Field != tt.field || inner.Reason != tt.reason {
				t.Errorf("got %s/%s.%s: %q; want %s/%s.%s: %q", inner.Path, inner.Message, inner.Field, inner.Reason, tt.path, tt.msg, tt.field, tt.reason)
			}
			if tt.text != "" && err.Error() != tt.text {
				t.Errorf("Error():\n got %s\nwant %s", err.Error(), tt.text)
			}
			if !strings.HasPrefix(err.Error(), "invalid ") || !strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("Error() %q not PGV-shaped", err.Error())
			}
		})
	}
}

// Values (passwords, codes, tokens) must never appear in the error text.
func TestErrorHasNoValues(t *testing.T) {
	secret := "S3cr3t-" + strings.Repeat("x", 200)
	for _, req := range []proto.Message{
		withChecks(&sessionv2.Checks{Password: &sessionv2.CheckPassword{Password: secret}}),
		withChecks(&sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "S3cr3t"[:5]}}),
		&sessionv2.GetSessionRequest{SessionId: "1", SessionToken: ptr(secret + strings.Repeat("y", 400))},
		&oidcv2.GetDeviceAuthorizationRequestRequest{UserCode: "S3cr3t"},
	} {
		err := Request(req)
		if err == nil {
			t.Fatalf("%T: expected an error", req)
		}
		if strings.Contains(err.Error(), "S3cr3") {
			t.Errorf("value leaked: %s", err)
		}
	}
}

// A dynamicpb message of the same type is validated with the same rules.
func TestDynamicMessage(t *testing.T) {
	md := (&sessionv2.CheckTOTP{}).ProtoReflect().Descriptor()
	dm := dynamicpb.NewMessage(md)
	dm.Set(md.Fields().ByName("code"), protoreflect.ValueOfString("123"))
	err := Request(dm)
	if err == nil || err.Error() != "invalid CheckTOTP.Code: value length must be 6 runes" {
		t.Fatalf("got %v", err)
	}
	dm.Set(md.Fields().ByName("code"), protoreflect.ValueOfString("123456"))
	if err := Request(dm); err != nil {
		t.Fatalf("got %v", err)
	}
}

func TestValidRequestDoesNotAllocate(t *testing.T) {
	for _, req := range []proto.Message{validCreate(), &sessionv2.GetSessionRequest{SessionId: "1", SessionToken: new("t")}} {
		allocs := testing.AllocsPerRun(100, func() {
			if Request(req) != nil {
				t.Fatal("unexpected error")
			}
		})
		if allocs != 0 {
			t.Errorf("valid %T allocates %.0f times", req, allocs)
		}
	}
}

func BenchmarkRequestValid(b *testing.B) {
	req := validCreate()
	b.ReportAllocs()
	for b.Loop() {
		if err := Request(req); err != nil {
			b.Fatal(err)
		}
	}
}

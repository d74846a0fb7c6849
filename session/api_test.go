package session

import (
	"context"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectinprocess"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// The package's own enum types carry the numbers of the wire enums; this
// holds each constant to the wire value of the same name.
func TestEnumValuesMatchTheWire(t *testing.T) {
	oidc := map[OIDCReason]oidcv2.ErrorReason{
		OIDCReasonUnspecified:              oidcv2.ErrorReason_ERROR_REASON_UNSPECIFIED,
		OIDCReasonInvalidRequest:           oidcv2.ErrorReason_ERROR_REASON_INVALID_REQUEST,
		OIDCReasonUnauthorizedClient:       oidcv2.ErrorReason_ERROR_REASON_UNAUTHORIZED_CLIENT,
		OIDCReasonAccessDenied:             oidcv2.ErrorReason_ERROR_REASON_ACCESS_DENIED,
		OIDCReasonUnsupportedResponseType:  oidcv2.ErrorReason_ERROR_REASON_UNSUPPORTED_RESPONSE_TYPE,
		OIDCReasonInvalidScope:             oidcv2.ErrorReason_ERROR_REASON_INVALID_SCOPE,
		OIDCReasonServerError:              oidcv2.ErrorReason_ERROR_REASON_SERVER_ERROR,
		OIDCReasonTemporarilyUnavailable:   oidcv2.ErrorReason_ERROR_REASON_TEMPORARY_UNAVAILABLE,
		OIDCReasonInteractionRequired:      oidcv2.ErrorReason_ERROR_REASON_INTERACTION_REQUIRED,
		OIDCReasonLoginRequired:            oidcv2.ErrorReason_ERROR_REASON_LOGIN_REQUIRED,
		OIDCReasonAccountSelectionRequired: oidcv2.ErrorReason_ERROR_REASON_ACCOUNT_SELECTION_REQUIRED,
		OIDCReasonConsentRequired:          oidcv2.ErrorReason_ERROR_REASON_CONSENT_REQUIRED,
		OIDCReasonInvalidRequestURI:        oidcv2.ErrorReason_ERROR_REASON_INVALID_REQUEST_URI,
		OIDCReasonInvalidRequestObject:     oidcv2.ErrorReason_ERROR_REASON_INVALID_REQUEST_OBJECT,
		OIDCReasonRequestNotSupported:      oidcv2.ErrorReason_ERROR_REASON_REQUEST_NOT_SUPPORTED,
		OIDCReasonRequestURINotSupported:   oidcv2.ErrorReason_ERROR_REASON_REQUEST_URI_NOT_SUPPORTED,
		OIDCReasonRegistrationNotSupported: oidcv2.ErrorReason_ERROR_REASON_REGISTRATION_NOT_SUPPORTED,
	}
	if len(oidc) != len(oidcv2.ErrorReason_name) {
		t.Errorf("%d OIDC reasons, the wire has %d", len(oidc), len(oidcv2.ErrorReason_name))
	}
	for r, w := range oidc {
		if r.toProto() != w {
			t.Errorf("%s = %d, wire %s = %d", r, r, w, w)
		}
		// The wire name is the OAuth code in upper case, except for
		// temporarily_unavailable (TEMPORARY_UNAVAILABLE on the wire).
		want := "ERROR_REASON_" + strings.ToUpper(r.String())
		if r == OIDCReasonTemporarilyUnavailable {
			want = "ERROR_REASON_TEMPORARY_UNAVAILABLE"
		}
		if w.String() != want {
			t.Errorf("%s: wire name %s, want %s", r, w, want)
		}
	}
	saml := map[SAMLReason]samlv2.ErrorReason{
		SAMLReasonUnspecified:            samlv2.ErrorReason_ERROR_REASON_UNSPECIFIED,
		SAMLReasonVersionMismatch:        samlv2.ErrorReason_ERROR_REASON_VERSION_MISSMATCH,
		SAMLReasonAuthnFailed:            samlv2.ErrorReason_ERROR_REASON_AUTH_N_FAILED,
		SAMLReasonInvalidAttrNameOrValue: samlv2.ErrorReason_ERROR_REASON_INVALID_ATTR_NAME_OR_VALUE,
		SAMLReasonInvalidNameIDPolicy:    samlv2.ErrorReason_ERROR_REASON_INVALID_NAMEID_POLICY,
		SAMLReasonRequestDenied:          samlv2.ErrorReason_ERROR_REASON_REQUEST_DENIED,
		SAMLReasonRequestUnsupported:     samlv2.ErrorReason_ERROR_REASON_REQUEST_UNSUPPORTED,
		SAMLReasonUnsupportedBinding:     samlv2.ErrorReason_ERROR_REASON_UNSUPPORTED_BINDING,
	}
	if len(saml) != len(samlv2.ErrorReason_name) {
		t.Errorf("%d SAML reasons, the wire has %d", len(saml), len(samlv2.ErrorReason_name))
	}
	for r, w := range saml {
		if r.toProto() != w {
			t.Errorf("%s = %d, wire %s = %d", r, r, w, w)
		}
	}
	if OIDCReason(17).String() != "unknown" || SAMLReason(-1).String() != "unknown" ||
		OIDCReasonAccessDenied.String() != "access_denied" || SAMLReasonAuthnFailed.String() != "AuthnFailed" {
		t.Error("String of a reason is wrong")
	}

	uv := map[UserVerification]sessionv2.UserVerificationRequirement{
		UserVerificationRequired:    sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED,
		UserVerificationPreferred:   sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_PREFERRED,
		UserVerificationDiscouraged: sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_DISCOURAGED,
	}
	for u, w := range uv {
		if int32(u) != int32(w) || "USER_VERIFICATION_REQUIREMENT_"+strings.ToUpper(u.String()) != w.String() {
			t.Errorf("%s = %d, wire %s = %d", u, u, w, w)
		}
	}
	for _, m := range []Method{Equals, Greater, GreaterOrEquals, Less, LessOrEquals} {
		w := zitadelv1.TimestampQueryMethod(m)
		if w.String() != "TIMESTAMP_QUERY_METHOD_"+strings.ToUpper(m.String()) {
			t.Errorf("Method %s = %d is wire %s", m, m, w)
		}
	}
	if Method(9).String() != "unknown" {
		t.Error("String of an unknown Method")
	}
}

func TestUnknownReasonIsRefusedLocally(t *testing.T) {
	c, ct := newCountingClient(t)
	ctx := context.Background()
	_, err := c.FailOIDC(ctx, "V2_1", OIDCError{Reason: 99})
	if !IsValidation(err) || !strings.Contains(err.Error(), "OIDCError.Reason") {
		t.Errorf("FailOIDC with reason 99: %v", err)
	}
	_, err = c.FailSAML(ctx, "V2_1", SAMLError{Reason: -1})
	if !IsValidation(err) || !strings.Contains(err.Error(), "SAMLError.Reason") {
		t.Errorf("FailSAML with reason -1: %v", err)
	}
	if ct.n.Load() != 0 {
		t.Errorf("%d calls sent for refused reasons", ct.n.Load())
	}
}

func TestFactorsVerifiedAt(t *testing.T) {
	t1 := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC)
	f := Factors{
		User: UserFactor{VerifiedAt: t1}, Password: Factor{VerifiedAt: t1.Add(1)},
		Intent: Factor{VerifiedAt: t1.Add(2)}, WebAuthn: WebAuthnFactor{VerifiedAt: t1.Add(3)},
		TOTP: Factor{VerifiedAt: t1.Add(4)}, OTPSMS: Factor{VerifiedAt: t1.Add(5)},
		OTPEmail: Factor{VerifiedAt: t1.Add(6)}, RecoveryCode: Factor{VerifiedAt: t1.Add(7)},
	}
	for k, want := range map[FactorKind]time.Time{
		FactorUser: t1, FactorPassword: t1.Add(1), FactorIntent: t1.Add(2), FactorWebAuthn: t1.Add(3),
		FactorTOTP: t1.Add(4), FactorOTPSMS: t1.Add(5), FactorOTPEmail: t1.Add(6), FactorRecoveryCode: t1.Add(7),
		FactorPasskey: {}, FactorKind(0): {}, FactorKind(200): {},
	} {
		if got := f.VerifiedAt(k); !got.Equal(want) {
			t.Errorf("VerifiedAt(%s) = %v, want %v", k, got, want)
		}
	}
	f.WebAuthn.UserVerified = true
	if got := f.VerifiedAt(FactorPasskey); !got.Equal(t1.Add(3)) {
		t.Errorf("VerifiedAt(passkey) with user verification = %v", got)
	}
	// Every verified factor of a session has a VerifiedAt, and only those.
	s := &Session{Factors: f}
	for _, k := range s.VerifiedFactors() {
		if f.VerifiedAt(k).IsZero() {
			t.Errorf("%s verified without VerifiedAt", k)
		}
	}
}

// mutationServer answers Create and Set with fixed details and records the
// requests.
type mutationServer struct {
	sessionv2connect.UnimplementedSessionServiceHandler
	create *sessionv2.CreateSessionRequest
}

var fixedDetails = &objectv2.Details{Sequence: 42, ChangeDate: timestamppb.New(time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)), ResourceOwner: "instance-1"}

func (m *mutationServer) CreateSession(_ context.Context, req *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	m.create = req
	return &sessionv2.CreateSessionResponse{Details: fixedDetails, SessionId: "s1", SessionToken: "t1"}, nil
}

func (m *mutationServer) SetSession(_ context.Context, req *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	if req.Checks.GetPassword() != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, "wrong")
	}
	return &sessionv2.SetSessionResponse{Details: fixedDetails, SessionToken: "t2"}, nil
}

func TestDetailsAndUserAgentOptions(t *testing.T) {
	ms := &mutationServer{}
	srv := connect.NewServer()
	sessionv2connect.RegisterSessionServiceHandler(srv, ms)
	c, err := New("", WithTransport(connectinprocess.New(srv)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	want := ChangeDetails{Sequence: 42, ChangedAt: fixedDetails.ChangeDate.AsTime(), ResourceOwner: "instance-1"}

	var d ChangeDetails
	ua := UserAgent{FingerprintID: "fp", IP: "192.0.2.1"}
	h, _, err := c.Create(ctx, CheckUserID("u"), ua, Details(&d))
	if err != nil {
		t.Fatal(err)
	}
	if d != want {
		t.Errorf("Create details = %+v, want %+v", d, want)
	}
	if got := ms.create.GetUserAgent(); got.GetFingerprintId() != "fp" || got.GetIp() != "192.0.2.1" {
		t.Errorf("user agent sent = %v", got)
	}
	// A *UserAgent (as in Session.UserAgent) works too; a nil one is none.
	if _, _, err := c.Create(ctx, &UserAgent{Description: "d"}); err != nil || ms.create.GetUserAgent().GetDescription() != "d" {
		t.Errorf("*UserAgent: %v, sent %v", err, ms.create.GetUserAgent())
	}
	if _, _, err := c.Create(ctx, (*UserAgent)(nil)); err != nil || ms.create.GetUserAgent() != nil {
		t.Errorf("nil *UserAgent: %v, sent %v", err, ms.create.GetUserAgent())
	}

	var d2 ChangeDetails
	if _, err := h.Set(ctx, CheckTOTP("123456"), Details(&d2)); err != nil || d2 != want {
		t.Errorf("Set details = %+v, %v", d2, err)
	}
	// A failed call leaves *d as it was.
	d3 := ChangeDetails{Sequence: 7}
	if _, err := h.Set(ctx, CheckPassword("x"), Details(&d3)); err == nil || d3 != (ChangeDetails{Sequence: 7}) {
		t.Errorf("failed Set changed details to %+v (err %v)", d3, err)
	}
	// Details(nil) is refused locally.
	if _, err := h.Set(ctx, CheckTOTP("123456"), Details(nil)); !IsValidation(err) || !strings.Contains(err.Error(), "Details(nil)") {
		t.Errorf("Details(nil): %v", err)
	}
}

func TestPageSizeDefaultsAndTotalResult(t *testing.T) {
	rows := []string{"a", "b", "c", "d", "e"}
	f := &fakeLister{page: func(off uint64, lim uint32) ([]string, uint64) {
		if off >= uint64(len(rows)) {
			return nil, 0
		}
		return rows[off:min(off+uint64(lim), uint64(len(rows)))], uint64(len(rows))
	}}
	c := newFakeListClient(t, f)
	ctx := context.Background()

	// ListPage and List send the same default limit.
	var total uint64
	p, err := c.ListPage(ctx, 0, TotalResult(&total))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.last.Load().Query.Limit; got != DefaultPageSize || len(p.Sessions) != 5 || total != 5 {
		t.Errorf("ListPage: limit %d, %d sessions, total %d", got, len(p.Sessions), total)
	}
	for range c.List(ctx, PageSize(0)) {
	}
	if got := f.last.Load().Query.Limit; got != DefaultPageSize {
		t.Errorf("List with PageSize(0): limit %d", got)
	}

	// List: the largest count any page reported (the page past the end
	// reports 0).
	total = 0
	n := 0
	for _, err := range c.List(ctx, PageSize(2), TotalResult(&total)) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 5 || total != 5 {
		t.Errorf("List: %d sessions, total %d", n, total)
	}

	// A negative page size and TotalResult(nil) are refused locally.
	calls := f.calls.Load()
	if _, err := c.ListPage(ctx, 0, PageSize(-1)); !IsValidation(err) || !strings.Contains(err.Error(), "PageSize") {
		t.Errorf("PageSize(-1): %v", err)
	}
	yields := 0
	for _, err := range c.List(ctx, TotalResult(nil)) {
		yields++
		if !IsValidation(err) || !strings.Contains(err.Error(), "TotalResult(nil)") {
			t.Errorf("TotalResult(nil): %v", err)
		}
	}
	if yields != 1 {
		t.Errorf("List with TotalResult(nil) yielded %d times, want the error once", yields)
	}
	if f.calls.Load() != calls {
		t.Error("a refused listing was sent")
	}
}

// MetadataMap sets the metadata; the wire's web_auth_n challenge and factor
// fill the WebAuthn fields.
func TestMetadataMapAndWebAuthnFromProto(t *testing.T) {
	var m mutation
	m.apply(MetadataMap(map[string][]byte{"k": []byte("v")}))
	if string(m.metadata["k"]) != "v" {
		t.Error("MetadataMap not applied")
	}
	chs := challengesFromProto(&sessionv2.Challenges{WebAuthN: &sessionv2.Challenges_WebAuthN{}})
	if chs.WebAuthn == nil {
		t.Error("Challenges.WebAuthn is not filled")
	}
	s := sessionFromProto(&sessionv2.Session{Factors: &sessionv2.Factors{WebAuthN: &sessionv2.WebAuthNFactor{UserVerified: true}}})
	if !s.Factors.WebAuthn.UserVerified {
		t.Error("Factors.WebAuthn is not filled")
	}
}

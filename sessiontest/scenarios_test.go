package sessiontest_test

import (
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

type scenario struct {
	name string
	opts []sessiontest.Option
	run  func(e *env) error // returns the error of the call under test
	want want
}

var (
	validationW = want{code: connect.CodeInvalidArgument, detail: "none"}
)

func v1(code connect.Code, id string) want { return want{code: code, id: id, detail: "v1"} }

func cred(code connect.Code, id string, failed int32) want {
	return want{code: code, id: id, detail: "cred", failed: failed}
}

func challengeWA(uv sessionv2.UserVerificationRequirement) *sessionv2.RequestChallenges {
	return &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{Domain: rpID, UserVerificationRequirement: uv}}
}

const (
	uvRequired    = sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED
	uvPreferred   = sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_PREFERRED
	uvDiscouraged = sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_DISCOURAGED
)

func list(e *env, tok string, req *sessionv2.ListSessionsRequest) *sessionv2.ListSessionsResponse {
	e.t.Helper()
	res, err := e.c.ListSessions(as(tok), req)
	if err != nil {
		e.t.Fatalf("ListSessions: %v", err)
	}
	return res
}

func idsQ(ids ...string) *sessionv2.SearchQuery {
	return &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{Ids: ids}}}
}

func creatorQ(id *string) *sessionv2.SearchQuery {
	return &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreatorQuery{CreatorQuery: &sessionv2.CreatorQuery{Id: id}}}
}

func uaQ(fp *string) *sessionv2.SearchQuery {
	return &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserAgentQuery{UserAgentQuery: &sessionv2.UserAgentQuery{FingerprintId: fp}}}
}

func expQ(t time.Time, m zitadelv1.TimestampQueryMethod) *sessionv2.SearchQuery {
	return &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_ExpirationDateQuery{ExpirationDateQuery: &sessionv2.ExpirationDateQuery{ExpirationDate: timestamppb.New(t), Method: m}}}
}

func sessionIDs(ss []*sessionv2.Session) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.GetId()
	}
	return out
}

func expectIDs(e *env, res *sessionv2.ListSessionsResponse, total uint64, ids ...string) {
	e.t.Helper()
	if res.GetDetails().GetTotalResult() != total {
		e.t.Errorf("total_result = %d, want %d", res.GetDetails().GetTotalResult(), total)
	}
	got := strings.Join(sessionIDs(res.GetSessions()), ",")
	if got != strings.Join(ids, ",") {
		e.t.Errorf("sessions = [%s], want [%s]", got, strings.Join(ids, ","))
	}
}

// passwordSession creates a user+password session for userID.
func (e *env) passwordSession(userID string) *sessionv2.CreateSessionResponse {
	e.t.Helper()
	return e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID(userID), Password: pwCheck(pw1)}})
}

func (e *env) expectFailed(userID string, wantPW, wantOTP int) {
	e.t.Helper()
	p, o, err := e.srv.FailedAttempts(userID)
	if err != nil || p != wantPW || o != wantOTP {
		e.t.Errorf("FailedAttempts(%s) = %d, %d, %v; want %d, %d", userID, p, o, err, wantPW, wantOTP)
	}
}

func scenarios() []scenario {
	return []scenario{
		// ---- scenarios from Zitadel's integration tests and code paths -------
		{name: "s01 create metadata only", run: func(e *env) error {
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Metadata: map[string][]byte{"foo": []byte("bar")}})
			if res.GetSessionToken() == "" || res.GetDetails().GetResourceOwner() != e.srv.InstanceID() || res.GetChallenges() != nil {
				e.t.Errorf("bad create response %v", res)
			}
			if res.GetDetails().GetSequence() != 3 { // added, metadata, token
				e.t.Errorf("sequence = %d, want 3", res.GetDetails().GetSequence())
			}
			s := e.get(tokLogin, res.GetSessionId())
			if string(s.GetMetadata()["foo"]) != "bar" || s.GetFactors() != nil || s.ExpirationDate != nil || s.GetUserAgent() != nil {
				e.t.Errorf("bad session %v", s)
			}
			if !s.GetCreationDate().AsTime().Equal(s.GetChangeDate().AsTime()) || !s.GetChangeDate().AsTime().Equal(res.GetDetails().GetChangeDate().AsTime()) {
				e.t.Errorf("creation/change dates differ")
			}
			return nil
		}},
		{name: "s02 create user+metadata+user agent+lifetime", run: func(e *env) error {
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{
				Checks:   &sessionv2.Checks{User: byID("u1")},
				Metadata: map[string][]byte{"foo": []byte("bar")},
				UserAgent: &sessionv2.UserAgent{FingerprintId: ptr("fp"), Ip: ptr("1.2.3.4"), Description: ptr("desc"),
					Header: map[string]*sessionv2.UserAgent_HeaderValues{"foo": {Values: []string{"foo", "bar"}}}},
				Lifetime: life(5 * time.Minute),
			})
			s := e.get(tokLogin, res.GetSessionId())
			ua := s.GetUserAgent()
			if ua.GetFingerprintId() != "fp" || ua.GetIp() != "1.2.3.4" || ua.GetDescription() != "desc" || strings.Join(ua.GetHeader()["foo"].GetValues(), ",") != "foo,bar" {
				e.t.Errorf("user agent = %v", ua)
			}
			if !s.GetExpirationDate().AsTime().Equal(epoch.Add(5 * time.Minute)) {
				e.t.Errorf("expiration = %v", s.GetExpirationDate().AsTime())
			}
			u := s.GetFactors().GetUser()
			if u.GetId() != "u1" || u.GetLoginName() != "alice@example.com" || u.GetDisplayName() != "Alice" || u.GetOrganizationId() != orgA || u.GetVerifiedAt() == nil {
				e.t.Errorf("user factor = %v", u)
			}
			return nil
		}},
		{name: "s03 create negative lifetime", want: want{code: connect.CodeInvalidArgument, detail: "none", msg: "invalid CreateSessionRequest.Lifetime"}, run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Lifetime: life(-5 * time.Minute)})
			return err
		}},
		{name: "s04 create deactivated user", want: v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-inactive")}})
			return err
		}},
		{name: "s05 create locked user", want: v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-locked")}})
			return err
		}},
		{name: "s06 password without user", want: v1(connect.CodeFailedPrecondition, zitadelerr.PasswordNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{Password: pwCheck(pw1)}})
			return err
		}},
		{name: "s07 webauthn challenge without user", want: v1(connect.CodeFailedPrecondition, zitadelerr.WebAuthnNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Challenges: challengeWA(uvRequired)})
			return err
		}},
		{name: "s08 webauthn challenge without domain", want: validationW, run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")},
				Challenges: &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{UserVerificationRequirement: uvRequired}}})
			return err
		}},
		{name: "s09 lockout after two wrong passwords", opts: []sessiontest.Option{sessiontest.WithLockoutPolicy(2, 0)},
			want: v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive), run: func(e *env) error {
				req := &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), Password: pwCheck("wrong")}}
				_, err := e.c.CreateSession(as(tokLogin), req)
				checkError(e.t, err, cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, 1))
				_, err = e.c.CreateSession(as(tokLogin), req)
				checkError(e.t, err, cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, 2))
				_, err = e.c.CreateSession(as(tokLogin), req)
				return err
			}},
		{name: "s10 passkey login with user verification", run: func(e *env) error {
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
			opts := res.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions()
			pk := opts.GetFields()["publicKey"].GetStructValue()
			if pk.GetFields()["rpId"].GetStringValue() != rpID || pk.GetFields()["challenge"].GetStringValue() == "" || pk.GetFields()["userVerification"].GetStringValue() != "required" {
				e.t.Fatalf("bad request options %v", opts)
			}
			assertion, err := e.key.Assert(opts, true)
			if err != nil {
				e.t.Fatal(err)
			}
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: assertion}}})
			if set.GetSessionToken() == "" || set.GetSessionToken() == res.GetSessionToken() {
				e.t.Errorf("no new token")
			}
			wa := e.get(tokLogin, res.GetSessionId()).GetFactors().GetWebAuthN()
			if wa.GetVerifiedAt() == nil || !wa.GetUserVerified() {
				e.t.Errorf("webauthn factor = %v", wa)
			}
			return nil
		}},
		{name: "s11a u2f login PREFERRED", run: func(e *env) error { return u2fLogin(e, uvPreferred) }},
		{name: "s11b u2f login DISCOURAGED", run: func(e *env) error { return u2fLogin(e, uvDiscouraged) }},
		{name: "s12 create with user + intent", run: func(e *env) error {
			id, tok, err := e.srv.AddIntent("u1", "idp-1")
			if err != nil {
				e.t.Fatal(err)
			}
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			f := e.get(tokLogin, res.GetSessionId()).GetFactors()
			if f.GetUser().GetId() != "u1" || f.GetIntent().GetVerifiedAt() == nil {
				e.t.Errorf("factors = %v", f)
			}
			return nil
		}},
		{name: "s13 intent without user id via idp link", run: func(e *env) error {
			if err := e.srv.LinkIDP("u1", "idp-1", "ext-42"); err != nil {
				e.t.Fatal(err)
			}
			id, tok, err := e.srv.AddIntent("", "idp-1", sessiontest.IntentIDPUser("ext-42"))
			if err != nil {
				e.t.Fatal(err)
			}
			res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			if e.get(tokLogin, res.GetSessionId()).GetFactors().GetIntent() == nil {
				e.t.Errorf("no intent factor")
			}
			return nil
		}},
		{name: "s14 intent token false", want: want{code: connect.CodePermissionDenied, id: zitadelerr.IntentTokenNotBase64, detail: "v1", msg: "Intent Token is invalid"}, run: func(e *env) error {
			id, _, _ := e.srv.AddIntent("u1", "idp-1")
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: "false"}}})
			return err
		}},
		{name: "s15 intent used twice", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentNotSucceeded), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1")
			s := e.userSession("u1")
			req := &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}}
			e.set(tokLogin, req)
			_, err := e.c.SetSession(as(tokLogin), req)
			return err
		}},
		{name: "s16 intent expired", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentExpired), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1")
			s := e.userSession("u1")
			e.srv.Clock().Advance(61 * time.Minute)
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			return err
		}},
		{name: "s17 totp check", run: func(e *env) error {
			s := e.userSession("u2")
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: e.totp()}}})
			if set.GetSessionToken() == "" || set.GetSessionToken() == s.GetSessionToken() {
				e.t.Errorf("no new token")
			}
			if e.get(tokLogin, s.GetSessionId()).GetFactors().GetTotp().GetVerifiedAt() == nil {
				e.t.Errorf("no totp factor")
			}
			return nil
		}},
		{name: "s18 otp sms return code then check", run: func(e *env) error { return otpFlow(e, false) }},
		{name: "s19 otp email return code then check", run: func(e *env) error { return otpFlow(e, true) }},
		{name: "s20 otp sms check without challenge", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPCodeNotFound), run: func(e *env) error {
			s := e.userSession("u2")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: "12345678"}}})
			return err
		}},
		{name: "s21 recovery code single use", want: v1(connect.CodeInvalidArgument, zitadelerr.RecoveryInvalid), run: func(e *env) error {
			codes, err := e.srv.AddRecoveryCodes("u2", 3)
			if err != nil || len(codes) != 3 {
				e.t.Fatal(err)
			}
			s := e.userSession("u2")
			req := &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{RecoveryCode: &sessionv2.CheckRecoveryCode{Code: codes[1]}}}
			e.set(tokLogin, req)
			if e.get(tokLogin, s.GetSessionId()).GetFactors().GetRecoveryCode() == nil {
				e.t.Errorf("no recovery factor")
			}
			_, err = e.c.SetSession(as(tokLogin), req)
			return err
		}},
		{name: "s22 user change not possible", want: want{code: connect.CodeInvalidArgument, id: "", detail: "v1", msg: "user change not possible ()"}, run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{User: byID("u2")}})
			return err
		}},
		{name: "s23 set without changes", run: func(e *env) error {
			s := e.userSession("u1")
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId()})
			if set.GetSessionToken() != "" || set.GetDetails().GetSequence() != s.GetDetails().GetSequence() {
				e.t.Errorf("set = %v", set)
			}
			_, err := e.c.GetSession(as(tokNoPerm), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())})
			return err
		}},
		{name: "s24 set on expired session", want: v1(connect.CodeFailedPrecondition, zitadelerr.SessionExpired), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Lifetime: life(20 * time.Second)})
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Lifetime: life(20 * time.Second)})
			e.srv.Clock().Advance(21 * time.Second)
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Lifetime: life(20 * time.Second)})
			return err
		}},
		{name: "s25 get empty id", want: validationW, run: func(e *env) error {
			_, err := e.c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{})
			return err
		}},
		{name: "s26 get unknown", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			_, err := e.c.GetSession(as(tokOrg), &sessionv2.GetSessionRequest{SessionId: "unknown"})
			return err
		}},
		{name: "s27 get without memberships", want: want{code: connect.CodeNotFound, id: zitadelerr.MembershipNotFound, detail: "v1", msg: "membership not found"}, run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			_, err := e.c.GetSession(as(tokNoPerm), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s28 get without memberships with token", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			_, err := e.c.GetSession(as(tokNoPerm), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())})
			return err
		}},
		{name: "s29 get by instance owner", run: func(e *env) error {
			s := e.userSession("u1")
			if e.get(tokIAM, s.GetSessionId()).GetId() != s.GetSessionId() {
				e.t.Errorf("wrong session")
			}
			return nil
		}},
		{name: "s30 get with stale token", want: v1(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission), run: func(e *env) error {
			s := e.userSession("u2")
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: e.totp()}}})
			_, err := e.c.GetSession(as(tokIAM), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())})
			return err
		}},
		{name: "s31 delete with invalid token", want: v1(connect.CodePermissionDenied, zitadelerr.DeleteTokenInvalid), run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.DeleteSession(as(tokIAM), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr("invalid")})
			return err
		}},
		{name: "s32 delete with current token", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			s := e.userSession("u1")
			res, err := e.c.DeleteSession(as(tokIAM), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())})
			if err != nil {
				e.t.Fatal(err)
			}
			if res.GetDetails().GetResourceOwner() != e.srv.InstanceID() || res.GetDetails().GetSequence() <= s.GetDetails().GetSequence() {
				e.t.Errorf("details = %v", res.GetDetails())
			}
			_, err = e.c.GetSession(as(tokIAM), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s33 delete by other user without memberships", want: v1(connect.CodeNotFound, zitadelerr.MembershipNotFound), run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.DeleteSession(as(tokNoPerm), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s34 delete own session (session token bearer)", run: func(e *env) error {
			s := e.passwordSession("u3")
			_, err := e.c.DeleteSession(as(s.GetSessionToken()), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s35 delete by org owner of the user's org", run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.DeleteSession(as(tokOrg), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s36 delete expired session then get", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Lifetime: life(5 * time.Second)})
			e.srv.Clock().Advance(6 * time.Second)
			if _, err := e.c.DeleteSession(as(tokOrg), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())}); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.c.GetSession(as(tokOrg), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())})
			return err
		}},
		{name: "s37 list unknown id", run: func(e *env) error {
			e.userSession("u1")
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ("unknown")}}), 0)
			return nil
		}},
		{name: "s38 list without permission counts invisible rows", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			expectIDs(e, list(e, tokNoPerm, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId())}}), 1)
			return nil
		}},
		{name: "s39 list three ids", run: func(e *env) error {
			a, b, c := e.userSession("u1"), e.userSession("u2"), e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			e.userSession("u3")
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(a.GetSessionId(), b.GetSessionId(), c.GetSessionId())}}),
				3, a.GetSessionId(), b.GetSessionId(), c.GetSessionId())
			return nil
		}},
		{name: "s40 list own creations", run: func(e *env) error {
			s := e.userSession("u1")
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId()), creatorQ(nil)}}), 1, s.GetSessionId())
			return nil
		}},
		{name: "s41 list creator query by non-creator", run: func(e *env) error {
			s := e.userSession("u1")
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId()), creatorQ(nil)}}), 0)
			return nil
		}},
		{name: "s42a list creator query with empty id", want: v1(connect.CodeInvalidArgument, zitadelerr.ListCreatorInvalid), run: func(e *env) error {
			_, err := e.c.ListSessions(as(tokIAM), &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{creatorQ(ptr(""))}})
			return err
		}},
		{name: "s42b list user agent query with empty fingerprint", want: v1(connect.CodeInvalidArgument, zitadelerr.ListUserAgentInvalid), run: func(e *env) error {
			_, err := e.c.ListSessions(as(tokIAM), &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{uaQ(ptr(""))}})
			return err
		}},
		{name: "s42c list user agent query without caller agent", want: v1(connect.CodeInvalidArgument, zitadelerr.ListUserAgentInvalid), run: func(e *env) error {
			_, err := e.c.ListSessions(as(tokIAM), &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{uaQ(nil)}})
			return err
		}},
		{name: "s43 list wrong user agent", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{FingerprintId: ptr("fp")}})
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId()), uaQ(ptr("wronguseragent"))}}), 0)
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId()), uaQ(ptr("fp"))}}), 1, s.GetSessionId())
			return nil
		}},
		{name: "s44 list by expiration", run: func(e *env) error {
			never := e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			expired := e.create(tokLogin, &sessionv2.CreateSessionRequest{Lifetime: life(time.Second)})
			e.srv.Clock().Advance(2 * time.Second)
			now := e.srv.Clock().Now()
			gte := zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS
			lte := zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(never.GetSessionId()), expQ(now, gte)}}), 1, never.GetSessionId())
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(expired.GetSessionId()), expQ(now, lte)}}), 1, expired.GetSessionId())
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(expired.GetSessionId(), never.GetSessionId()), expQ(now, gte)}}), 1, never.GetSessionId())
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(never.GetSessionId()), expQ(now, lte)}}), 0)
			return nil
		}},
		{name: "s45 session token bearer without factor", want: want{code: connect.CodePermissionDenied, id: zitadelerr.AuthFactorRequired, detail: "v1", msg: "authentication required"}, run: func(e *env) error {
			s := e.userSession("u3")
			_, err := e.c.GetSession(as(s.GetSessionToken()), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "s46 session token bearer without mfa", want: want{code: connect.CodePermissionDenied, id: zitadelerr.AuthFactorRequired, detail: "v1", msg: "mfa required"}, run: func(e *env) error {
			s := e.passwordSession("u2")
			_, err := e.c.ListSessions(as(s.GetSessionToken()), &sessionv2.ListSessionsRequest{})
			return err
		}},

		// ---- authentication -----------------------------------------------------
		{name: "auth header missing", want: want{code: connect.CodeUnauthenticated, detail: "none", msg: "auth header missing"}, run: func(e *env) error {
			_, err := e.c.CreateSession(as(""), &sessionv2.CreateSessionRequest{})
			return err
		}},
		{name: "auth unknown bearer", want: v1(connect.CodeUnauthenticated, zitadelerr.TokenInvalid), run: func(e *env) error {
			_, err := e.c.ListSessions(as("nope"), &sessionv2.ListSessionsRequest{})
			return err
		}},
		{name: "auth session bearer with mfa ok", run: func(e *env) error {
			s := e.passwordSession("u2")
			set := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: e.totp()}}})
			other := e.userSession("u1")
			res := list(e, set.GetSessionToken(), &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId(), other.GetSessionId())}})
			expectIDs(e, res, 2, s.GetSessionId()) // sees only its own session; total counts both
			return nil
		}},
		{name: "auth session bearer stale token", want: v1(connect.CodePermissionDenied, zitadelerr.SessionTokenPermission), run: func(e *env) error {
			s := e.passwordSession("u3")
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"k": []byte("v")}})
			_, err := e.c.ListSessions(as(s.GetSessionToken()), &sessionv2.ListSessionsRequest{})
			return err
		}},
		{name: "auth session bearer expired", want: v1(connect.CodePermissionDenied, zitadelerr.AuthSessionExpired), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u3"), Password: pwCheck(pw1)}, Lifetime: life(time.Minute)})
			e.srv.Clock().Advance(2 * time.Minute)
			_, err := e.c.ListSessions(as(s.GetSessionToken()), &sessionv2.ListSessionsRequest{})
			return err
		}},
		{name: "auth session bearer deleted", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			s := e.passwordSession("u3")
			if _, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()}); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.c.ListSessions(as(s.GetSessionToken()), &sessionv2.ListSessionsRequest{})
			return err
		}},

		// ---- permissions ----------------------------------------------------------
		{name: "perm create with org membership only", want: v1(connect.CodeNotFound, zitadelerr.MembershipNotFound), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokOrg), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}})
			return err
		}},
		{name: "perm create without session.write", want: want{code: connect.CodePermissionDenied, id: zitadelerr.NoMatchingPermissions, detail: "v1", msg: "No matching permissions found"}, run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokViewer), &sessionv2.CreateSessionRequest{})
			return err
		}},
		{name: "perm create resolves user before permission", want: v1(connect.CodeNotFound, zitadelerr.UserNotFound), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokNoPerm), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin("nobody@example.com")}})
			return err
		}},
		{name: "perm set by org owner lacks write", want: v1(connect.CodePermissionDenied, zitadelerr.NoMatchingPermissions), run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokOrg), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"a": []byte("b")}})
			return err
		}},
		{name: "perm set by creator without memberships", want: v1(connect.CodeNotFound, zitadelerr.MembershipNotFound), run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokNoPerm), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "perm get by org owner of other org", want: v1(connect.CodeNotFound, zitadelerr.MembershipNotFound), run: func(e *env) error {
			s := e.userSession("u3") // orgB
			_, err := e.c.GetSession(as(tokOrg), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "perm get by org owner of the user's org", run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.GetSession(as(tokOrg), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "perm get session without user needs instance read", want: v1(connect.CodeNotFound, zitadelerr.MembershipNotFound), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			_, err := e.c.GetSession(as(tokOrg), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "perm get by same user agent fingerprint", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{FingerprintId: ptr(fpAgent)}})
			e.get(tokAgent, s.GetSessionId())
			expectIDs(e, list(e, tokAgent, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{uaQ(nil)}}), 1, s.GetSessionId())
			return nil
		}},
		{name: "perm delete by creator without delete permission", want: v1(connect.CodePermissionDenied, zitadelerr.NoMatchingPermissions), run: func(e *env) error {
			if err := e.srv.AddAccessToken("writer", "writer", sessiontest.PermissionSessionWrite); err != nil {
				e.t.Fatal(err)
			}
			s := e.create("writer", &sessionv2.CreateSessionRequest{})
			e.get("writer", s.GetSessionId()) // creator may read
			_, err := e.c.DeleteSession(as("writer"), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},

		// ---- create / set semantics ---------------------------------------------------
		{name: "user by login name case-insensitive", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin("ALICE@Example.com"), Password: pwCheck(pw1)}})
			f := e.get(tokLogin, s.GetSessionId()).GetFactors()
			if f.GetUser().GetId() != "u1" || f.GetPassword() == nil {
				e.t.Errorf("factors = %v", f)
			}
			return nil
		}},
		{name: "user in state initial accepted", run: func(e *env) error {
			e.passwordSession("u-initial")
			return nil
		}},
		{name: "user not found", want: v1(connect.CodeNotFound, zitadelerr.UserNotFound), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("nobody")}})
			return err
		}},
		{name: "set terminated session", want: v1(connect.CodeFailedPrecondition, zitadelerr.SessionTerminated), run: func(e *env) error {
			s := e.userSession("u1")
			if _, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()}); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},
		{name: "set unknown id without change", run: func(e *env) error {
			res := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: "123456"})
			if res.GetSessionToken() != "" || res.GetDetails().GetSequence() != 0 || res.GetDetails().GetChangeDate() != nil {
				e.t.Errorf("res = %v", res)
			}
			return nil
		}},
		{name: "set unknown id with change", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			res := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: "123456", Metadata: map[string][]byte{"a": []byte("b")}})
			if res.GetSessionToken() == "" {
				e.t.Errorf("want a token")
			}
			_, err := e.c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: "123456"})
			return err
		}},
		{name: "metadata replaced not merged", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Metadata: map[string][]byte{"a": []byte("1"), "b": []byte("2"), "e": nil}})
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"c": []byte("3")}})
			md := e.get(tokLogin, s.GetSessionId()).GetMetadata()
			if len(md) != 1 || string(md["c"]) != "3" {
				e.t.Errorf("metadata = %v", md)
			}
			res := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"c": {}}})
			if res.GetSessionToken() != "" {
				e.t.Errorf("empty metadata value rotated the token")
			}
			if md := e.get(tokLogin, s.GetSessionId()).GetMetadata(); string(md["c"]) != "3" {
				e.t.Errorf("metadata = %v", md)
			}
			return nil
		}},
		{name: "all or nothing keeps failed attempts", want: v1(connect.CodeInvalidArgument, zitadelerr.TOTPInvalid), run: func(e *env) error {
			s := e.userSession("u2")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(),
				Checks: &sessionv2.Checks{Password: pwCheck(pw1), Totp: &sessionv2.CheckTOTP{Code: "000000"}}, Metadata: map[string][]byte{"x": []byte("y")}})
			got := e.get(tokLogin, s.GetSessionId())
			if got.GetFactors().GetPassword() != nil || len(got.GetMetadata()) != 0 || got.GetSequence() != s.GetDetails().GetSequence() {
				e.t.Errorf("partial write: %v", got)
			}
			e.expectFailed("u2", 0, 1)
			e.get(tokLogin, s.GetSessionId())
			if _, err := e.c.GetSession(as(tokNoPerm), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr(s.GetSessionToken())}); err != nil {
				e.t.Errorf("old token no longer valid: %v", err)
			}
			return err
		}},
		{name: "lifetime resets expiration", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Lifetime: life(time.Minute)})
			e.srv.Clock().Advance(30 * time.Second)
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Lifetime: life(10 * time.Second)})
			if got := e.get(tokLogin, s.GetSessionId()).GetExpirationDate().AsTime(); !got.Equal(epoch.Add(40 * time.Second)) {
				e.t.Errorf("expiration = %v", got)
			}
			return nil
		}},
		{name: "expired session is returned by get", run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Lifetime: life(time.Second)})
			e.srv.Clock().Advance(time.Hour)
			if exp := e.get(tokLogin, s.GetSessionId()).GetExpirationDate(); exp == nil || !exp.AsTime().Before(e.srv.Clock().Now()) {
				e.t.Errorf("expiration = %v", exp)
			}
			return nil
		}},
		{name: "validation totp code length", want: validationW, run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Totp: &sessionv2.CheckTOTP{Code: "12345"}}})
			return err
		}},
		{name: "validation get with empty token", want: validationW, run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId(), SessionToken: ptr("")})
			return err
		}},
		{name: "lock user hides sessions", want: v1(connect.CodeNotFound, zitadelerr.SessionNotExisting), run: func(e *env) error {
			s := e.userSession("u1")
			if err := e.srv.LockUser("u1"); err != nil {
				e.t.Fatal(err)
			}
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId())}}), 0)
			if err := e.srv.UnlockUser("u1"); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.c.GetSession(as(tokIAM), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			return err
		}},

		// ---- password -----------------------------------------------------------------
		{name: "password wrong", want: cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, 1), run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Password: pwCheck("nope")}})
			return err
		}},
		{name: "password not set", want: v1(connect.CodeFailedPrecondition, zitadelerr.PasswordNotSet), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-nopw"), Password: pwCheck(pw1)}})
			return err
		}},
		{name: "password user locked", want: cred(connect.CodeFailedPrecondition, zitadelerr.PasswordLocked, 0), run: func(e *env) error {
			s := e.userSession("u1")
			_ = e.srv.LockUser("u1")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Password: pwCheck(pw1)}})
			return err
		}},
		{name: "password user removed", want: v1(connect.CodeFailedPrecondition, zitadelerr.PasswordUserGone), run: func(e *env) error {
			s := e.userSession("u1")
			if err := e.srv.RemoveUser("u1"); err != nil {
				e.t.Fatal(err)
			}
			_, err := e.c.GetSession(as(tokIAM), &sessionv2.GetSessionRequest{SessionId: s.GetSessionId()})
			checkError(e.t, err, v1(connect.CodeNotFound, zitadelerr.SessionNotExisting))
			_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Password: pwCheck(pw1)}})
			return err
		}},
		{name: "password success resets counter", run: func(e *env) error {
			s := e.userSession("u1")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Password: pwCheck("nope")}})
			checkError(e.t, err, cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, 1))
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Password: pwCheck(pw1)}})
			e.expectFailed("u1", 0, 0)
			return nil
		}},

		// ---- intents ------------------------------------------------------------------
		{name: "intent without user", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentNoUser), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1")
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			return err
		}},
		{name: "intent of other user", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentOtherUser), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u2", "idp-1")
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			return err
		}},
		{name: "intent not succeeded", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentNotSucceeded), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1", sessiontest.IntentInState(sessiontest.IntentFailed))
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			return err
		}},
		{name: "intent token of another intent", want: v1(connect.CodePermissionDenied, zitadelerr.IntentTokenOtherIntent), run: func(e *env) error {
			id, _, _ := e.srv.AddIntent("u1", "idp-1")
			_, tok2, _ := e.srv.AddIntent("u1", "idp-1")
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok2}}})
			return err
		}},
		{name: "intent token undecryptable", want: v1(connect.CodePermissionDenied, zitadelerr.IntentTokenUndecryptable), run: func(e *env) error {
			id, _, _ := e.srv.AddIntent("u1", "idp-1")
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: "Zm9vYmFy"}}})
			return err
		}},
		{name: "intent with explicit expiry", want: v1(connect.CodeFailedPrecondition, zitadelerr.IntentExpired), run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1", sessiontest.IntentExpiry(epoch.Add(time.Minute)))
			e.srv.Clock().Advance(2 * time.Minute)
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}}})
			return err
		}},
		{name: "intent not consumed by failed request", run: func(e *env) error {
			id, tok, _ := e.srv.AddIntent("u1", "idp-1")
			check := &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: check, Totp: &sessionv2.CheckTOTP{Code: "123456"}}})
			checkError(e.t, err, v1(connect.CodeFailedPrecondition, zitadelerr.TOTPNotReady))
			e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), IdpIntent: check}})
			return nil
		}},

		// ---- webauthn -------------------------------------------------------------------
		{name: "webauthn no credentials", want: v1(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u3")}, Challenges: challengeWA(uvRequired)})
			return err
		}},
		{name: "webauthn wrong domain", want: v1(connect.CodeInternal, zitadelerr.WebAuthnBeginLogin), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")},
				Challenges: &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{Domain: "other.example.com", UserVerificationRequirement: uvRequired}}})
			return err
		}},
		{name: "webauthn user not active", want: v1(connect.CodeFailedPrecondition, zitadelerr.WebAuthnUserNotActive), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u-initial")}, Challenges: challengeWA(uvRequired)})
			return err
		}},
		{name: "webauthn check without challenge", want: v1(connect.CodeFailedPrecondition, zitadelerr.WebAuthnNoChallenge), run: func(e *env) error {
			data, _ := structpb.NewStruct(map[string]any{"id": "x"})
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: data}}})
			return err
		}},
		{name: "webauthn unparsable assertion", want: v1(connect.CodeInternal, zitadelerr.WebAuthnParse), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
			data, _ := structpb.NewStruct(map[string]any{"foo": "bar"})
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: data}}})
			return err
		}},
		{name: "webauthn missing user verification", want: v1(connect.CodeInternal, zitadelerr.WebAuthnValidate), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
			a, err := e.key.Assert(s.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), false)
			if err != nil {
				e.t.Fatal(err)
			}
			_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
			// the challenge stays usable after a failure
			a2, _ := e.key.Assert(s.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a2}}})
			return err
		}},
		{name: "webauthn unknown credential", want: v1(connect.CodeFailedPrecondition, zitadelerr.WebAuthnUnknownCredential), run: func(e *env) error {
			s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: challengeWA(uvRequired)})
			a, err := e.key.Assert(s.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
			if err != nil {
				e.t.Fatal(err)
			}
			other := structpb.NewStringValue("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			a.Fields["id"], a.Fields["rawId"] = other, other
			_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
			return err
		}},

		// ---- totp ------------------------------------------------------------------------
		{name: "totp without user", want: v1(connect.CodeInvalidArgument, zitadelerr.TOTPNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "123456"}}})
			return err
		}},
		{name: "totp not ready", want: v1(connect.CodeFailedPrecondition, zitadelerr.TOTPNotReady), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), Totp: &sessionv2.CheckTOTP{Code: "123456"}}})
			return err
		}},
		{name: "totp previous window accepted", run: func(e *env) error {
			code := e.totp()
			e.srv.Clock().Advance(30 * time.Second)
			e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Totp: &sessionv2.CheckTOTP{Code: code}}})
			e.srv.Clock().Advance(60 * time.Second)
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Totp: &sessionv2.CheckTOTP{Code: code}}})
			checkError(e.t, err, v1(connect.CodeInvalidArgument, zitadelerr.TOTPInvalid))
			return nil
		}},
		{name: "totp locked after max otp attempts", opts: []sessiontest.Option{sessiontest.WithLockoutPolicy(0, 1)}, want: v1(connect.CodeFailedPrecondition, zitadelerr.TOTPLocked), run: func(e *env) error {
			s := e.userSession("u2")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "000000"}}})
			checkError(e.t, err, v1(connect.CodeInvalidArgument, zitadelerr.TOTPInvalid))
			_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: e.totp()}}})
			return err
		}},

		// ---- otp sms / email ------------------------------------------------------------------
		{name: "otp sms challenge without user", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPSMSChallengeNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Challenges: &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{ReturnCode: true}}})
			return err
		}},
		{name: "otp email challenge without user", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPEmailChallengeNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Challenges: &sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{}}})
			return err
		}},
		{name: "otp sms challenge not ready", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPSMSNotReady), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{}}})
			return err
		}},
		{name: "otp email challenge not ready", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPEmailNotReady), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}, Challenges: &sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{}}})
			return err
		}},
		{name: "otp email url template parse error", want: v1(connect.CodeInvalidArgument, zitadelerr.URLTemplateParse), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}, Challenges: emailSend("https://x/{{.Code"), Lifetime: life(time.Minute)})
			return err
		}},
		{name: "otp email url template execute error", want: v1(connect.CodeInvalidArgument, zitadelerr.URLTemplateExecute), run: func(e *env) error {
			s := e.userSession("u2")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Challenges: emailSend("https://x/{{.Nope}}")})
			return err
		}},
		{name: "otp email url template too long", want: v1(connect.CodeInvalidArgument, zitadelerr.URLTemplateExecute), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}, Challenges: emailSend("{{range 1000000000}}xxxxxxxx{{end}}")})
			return err
		}},
		{name: "otp email sent via outbox", run: func(e *env) error {
			s := e.userSession("u2")
			res := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Challenges: emailSend("https://login.example.com/verify?s={{.SessionID}}&c={{.Code}}&u={{.LoginName}}")})
			if res.GetChallenges() == nil || res.GetChallenges().OtpEmail != nil || res.GetSessionToken() == "" {
				e.t.Errorf("challenges = %v", res.GetChallenges())
			}
			out := e.srv.Outbox()
			if len(out) != 1 || out[0].Channel != "email" || out[0].UserID != "u2" || out[0].SessionID != s.GetSessionId() || len(out[0].Code) != 8 {
				e.t.Fatalf("outbox = %+v", out)
			}
			if want := "https://login.example.com/verify?s=" + s.GetSessionId() + "&c=" + out[0].Code + "&u=bob@example.com"; out[0].URL != want {
				e.t.Errorf("url = %q, want %q", out[0].URL, want)
			}
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{OtpEmail: &sessionv2.CheckOTP{Code: out[0].Code}}})
			return nil
		}},
		{name: "otp sms sent via outbox", run: func(e *env) error {
			s := e.userSession("u2")
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Challenges: &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{}}})
			out := e.srv.Outbox()
			if len(out) != 1 || out[0].Channel != "sms" {
				e.t.Fatalf("outbox = %+v", out)
			}
			e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: out[0].Code}}})
			if e.get(tokLogin, s.GetSessionId()).GetFactors().GetOtpSms() == nil {
				e.t.Errorf("no otp sms factor")
			}
			return nil
		}},
		{name: "otp check without user", want: v1(connect.CodeInvalidArgument, zitadelerr.OTPCheckNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{OtpEmail: &sessionv2.CheckOTP{Code: "1"}}})
			return err
		}},
		{name: "otp check factor missing", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPCheckNotReady), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), OtpSms: &sessionv2.CheckOTP{Code: "1"}}})
			return err
		}},
		{name: "otp check wrong code", want: v1(connect.CodeInvalidArgument, zitadelerr.OTPCodeInvalid), run: func(e *env) error {
			s, _ := otpChallenge(e, false)
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s, Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: "00000000"}}})
			return err
		}},
		{name: "otp check expired code", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPCodeExpired), run: func(e *env) error {
			s, code := otpChallenge(e, true)
			e.srv.Clock().Advance(4 * time.Minute)
			e.srv.Clock().Advance(61 * time.Second)
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s, Checks: &sessionv2.Checks{OtpEmail: &sessionv2.CheckOTP{Code: code}}})
			e.expectFailed("u2", 0, 1)
			return err
		}},
		{name: "otp check code used twice", want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPCodeNotFound), run: func(e *env) error {
			s, code := otpChallenge(e, false)
			req := &sessionv2.SetSessionRequest{SessionId: s, Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: code}}}
			e.set(tokLogin, req)
			_, err := e.c.SetSession(as(tokLogin), req)
			return err
		}},
		{name: "otp check user locked", opts: []sessiontest.Option{sessiontest.WithLockoutPolicy(0, 1)}, want: v1(connect.CodeFailedPrecondition, zitadelerr.OTPLocked), run: func(e *env) error {
			s, code := otpChallenge(e, false)
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s, Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: "00000000"}}})
			checkError(e.t, err, v1(connect.CodeInvalidArgument, zitadelerr.OTPCodeInvalid))
			_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s, Checks: &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: code}}})
			return err
		}},

		// ---- recovery codes --------------------------------------------------------------------
		{name: "recovery without user", want: v1(connect.CodeInvalidArgument, zitadelerr.RecoveryNoUser), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "x"}}})
			return err
		}},
		{name: "recovery none generated", want: v1(connect.CodeFailedPrecondition, zitadelerr.RecoveryNotReady), run: func(e *env) error {
			_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1"), RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "x"}}})
			return err
		}},
		{name: "recovery user locked", want: v1(connect.CodeFailedPrecondition, zitadelerr.RecoveryLocked), run: func(e *env) error {
			codes, _ := e.srv.AddRecoveryCodes("u2", 1)
			s := e.userSession("u2")
			_ = e.srv.LockUser("u2")
			_, err := e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{RecoveryCode: &sessionv2.CheckRecoveryCode{Code: codes[0]}}})
			return err
		}},

		// ---- delete / list ------------------------------------------------------------------------
		{name: "delete idempotent", run: func(e *env) error {
			s := e.userSession("u1")
			for i := 0; i < 2; i++ {
				res, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()})
				if err != nil {
					e.t.Fatal(err)
				}
				if res.GetDetails().GetSequence() != s.GetDetails().GetSequence()+1 {
					e.t.Errorf("sequence = %d", res.GetDetails().GetSequence())
				}
			}
			res, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: "987654321"})
			if err != nil || res.GetDetails().GetSequence() != 0 || res.GetDetails().GetResourceOwner() != "" {
				e.t.Errorf("unknown delete = %v, %v", res, err)
			}
			return nil
		}},
		{name: "list paging and sorting", run: func(e *env) error {
			var ids []string
			for i := 0; i < 5; i++ {
				ids = append(ids, e.create(tokLogin, &sessionv2.CreateSessionRequest{}).GetSessionId())
				e.srv.Clock().Advance(time.Second)
			}
			by := sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE
			mine := []*sessionv2.SearchQuery{creatorQ(nil)}
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: mine, SortingColumn: by, Query: &objectv2.ListQuery{Offset: 1, Limit: 2, Asc: true}}), 5, ids[1], ids[2])
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: mine, SortingColumn: by, Query: &objectv2.ListQuery{Limit: 2}}), 5, ids[4], ids[3])
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: mine, Query: &objectv2.ListQuery{Offset: 9}}), 0)
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: mine}), 5, ids...)
			ge := zitadelv1.TimestampQueryMethod_TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS
			cq := &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_CreationDateQuery{CreationDateQuery: &sessionv2.CreationDateQuery{CreationDate: timestamppb.New(epoch.Add(3 * time.Second)), Method: ge}}}
			expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{cq}}), 2, ids[3], ids[4])
			return nil
		}},
		{name: "list by user id", run: func(e *env) error {
			a := e.userSession("u1")
			e.userSession("u2")
			e.create(tokLogin, &sessionv2.CreateSessionRequest{})
			q := &sessionv2.SearchQuery{Query: &sessionv2.SearchQuery_UserIdQuery{UserIdQuery: &sessionv2.UserIDQuery{Id: "u1"}}}
			expectIDs(e, list(e, tokIAM, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{q}}), 1, a.GetSessionId())
			return nil
		}},

		// ---- OIDC / SAML ---------------------------------------------------------------------------
		{name: "oidc callback with session", run: func(e *env) error {
			ar := e.srv.AddAuthRequest("client-1", "https://app.example.com/cb", "openid")
			got, err := e.oidc.GetAuthRequest(as(tokLogin), &oidcv2.GetAuthRequestRequest{AuthRequestId: ar})
			if err != nil || got.GetAuthRequest().GetClientId() != "client-1" {
				e.t.Fatalf("GetAuthRequest = %v, %v", got, err)
			}
			s := e.passwordSession("u3")
			res, err := e.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: ar,
				CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
			if err != nil || !strings.HasPrefix(res.GetCallbackUrl(), "https://app.example.com/cb?code=") {
				e.t.Fatalf("CreateCallback = %v, %v", res, err)
			}
			return nil
		}},
		// Issue 10: finishing does not judge how strongly the session is
		// authenticated (observed on Zitadel v4.13.1).
		{name: "oidc callback with user-only session", run: func(e *env) error {
			ar := e.srv.AddAuthRequest("client-1", "https://app.example.com/cb")
			s := e.userSession("u3")
			res, err := e.oidc.CreateCallback(as(tokLogin), &oidcv2.CreateCallbackRequest{AuthRequestId: ar,
				CallbackKind: &oidcv2.CreateCallbackRequest_Session{Session: &oidcv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
			if err == nil && !strings.HasPrefix(res.GetCallbackUrl(), "https://app.example.com/cb?code=") {
				e.t.Errorf("callback URL = %q", res.GetCallbackUrl())
			}
			return err
		}},
		{name: "saml response with session", run: func(e *env) error {
			id := e.srv.AddSAMLRequest("https://sp.example.com", "https://sp.example.com/acs", "relay-1", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
			s := e.passwordSession("u3")
			res, err := e.saml.CreateResponse(as(tokLogin), &samlv2.CreateResponseRequest{SamlRequestId: id,
				ResponseKind: &samlv2.CreateResponseRequest_Session{Session: &samlv2.Session{SessionId: s.GetSessionId(), SessionToken: s.GetSessionToken()}}})
			if err != nil || res.GetPost().GetRelayState() != "relay-1" || res.GetPost().GetSamlResponse() == "" || res.GetUrl() != "https://sp.example.com/acs" {
				e.t.Fatalf("CreateResponse = %v, %v", res, err)
			}
			return nil
		}},
	}
}

func emailSend(tmpl string) *sessionv2.RequestChallenges {
	return &sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{
		DeliveryType: &sessionv2.RequestChallenges_OTPEmail_SendCode_{SendCode: &sessionv2.RequestChallenges_OTPEmail_SendCode{UrlTemplate: &tmpl}}}}
}

// otpChallenge creates a u2 session with a returned OTP code.
func otpChallenge(e *env, email bool) (sessionID, code string) {
	e.t.Helper()
	ch := &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{ReturnCode: true}}
	if email {
		ch = &sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_ReturnCode_{ReturnCode: &sessionv2.RequestChallenges_OTPEmail_ReturnCode{}}}}
	}
	res := e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}, Challenges: ch})
	code = res.GetChallenges().GetOtpSms()
	if email {
		code = res.GetChallenges().GetOtpEmail()
	}
	if len(code) != 8 {
		e.t.Fatalf("code %q is not 8 digits", code)
	}
	if len(e.srv.Outbox()) != 0 {
		e.t.Errorf("returned code was also sent")
	}
	return res.GetSessionId(), code
}

func otpFlow(e *env, email bool) error {
	s := e.userSession("u2")
	ch := &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{ReturnCode: true}}
	if email {
		ch = &sessionv2.RequestChallenges{OtpEmail: &sessionv2.RequestChallenges_OTPEmail{
			DeliveryType: &sessionv2.RequestChallenges_OTPEmail_ReturnCode_{ReturnCode: &sessionv2.RequestChallenges_OTPEmail_ReturnCode{}}}}
	}
	first := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Challenges: ch})
	code := first.GetChallenges().GetOtpSms()
	check := &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: code}}
	if email {
		code = first.GetChallenges().GetOtpEmail()
		check = &sessionv2.Checks{OtpEmail: &sessionv2.CheckOTP{Code: code}}
	}
	if len(code) != 8 || first.GetSessionToken() == "" {
		e.t.Fatalf("first set = %v", first)
	}
	second := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: check})
	if second.GetSessionToken() == "" || second.GetSessionToken() == first.GetSessionToken() {
		e.t.Errorf("no new token")
	}
	f := e.get(tokLogin, s.GetSessionId()).GetFactors()
	if (email && f.GetOtpEmail() == nil) || (!email && f.GetOtpSms() == nil) {
		e.t.Errorf("factors = %v", f)
	}
	return nil
}

func u2fLogin(e *env, uv sessionv2.UserVerificationRequirement) error {
	s := e.userSession("u2")
	res := e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Challenges: challengeWA(uv)})
	if res.GetSessionToken() == "" {
		e.t.Errorf("a challenge must rotate the token")
	}
	a, err := e.key.Assert(res.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), false)
	if err != nil {
		e.t.Fatal(err)
	}
	e.set(tokLogin, &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: a}}})
	wa := e.get(tokLogin, s.GetSessionId()).GetFactors().GetWebAuthN()
	if wa.GetVerifiedAt() == nil || wa.GetUserVerified() {
		e.t.Errorf("webauthn factor = %v", wa)
	}
	return nil
}

// TestScenarios runs every scenario over real loopback HTTP for each of the
// Connect, gRPC and gRPC-Web protocols.
func TestScenarios(t *testing.T) {
	all := scenarios()
	if len(all) < 40 {
		t.Fatalf("only %d scenarios", len(all))
	}
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			for _, sc := range all {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel() // every scenario has its own server
					e := newEnv(t, p, sc.opts...)
					checkError(t, sc.run(e), sc.want)
				})
			}
		})
	}
}

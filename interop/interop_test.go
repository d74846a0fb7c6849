package interop_test

import (
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectproto"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// ---------------------------------------------------------------------------
// A stock grpc-go client against our sessiontest server.

func TestGRPCGoClientToSessiontest(t *testing.T) {
	t.Run("h2c", func(t *testing.T) {
		srv := newSessiontest(t)
		if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
			t.Fatalf("URL = %q, want http://127.0.0.1:PORT", srv.URL())
		}
		conn := dialGRPC(t, hostPort(t, srv.URL()), nil)
		grpcGoFlow(t, srv, conn)
	})
	t.Run("tls", func(t *testing.T) {
		srv := newSessiontest(t, sessiontest.WithTLS())
		if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
			t.Fatalf("URL = %q, want https://127.0.0.1:PORT", srv.URL())
		}
		conn := dialGRPC(t, hostPort(t, srv.URL()), serverRootCAs(t, srv))
		grpcGoFlow(t, srv, conn)
	})
}

// grpcGoFlow drives the whole SessionService with conn.Invoke (no generated
// grpc-go stubs) and checks every response and error.
func grpcGoFlow(t *testing.T, srv *sessiontest.Server, conn *grpc.ClientConn) {
	ctx := bearer(t.Context(), loginPAT)

	// CreateSession with user + password.
	var hdr metadata.MD
	created := new(sessionv2.CreateSessionResponse)
	err := conn.Invoke(ctx, svcPrefix+"CreateSession", &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: aliceLogin}},
			Password: &sessionv2.CheckPassword{Password: alicePassword},
		},
		Metadata: map[string][]byte{"origin": []byte("grpc-go")},
	}, created, grpc.Header(&hdr))
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if ct := hdr.Get("content-type"); len(ct) != 1 || !strings.HasPrefix(ct[0], "application/grpc") {
		t.Errorf("response content-type = %q, want application/grpc*", ct)
	}
	if created.GetSessionId() == "" || created.GetSessionToken() == "" {
		t.Fatalf("CreateSession returned id %q, token empty=%v", created.GetSessionId(), created.GetSessionToken() == "")
	}
	if got := created.GetDetails().GetResourceOwner(); got != srv.InstanceID() {
		t.Errorf("details.resource_owner = %q, want %q", got, srv.InstanceID())
	}
	if created.GetDetails().GetChangeDate() == nil || created.GetDetails().GetSequence() == 0 {
		t.Errorf("details incomplete: %v", created.GetDetails())
	}
	id, token1 := created.GetSessionId(), created.GetSessionToken()

	// GetSession (gzip compression is tested in ./gzipinterop: registering
	// grpc-go's gzip here would make grpc-go ask for gzip responses in the
	// benchmarks of this package).
	got := new(sessionv2.GetSessionResponse)
	if err := conn.Invoke(ctx, svcPrefix+"GetSession", &sessionv2.GetSessionRequest{SessionId: id}, got); err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	s := got.GetSession()
	if s.GetId() != id {
		t.Errorf("session.id = %q, want %q", s.GetId(), id)
	}
	if u := s.GetFactors().GetUser(); u.GetId() != aliceID || u.GetLoginName() != aliceLogin || u.GetVerifiedAt() == nil {
		t.Errorf("factors.user = %v, want verified %s/%s", u, aliceID, aliceLogin)
	}
	if s.GetFactors().GetPassword().GetVerifiedAt() == nil {
		t.Error("factors.password not verified")
	}
	if string(s.GetMetadata()["origin"]) != "grpc-go" {
		t.Errorf("metadata = %q, want origin=grpc-go", s.GetMetadata())
	}

	// SetSession with new metadata: the token rotates.
	set := new(sessionv2.SetSessionResponse)
	if err := conn.Invoke(ctx, svcPrefix+"SetSession", &sessionv2.SetSessionRequest{
		SessionId: id, Metadata: map[string][]byte{"step": []byte("2")},
	}, set); err != nil {
		t.Fatalf("SetSession: %v", err)
	}
	token2 := set.GetSessionToken()
	if token2 == "" || token2 == token1 {
		t.Fatalf("SetSession did not rotate the token (empty=%v same=%v)", token2 == "", token2 == token1)
	}
	// The new token reads the session; the old one is rejected (even for a
	// caller with session.read: only the token is checked).
	if err := conn.Invoke(ctx, svcPrefix+"GetSession",
		&sessionv2.GetSessionRequest{SessionId: id, SessionToken: proto.String(token2)}, new(sessionv2.GetSessionResponse)); err != nil {
		t.Errorf("GetSession with the new session token: %v", err)
	}
	err = conn.Invoke(ctx, svcPrefix+"GetSession",
		&sessionv2.GetSessionRequest{SessionId: id, SessionToken: proto.String(token1)}, new(sessionv2.GetSessionResponse))
	wantZitadelStatus(t, err, codes.PermissionDenied, zitadelerr.SessionTokenPermission)

	// ListSessions by id.
	list := new(sessionv2.ListSessionsResponse)
	if err := conn.Invoke(ctx, svcPrefix+"ListSessions", &sessionv2.ListSessionsRequest{
		Query:   &objectv2.ListQuery{Limit: 10},
		Queries: []*sessionv2.SearchQuery{{Query: &sessionv2.SearchQuery_IdsQuery{IdsQuery: &sessionv2.IDsQuery{Ids: []string{id}}}}},
	}, list); err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	if len(list.GetSessions()) != 1 || list.GetSessions()[0].GetId() != id || list.GetDetails().GetTotalResult() != 1 {
		t.Errorf("ListSessions = %d sessions (total %d), want exactly %s", len(list.GetSessions()), list.GetDetails().GetTotalResult(), id)
	} else if string(list.GetSessions()[0].GetMetadata()["step"]) != "2" || list.GetSessions()[0].GetMetadata()["origin"] != nil {
		t.Errorf("listed metadata = %q, want only step=2 (Zitadel replaces metadata)", list.GetSessions()[0].GetMetadata())
	}

	// DeleteSession, then it is gone.
	del := new(sessionv2.DeleteSessionResponse)
	if err := conn.Invoke(ctx, svcPrefix+"DeleteSession", &sessionv2.DeleteSessionRequest{SessionId: id}, del); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if del.GetDetails().GetResourceOwner() != srv.InstanceID() {
		t.Errorf("delete details.resource_owner = %q, want %q", del.GetDetails().GetResourceOwner(), srv.InstanceID())
	}
	err = conn.Invoke(ctx, svcPrefix+"GetSession", &sessionv2.GetSessionRequest{SessionId: id}, new(sessionv2.GetSessionResponse))
	wantZitadelStatus(t, err, codes.NotFound, zitadelerr.SessionNotExisting)

	// Wrong password: InvalidArgument with a CredentialsCheckError detail
	// that grpc-go decodes into the registered Go type.
	err = conn.Invoke(ctx, svcPrefix+"CreateSession", &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: aliceID}},
		Password: &sessionv2.CheckPassword{Password: "wrong password"},
	}}, new(sessionv2.CreateSessionResponse))
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.InvalidArgument {
		t.Fatalf("wrong password: status %v (ok=%v), want InvalidArgument", st, ok)
	}
	if want := "(" + zitadelerr.PasswordInvalid + ")"; !strings.HasSuffix(st.Message(), want) {
		t.Errorf("message %q does not end in %q", st.Message(), want)
	}
	var cce *zitadelv1.CredentialsCheckError
	for _, d := range st.Details() {
		if e, ok := d.(error); ok {
			t.Errorf("undecodable detail: %v", e)
		}
		if c, ok := d.(*zitadelv1.CredentialsCheckError); ok {
			cce = c
		}
	}
	if cce == nil {
		t.Fatalf("details %v contain no *zitadelv1.CredentialsCheckError", st.Details())
	}
	if cce.GetId() != zitadelerr.PasswordInvalid || cce.GetFailedAttempts() != 1 || cce.GetMessage() == "" {
		t.Errorf("CredentialsCheckError = %v, want id %s, 1 failed attempt", cce, zitadelerr.PasswordInvalid)
	}
	if pw, _, err := srv.FailedAttempts(aliceID); err != nil || pw != 1 {
		t.Errorf("server failed password attempts = %d, %v; want 1", pw, err)
	}

	// Authorization errors, also carried as details.
	err = conn.Invoke(bearer(t.Context(), "no-such-token"), svcPrefix+"GetSession",
		&sessionv2.GetSessionRequest{SessionId: "x"}, new(sessionv2.GetSessionResponse))
	wantZitadelStatus(t, err, codes.Unauthenticated, zitadelerr.TokenInvalid)
	err = conn.Invoke(bearer(t.Context(), "no-such-token"), svcPrefix+"CreateSession",
		&sessionv2.CreateSessionRequest{}, new(sessionv2.CreateSessionResponse))
	wantZitadelStatus(t, err, codes.Unauthenticated, zitadelerr.TokenInvalid)
	err = conn.Invoke(bearer(t.Context(), readonlyPAT), svcPrefix+"CreateSession", &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: aliceID}}},
	}, new(sessionv2.CreateSessionResponse))
	wantZitadelStatus(t, err, codes.PermissionDenied, zitadelerr.NoMatchingPermissions)
	err = conn.Invoke(t.Context(), svcPrefix+"CreateSession", &sessionv2.CreateSessionRequest{}, new(sessionv2.CreateSessionResponse))
	if st, _ := status.FromError(err); st.Code() != codes.Unauthenticated {
		t.Errorf("no bearer: %v, want Unauthenticated", err)
	}
	// An unknown method of the service is Unimplemented, as in grpc-go.
	err = conn.Invoke(ctx, svcPrefix+"NoSuchMethod", &sessionv2.GetSessionRequest{}, new(sessionv2.GetSessionResponse))
	if st, _ := status.FromError(err); st.Code() != codes.Unimplemented {
		t.Errorf("unknown method: %v, want Unimplemented", err)
	}
}

// wantZitadelStatus asserts a gRPC status with code c whose message ends in
// "(id)" and whose details hold exactly one decodable zitadel.v1.ErrorDetail
// with that id.
func wantZitadelStatus(t *testing.T, err error, c codes.Code, id string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok || err == nil {
		t.Errorf("error %v is not a gRPC status", err)
		return
	}
	if st.Code() != c {
		t.Errorf("code = %v, want %v (%v)", st.Code(), c, err)
	}
	if !strings.HasSuffix(st.Message(), "("+id+")") {
		t.Errorf("message %q does not end in (%s)", st.Message(), id)
	}
	var found []*zitadelv1.ErrorDetail
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *zitadelv1.ErrorDetail:
			found = append(found, d)
		case error:
			t.Errorf("undecodable detail: %v", d)
		}
	}
	if len(found) != 1 || found[0].GetId() != id || found[0].GetMessage() == "" {
		t.Errorf("details = %v, want one ErrorDetail with id %s", st.Details(), id)
	}
}

// ---------------------------------------------------------------------------
// Our clients against a stock grpc-go server.

func TestRawConnectClientToGRPCGo(t *testing.T) {
	fake := newFakeService(true)
	base := startGRPCGo(t, fake)
	raw := rawClient(h2cClient(t), base, fakeToken, connecthttp.WithGRPC())
	ctx := t.Context()

	created, err := raw.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: aliceLogin}},
		Password: &sessionv2.CheckPassword{Password: fakeGoodPass},
	}})
	if err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	if created.GetSessionId() != fakeSessionID || created.GetSessionToken() != "token-1" ||
		!proto.Equal(created.GetDetails(), fakeDetails()) {
		t.Errorf("CreateSession = %v", created)
	}

	got, err := raw.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: fakeSessionID})
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if !proto.Equal(got.GetSession(), fakeSession(fakeSessionID)) {
		t.Errorf("GetSession = %v, want %v", got.GetSession(), fakeSession(fakeSessionID))
	}

	set, err := raw.SetSession(ctx, &sessionv2.SetSessionRequest{SessionId: fakeSessionID, Metadata: map[string][]byte{"a": []byte("b")}})
	if err != nil || set.GetSessionToken() != "token-2" {
		t.Errorf("SetSession = %v, %v", set, err)
	}
	list, err := raw.ListSessions(ctx, &sessionv2.ListSessionsRequest{Query: &objectv2.ListQuery{Limit: 5}})
	if err != nil || len(list.GetSessions()) != 2 || list.GetDetails().GetTotalResult() != 2 ||
		list.GetSessions()[1].GetId() != "fake-session-2" {
		t.Errorf("ListSessions = %v, %v", list, err)
	}
	if _, err := raw.DeleteSession(ctx, &sessionv2.DeleteSessionRequest{SessionId: fakeSessionID}); err != nil {
		t.Errorf("DeleteSession: %v", err)
	}

	// The grpc-go server saw exactly these five requests, intact.
	reqs := fake.recorded()
	if len(reqs) != 5 {
		t.Fatalf("server saw %d requests, want 5", len(reqs))
	}
	if cr, ok := reqs[0].(*sessionv2.CreateSessionRequest); !ok ||
		cr.GetChecks().GetUser().GetLoginName() != aliceLogin || cr.GetChecks().GetPassword().GetPassword() != fakeGoodPass {
		t.Errorf("server decoded CreateSession request %v", reqs[0])
	}
	if sr, ok := reqs[2].(*sessionv2.SetSessionRequest); !ok || string(sr.GetMetadata()["a"]) != "b" {
		t.Errorf("server decoded SetSession request %v", reqs[2])
	}

	// Error with a CredentialsCheckError detail set by grpc-go.
	_, err = raw.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: aliceID}},
		Password: &sessionv2.CheckPassword{Password: "nope"},
	}})
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("wrong password: %v is not a *connect.Error", err)
	}
	if ce.Code() != connect.CodeInvalidArgument || ce.Message() != "Password is invalid (COMMAND-3M0fs)" || !ce.IsRemote() {
		t.Errorf("wrong password: code %v message %q remote %v", ce.Code(), ce.Message(), ce.IsRemote())
	}
	if len(ce.Details()) != 1 {
		t.Fatalf("wrong password: %d details, want 1", len(ce.Details()))
	}
	m, err := connectproto.UnmarshalErrorDetail(ce.Details()[0])
	if err != nil {
		t.Fatalf("UnmarshalErrorDetail: %v", err)
	}
	want := &zitadelv1.CredentialsCheckError{Id: "COMMAND-3M0fs", Message: "Password is invalid", FailedAttempts: fakeFailedCount}
	if !proto.Equal(m, want) {
		t.Errorf("detail = %v, want %v", m, want)
	}

	// NotFound with an ErrorDetail, and a missing bearer.
	_, err = raw.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: unknownSession})
	wantConnectZitadel(t, err, connect.CodeNotFound, zitadelerr.SessionNotExisting)
	noAuth := rawClient(h2cClient(t), base, "wrong", connecthttp.WithGRPC())
	_, err = noAuth.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: fakeSessionID})
	wantConnectZitadel(t, err, connect.CodeUnauthenticated, zitadelerr.TokenInvalid)
}

func wantConnectZitadel(t *testing.T, err error, c connect.Code, id string) {
	t.Helper()
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Errorf("%v is not a *connect.Error", err)
		return
	}
	if ce.Code() != c || !strings.HasSuffix(ce.Message(), "("+id+")") {
		t.Errorf("error = %v, want code %v and id %s", ce, c, id)
	}
	if len(ce.Details()) != 1 {
		t.Errorf("%d details, want 1", len(ce.Details()))
		return
	}
	m, err := connectproto.UnmarshalErrorDetail(ce.Details()[0])
	if d, ok := m.(*zitadelv1.ErrorDetail); err != nil || !ok || d.GetId() != id {
		t.Errorf("detail = %v (%v), want ErrorDetail %s", m, err, id)
	}
}

func TestSessionClientToGRPCGo(t *testing.T) {
	fake := newFakeService(true)
	base := startGRPCGo(t, fake)
	for _, tc := range []struct {
		name string
		opts []session.Option
	}{
		{"own-transport", nil},
		{"WithHTTPClient", []session.Option{session.WithHTTPClient(h2cClient(t))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]session.Option{session.WithGRPC(), session.WithPersonalAccessToken(fakeToken)}, tc.opts...)
			c := newHelper(t, base, opts...)
			ctx := t.Context()

			h, ch, err := c.Create(ctx, session.CheckLoginName(aliceLogin), session.CheckPassword(fakeGoodPass))
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if h.ID() != fakeSessionID || h.SessionToken() != "token-1" {
				t.Errorf("handle = %s / token-1? %v", h.ID(), h.SessionToken() == "token-1")
			}
			_ = ch

			s, err := h.Get(ctx)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if s.ID != fakeSessionID || s.Sequence != 7 || !s.CreatedAt.Equal(fakeTime) || string(s.Metadata["k"]) != "v" {
				t.Errorf("Get = %+v", s)
			}
			if !s.Factors.User.VerifiedAt.Equal(fakeTime) || s.Factors.User.ID != aliceID || s.Factors.User.LoginName != aliceLogin {
				t.Errorf("Get factors.user = %+v", s.Factors.User)
			}

			if _, err := h.Set(ctx, session.Metadata("step", []byte("2"))); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if h.SessionToken() != "token-2" {
				t.Error("handle did not follow the token rotation")
			}

			var ids []string
			for s, err := range c.List(ctx) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				ids = append(ids, s.ID)
			}
			if strings.Join(ids, ",") != fakeSessionID+",fake-session-2" {
				t.Errorf("List = %v", ids)
			}
			if err := h.Delete(ctx); err != nil {
				t.Errorf("Delete: %v", err)
			}

			// The typed error exposes code, id and failed attempts.
			_, _, err = c.Create(ctx, session.CheckUserID(aliceID), session.CheckPassword("nope"))
			var se *session.Error
			if !errors.As(err, &se) {
				t.Fatalf("wrong password: %v (%T) is not a *session.Error", err, err)
			}
			if se.Code != connect.CodeInvalidArgument || se.ID != "COMMAND-3M0fs" || se.FailedAttempts != fakeFailedCount ||
				se.Message != "Password is invalid" || se.Op != "CreateSession" || se.Local {
				t.Errorf("wrong password: %+v", se)
			}
			if !session.IsInvalidCredentials(err) {
				t.Error("IsInvalidCredentials = false")
			}
			var ce *connect.Error
			if !errors.As(err, &ce) || !ce.IsRemote() {
				t.Error("session.Error does not unwrap to the remote *connect.Error")
			}

			_, err = c.Get(ctx, unknownSession)
			if !session.IsNotFound(err) || !errors.As(err, &se) || se.ID != zitadelerr.SessionNotExisting {
				t.Errorf("Get unknown: %v", err)
			}
		})
	}

	// Every request carried the bearer (else the fake fails with
	// Unauthenticated) and arrived intact.
	var creates int
	for _, r := range fake.recorded() {
		if cr, ok := r.(*sessionv2.CreateSessionRequest); ok {
			creates++
			if creates == 1 && (cr.GetChecks().GetUser().GetLoginName() != aliceLogin || cr.GetChecks().GetPassword().GetPassword() != fakeGoodPass) {
				t.Errorf("first CreateSession request = %v", cr)
			}
		}
	}
	if creates != 4 {
		t.Errorf("server saw %d CreateSession requests, want 4", creates)
	}

	// Without a token the typed error reports Unauthenticated with the id.
	c := newHelper(t, base, session.WithGRPC())
	_, err := c.Get(t.Context(), fakeSessionID)
	var se *session.Error
	if !session.IsUnauthenticated(err) || !errors.As(err, &se) || se.ID != zitadelerr.TokenInvalid {
		t.Errorf("no token: %v", err)
	}
}

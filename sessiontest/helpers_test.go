package sessiontest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectproto"
	"github.com/pquerna/otp/totp"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/types/known/durationpb"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	tokLogin  = "login-client-token" // IAM_LOGIN_CLIENT: read/write/delete on the instance
	tokIAM    = "iam-owner-token"    // IAM_OWNER
	tokOrg    = "org-owner-token"    // ORG_OWNER of orgA: read/delete on orgA
	tokNoPerm = "noperm-token"       // human user without memberships
	tokViewer = "iam-viewer-token"   // IAM_OWNER_VIEWER: read on the instance
	tokAgent  = "agent-token"        // no memberships, user agent fingerprint fpAgent
	orgA      = "200000000000000001"
	orgB      = "200000000000000002"
	fpAgent   = "fp-browser-1"
	rpID      = "login.example.com"
	origin    = "https://login.example.com"
	pw1       = "Password1!"
	totpKey   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// protocol selects how the test client talks to the server.
type protocol struct {
	name string
	opts []connecthttp.Option
}

var protocols = []protocol{
	{"connect", nil},
	{"grpc", []connecthttp.Option{connecthttp.WithGRPC()}},
	{"grpcweb", []connecthttp.Option{connecthttp.WithGRPCWeb()}},
}

type env struct {
	t    testing.TB
	srv  *sessiontest.Server
	c    sessionv2connect.SessionServiceClient
	oidc oidcv2connect.OIDCServiceClient
	saml samlv2connect.SAMLServiceClient
	key  *sessiontest.Authenticator // passkey of u1 and U2F key of u2 at rpID
}

// newEnv starts a seeded server and a client speaking proto over loopback.
func newEnv(t testing.TB, p protocol, opts ...sessiontest.Option) *env {
	t.Helper()
	opts = append([]sessiontest.Option{sessiontest.WithClock(sessiontest.NewClock(epoch)), sessiontest.WithInstanceID("100000000000000000")}, opts...)
	srv := sessiontest.NewServer(opts...)
	t.Cleanup(srv.Close)
	seed(t, srv)
	cl := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), p.opts...))
	return &env{t: t, srv: srv, c: sessionv2connect.NewSessionServiceClient(cl),
		oidc: oidcv2connect.NewOIDCServiceClient(cl), saml: samlv2connect.NewSAMLServiceClient(cl),
		key: mustKey(t, srv)}
}

func seed(t testing.TB, srv *sessiontest.Server) {
	t.Helper()
	users := []sessiontest.User{
		{ID: "u1", LoginName: "alice@example.com", DisplayName: "Alice", OrganizationID: orgA, Password: pw1},
		{ID: "u2", LoginName: "bob@example.com", DisplayName: "Bob", OrganizationID: orgA, Password: pw1, TOTPSecret: totpKey, Phone: "+41790000000", Email: "bob@example.com"},
		{ID: "u3", LoginName: "carol@example.com", OrganizationID: orgB, Password: pw1},
		{ID: "u-locked", LoginName: "locked@example.com", OrganizationID: orgA, Password: pw1, State: sessiontest.UserStateLocked},
		{ID: "u-inactive", LoginName: "inactive@example.com", OrganizationID: orgA, Password: pw1, State: sessiontest.UserStateInactive},
		{ID: "u-initial", LoginName: "initial@example.com", OrganizationID: orgA, Password: pw1, State: sessiontest.UserStateInitial},
		{ID: "u-nopw", LoginName: "nopw@example.com", OrganizationID: orgA},
		{ID: "u-noperm", LoginName: "noperm@example.com", OrganizationID: orgA, Password: pw1},
	}
	for _, u := range users {
		if err := srv.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	rw := []sessiontest.TokenOption{sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete}
	for _, err := range []error{
		srv.AddAccessToken(tokLogin, "login-client", rw...),
		srv.AddAccessToken(tokIAM, "iam-owner", rw...),
		srv.AddAccessToken(tokOrg, "org-owner", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionDelete, sessiontest.ForOrganization(orgA)),
		srv.AddAccessToken(tokNoPerm, "u-noperm"),
		srv.AddAccessToken(tokViewer, "iam-viewer", sessiontest.PermissionSessionRead),
		srv.AddAccessToken(tokAgent, "agent-user", sessiontest.ForUserAgent(fpAgent)),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func mustKey(t testing.TB, srv *sessiontest.Server) *sessiontest.Authenticator {
	t.Helper()
	a := sessiontest.NewAuthenticator(rpID, origin)
	if err := srv.RegisterPasskey("u1", a); err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterU2F("u2", a); err != nil {
		t.Fatal(err)
	}
	return a
}

// as returns a context whose calls carry "Authorization: Bearer tok" (none if tok is "").
func as(tok string) context.Context {
	ctx, info := connect.NewClientContext(context.Background())
	if tok != "" {
		info.RequestHeader().Set("Authorization", "Bearer "+tok)
	}
	return ctx
}

func (e *env) create(tok string, req *sessionv2.CreateSessionRequest) *sessionv2.CreateSessionResponse {
	e.t.Helper()
	res, err := e.c.CreateSession(as(tok), req)
	if err != nil {
		e.t.Fatalf("CreateSession: %v", err)
	}
	return res
}

func (e *env) set(tok string, req *sessionv2.SetSessionRequest) *sessionv2.SetSessionResponse {
	e.t.Helper()
	res, err := e.c.SetSession(as(tok), req)
	if err != nil {
		e.t.Fatalf("SetSession: %v", err)
	}
	return res
}

func (e *env) get(tok, id string) *sessionv2.Session {
	e.t.Helper()
	res, err := e.c.GetSession(as(tok), &sessionv2.GetSessionRequest{SessionId: id})
	if err != nil {
		e.t.Fatalf("GetSession: %v", err)
	}
	return res.GetSession()
}

func (e *env) totp() string {
	e.t.Helper()
	code, err := totp.GenerateCode(totpKey, e.srv.Clock().Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return code
}

// userSession creates a session for userID by LOGIN (user check only).
func (e *env) userSession(userID string) *sessionv2.CreateSessionResponse {
	e.t.Helper()
	return e.create(tokLogin, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID(userID)}})
}

func byID(id string) *sessionv2.CheckUser {
	return &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: id}}
}

func byLogin(name string) *sessionv2.CheckUser {
	return &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: name}}
}

func pwCheck(pw string) *sessionv2.CheckPassword { return &sessionv2.CheckPassword{Password: pw} }

func life(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

func ptr[T any](v T) *T { return &v }

// want describes the expected outcome of a scenario.
type want struct {
	code   connect.Code // 0 = success
	id     string       // error id (checked when detail is "v1" or "cred")
	detail string       // "none", "v1" (zitadel.v1.ErrorDetail) or "cred" (CredentialsCheckError)
	failed int32        // CredentialsCheckError.failed_attempts
	msg    string       // optional substring of the message
}

func checkError(t testing.TB, err error, w want) {
	t.Helper()
	if w.code == 0 {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want %v error, got %v", w.code, err)
	}
	if ce.Code() != w.code {
		t.Fatalf("code = %v, want %v (message %q)", ce.Code(), w.code, ce.Message())
	}
	if w.msg != "" && !strings.Contains(ce.Message(), w.msg) {
		t.Errorf("message %q does not contain %q", ce.Message(), w.msg)
	}
	ds := ce.Details()
	switch w.detail {
	case "none":
		if len(ds) != 0 {
			t.Errorf("want no error detail, got %d", len(ds))
		}
		if strings.HasSuffix(ce.Message(), ")") {
			t.Errorf("message %q looks like a Zitadel error with an id suffix", ce.Message())
		}
		return
	case "v1", "cred":
	default:
		t.Fatalf("bad want.detail %q", w.detail)
	}
	if len(ds) != 1 {
		t.Fatalf("want exactly one error detail, got %d", len(ds))
	}
	if !strings.HasSuffix(ce.Message(), " ("+w.id+")") {
		t.Errorf("message %q does not end with (%s)", ce.Message(), w.id)
	}
	msg, err := connectproto.UnmarshalErrorDetail(ds[0])
	if err != nil {
		t.Fatalf("unmarshal detail: %v", err)
	}
	switch d := msg.(type) {
	case *zitadelv1.ErrorDetail:
		if w.detail != "v1" {
			t.Fatalf("detail is zitadel.v1.ErrorDetail, want %s", w.detail)
		}
		if d.GetId() != w.id {
			t.Errorf("detail id = %q, want %q", d.GetId(), w.id)
		}
		if d.GetMessage()+" ("+w.id+")" != ce.Message() {
			t.Errorf("detail message %q does not match %q", d.GetMessage(), ce.Message())
		}
	case *zitadelv1.CredentialsCheckError:
		if w.detail != "cred" {
			t.Fatalf("detail is CredentialsCheckError, want %s", w.detail)
		}
		if d.GetId() != w.id {
			t.Errorf("detail id = %q, want %q", d.GetId(), w.id)
		}
		if d.GetFailedAttempts() != w.failed {
			t.Errorf("failed_attempts = %d, want %d", d.GetFailedAttempts(), w.failed)
		}
	default:
		t.Fatalf("unexpected detail type %T", msg)
	}
}

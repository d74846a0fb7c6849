package sessiontest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectinprocess"
	"github.com/pquerna/otp/totp"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// withBearer returns a context whose calls carry the bearer token.
func withBearer(ctx context.Context, token string) context.Context {
	ctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set("Authorization", "Bearer "+token)
	return ctx
}

// A server seeded in code, and the generated client pointed at it.
func Example() {
	srv := sessiontest.NewServer()
	defer srv.Close()

	_ = srv.AddUser(sessiontest.User{ID: "u1", LoginName: "alice@example.com", DisplayName: "Alice", Password: "Password1!"})
	_ = srv.AddAccessToken("login-client", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite)

	client := sessionv2connect.NewSessionServiceClient(connect.NewClient(
		connecthttp.NewTransport(srv.Client(), srv.URL()), // add connecthttp.WithGRPC() for gRPC
	))
	ctx := withBearer(context.Background(), "login-client")

	created, err := client.CreateSession(ctx, &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice@example.com"}},
			Password: &sessionv2.CheckPassword{Password: "Password1!"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := client.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: created.GetSessionId()})
	if err != nil {
		fmt.Println(err)
		return
	}
	f := got.GetSession().GetFactors()
	fmt.Println(f.GetUser().GetLoginName(), f.GetUser().GetDisplayName(), f.GetPassword() != nil)

	_, err = client.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: "u1"}},
		Password: &sessionv2.CheckPassword{Password: "wrong"},
	}})
	fmt.Println(connect.CodeOf(err), message(err))
	// Output:
	// alice@example.com Alice true
	// invalid_argument Password is invalid (COMMAND-3M0fs)
}

// Seeding from JSON (for example a testdata file) and a TOTP second factor,
// with the server clock frozen so the code is deterministic.
func ExampleLoadSeed() {
	seed, err := sessiontest.LoadSeed(strings.NewReader(`{
		"users":  [{"id": "u2", "loginName": "bob", "password": "Password1!", "totpSecret": "JBSWY3DPEHPK3PXP"}],
		"tokens": [{"token": "login-client", "permissions": ["session.read", "session.write"]}]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := sessiontest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := sessiontest.NewServer(sessiontest.WithClock(clock))
	defer srv.Close()
	if err := srv.ApplySeed(seed); err != nil {
		fmt.Println(err)
		return
	}
	client := sessionv2connect.NewSessionServiceClient(connect.NewClient(
		connecthttp.NewTransport(srv.Client(), srv.URL(), connecthttp.WithGRPC())))
	ctx := withBearer(context.Background(), "login-client")

	created, _ := client.CreateSession(ctx, &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "bob"}},
		Password: &sessionv2.CheckPassword{Password: "Password1!"},
	}})
	// A password-only session token is not enough for a user with TOTP.
	_, err = client.ListSessions(withBearer(context.Background(), created.GetSessionToken()), &sessionv2.ListSessionsRequest{})
	fmt.Println(message(err))

	code, _ := totp.GenerateCode("JBSWY3DPEHPK3PXP", clock.Now())
	set, err := client.SetSession(ctx, &sessionv2.SetSessionRequest{
		SessionId: created.GetSessionId(),
		Checks:    &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("new token:", set.GetSessionToken() != created.GetSessionToken())
	// Output:
	// mfa required (AUTHZ-Kl3p0)
	// new token: true
}

// A passkey login with the virtual authenticator.
func ExampleAuthenticator_Assert() {
	srv := sessiontest.NewUnstartedServer() // in-process use needs no listener
	_ = srv.AddUser(sessiontest.User{ID: "u1", LoginName: "alice"})
	_ = srv.AddAccessToken("login-client", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite)
	key := sessiontest.NewAuthenticator("login.example.com", "https://login.example.com")
	_ = srv.RegisterPasskey("u1", key)

	client := sessionv2connect.NewSessionServiceClient(connect.NewClient(inProcess(srv)))
	ctx := withBearer(context.Background(), "login-client")
	created, err := client.CreateSession(ctx, &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: "u1"}}},
		Challenges: &sessionv2.RequestChallenges{WebAuthN: &sessionv2.RequestChallenges_WebAuthN{
			Domain:                      "login.example.com",
			UserVerificationRequirement: sessionv2.UserVerificationRequirement_USER_VERIFICATION_REQUIREMENT_REQUIRED,
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	assertion, err := key.Assert(created.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = client.SetSession(ctx, &sessionv2.SetSessionRequest{
		SessionId: created.GetSessionId(),
		Checks:    &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: assertion}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	got, _ := client.GetSession(ctx, &sessionv2.GetSessionRequest{SessionId: created.GetSessionId()})
	fmt.Println("user verified:", got.GetSession().GetFactors().GetWebAuthN().GetUserVerified())
	// Output:
	// user verified: true
}

func inProcess(srv *sessiontest.Server) connect.Transport {
	return connectinprocess.New(srv.ConnectServer())
}

// message returns the Connect error message of err.
func message(err error) string {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Message()
	}
	return fmt.Sprint(err)
}

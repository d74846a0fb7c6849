package sessiontest_test

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectinprocess"
	"github.com/pquerna/otp/totp"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

func inProcessClient(srv *sessiontest.Server) sessionv2connect.SessionServiceClient {
	return sessionv2connect.NewSessionServiceClient(connect.NewClient(connectinprocess.New(srv.ConnectServer())))
}

// loginFlow runs user+password, TOTP, Get with the client.
func loginFlow(t testing.TB, c sessionv2connect.SessionServiceClient, clock *sessiontest.Clock) {
	t.Helper()
	res, err := c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Password: pwCheck(pw1)}})
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(totpKey, clock.Now())
	set, err := c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: res.GetSessionId(), SessionToken: &set.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	if got.GetSession().GetFactors().GetTotp() == nil || got.GetSession().GetFactors().GetPassword() == nil {
		t.Fatalf("factors = %v", got.GetSession().GetFactors())
	}
}

func TestInProcess(t *testing.T) {
	srv := sessiontest.NewUnstartedServer(sessiontest.WithClock(sessiontest.NewClock(epoch)))
	seed(t, srv)
	if srv.URL() != "" {
		t.Fatalf("unstarted server has URL %q", srv.URL())
	}
	loginFlow(t, inProcessClient(srv), srv.Clock())
	// errors keep their details in process too
	_, err := inProcessClient(srv).GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: "1"})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.SessionNotExisting))
	_, err = inProcessClient(srv).GetSession(as(""), &sessionv2.GetSessionRequest{SessionId: "1"})
	checkError(t, err, want{code: connect.CodeUnauthenticated, detail: "none"})
	srv.Close() // closing an unstarted server is fine
}

func TestTLS(t *testing.T) {
	srv := sessiontest.NewServer(sessiontest.WithTLS(), sessiontest.WithClock(sessiontest.NewClock(epoch)))
	defer srv.Close()
	seed(t, srv)
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL = %q", srv.URL())
	}
	for _, p := range protocols {
		c := sessionv2connect.NewSessionServiceClient(connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), p.opts...)))
		loginFlow(t, c, srv.Clock())
	}
	// a client that does not trust the certificate fails
	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12}}}
	c := sessionv2connect.NewSessionServiceClient(connect.NewClient(connecthttp.NewTransport(untrusting, srv.URL())))
	if _, err := c.ListSessions(as(tokLogin), &sessionv2.ListSessionsRequest{}); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	untrusting.CloseIdleConnections()
}

func TestClientUsesHTTP2(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		var opts []sessiontest.Option
		if tlsOn {
			opts = append(opts, sessiontest.WithTLS())
		}
		srv := sessiontest.NewServer(opts...)
		res, err := srv.Client().Get(srv.URL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.ProtoMajor != 2 {
			t.Errorf("tls=%v: proto = %s, want HTTP/2", tlsOn, res.Proto)
		}
		// plain HTTP/1.1 clients are served too
		if !tlsOn {
			tr := &http.Transport{}
			res, err := (&http.Client{Transport: tr}).Get(srv.URL() + "/")
			if err != nil || res.ProtoMajor != 1 {
				t.Errorf("HTTP/1.1 request: %v %v", res, err)
			} else {
				res.Body.Close()
			}
			tr.CloseIdleConnections()
		}
		srv.Close()
	}
}

func TestMount(t *testing.T) {
	srv := sessiontest.NewUnstartedServer(sessiontest.WithClock(sessiontest.NewClock(epoch)))
	defer srv.Close()
	seed(t, srv)
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") })
	srv.Mount(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	c := sessionv2connect.NewSessionServiceClient(connect.NewClient(connecthttp.NewTransport(hs.Client(), hs.URL)))
	loginFlow(t, c, srv.Clock())
	res, err := hs.Client().Get(hs.URL + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
}

func TestConcurrency(t *testing.T) {
	srv := sessiontest.NewServer(sessiontest.WithClock(sessiontest.NewClock(epoch)), sessiontest.WithLockoutPolicy(1000, 1000))
	defer srv.Close()
	seed(t, srv)
	httpClient := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL(), connecthttp.WithGRPC()))
	clients := []sessionv2connect.SessionServiceClient{sessionv2connect.NewSessionServiceClient(httpClient), inProcessClient(srv)}
	shared, err := clients[1].CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u1")}})
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := clients[w%2]
			for i := 0; i < rounds; i++ {
				res, err := c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2"), Password: pwCheck(pw1)}})
				if err != nil {
					errs <- err
					continue
				}
				code, _ := totp.GenerateCode(totpKey, srv.Clock().Now())
				if _, err := c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: code}}}); err != nil {
					errs <- err
				}
				// contended writes on one session: every Set rotates the token
				if _, err := c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: shared.GetSessionId(), Metadata: map[string][]byte{"w": {byte(w)}}}); err != nil {
					errs <- err
				}
				if _, err := c.ListSessions(as(tokIAM), &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{creatorQ(ptr("login-client"))}}); err != nil {
					errs <- err
				}
				if i%5 == 0 {
					_ = srv.LockUser("u3")
					_ = srv.UnlockUser("u3")
					srv.Clock().Advance(time.Millisecond)
				}
				if _, err := c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: res.GetSessionId()}); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := clients[1].GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: shared.GetSessionId()})
	if err != nil {
		t.Fatal(err)
	}
	if want := shared.GetDetails().GetSequence() + workers*rounds*2; got.GetSession().GetSequence() != want {
		t.Errorf("sequence = %d, want %d (lost updates)", got.GetSession().GetSequence(), want)
	}
}

// TestClockExpiry moves the clock instead of sleeping.
func TestClockExpiry(t *testing.T) {
	clock := sessiontest.NewClock(epoch)
	srv := sessiontest.NewUnstartedServer(sessiontest.WithClock(clock))
	seed(t, srv)
	if srv.Clock() != clock {
		t.Fatal("Clock() is not the configured clock")
	}
	c := inProcessClient(srv)
	res, err := c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u2")}, Lifetime: life(10 * time.Minute),
		Challenges: &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{ReturnCode: true}}})
	if err != nil {
		t.Fatal(err)
	}
	check := &sessionv2.Checks{OtpSms: &sessionv2.CheckOTP{Code: res.GetChallenges().GetOtpSms()}}
	clock.Advance(5*time.Minute + time.Second) // OTP codes expire after 5 minutes
	_, err = c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Checks: check})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.OTPCodeExpired))
	clock.Set(epoch.Add(10*time.Minute - time.Second)) // still valid session
	if _, err := c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Metadata: map[string][]byte{"a": []byte("b")}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Second) // now expired
	_, err = c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: res.GetSessionId(), Metadata: map[string][]byte{"a": []byte("b")}})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.SessionExpired))
	got, err := c.GetSession(as(tokLogin), &sessionv2.GetSessionRequest{SessionId: res.GetSessionId()})
	if err != nil || !got.GetSession().GetExpirationDate().AsTime().Equal(epoch.Add(10*time.Minute)) {
		t.Fatalf("Get = %v, %v", got, err)
	}
	// terminated sessions are kept (Delete stays idempotent) until the retention passed
	del, err := c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: del.GetSessionId()}); err != nil {
		t.Fatal(err)
	}
	srv.Purge()
	if n := srv.SessionCount(); n != 2 {
		t.Errorf("SessionCount = %d, want 2", n)
	}
	// retention: expired and terminated sessions are purged an hour later
	clock.Advance(2 * time.Hour)
	srv.Purge()
	if n := srv.SessionCount(); n != 0 {
		t.Errorf("SessionCount after purge = %d, want 0", n)
	}
}

func TestSecretsNotInErrors(t *testing.T) {
	srv := sessiontest.NewUnstartedServer()
	secret := "Sup3rSecret-Passw0rd"
	err := srv.AddUser(sessiontest.User{ID: "x", LoginName: "x", Password: secret, TOTPSecret: "not base32!" + secret})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
	if err := srv.AddAccessToken("tok en", ""); err == nil || strings.Contains(err.Error(), "tok en") {
		t.Fatalf("err = %v", err)
	}
	if err := srv.AddAccessToken("dup-"+secret, ""); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("dup-"+secret, ""); err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
	_ = srv.AddUser(sessiontest.User{ID: "u", LoginName: "u", Password: secret})
	c := inProcessClient(srv)
	_, err = c.CreateSession(as("dup-"+secret), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("u"), Password: pwCheck(secret + "x")}})
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("err = %v", err)
	}
}

func TestAddUserValidation(t *testing.T) {
	srv := sessiontest.NewUnstartedServer()
	for _, u := range []sessiontest.User{
		{LoginName: "a"},
		{ID: "a"},
		{ID: "a", LoginName: "a", State: 9},
		{ID: "a", LoginName: "a", Machine: true, Password: "x"},
		{ID: "a", LoginName: "a", Password: strings.Repeat("x", 73)},
	} {
		if err := srv.AddUser(u); err == nil {
			t.Errorf("AddUser(%+v) succeeded", u.ID)
		}
	}
	if err := srv.AddUser(sessiontest.User{ID: "a", LoginName: "A"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddUser(sessiontest.User{ID: "b", LoginName: "a"}); err == nil {
		t.Error("duplicate login name accepted")
	}
	if err := srv.LockUser("nobody"); err == nil {
		t.Error("LockUser of unknown user succeeded")
	}
	if _, err := srv.AddRecoveryCodes("a", 0); err == nil {
		t.Error("AddRecoveryCodes(0) succeeded")
	}
	if err := srv.AddAccessToken("t", "", sessiontest.Permission("session.fly")); err == nil {
		t.Error("unknown permission accepted")
	}
	if _, _, err := srv.AddIntent("", "idp"); err == nil {
		t.Error("AddIntent without user succeeded")
	}
	if err := srv.RegisterPasskey("a", nil); err == nil {
		t.Error("nil authenticator accepted")
	}
}

func TestLoadSeed(t *testing.T) {
	good := `{"users":[{"id":"u1","loginName":"alice","password":"Password1!","totpSecret":"JBSWY3DPEHPK3PXP","email":"a@example.com"}],
	          "tokens":[{"token":"t1","permissions":["session.write","session.read"]},{"token":"t2","userId":"u1"}]}`
	seed, err := sessiontest.LoadSeed(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	srv := sessiontest.NewUnstartedServer()
	if err := srv.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	c := inProcessClient(srv)
	if _, err := c.CreateSession(as("t1"), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin("alice"), Password: pwCheck("Password1!")}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateSession(as("t2"), &sessionv2.CreateSessionRequest{})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.MembershipNotFound))

	for in, wantSub := range map[string]string{
		`{"users":[{"id":"u1","loginName":"a","pasword":"x"}]}`: `"pasword"`,
		`{"users":[{"id":1}]}`:                               `users.id`,
		`{"users":[{"loginName":"a"}]}`:                      `users[0].id`,
		`{"tokens":[{"token":"t","permissions":["admin"]}]}`: `tokens[0].permissions[0]`,
		`{"users":[]} {}`:                                    `after the seed`,
		``:                                                   `empty`,
		`{"users":[{"id":"u","loginName":"a","state":"x"}]}`: `users[0].state`,
	} {
		_, err := sessiontest.LoadSeed(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), wantSub) {
			t.Errorf("LoadSeed(%s) = %v, want error containing %s", in, err, wantSub)
		}
	}
	dup := &sessiontest.Seed{Users: []sessiontest.SeedUser{{ID: "u1", LoginName: "x"}}}
	if err := srv.ApplySeed(dup); err == nil || !strings.Contains(err.Error(), "users[0]") {
		t.Errorf("ApplySeed duplicate = %v", err)
	}
}

func TestOtherRPCsUnimplemented(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	if err := srv.AddAccessToken("t", ""); err != nil {
		t.Fatal(err)
	}
	c := oidcv2connect.NewOIDCServiceClient(connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL())))
	_, err := c.GetDeviceAuthorizationRequest(as("t"), &oidcv2.GetDeviceAuthorizationRequestRequest{UserCode: "x"})
	if connect.CodeOf(err) != connect.CodeUnimplemented {
		t.Fatalf("err = %v, want unimplemented", err)
	}
	_, err = c.GetAuthRequest(as("t"), &oidcv2.GetAuthRequestRequest{AuthRequestId: "V2_1"})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.LoginRequestNotFound))
}

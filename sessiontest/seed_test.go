package sessiontest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"

	oidcv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/oidc/v2/oidcv2connect"
	samlv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/saml/v2/samlv2connect"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

// fullSeed uses every seed field; publicKey is a DER SubjectPublicKeyInfo.
const fullSeed = `{
  "organizations": [{"id": "o-lock", "lockoutPolicy": {"maxPasswordAttempts": 2, "maxOTPAttempts": 3}}, {"id": "o-free"}],
  "users": [
    {"id": "alice", "loginName": "alice", "organizationId": "o-lock", "password": "Password1!",
     "recoveryCodes": ["AAAA-1111", "BBBB-2222"],
     "webauthn": [{"type": "passkey", "credentialId": "%s", "publicKey": "%s", "rpId": "login.example.com", "signCount": 7, "origin": "https://login.example.com"}],
     "idpLinks": [{"idpId": "idp-1", "idpUserId": "ext-1"}]},
    {"id": "bob", "loginName": "bob", "organizationId": "o-free", "password": "Password1!", "state": "initial"},
    {"id": "robot", "loginName": "robot", "machine": true}
  ],
  "tokens": [
    {"token": "login", "userId": "login-client", "permissions": ["session.read", "session.write", "session.delete"]},
    {"token": "org", "userId": "org-owner", "organizationId": "o-lock", "permissions": ["session.read"]},
    {"token": "agent", "agentId": "fp-1"}
  ],
  "intents": [
    {"id": "i-1", "token": "aW50ZW50LW9uZQ", "userId": "alice", "idpId": "idp-1"},
    {"id": "i-2", "token": "aW50ZW50LXR3bw", "idpId": "idp-1", "idpUserId": "ext-1"},
    {"id": "i-3", "token": "aW50ZW50LXRocmVl", "userId": "alice", "state": "failed"},
    {"id": "i-4", "token": "aW50ZW50LWZvdXI", "userId": "alice", "expiresAt": "2026-03-01T11:00:00Z"}
  ],
  "authRequests": [{"id": "V2_1", "clientId": "app", "redirectUri": "https://app.example.com/cb", "scopes": ["openid"], "loginClient": "robot"}],
  "samlRequests": [{"id": "V2_2", "issuer": "https://sp.example.com", "acsUrl": "https://sp.example.com/acs", "relayState": "r", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"}]
}`

func TestSeedEveryField(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(key)
	credID := []byte("seeded-credential-1")
	b64 := base64.RawURLEncoding.EncodeToString
	seed, err := sessiontest.LoadSeed(strings.NewReader(fmt.Sprintf(fullSeed, b64(credID), base64.StdEncoding.EncodeToString(spki))))
	if err != nil {
		t.Fatal(err)
	}
	srv := sessiontest.NewServer(sessiontest.WithClock(sessiontest.NewClock(epoch)))
	t.Cleanup(srv.Close)
	if err := srv.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	cl := connect.NewClient(connecthttp.NewTransport(srv.Client(), srv.URL()))
	c := sessionv2connect.NewSessionServiceClient(cl)
	create := func(tok string, checks *sessionv2.Checks) (*sessionv2.CreateSessionResponse, error) {
		return c.CreateSession(as(tok), &sessionv2.CreateSessionRequest{Checks: checks})
	}

	// a passkey from the seed, signed by an authenticator holding the private key
	a := sessiontest.NewAuthenticator("login.example.com", "https://login.example.com")
	if err := a.ImportCredential(credID, pkcs8, "alice", 7); err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSession(as("login"), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin("alice")}, Challenges: challengeWA(uvRequired)})
	if err != nil {
		t.Fatal(err)
	}
	assertion, err := a.Assert(s.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetSession(as("login"), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(),
		Checks: &sessionv2.Checks{WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: assertion}}}); err != nil {
		t.Fatalf("seeded passkey: %v", err)
	}
	// recovery codes, single use
	if _, err := create("login", &sessionv2.Checks{User: byLogin("alice"), RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "AAAA-1111"}}); err != nil {
		t.Fatalf("seeded recovery code: %v", err)
	}
	_, err = create("login", &sessionv2.Checks{User: byLogin("alice"), RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "AAAA-1111"}})
	checkError(t, err, v1(connect.CodeInvalidArgument, zitadelerr.RecoveryInvalid))
	// intents: by user, by IdP link, failed, expired
	intent := func(id, tok string) error {
		_, err := create("login", &sessionv2.Checks{User: byLogin("alice"), IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: id, IdpIntentToken: tok}})
		return err
	}
	checkError(t, intent("i-1", "aW50ZW50LW9uZQ"), want{})
	checkError(t, intent("i-2", "aW50ZW50LXR3bw"), want{})
	checkError(t, intent("i-3", "aW50ZW50LXRocmVl"), v1(connect.CodeFailedPrecondition, zitadelerr.IntentNotSucceeded))
	checkError(t, intent("i-4", "aW50ZW50LWZvdXI"), v1(connect.CodeFailedPrecondition, zitadelerr.IntentExpired))
	checkError(t, intent("i-4", "aW50ZW50LW9uZQ"), v1(connect.CodePermissionDenied, zitadelerr.IntentTokenOtherIntent))
	// states and machine users
	if _, err := create("login", &sessionv2.Checks{User: byLogin("bob"), Password: pwCheck("Password1!")}); err != nil {
		t.Errorf("initial user: %v", err)
	}
	_, err = create("login", &sessionv2.Checks{User: byLogin("robot"), Password: pwCheck("x")})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.PasswordUserGone))
	// the organization's lockout policy: 2 password attempts (bob's organization has none)
	for i := 1; i <= 2; i++ {
		_, err = create("login", &sessionv2.Checks{User: byLogin("alice"), Password: pwCheck("wrong")})
		checkError(t, err, cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, int32(i)))
	}
	_, err = create("login", &sessionv2.Checks{User: byLogin("alice")})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive))
	for i := 1; i <= 3; i++ {
		_, err = create("login", &sessionv2.Checks{User: byLogin("bob"), Password: pwCheck("wrong")})
		checkError(t, err, cred(connect.CodeInvalidArgument, zitadelerr.PasswordInvalid, int32(i)))
	}
	// tokens: organization scope and user agent binding
	_, err = c.CreateSession(as("org"), &sessionv2.CreateSessionRequest{})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.MembershipNotFound))
	fp, err := c.CreateSession(as("login"), &sessionv2.CreateSessionRequest{UserAgent: &sessionv2.UserAgent{FingerprintId: ptr("fp-1")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetSession(as("agent"), &sessionv2.GetSessionRequest{SessionId: fp.GetSessionId()}); err != nil {
		t.Errorf("agent token: %v", err)
	}
	// requests: the auth request's login client needs no permission, the SAML request is there
	oidc := oidcv2connect.NewOIDCServiceClient(cl)
	robot, err := c.CreateSession(as("login"), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byLogin("bob")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("robot-pat", "robot"); err != nil {
		t.Fatal(err)
	}
	if got, err := oidc.GetAuthRequest(as("robot-pat"), &oidcv2.GetAuthRequestRequest{AuthRequestId: "V2_1"}); err != nil || got.GetAuthRequest().GetClientId() != "app" {
		t.Errorf("GetAuthRequest by its login client = %v, %v", got, err)
	}
	if _, err := oidc.CreateCallback(as("robot-pat"), &oidcv2.CreateCallbackRequest{AuthRequestId: "V2_1", CallbackKind: &oidcv2.CreateCallbackRequest_Session{
		Session: &oidcv2.Session{SessionId: robot.GetSessionId(), SessionToken: robot.GetSessionToken()}}}); err != nil {
		t.Errorf("CreateCallback by the login client: %v", err)
	}
	saml := samlv2connect.NewSAMLServiceClient(cl)
	if got, err := saml.GetSAMLRequest(as("login"), &samlv2.GetSAMLRequestRequest{SamlRequestId: "V2_2"}); err != nil || got.GetSamlRequest().GetAssertionConsumerService() != "https://sp.example.com/acs" {
		t.Errorf("GetSAMLRequest = %v, %v", got, err)
	}
}

func TestSeedErrorsNameTheField(t *testing.T) {
	for in, wantSub := range map[string]string{
		`{"organizations":[{"lockoutPolicy":{}}]}`:                                                                             `organizations[0].id`,
		`{"organizations":[{"id":"o","lockoutPolicy":{"maxOTPAttempts":-1}}]}`:                                                 `organizations[0].lockoutPolicy`,
		`{"organizations":[{"id":"o","lockoutPolicy":{"maxPasswordAttempts":"2"}}]}`:                                           `organizations.lockoutPolicy.maxPasswordAttempts`,
		`{"users":[{"id":"u","loginName":"u","machine":"yes"}]}`:                                                               `users.machine`,
		`{"users":[{"id":"u","loginName":"u","recoveryCodes":[""]}]}`:                                                          `users[0].recoveryCodes[0]`,
		`{"users":[{"id":"u","loginName":"u","webauthn":[{"type":"key"}]}]}`:                                                   `users[0].webauthn[0].type`,
		`{"users":[{"id":"u","loginName":"u","webauthn":[{"type":"u2f","credentialId":"!"}]}]}`:                                `users[0].webauthn[0].credentialId`,
		`{"users":[{"id":"u","loginName":"u","webauthn":[{"type":"u2f","credentialId":"AA","publicKey":"AAAA","rpId":"x"}]}]}`: `users[0].webauthn[0].publicKey`,
		`{"users":[{"id":"u","loginName":"u","idpLinks":[{"idpId":"i"}]}]}`:                                                    `users[0].idpLinks[0]`,
		`{"intents":[{"token":"dG9r","userId":"u"}]}`:                                                                          `intents[0].id`,
		`{"intents":[{"id":"i","token":"not base64!","userId":"u"}]}`:                                                          `intents[0].token`,
		`{"intents":[{"id":"i","token":"dG9r"}]}`:                                                                              `intents[0].userId`,
		`{"intents":[{"id":"i","token":"dG9r","userId":"u","state":"done"}]}`:                                                  `intents[0].state`,
		`{"intents":[{"id":"i","token":"dG9r","userId":"u","expiresAt":"tomorrow"}]}`:                                          `intents[0].expiresAt`,
		`{"authRequests":[{"id":"V2_1","clientId":"c"}]}`:                                                                      `authRequests[0].redirectUri`,
		`{"samlRequests":[{"id":"V2_1","acsUrl":"https://x"}]}`:                                                                `samlRequests[0].binding`,
		`{"applicationz":[]}`: `"applicationz"`,
	} {
		_, err := sessiontest.LoadSeed(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), wantSub) {
			t.Errorf("LoadSeed(%s) = %v, want an error naming %s", in, err, wantSub)
		}
	}
	// errors that only applying finds name the entry too, and the seed check runs again
	srv := sessiontest.NewUnstartedServer()
	for seed, wantSub := range map[*sessiontest.Seed]string{
		{Users: []sessiontest.SeedUser{{ID: "u", LoginName: "u", WebAuthn: []sessiontest.SeedWebAuthnCredential{{Type: "u2f"}}}}}:             "users[0].webauthn[0].credentialId",
		{Intents: []sessiontest.SeedIntent{{ID: "i", Token: "dG9r", UserID: "u"}, {ID: "j", Token: "dG9r", UserID: "u"}}}:                     "intents[1]",
		{AuthRequests: []sessiontest.SeedAuthRequest{{ID: "a", ClientID: "c", RedirectURI: "r"}, {ID: "a", ClientID: "c", RedirectURI: "r"}}}: "authRequests[1]",
	} {
		if err := srv.ApplySeed(seed); err == nil || !strings.Contains(err.Error(), wantSub) {
			t.Errorf("ApplySeed = %v, want an error naming %s", err, wantSub)
		}
	}
}

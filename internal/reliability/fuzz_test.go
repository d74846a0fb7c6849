package reliability

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"unicode"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connectinprocess"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sessionkit/zitadel-session-go/credentials"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/session"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// isSecretLike reports whether s is distinctive enough that finding it in
// an error message means the input was echoed (and not that the fuzzer
// happened to produce a substring of a fixed message).
func isSecretLike(s string) bool {
	if len(s) < 16 {
		return false
	}
	var letter, digit bool
	for _, r := range s {
		letter = letter || unicode.IsLetter(r)
		digit = digit || unicode.IsDigit(r)
	}
	return letter && digit
}

func rsaKeyPEM(t testing.TB, pkcs8 bool) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	if pkcs8 {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		must(t, err)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

// FuzzParseServiceAccountKey: never panics; errors never contain the key
// (or any other distinctive input string); accepted keys never print their
// key and round-trip through encoding/json.
func FuzzParseServiceAccountKey(f *testing.F) {
	pkcs1, pkcs8 := rsaKeyPEM(f, false), rsaKeyPEM(f, true)
	add := func(v any) {
		b, err := json.Marshal(v)
		must(f, err)
		f.Add(b)
	}
	add(map[string]string{"type": "serviceaccount", "keyId": "123456789", "key": pkcs1, "userId": "987654321"})
	// The shape Zitadel v4 issues, and with a field of a later version.
	add(map[string]string{"type": "serviceaccount", "keyId": "1", "key": pkcs1, "expirationDate": "9999-12-31T23:59:59Z", "userId": "2"})
	add(map[string]string{"type": "serviceaccount", "keyId": "1", "key": pkcs8, "expirationDate": "2099-06-30T12:00:00.5+02:00", "userId": "2", "future": "x"})
	add(map[string]string{"type": "serviceaccount", "keyId": "1", "key": pkcs1, "expirationDate": "2001-01-01T00:00:00Z", "userId": "2"})
	add(map[string]string{"type": "application", "keyId": "k1", "key": pkcs8, "clientId": "c1@p", "appId": "a1"})
	add(map[string]string{"type": "serviceaccount", "keyId": "k1", "key": "-----BEGIN RSA PRIVATE KEY-----\nnotbase64\n-----END RSA PRIVATE KEY-----\n", "userId": "u"})
	add(map[string]any{"type": 1, "keyId": "k", "key": pkcs1})
	f.Add([]byte(`{"type":"serviceaccount","keyId":"k","key":"x","userId":"u","extra":1}`))
	f.Add([]byte(`{"type":"serviceaccount"} {}`))
	f.Add([]byte(``))
	f.Add([]byte(`null`))

	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := credentials.ParseServiceAccountKey(data)
		if err != nil {
			if k != nil {
				t.Errorf("non-nil key with error %v", err)
			}
			var lenient map[string]any
			if json.Unmarshal(data, &lenient) == nil {
				for field, v := range lenient {
					if s, ok := v.(string); ok && isSecretLike(s) && strings.Contains(err.Error(), s) {
						t.Fatalf("error %q contains the value of field %q", err, field)
					}
				}
			}
			return
		}
		if k.Key == "" || k.KeyID == "" || k.Subject() == "" {
			t.Fatalf("accepted key without key, key id or subject: %v", k)
		}
		var logBuf bytes.Buffer
		slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("key", "k", k, "kv", *k)
		printed := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", k, k, k, k.String(), *k, *k, *k) + k.GoString() + logBuf.String()
		keyBody := strings.TrimSpace(k.Key)
		if strings.Contains(printed, keyBody) || (isSecretLike(keyBody) && strings.Contains(printed, keyBody[len(keyBody)/2:])) {
			t.Fatalf("formatted key reveals the private key: %s", printed)
		}
		b, err := json.Marshal(k)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := credentials.ParseServiceAccountKey(b)
		if err != nil {
			t.Fatalf("re-marshalled key rejected: %v", err)
		}
		if !reflect.DeepEqual(k, k2) {
			t.Fatalf("round trip changed the key: %v != %v", k, k2)
		}
	})
}

// FuzzLoadSeed: never panics; accepted seeds round-trip through
// encoding/json and can be applied without panic; errors (of LoadSeed and
// ApplySeed) never contain a password, token or TOTP secret.
func FuzzLoadSeed(f *testing.F) {
	f.Add([]byte(`{"users":[{"id":"u1","loginName":"alice@example.com","password":"Secr3t!Secr3t!Secr3t!","totpSecret":"JBSWY3DPEHPK3PXP"}],"tokens":[{"token":"login-client-0123456789","permissions":["session.read","session.write","session.delete"]}]}`))
	f.Add([]byte(`{"users":[{"id":"u1","loginName":"a","state":"locked","machine":true}],"tokens":[{"token":"t","userId":"u1","organizationId":"o","agentId":"fp","permissions":[]}]}`))
	f.Add([]byte(`{"users":[{"id":"u1","loginName":"a","password":1}]}`))
	f.Add([]byte(`{"users":[],"tokens":[],"extra":true}`))
	f.Add([]byte(`{"users":[{"id":"u1","loginName":"a","totpSecret":"not base32 at all 0123456789"}]}`))
	f.Add([]byte(`{"tokens":[{"token":"tok-0123456789abcdef","permissions":["session.admin"]}]}`))
	f.Add([]byte(`{"organizations":[{"id":"o","lockoutPolicy":{"maxPasswordAttempts":2}}],"users":[{"id":"u","loginName":"u","organizationId":"o","recoveryCodes":["RC-0123456789"],"idpLinks":[{"idpId":"i","idpUserId":"x"}],"webauthn":[{"type":"u2f","credentialId":"AQ","publicKey":"AQ","rpId":"r"}]}],"intents":[{"id":"1","token":"aW50ZW50LXRva2VuLTAxMjM0","userId":"u","state":"failed","expiresAt":"2030-01-01T00:00:00Z"}],"authRequests":[{"id":"V2_1","clientId":"c","redirectUri":"https://x","scopes":[]}],"samlRequests":[{"id":"V2_2","acsUrl":"https://x","binding":"b"}]}`))
	f.Add([]byte(`{"applications":[{"clientId":"app","clientSecret":"app-secret-0123456789","redirectUris":["http://localhost:4000/cb"],"loginBaseUri":"/ui/v2/login","grantTypes":["authorization_code","refresh_token"]}]}`))
	f.Add([]byte(`{"applications":[{"clientId":"a b","redirectUris":["cb#x"],"loginBaseUri":"ftp://x","responseTypes":["token"]}]}`))
	f.Add([]byte(`{} []`))
	f.Add([]byte(``))

	secrets := func(s *sessiontest.Seed) []string {
		var out []string
		for _, u := range s.Users {
			out = append(out, u.Password, u.TOTPSecret)
			out = append(out, u.RecoveryCodes...)
		}
		for _, in := range s.Intents {
			out = append(out, in.Token)
		}
		for _, tk := range s.Tokens {
			out = append(out, tk.Token)
		}
		for _, a := range s.Applications {
			out = append(out, a.ClientSecret)
		}
		return out
	}
	checkErr := func(t *testing.T, err error, secrets []string) {
		for _, s := range secrets {
			if isSecretLike(s) && strings.Contains(err.Error(), s) {
				t.Fatalf("error %q contains the secret %q", err, s)
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		seed, err := sessiontest.LoadSeed(bytes.NewReader(data))
		if err != nil {
			var lenient sessiontest.Seed
			_ = json.Unmarshal(data, &lenient)
			checkErr(t, err, secrets(&lenient))
			return
		}
		b, err := json.Marshal(seed)
		if err != nil {
			t.Fatal(err)
		}
		seed2, err := sessiontest.LoadSeed(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("re-marshalled seed rejected: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(seed, seed2) {
			t.Fatalf("round trip changed the seed:\n%+v\n%+v", seed, seed2)
		}
		if len(seed.Users) > 20 {
			return // bcrypt per user: keep iterations fast
		}
		srv := sessiontest.NewUnstartedServer() // not started: no goroutines
		if err := srv.ApplySeed(seed); err != nil {
			checkErr(t, err, secrets(seed))
		}
	})
}

// countingInterceptor counts the calls that get past local validation.
func countingInterceptor(n *atomic.Int64) connect.ClientInterceptor {
	return func(next connect.ClientFunc) connect.ClientFunc {
		return func(ctx context.Context, spec connect.Spec) (connect.ClientStream, error) {
			n.Add(1)
			return next(ctx, spec)
		}
	}
}

// FuzzCheckWebAuthn feeds arbitrary bytes as a WebAuthn assertion to
// Create and to Set after a real challenge, in process: never a panic,
// malformed JSON fails locally without a request, everything else is
// answered by the server with a Zitadel error (never the server's panic
// recovery), and errors never echo the assertion.
func FuzzCheckWebAuthn(f *testing.F) {
	srv := newUnstartedServer(f)
	auth := sessiontest.NewAuthenticator(rpID, rpOrigin)
	must(f, srv.RegisterU2F(aliceID, auth))
	var sent atomic.Int64
	c := newClient(f, "http://in-process", session.WithTransport(connectinprocess.New(srv.ConnectServer())),
		session.WithPersonalAccessToken(loginPAT), session.WithInterceptors(countingInterceptor(&sent)))
	ctx := context.Background()

	// A real assertion (for an old challenge) as seed, and variations.
	_, chs, err := c.Create(ctx, session.CheckUserID(aliceID), session.ChallengeWebAuthn(rpID, session.UserVerificationDiscouraged))
	must(f, err)
	assertion, err := auth.Assert(chs.WebAuthn.RequestOptions, false)
	must(f, err)
	valid, err := assertion.MarshalJSON()
	must(f, err)
	f.Add(valid)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"id":"AAAA","rawId":"AAAA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`))
	f.Add([]byte(`[1,2,3]`))
	f.Add([]byte(`{"id":`))
	f.Add([]byte(`null`))
	f.Add([]byte{0xff, 0xfe, '{'})

	f.Fuzz(func(t *testing.T, data []byte) {
		var obj map[string]any
		isObject := json.Unmarshal(data, &obj) == nil && obj != nil
		check := func(what string, err error, before int64) {
			t.Helper()
			if err == nil {
				return // a (re)played valid assertion may succeed
			}
			var se *session.Error
			if !errors.As(err, &se) {
				t.Fatalf("%s: error %T %v is not a *session.Error", what, err, err)
			}
			if se.Local != (sent.Load() == before) {
				t.Fatalf("%s: Local=%v but %d requests were sent", what, se.Local, sent.Load()-before)
			}
			if !isObject && !se.Local {
				t.Fatalf("%s: malformed assertion %q was sent: %v", what, data, err)
			}
			if se.Code == connect.CodeUnknown || strings.Contains(err.Error(), "internal error in sessiontest server") {
				t.Fatalf("%s: server failed unexpectedly: %v", what, err)
			}
			if se.Code == connect.CodeInternal && !strings.HasPrefix(se.ID, "WEBAU-") {
				t.Fatalf("%s: INTERNAL other than the documented WebAuthN errors: %v", what, err)
			}
			if len(data) >= 16 && strings.Contains(err.Error(), string(data)) {
				t.Fatalf("%s: error echoes the assertion: %v", what, err)
			}
		}

		before := sent.Load()
		_, _, err := c.Create(ctx, session.CheckUserID(aliceID), session.CheckWebAuthn(data))
		check("Create", err, before)

		h, chs, err := c.Create(ctx, session.CheckUserID(aliceID), session.ChallengeWebAuthn(rpID, session.UserVerificationDiscouraged))
		if err != nil || chs == nil || chs.WebAuthn == nil {
			t.Fatalf("challenge: %v %v", chs, err)
		}
		before = sent.Load()
		_, err = h.Set(ctx, session.CheckWebAuthn(data))
		check("Set", err, before)
		if err := h.Delete(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

// responseTypes are the response messages of the SessionService procedures.
var responseTypes = map[string]func() proto.Message{
	procCreate: func() proto.Message { return new(sessionv2.CreateSessionResponse) },
	procSet:    func() proto.Message { return new(sessionv2.SetSessionResponse) },
	procGet:    func() proto.Message { return new(sessionv2.GetSessionResponse) },
	procList:   func() proto.Message { return new(sessionv2.ListSessionsResponse) },
	procDelete: func() proto.Message { return new(sessionv2.DeleteSessionResponse) },
}

// connectErrorBody is the JSON body of a Connect unary error.
type connectErrorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Details []json.RawMessage `json:"details"`
}

// FuzzServerRequest POSTs arbitrary bytes as application/proto and
// application/json to every SessionService procedure of a sessiontest
// handler: never a panic, no 5xx other than the documented INTERNAL
// WebAuthN cases, and every answer is a valid Connect error or a response
// message of the procedure's type in the request's codec.
func FuzzServerRequest(f *testing.F) {
	srv := newUnstartedServer(f, sessiontest.WithRetention(0))
	mux := serverMux(srv)

	add := func(m proto.Message) {
		b, err := proto.Marshal(m)
		must(f, err)
		f.Add(b)
		j, err := protojson.Marshal(m)
		must(f, err)
		f.Add(j)
	}
	add(&sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: &sessionv2.CheckUser{Search: &sessionv2.CheckUser_UserId{UserId: aliceID}}}})
	add(&sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:     &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: aliceLogin}},
		Password: &sessionv2.CheckPassword{Password: "wrong-password-0123456789"},
		WebAuthN: &sessionv2.CheckWebAuthN{CredentialAssertionData: &structpb.Struct{}},
	}, Metadata: map[string][]byte{"k": []byte("v")}})
	add(&sessionv2.SetSessionRequest{SessionId: "1", Checks: &sessionv2.Checks{Totp: &sessionv2.CheckTOTP{Code: "123456"}}})
	add(&sessionv2.GetSessionRequest{SessionId: "1"})
	add(&sessionv2.ListSessionsRequest{})
	add(&sessionv2.DeleteSessionRequest{SessionId: "1"})
	f.Add([]byte(`{"checks":{"user":{"loginName":"alice@example.com"}},"lifetime":"-1s"}`))
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte(``))

	contentTypes := []string{"application/proto", "application/json"}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, proc := range sessionProcedures {
			for _, ct := range contentTypes {
				req := httptest.NewRequest(http.MethodPost, proc, bytes.NewReader(data))
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Connect-Protocol-Version", "1")
				req.Header.Set("Authorization", "Bearer "+loginPAT)
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, req)
				checkServerResponse(t, proc, ct, rec)
			}
		}
	})
}

func checkServerResponse(t *testing.T, proc, ct string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	gotCT := rec.Header().Get("Content-Type")
	if rec.Code == http.StatusOK {
		if gotCT != ct {
			t.Fatalf("%s %s: 200 with content type %q", proc, ct, gotCT)
		}
		m := responseTypes[proc]()
		var err error
		if ct == "application/json" {
			err = protojson.Unmarshal(body, m)
		} else {
			err = proto.Unmarshal(body, m)
		}
		if err != nil {
			t.Fatalf("%s %s: 200 body is not a %T: %v", proc, ct, m, err)
		}
		return
	}
	if !strings.HasPrefix(gotCT, "application/json") {
		t.Fatalf("%s %s: status %d with content type %q", proc, ct, rec.Code, gotCT)
	}
	var e connectErrorBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("%s %s: status %d, body is not a Connect error: %v: %q", proc, ct, rec.Code, err, body)
	}
	var code connect.Code
	if err := code.UnmarshalText([]byte(e.Code)); err != nil {
		t.Fatalf("%s %s: invalid Connect code %q", proc, ct, e.Code)
	}
	if rec.Code >= 500 {
		if code != connect.CodeInternal || !strings.Contains(e.Message, "(WEBAU-") {
			t.Fatalf("%s %s: %d %s %q is not a documented INTERNAL case", proc, ct, rec.Code, e.Code, e.Message)
		}
	}
	if strings.Contains(e.Message, "internal error in sessiontest server") {
		t.Fatalf("%s %s: the server panicked: %q", proc, ct, e.Message)
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// TestWebAuthnFlow requests a passkey challenge with create, answers it
// with a virtual authenticator and checks the assertion with set, reading
// it once from a file and once from stdin.
func TestWebAuthnFlow(t *testing.T) {
	srv := sessiontest.NewServer()
	defer srv.Close()
	if err := srv.AddUser(sessiontest.User{ID: "800", LoginName: "dave@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("wa-token", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete); err != nil {
		t.Fatal(err)
	}
	auth := sessiontest.NewAuthenticator("login.example.com", "https://login.example.com")
	if err := srv.RegisterPasskey("800", auth); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	env := envMap(map[string]string{"ZITADEL_URL": srv.URL(), "ZITADEL_TOKEN": "wa-token"})
	call := func(stdin string, args ...string) (string, string) {
		t.Helper()
		var out, errb bytes.Buffer
		a := &app{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: env}
		if code := a.run(t.Context(), args); code != 0 {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errb.String())
		}
		return out.String(), errb.String()
	}

	out, _ := call("", "-o", "json", "create", "--login-name", "dave@example.com", "--challenge-webauthn", "login.example.com")
	var cres sessionv2.CreateSessionResponse
	if err := protojson.Unmarshal([]byte(out), &cres); err != nil {
		t.Fatalf("create output is not a CreateSessionResponse: %v\n%s", err, out)
	}
	opts := cres.GetChallenges().GetWebAuthN().GetPublicKeyCredentialRequestOptions()
	if opts == nil {
		t.Fatalf("no request options in %s", out)
	}
	assertion, err := auth.Assert(opts, true)
	if err != nil {
		t.Fatal(err)
	}
	b, err := protojson.Marshal(assertion)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "assertion.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	id := cres.GetSessionId()
	call("", "set", id, "--webauthn-assertion", file)
	out, _ = call("", "-o", "json", "get", id)
	var gres sessionv2.GetSessionResponse
	if err := protojson.Unmarshal([]byte(out), &gres); err != nil {
		t.Fatal(err)
	}
	if !gres.GetSession().GetFactors().GetWebAuthN().GetUserVerified() {
		t.Fatalf("webauthn factor not user-verified: %s", out)
	}

	// again, table output and the assertion on stdin
	out, _ = call("", "set", id, "--challenge-webauthn", "login.example.com")
	if !strings.Contains(out, "request options for navigator.credentials.get()") || !strings.Contains(out, `"rpId": "login.example.com"`) {
		t.Fatalf("table output lacks the request options:\n%s", out)
	}
	jsonPart := out[strings.Index(out, "{"):]
	jsonPart = jsonPart[:strings.LastIndex(jsonPart, "}")+1]
	var st2 sessionv2.Challenges_WebAuthN
	if err := protojson.Unmarshal([]byte(`{"publicKeyCredentialRequestOptions":`+jsonPart+`}`), &st2); err != nil {
		t.Fatalf("printed options are not JSON: %v", err)
	}
	assertion, err = auth.Assert(st2.GetPublicKeyCredentialRequestOptions(), true)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = protojson.Marshal(assertion)
	call(string(b), "set", id, "--webauthn-assertion", "-")

	// a broken assertion file is invalid input
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte("[1,2]"), 0o600)
	var errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &errb, getenv: env}
	if code := a.run(t.Context(), []string{"set", id, "--webauthn-assertion", bad}); code != exitInvalid {
		t.Fatalf("bad assertion: exit %d, want %d (%s)", code, exitInvalid, errb.String())
	}
}

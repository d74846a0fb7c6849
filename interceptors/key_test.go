package interceptors_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// keyFragments are substrings that must never show up in output about a key.
func keyFragments(t *testing.T, pemKey string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(pemKey), "\n")
	return []string{"PRIVATE KEY", lines[1][:32], lines[len(lines)-2][:16]}
}

func assertNoKey(t *testing.T, what, s, pemKey string) {
	t.Helper()
	for _, frag := range keyFragments(t, pemKey) {
		if strings.Contains(s, frag) {
			t.Fatalf("%s reveals key material %q: %s", what, frag, s)
		}
	}
}

func keyJSON(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseServiceAccountKey(t *testing.T) {
	pemKey := testKeyPEM(t)
	k, err := interceptors.ParseServiceAccountKey(testKeyJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	if k.Type != "serviceaccount" || k.KeyID != "key-id-1" || k.UserID != "user-id-1" || k.Key != pemKey || k.Subject() != "user-id-1" {
		t.Fatalf("parsed key = %v", k)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		assertNoKey(t, verb, fmt.Sprintf(verb, k), pemKey)
		assertNoKey(t, verb+" (value)", fmt.Sprintf(verb, *k), pemKey)
	}
	assertNoKey(t, "String", k.String(), pemKey)
	assertNoKey(t, "GoString", k.GoString(), pemKey)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("key", "key", k, "value", *k)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("key", "key", k)
	assertNoKey(t, "slog", buf.String(), pemKey)
	if !strings.Contains(buf.String(), "key-id-1") {
		t.Errorf("slog output lacks the key id: %s", buf.String())
	}
}

func TestParseServiceAccountKeyApplicationAndPKCS8(t *testing.T) {
	der, err := x509.MarshalPKCS8PrivateKey(testRSAKey())
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	k, err := interceptors.ParseServiceAccountKey(keyJSON(t, map[string]any{
		"type": "application", "keyId": "k", "key": pkcs8, "appId": "app", "clientId": "client@project",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if k.Subject() != "client@project" || k.AppID != "app" {
		t.Fatalf("key = %v", k)
	}
}

func TestParseServiceAccountKeyErrors(t *testing.T) {
	pemKey := testKeyPEM(t)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	ecPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}))
	valid := func(mod func(m map[string]any)) []byte {
		m := map[string]any{"type": "serviceaccount", "keyId": "k", "key": pemKey, "userId": "u"}
		mod(m)
		return keyJSON(t, m)
	}
	brokenPEM := strings.Replace(pemKey, "\n", "\n!!", 3)
	tests := []struct {
		name, wantInErr string
		data            []byte
	}{
		{"unknown field", `"extra"`, valid(func(m map[string]any) { m["extra"] = "x" })},
		{"wrong json type", `"keyId"`, valid(func(m map[string]any) { m["keyId"] = 42 })},
		{"missing type", `"type"`, valid(func(m map[string]any) { delete(m, "type") })},
		{"bad type", `"type"`, valid(func(m map[string]any) { m["type"] = "user" })},
		{"missing userId", `"userId"`, valid(func(m map[string]any) { delete(m, "userId") })},
		{"missing clientId", `"clientId"`, valid(func(m map[string]any) { m["type"] = "application" })},
		{"missing keyId", `"keyId"`, valid(func(m map[string]any) { m["keyId"] = "" })},
		{"missing key", `"key"`, valid(func(m map[string]any) { delete(m, "key") })},
		{"key not PEM", `"key"`, valid(func(m map[string]any) { m["key"] = "not a pem " + pemKey[40:80] })},
		{"broken PEM body", `"key"`, valid(func(m map[string]any) { m["key"] = brokenPEM })},
		{"EC key", `RSA`, valid(func(m map[string]any) { m["key"] = ecPEM })},
		{"trailing data", `after`, append(valid(func(map[string]any) {}), []byte(` {"x":1}`)...)},
		{"syntax error inside key", `offset`, []byte(`{"type":"serviceaccount","key":"` + strings.ReplaceAll(pemKey, "\n", `\n`) + `" "keyId":"k"}`)},
		{"empty", `empty`, nil},
		{"array", `JSON object`, []byte(`["` + pemKey[40:80] + `"]`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := interceptors.ParseServiceAccountKey(tt.data)
			if err == nil {
				t.Fatal("want error")
			}
			if !strings.Contains(err.Error(), tt.wantInErr) {
				t.Errorf("error %q should mention %q", err, tt.wantInErr)
			}
			assertNoKey(t, "error", err.Error(), pemKey)
			if strings.Contains(err.Error(), pemKey[40:80]) {
				t.Fatalf("error echoes input: %v", err)
			}
		})
	}
}

func TestServiceAccountKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key.json")
	if err := os.WriteFile(path, testKeyJSON(t), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := interceptors.ServiceAccountKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != "key-id-1" {
		t.Fatalf("key = %v", k)
	}
	if _, err := interceptors.ServiceAccountKeyFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing file: want error")
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type":"serviceaccount"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := interceptors.ServiceAccountKeyFile(bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("bad file: err = %v", err)
	}
}

package credentials_test

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
	"time"

	"github.com/sessionkit/zitadel-session-go/credentials"
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
	k, err := credentials.ParseServiceAccountKey(testKeyJSON(t))
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
	k, err := credentials.ParseServiceAccountKey(keyJSON(t, map[string]any{
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
			_, err := credentials.ParseServiceAccountKey(tt.data)
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
	k, err := credentials.ServiceAccountKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.KeyID != "key-id-1" {
		t.Fatalf("key = %v", k)
	}
	if _, err := credentials.ServiceAccountKeyFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Fatal("missing file: want error")
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"type":"serviceaccount"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := credentials.ServiceAccountKeyFile(bad); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Fatalf("bad file: err = %v", err)
	}
}

// TestParseServiceAccountKeyAsZitadelIssuesIt parses a key file byte for byte
// in the layout Zitadel v4.13.1 writes (management v1 and user v2, with and
// without an explicit expiry).
func TestParseServiceAccountKeyAsZitadelIssuesIt(t *testing.T) {
	pemKey := testKeyPEM(t)
	quotedKey, err := json.Marshal(pemKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		date string
		want time.Time
	}{
		"no explicit expiry": {"9999-12-31T23:59:59Z", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		"explicit expiry":    {"2099-01-02T03:04:05Z", time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)},
		"offset and nanos":   {"2099-01-02T03:04:05.123456789+02:00", time.Date(2099, 1, 2, 1, 4, 5, 123456789, time.UTC)},
	} {
		t.Run(name, func(t *testing.T) {
			data := []byte(`{"type":"serviceaccount","keyId":"338765481231443201","key":` + string(quotedKey) +
				`,"expirationDate":"` + tc.date + `","userId":"338765480845567233"}`)
			k, err := credentials.ParseServiceAccountKey(data)
			if err != nil {
				t.Fatal(err)
			}
			if k.KeyID != "338765481231443201" || k.UserID != "338765480845567233" || k.Key != pemKey ||
				!k.ExpirationDate.Equal(tc.want) || k.Subject() != k.UserID {
				t.Fatalf("parsed key = %v", k)
			}
			// Written back and read again, it is the same key.
			b, err := json.Marshal(k)
			if err != nil {
				t.Fatal(err)
			}
			k2, err := credentials.ParseServiceAccountKey(b)
			if err != nil || !k2.ExpirationDate.Equal(k.ExpirationDate) || k2.Key != k.Key {
				t.Fatalf("round trip: %v, %v", k2, err)
			}
		})
	}
}

func TestParseServiceAccountKeyIgnoresUnknownFields(t *testing.T) {
	m := map[string]any{"type": "serviceaccount", "keyId": "k", "key": testKeyPEM(t), "userId": "u",
		"expirationDate": "9999-12-31T23:59:59Z", "futureField": map[string]any{"x": 1}, "algorithm": "RS256"}
	k, err := credentials.ParseServiceAccountKey(keyJSON(t, m))
	if err != nil {
		t.Fatalf("unknown fields: %v", err)
	}
	if k.KeyID != "k" || k.UserID != "u" {
		t.Fatalf("key = %v", k)
	}
	// Without expirationDate (older files, application keys) the key has no
	// expiry.
	delete(m, "expirationDate")
	k, err = credentials.ParseServiceAccountKey(keyJSON(t, m))
	if err != nil || !k.ExpirationDate.IsZero() {
		t.Fatalf("no expirationDate: %v, %v", k, err)
	}
}

func TestParseServiceAccountKeyExpirationErrors(t *testing.T) {
	pemKey := testKeyPEM(t)
	for name, tc := range map[string]struct {
		date any
		want string
	}{
		"in the past":     {"2020-01-01T00:00:00Z", `field "expirationDate" lies in the past: the key has expired`},
		"just now":        {time.Now().Add(-time.Second).UTC().Format(time.RFC3339), `field "expirationDate"`},
		"not RFC 3339":    {"31.12.9999", `field "expirationDate" must be an RFC 3339 date`},
		"date only":       {"9999-12-31", `field "expirationDate" must be an RFC 3339 date`},
		"wrong JSON type": {12345, `field "expirationDate" must be a JSON string`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := credentials.ParseServiceAccountKey(keyJSON(t, map[string]any{
				"type": "serviceaccount", "keyId": "k", "key": pemKey, "userId": "u", "expirationDate": tc.date}))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			assertNoKey(t, "error", err.Error(), pemKey)
		})
	}
}

// TestJWTProfileRejectsExpiredKeyStruct: a key built in code (not parsed)
// with a past expiry is refused by JWTProfile before any request.
func TestJWTProfileRejectsExpiredKeyStruct(t *testing.T) {
	key := &credentials.ServiceAccountKey{Type: "serviceaccount", KeyID: "k", Key: testKeyPEM(t), UserID: "u",
		ExpirationDate: time.Now().Add(-time.Hour)}
	_, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: "http://127.0.0.1:1", Key: key})
	if err == nil || !strings.Contains(err.Error(), `"expirationDate"`) {
		t.Fatalf("err = %v", err)
	}
	for name, mod := range map[string]func(k *credentials.ServiceAccountKey){
		`"keyId"`:                func(k *credentials.ServiceAccountKey) { k.KeyID = "" },
		`"userId"`:               func(k *credentials.ServiceAccountKey) { k.UserID = "" },
		`"key"`:                  func(k *credentials.ServiceAccountKey) { k.Key = "" },
		`not an RSA private key`: func(k *credentials.ServiceAccountKey) { k.Key = ecKeyPEM(t) },
	} {
		k := &credentials.ServiceAccountKey{Type: "serviceaccount", KeyID: "k", Key: testKeyPEM(t), UserID: "u"}
		mod(k)
		if _, err := credentials.JWTProfile(credentials.JWTProfileConfig{Issuer: "http://127.0.0.1:1", Key: k}); err == nil ||
			!strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func ecKeyPEM(t *testing.T) string {
	t.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

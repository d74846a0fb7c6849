package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/internal/oidcfake"
)

// runCLI runs the CLI in-process with env set for the test and returns the
// exit code and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string) {
	t.Helper()
	for _, k := range []string{"ZITADEL_URL", "ZITADEL_TOKEN", "ZITADEL_TOKEN_FILE", "ZITADEL_KEY_FILE", "ZITADEL_CLIENT_ID",
		"ZITADEL_CLIENT_SECRET", "ZITADEL_ISSUER", "ZITADEL_INSTANCE_HOST", "ZITADEL_CLEARTEXT_CREDENTIALS", "ZITADEL_PROTOCOL"} {
		t.Setenv(k, env[k])
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	_ = ln.Close()
	return u
}

// writeZitadelKeyFile writes a key file of exactly the shape Zitadel v4
// issues, with a fresh RSA key.
func writeZitadelKeyFile(t *testing.T, expiration string) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(map[string]string{
		"type": "serviceaccount", "keyId": "338765481231443201",
		"key":            string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})),
		"expirationDate": expiration, "userId": "338765480845567233",
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCredentialFailureExitCodes: an unreachable token endpoint is a
// connection failure (6), a rejected client secret an authentication
// failure (3) naming the OAuth error code; secrets are never printed.
func TestCredentialFailureExitCodes(t *testing.T) {
	const secret = "cli-client-secret-never-printed"
	closed := closedPortURL(t)
	keyFile := writeZitadelKeyFile(t, "9999-12-31T23:59:59Z")

	code, stderr := runCLI(t, map[string]string{"ZITADEL_CLIENT_SECRET": secret},
		"--url", closed, "--client-id", "cc", "get", "123")
	if code != exitConn || !strings.Contains(stderr, "connection refused") || strings.Contains(stderr, secret) {
		t.Errorf("client credentials, token endpoint down: exit %d, stderr %q", code, stderr)
	}

	code, stderr = runCLI(t, nil, "--url", closed, "--key-file", keyFile, "--protocol", "grpc", "get", "123")
	if code != exitConn || strings.Contains(stderr, "PRIVATE KEY") {
		t.Errorf("key file as Zitadel issues it, token endpoint down: exit %d, stderr %q", code, stderr)
	}

	iss := oidcfake.New(t)
	iss.FailToken = true
	code, stderr = runCLI(t, map[string]string{"ZITADEL_CLIENT_SECRET": secret},
		"--url", iss.URL(), "--client-id", "cc", "get", "123")
	if code != exitAuth || !strings.Contains(stderr, "invalid_client") || strings.Contains(stderr, secret) ||
		strings.Contains(stderr, oidcfake.ClientSecret) {
		t.Errorf("rejected client secret: exit %d, stderr %q", code, stderr)
	}

	expired := writeZitadelKeyFile(t, time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	code, stderr = runCLI(t, nil, "--url", closed, "--key-file", expired, "get", "123")
	if code == exitOK || code == exitConn || !strings.Contains(stderr, `"expirationDate"`) {
		t.Errorf("expired key: exit %d, stderr %q", code, stderr)
	}
}

// TestCleartextCredentialsFlag: plain http:// to a non-loopback host is
// refused before connecting unless --cleartext-credentials or
// ZITADEL_CLEARTEXT_CREDENTIALS=true allows it. 0.0.0.0 is not loopback
// by the rule, but connecting to it reaches this machine, where port 1 is
// closed: with the opt-in the CLI gets as far as "connection refused".
func TestCleartextCredentialsFlag(t *testing.T) {
	env := map[string]string{"ZITADEL_TOKEN": "pat-not-to-be-sent"}
	code, stderr := runCLI(t, env, "--url", "http://0.0.0.0:1", "get", "123")
	if code != exitUsage || !strings.Contains(stderr, "--cleartext-credentials") {
		t.Errorf("without opt-in: exit %d, stderr %q", code, stderr)
	}
	code, stderr = runCLI(t, env, "--url", "http://0.0.0.0:1", "--cleartext-credentials", "get", "123")
	if code != exitConn {
		t.Errorf("with --cleartext-credentials: exit %d, stderr %q", code, stderr)
	}
	env["ZITADEL_CLEARTEXT_CREDENTIALS"] = "true"
	code, stderr = runCLI(t, env, "--url", "http://0.0.0.0:1", "get", "123")
	if code != exitConn {
		t.Errorf("with ZITADEL_CLEARTEXT_CREDENTIALS=true: exit %d, stderr %q", code, stderr)
	}
	// Loopback needs no opt-in.
	delete(env, "ZITADEL_CLEARTEXT_CREDENTIALS")
	code, stderr = runCLI(t, env, "--url", closedPortURL(t), "get", "123")
	if code != exitConn {
		t.Errorf("loopback: exit %d, stderr %q", code, stderr)
	}
}

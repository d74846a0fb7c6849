package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/zitadel-session-go/internal/e2esuite"
)

// TestCLI runs the CLI's flow against the Zitadel of the environment: the
// binary is built from this module and run as a user would.
func TestCLI(t *testing.T) {
	tg := e2esuite.FromEnv(t)
	bin := buildCLI(t)
	home := t.TempDir()

	pat := newCLI(t, tg, bin, home, e2esuite.AuthPAT)
	t.Run("flow", func(t *testing.T) { cliFlow(t, tg, pat) })
	t.Run("errors", func(t *testing.T) { cliErrors(t, tg, pat) })
	t.Run("demo", func(t *testing.T) { cliDemo(t, tg, pat) })
	for _, mode := range tg.Modes() {
		t.Run("auth/"+string(mode), func(t *testing.T) {
			c := newCLI(t, tg, bin, home, mode)
			id := c.create(t, tg)
			c.ok(t, "", "get", id)
			c.ok(t, "", "delete", id)
		})
	}
}

func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "zitadel-session")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "build", "-o", bin, "github.com/sessionkit/zitadel-session-go/cmd/zitadel-session")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	return bin
}

// cli runs the built binary with one auth mode.
type cli struct {
	bin string
	env []string
}

func newCLI(t *testing.T, tg *e2esuite.Target, bin, home string, mode e2esuite.AuthMode) *cli {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ZITADEL_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "XDG_CONFIG_HOME=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "ZITADEL_URL="+tg.URL)
	if tg.InstanceHost != "" {
		env = append(env, "ZITADEL_INSTANCE_HOST="+tg.InstanceHost)
	}
	if tg.Issuer != "" {
		env = append(env, "ZITADEL_ISSUER="+tg.Issuer)
	}
	switch mode {
	case e2esuite.AuthPAT:
		env = append(env, "ZITADEL_TOKEN="+tg.PAT)
	case e2esuite.AuthKeyFile:
		env = append(env, "ZITADEL_KEY_FILE="+tg.KeyFile)
	case e2esuite.AuthClientCredentials:
		env = append(env, "ZITADEL_CLIENT_ID="+tg.ClientID, "ZITADEL_CLIENT_SECRET="+tg.ClientSecret)
	}
	return &cli{bin: bin, env: env}
}

// run runs the CLI with stdin and returns its exit code and output.
func (c *cli) run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(c.bin, args...)
	cmd.Env = c.env
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("running %v: %v", args, err)
	}
	return code, out.String(), errOut.String()
}

// ok runs the CLI and requires exit code 0.
func (c *cli) ok(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	code, out, errOut := c.run(t, stdin, args...)
	if code != 0 {
		t.Fatalf("zitadel-session %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// exit runs the CLI and requires exit code want; it returns stderr.
func (c *cli) exit(t *testing.T, want int, stdin string, args ...string) string {
	t.Helper()
	code, _, errOut := c.run(t, stdin, args...)
	if code != want {
		t.Errorf("zitadel-session %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, errOut)
	}
	return errOut
}

// create logs the test user in with the password and returns the session id.
func (c *cli) create(t *testing.T, tg *e2esuite.Target) string {
	t.Helper()
	out := c.ok(t, tg.Password+"\n", "-o", "json", "create", "--login-name", tg.LoginName, "--password-stdin")
	var res struct {
		SessionID    string `json:"sessionId"`
		SessionToken string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.SessionID == "" {
		t.Fatalf("create: %v\n%s", err, out)
	}
	if strings.Contains(out, tg.Password) || !strings.Contains(res.SessionToken, "redacted") {
		t.Errorf("create prints a secret:\n%s", out)
	}
	return res.SessionID
}

type cliSession struct {
	Session struct {
		ID      string `json:"id"`
		Factors struct {
			User struct {
				ID        string `json:"id"`
				LoginName string `json:"loginName"`
			} `json:"user"`
			Password *struct{} `json:"password"`
			TOTP     *struct{} `json:"totp"`
		} `json:"factors"`
		Metadata map[string]string `json:"metadata"`
	} `json:"session"`
}

func (c *cli) get(t *testing.T, id string) cliSession {
	t.Helper()
	out := c.ok(t, "", "-o", "json", "get", id)
	var s cliSession
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("get: %v\n%s", err, out)
	}
	return s
}

func cliFlow(t *testing.T, tg *e2esuite.Target, c *cli) {
	id := c.create(t, tg)
	c.ok(t, tg.TOTPCode(t)+"\n", "set", id, "--check-totp", "--code-stdin")
	s := c.get(t, id)
	if s.Session.ID != id || s.Session.Factors.Password == nil || s.Session.Factors.TOTP == nil ||
		!strings.EqualFold(s.Session.Factors.User.LoginName, tg.LoginName) {
		t.Errorf("get after TOTP: %+v", s.Session)
	}
	value := e2esuite.RandomValue()
	c.ok(t, "", "set", id, "--metadata", "e2e="+value)
	if got := c.get(t, id).Session.Metadata["e2e"]; got != base64.StdEncoding.EncodeToString([]byte(value)) {
		t.Errorf("metadata e2e = %q, want base64 of %q", got, value)
	}
	e2esuite.Eventually(t, "list --user-id", func() error {
		out := c.ok(t, "", "-o", "json", "list", "--user-id", s.Session.Factors.User.ID)
		if !strings.Contains(out, `"id": "`+id+`"`) {
			return fmt.Errorf("session %s not listed:\n%s", id, out)
		}
		return nil
	})
	for _, p := range []string{"grpc", "grpcweb"} {
		c.ok(t, "", "--protocol", p, "get", id)
	}
	c.ok(t, "", "delete", id)
	c.exit(t, 4, "", "get", id)
	// Changing a deleted session: terminated (9).
	if e := c.exit(t, 9, "", "set", id, "--metadata", "k=v"); !strings.Contains(e, "COMMAND-Hewfq") {
		t.Errorf("set after delete: %s", e)
	}
}

func cliErrors(t *testing.T, tg *e2esuite.Target, c *cli) {
	// Wrong password: authentication (3), with the failed attempts; a
	// correct login afterwards resets the count.
	wrong := "wrong-" + e2esuite.RandomValue()
	e := c.exit(t, 3, wrong+"\n", "create", "--login-name", tg.LoginName, "--password-stdin")
	if !strings.Contains(e, "(COMMAND-3M0fs), failed attempts: ") || strings.Contains(e, wrong) {
		t.Errorf("wrong password: %q", e)
	}
	id := c.create(t, tg)

	// A factor the user has not set up (11).
	if e := c.exit(t, 11, "", "set", id, "--challenge-otp-sms"); !strings.Contains(e, "COMMAND-BJ2g3") {
		t.Errorf("OTP SMS challenge: %q", e)
	}
	c.ok(t, "", "delete", id)

	// An expired session (8).
	out := c.ok(t, tg.Password+"\n", "-o", "json", "create", "--login-name", tg.LoginName, "--password-stdin", "--lifetime", "1s")
	var res struct {
		SessionID string `json:"sessionId"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if e := c.exit(t, 8, "", "set", res.SessionID, "--metadata", "k=v"); !strings.Contains(e, "COMMAND-Hkl3d") {
		t.Errorf("set on an expired session: %q", e)
	}
	c.ok(t, "", "delete", res.SessionID)

	// A host that is not an instance domain (7), pointing to --instance-host.
	if e := c.exit(t, 7, "", "--instance-host", "no-such-instance.invalid", "list"); !strings.Contains(e, "QUERY-1kIjX") ||
		!strings.Contains(e, "--instance-host") {
		t.Errorf("wrong host: %q", e)
	}
}

func cliDemo(t *testing.T, tg *e2esuite.Target, c *cli) {
	out := c.ok(t, tg.Password+"\n"+tg.TOTPCode(t)+"\n", "demo", "--url", tg.URL, "--login-name", tg.LoginName, "--password-stdin")
	if !strings.Contains(out, "✓ verified factors: user, password, totp") || !strings.Contains(out, "Done:") {
		t.Errorf("demo output:\n%s", out)
	}
	if strings.Contains(out, "zitadel-session serve") {
		t.Errorf("demo against a real Zitadel ends with the local-server hint:\n%s", out)
	}
	if strings.Contains(out, tg.Password) {
		t.Error("demo prints the password")
	}
}

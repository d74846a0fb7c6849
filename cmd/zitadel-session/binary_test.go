package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildOut  []byte
)

// binary builds the command once per test run into a temporary directory.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "zitadel-session-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "zitadel-session")
		cmd := exec.Command(filepath.Join(goroot(), "bin", "go"), "build", "-o", builtBin, ".")
		buildOut, buildErr = cmd.CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build: %v\n%s", buildErr, buildOut)
	}
	return builtBin
}

func goroot() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	return "/usr/local/go"
}

// testEnv returns an environment with a private config directory.
func testEnv(t *testing.T, extra ...string) []string {
	dir := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + filepath.Join(dir, "config")}
	return append(env, extra...)
}

// serveProcess is a running "zitadel-session serve" (see startServe).
type serveProcess struct {
	cmd    *exec.Cmd
	url    string        // the URL of the ready line
	line   string        // the ready line
	stderr *bytes.Buffer // its standard error
}

// startServe runs the built binary's "serve --listen 127.0.0.1:0" with
// extra args, waits for its ready line ("listening on
// http://127.0.0.1:PORT", with the bound port) and returns the process; it
// is killed at the end of the test.
func startServe(t *testing.T, args ...string) *serveProcess {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = testEnv(t)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the ready line: %v (stderr: %s)", err, stderr.String())
	}
	m := regexp.MustCompile(`^listening on (http://127\.0\.0\.1:(\d+))\n$`).FindStringSubmatch(line)
	if m == nil {
		t.Fatalf("ready line = %q, want \"listening on http://127.0.0.1:PORT\"", line)
	}
	if m[2] == "0" {
		t.Fatalf("ready line shows port 0, not the bound port: %q", line)
	}
	return &serveProcess{cmd: cmd, url: m[1], line: line, stderr: stderr}
}

// TestServeLifecycle runs "serve --listen 127.0.0.1:0", waits for its ready
// line, makes calls against it and stops it with SIGINT.
func TestServeLifecycle(t *testing.T) {
	srv := startServe(t, "--seed", "testdata/seed.json")
	cmd, url, line, stderr := srv.cmd, srv.url, srv.line, srv.stderr

	for _, proto := range []string{"connect", "grpc", "grpcweb"} {
		var so, se bytes.Buffer
		a := &app{stdin: strings.NewReader("Correct-Horse-7\n"), stdout: &so, stderr: &se, getenv: envMap(map[string]string{
			"ZITADEL_URL": url, "ZITADEL_TOKEN": "dev-login-client-token", "XDG_CONFIG_HOME": t.TempDir(),
		})}
		t.Setenv("XDG_CONFIG_HOME", t.TempDir())
		code := a.run(t.Context(), []string{"--protocol", proto, "create", "--login-name", "alice@example.com", "--password-stdin"})
		if code != 0 {
			t.Fatalf("%s: create against serve: exit %d, stderr %q", proto, code, se.String())
		}
		if !strings.Contains(so.String(), "session id") {
			t.Fatalf("%s: create output %q lacks the session id", proto, so.String())
		}
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGINT: %v (stderr: %s)", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Errorf("stderr %q lacks the stop message", stderr.String())
	}
	if strings.Contains(stderr.String(), "dev-login-client-token") || strings.Contains(line, "dev-login-client-token") {
		t.Errorf("serve printed an access token")
	}
}

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestRunInProcess checks run() end to end without a subprocess: the
// demo and an error exit code.
func TestRunInProcess(t *testing.T) {
	var out, errb bytes.Buffer
	t.Setenv("ZITADEL_URL", "")
	if code := run(context.Background(), []string{"demo"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("demo: exit %d, stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), "Step 5/5") {
		t.Fatalf("demo output lacks the last step:\n%s", out.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"frobnicate"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Fatalf("unknown command: exit %d, want %d", code, exitUsage)
	}
}

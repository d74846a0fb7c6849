//go:build linux

package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/pquerna/otp/totp"
	"golang.org/x/sys/unix"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// console reads the output of a program on a pseudo-terminal and waits
// for expected text. It has no timeouts: a hang is caught by go test's
// -timeout, a premature exit by EOF.
type console struct {
	t    *testing.T
	ptm  *os.File
	all  bytes.Buffer // everything read so far
	seen int          // offset up to which expect has consumed
	ch   chan []byte
}

func newConsole(t *testing.T, ptm *os.File) *console {
	c := &console{t: t, ptm: ptm, ch: make(chan []byte)}
	go func() {
		defer close(c.ch)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			if n > 0 {
				c.ch <- append([]byte(nil), buf[:n]...)
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

func (c *console) expect(s string) {
	c.t.Helper()
	for {
		if i := strings.Index(c.all.String()[c.seen:], s); i >= 0 {
			c.seen += i + len(s)
			return
		}
		b, ok := <-c.ch
		if !ok {
			c.t.Fatalf("program ended before printing %q; output so far:\n%s", s, c.all.String())
		}
		c.all.Write(b)
	}
}

func (c *console) drain() string {
	for b := range c.ch {
		c.all.Write(b)
	}
	return c.all.String()
}

// waitNoEcho waits until the program has switched the terminal's echo off,
// so that typed input could only show up if the program echoed it itself.
func waitNoEcho(t *testing.T, tty *os.File) {
	t.Helper()
	for {
		tio, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatalf("reading terminal settings: %v", err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		time.Sleep(time.Millisecond) // poll, no assertion on time
	}
}

// TestLoginOnTerminal runs the built binary on a pseudo-terminal, answers
// the prompts of "login" and checks that the password and the TOTP code
// were not echoed while the login name was, and that the login succeeded.
func TestLoginOnTerminal(t *testing.T) {
	bin := binary(t)
	srv := sessiontest.NewServer()
	defer srv.Close()
	const password = "Pty-Secret-Passw0rd"
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ"
	if err := srv.AddUser(sessiontest.User{ID: "700", LoginName: "carol@example.com", Password: password, TOTPSecret: secret}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddAccessToken("pty-test-token", "", sessiontest.PermissionSessionRead, sessiontest.PermissionSessionWrite, sessiontest.PermissionSessionDelete); err != nil {
		t.Fatal(err)
	}

	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	defer ptm.Close()
	cmd := exec.Command(bin, "login")
	cmd.Env = testEnv(t, "ZITADEL_URL="+srv.URL(), "ZITADEL_TOKEN=pty-test-token")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := newConsole(t, ptm)

	c.expect("Login name: ")
	io.WriteString(ptm, "carol@example.com\r")
	c.expect("Password (input hidden): ")
	waitNoEcho(t, tty)
	io.WriteString(ptm, password+"\r")
	c.expect("ok, password verified")
	c.expect("Choose 0-4: ")
	io.WriteString(ptm, "1\r")
	c.expect("TOTP code (input hidden): ")
	waitNoEcho(t, tty)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(ptm, code+"\r")
	c.expect("Logged in.")
	tty.Close() // our copy; the child keeps its own
	waitErr := cmd.Wait()
	out := c.drain()
	if waitErr != nil {
		var ee *exec.ExitError
		if errors.As(waitErr, &ee) {
			t.Fatalf("login exited with %d; output:\n%s", ee.ExitCode(), out)
		}
		t.Fatal(waitErr)
	}

	if !strings.Contains(out, "carol@example.com") {
		t.Errorf("the login name was not echoed; output:\n%s", out)
	}
	if strings.Contains(out, password) {
		t.Errorf("the password was echoed; output:\n%s", out)
	}
	if strings.Contains(out, code) {
		t.Errorf("the TOTP code was echoed; output:\n%s", out)
	}
	m := regexp.MustCompile(`session id +(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no session id in output:\n%s", out)
	}
	if !regexp.MustCompile(`token file +\S+/zitadel-session/` + m[1] + `\.token`).MatchString(out) {
		t.Errorf("no token file in output:\n%s", out)
	}
	if strings.Contains(out, "session token") {
		t.Errorf("the session token was printed without --show-token:\n%s", out)
	}
}

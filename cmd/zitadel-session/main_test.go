package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"zitadel-session": func() {
			os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScripts runs testdata/script/*.txtar against the command.
//
// Extra script commands:
//
//	startserver [SEEDFILE]    start sessiontest on 127.0.0.1 seeded with SEEDFILE
//	                          (default: the example seed) and set ZITADEL_URL and
//	                          ZITADEL_TOKEN (the seed's first token); stopped at
//	                          the end of the script
//	exitcode N PROG ARGS...   run PROG and require exit code N
//	capture VAR REGEXP        set VAR to the first submatch of REGEXP in stdout
//	perm PATH MODE            require PATH to have permission bits MODE (octal)
//	writefile FILE LINE...    write the lines to FILE (mode 0600)
//	totpcode VAR FILE         set VAR to the current TOTP code of the seed's
//	                          first user and write it to FILE
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(env.WorkDir, ".config"))
			env.Setenv("HOME", filepath.Join(env.WorkDir, "home"))
			env.Setenv("SEED", filepath.Join(mustAbs(t, "testdata"), "seed.json"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"startserver": cmdStartServer,
			"exitcode":    cmdExitCode,
			"capture":     cmdCapture,
			"perm":        cmdPerm,
			"totpcode":    cmdTOTPCode,
			"writefile":   cmdWriteFile,
		},
	})
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func cmdStartServer(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) > 1 {
		ts.Fatalf("usage: startserver [SEEDFILE]")
	}
	data := defaultSeed
	if len(args) == 1 {
		data = []byte(ts.ReadFile(args[0]))
	}
	seed, err := parseSeed(bytes.NewReader(data))
	ts.Check(err)
	srv := sessiontest.NewServer(sessiontest.WithOpenIDProvider())
	ts.Defer(srv.Close)
	ts.Check(applySeed(srv, seed))
	ts.Setenv("ZITADEL_URL", srv.URL())
	if len(seed.Tokens) > 0 {
		ts.Setenv("ZITADEL_TOKEN", seed.Tokens[0].Token)
	}
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("running %s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func cmdCapture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: capture VAR REGEXP")
	}
	re, err := regexp.Compile(args[1])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile("stdout"))
	if len(m) < 2 {
		ts.Fatalf("no match for %q in stdout", args[1])
	}
	ts.Setenv(args[0], m[1])
}

func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: perm PATH MODE")
	}
	fi, err := os.Stat(ts.MkAbs(args[0]))
	ts.Check(err)
	want, err := strconv.ParseUint(args[1], 8, 32)
	ts.Check(err)
	if got := fi.Mode().Perm(); got != os.FileMode(want) {
		ts.Fatalf("%s has mode %#o, want %#o", args[0], got, want)
	}
}

func cmdTOTPCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: totpcode VAR FILE")
	}
	seed, err := parseSeed(bytes.NewReader(defaultSeed))
	ts.Check(err)
	code, err := totp.GenerateCode(seed.Users[0].TOTPSecret, time.Now())
	ts.Check(err)
	ts.Setenv(args[0], code)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(code+"\n"), 0o600))
}

func cmdWriteFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: writefile FILE LINE...")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(strings.Join(args[1:], "\n")+"\n"), 0o600))
}

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// countingServer runs the seeded test server on loopback behind a handler
// that counts every HTTP request it gets.
func countingServer(t *testing.T) (url string, requests *atomic.Int64) {
	t.Helper()
	seed, err := parseSeed(bytes.NewReader(defaultSeed))
	if err != nil {
		t.Fatal(err)
	}
	srv := sessiontest.NewUnstartedServer(sessiontest.WithOpenIDProvider()) // as serve runs it
	t.Cleanup(srv.Close)
	if err := applySeed(srv, seed); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv.Mount(mux)
	requests = new(atomic.Int64)
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		mux.ServeHTTP(w, r)
	}))
	hs.Config.Protocols = protocols
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.URL, requests
}

// badInput is one bad value of a flag, argument or environment variable.
type badInput struct {
	name  string            // the flag ("--x"), environment variable or argument tested
	args  []string          // command line
	env   map[string]string // added to the base environment
	stdin string
	files map[string]string // written (mode 0600 unless the name ends in ":644") into the work directory; $DIR in args and env is replaced by it
	want  string            // regular expression the error line must match
	sends bool              // earlier steps of the command talk to the server before the bad value is found
}

// badInputs lists a bad value for every flag and environment variable that
// takes a value, and for the session id argument. All of them must end with
// exit code 5 (invalid input), an error naming the flag or variable, and,
// unless sends is set, without a single request to the server.
func badInputs() []badInput {
	long := strings.Repeat("x", 201)
	return []badInput{
		// connection settings
		{name: "--url", args: []string{"--url", "ftp://example.com", "get", "1"}, want: `^error: --url must be an http:// or https:// URL`},
		{name: "--url", args: []string{"--url", "http://user:url-sekrit@127.0.0.1:1", "get", "1"}, want: `^error: --url must not contain user information`},
		{name: "ZITADEL_URL", args: []string{"get", "1"}, env: map[string]string{"ZITADEL_URL": "localhost:8080"}, want: `^error: ZITADEL_URL must be an http:// or https:// URL`},
		{name: "ZITADEL_CLEARTEXT_CREDENTIALS", args: []string{"get", "1"}, env: map[string]string{"ZITADEL_CLEARTEXT_CREDENTIALS": "yes please"}, want: `^error: ZITADEL_CLEARTEXT_CREDENTIALS must be true or false`},
		{name: "ZITADEL_TOKEN", args: []string{"get", "1"}, env: map[string]string{"ZITADEL_TOKEN": "pat\x1b[2Jwith-escape"}, want: `^error: ZITADEL_TOKEN must be a token`},
		{name: "--token-file", args: []string{"--token-file", "$DIR/missing", "list"}, want: `^error: --token-file .*missing does not exist$`},
		{name: "--token-file", args: []string{"--token-file", "$DIR/open.txt", "list"}, files: map[string]string{"open.txt:644": "dev-login-client-token"}, want: `^error: --token-file .*open.txt is accessible by others \(mode 0644\)`},
		{name: "--token-file", args: []string{"--token-file", "$DIR/ctl.txt", "list"}, files: map[string]string{"ctl.txt": "dev-login\x07client"}, want: `^error: --token-file .*ctl.txt must hold one token`},
		{name: "--token-file", args: []string{"--token-file", "$DIR/empty.txt", "list"}, files: map[string]string{"empty.txt": "\n"}, want: `^error: --token-file .*empty.txt is empty$`},
		{name: "ZITADEL_TOKEN_FILE", args: []string{"list"}, env: map[string]string{"ZITADEL_TOKEN": "", "ZITADEL_TOKEN_FILE": "$DIR/missing"}, want: `^error: ZITADEL_TOKEN_FILE .*missing does not exist$`},
		{name: "--key-file", args: []string{"--key-file", "$DIR/missing.json", "list"}, want: `^error: --key-file: .*missing.json: no such file`},
		{name: "--key-file", args: []string{"--key-file", "$DIR/open.json", "list"}, files: map[string]string{"open.json:644": `{"type":"serviceaccount"}`}, want: `^error: --key-file .*open.json is accessible by others`},
		{name: "--key-file", args: []string{"--key-file", "$DIR/broken.json", "list"}, files: map[string]string{"broken.json": `{"type":`}, want: `^error: cannot set up the client: .*key`},
		{name: "ZITADEL_KEY_FILE", args: []string{"list"}, env: map[string]string{"ZITADEL_TOKEN": "", "ZITADEL_KEY_FILE": "$DIR/open.json"}, files: map[string]string{"open.json:644": `{}`}, want: `^error: ZITADEL_KEY_FILE .*open.json is accessible by others`},
		{name: "--client-id", args: []string{"--client-id", "id\x01x", "list"}, env: map[string]string{"ZITADEL_CLIENT_SECRET": "s"}, want: `^error: --client-id must be printable ASCII`},
		{name: "ZITADEL_CLIENT_ID", args: []string{"list"}, env: map[string]string{"ZITADEL_TOKEN": "", "ZITADEL_CLIENT_ID": "id\nx", "ZITADEL_CLIENT_SECRET": "s"}, want: `^error: ZITADEL_CLIENT_ID must be printable ASCII`},
		{name: "ZITADEL_CLIENT_SECRET", args: []string{"--client-id", "id", "list"}, env: map[string]string{"ZITADEL_CLIENT_SECRET": "secret\x1bx"}, want: `^error: ZITADEL_CLIENT_SECRET must be printable`},
		{name: "--issuer", args: []string{"--client-id", "id", "--issuer", "ftp://issuer", "list"}, env: map[string]string{"ZITADEL_CLIENT_SECRET": "s"}, want: `^error: --issuer must be an http:// or https:// URL`},
		{name: "ZITADEL_ISSUER", args: []string{"--client-id", "id", "list"}, env: map[string]string{"ZITADEL_CLIENT_SECRET": "s", "ZITADEL_ISSUER": "https://u:issuer-sekrit@x"}, want: `^error: ZITADEL_ISSUER must not contain user information`},
		{name: "--protocol", args: []string{"--protocol", "carrier-pigeon", "list"}, want: `^error: --protocol must be connect, grpc or grpcweb`},
		{name: "ZITADEL_PROTOCOL", args: []string{"list"}, env: map[string]string{"ZITADEL_PROTOCOL": "http3"}, want: `^error: ZITADEL_PROTOCOL must be connect, grpc or grpcweb`},
		{name: "--instance-host", args: []string{"--instance-host", "a\r\nX-Injected: 1", "list"}, want: `^error: --instance-host must be printable ASCII`},
		{name: "ZITADEL_INSTANCE_HOST", args: []string{"list"}, env: map[string]string{"ZITADEL_INSTANCE_HOST": "a\x00b"}, want: `^error: ZITADEL_INSTANCE_HOST must be printable ASCII`},
		{name: "--org-id", args: []string{"--org-id", "1\n2", "list"}, want: `^error: --org-id must be printable ASCII`},
		{name: "ZITADEL_ORG_ID", args: []string{"list"}, env: map[string]string{"ZITADEL_ORG_ID": "\x1b]0;x\x07"}, want: `^error: ZITADEL_ORG_ID must be printable ASCII`},
		{name: "--ca-file", args: []string{"--ca-file", "$DIR/missing.pem", "list"}, want: `^error: --ca-file: .*missing.pem: no such file`},
		{name: "--ca-file", args: []string{"--ca-file", "$DIR/nopem.pem", "list"}, files: map[string]string{"nopem.pem": "not a certificate"}, want: `^error: --ca-file .*nopem.pem: no PEM certificate found$`},
		{name: "ZITADEL_CA_FILE", args: []string{"list"}, env: map[string]string{"ZITADEL_CA_FILE": "$DIR/nopem.pem"}, files: map[string]string{"nopem.pem": "x"}, want: `^error: ZITADEL_CA_FILE .*nopem.pem: no PEM certificate found$`},
		{name: "--timeout", args: []string{"--timeout", "0s", "list"}, want: `^error: --timeout must be positive`},
		{name: "--timeout", args: []string{"--timeout=-5s", "list"}, want: `^error: --timeout must be positive`},
		{name: "--timeout", args: []string{"--timeout", "soon", "list"}, want: `^error: invalid argument "soon" for "--timeout" flag`},
		{name: "--output", args: []string{"-o", "yaml", "list"}, want: `^error: --output must be table or json, not "yaml"$`},
		{name: "ZITADEL_SESSION_TOKEN", args: []string{"get", "1"}, env: map[string]string{"ZITADEL_SESSION_TOKEN": "tok\x1b[31m"}, want: `^error: ZITADEL_SESSION_TOKEN must be a token`},
		{name: "ZITADEL_IDP_INTENT_TOKEN", args: []string{"create", "--user-id", "1", "--check-idp-intent", "i1"}, env: map[string]string{"ZITADEL_IDP_INTENT_TOKEN": "in tent"}, want: `^error: the IdP intent token \(ZITADEL_IDP_INTENT_TOKEN\) must be printable`},

		// create and set
		{name: "--user-id", args: []string{"create", "--user-id", long}, want: `^error: invalid request: .*UserId: value length must be between 1 and 200 runes`},
		{name: "--login-name", args: []string{"create", "--login-name", long}, want: `^error: invalid request: .*LoginName: value length must be between 1 and 200 runes`},
		{name: "--check-idp-intent", args: []string{"create", "--user-id", "1", "--check-idp-intent", long}, env: map[string]string{"ZITADEL_IDP_INTENT_TOKEN": "t"}, want: `^error: invalid request: .*IdpIntentId: value length must be between 1 and 200 runes`},
		{name: "--webauthn-assertion", args: []string{"set", "1", "--webauthn-assertion", "$DIR/missing.json"}, want: `^error: --webauthn-assertion: .*missing.json: no such file`},
		{name: "--webauthn-assertion", args: []string{"set", "1", "--webauthn-assertion", "$DIR/array.json"}, files: map[string]string{"array.json": "[1,2]"}, want: `^error: --webauthn-assertion: the file must hold the JSON object`},
		{name: "--challenge-webauthn", args: []string{"set", "1", "--challenge-webauthn", long}, want: `^error: invalid request: .*Domain: value length must be between 1 and 200 runes`},
		{name: "--user-verification", args: []string{"set", "1", "--challenge-webauthn", "example.com", "--user-verification", "always"}, want: `^error: --user-verification must be required, preferred or discouraged`},
		{name: "--otp-email-url-template", args: []string{"set", "1", "--challenge-otp-email", "--otp-email-url-template", long}, want: `^error: invalid request: .*UrlTemplate: value length must be between 1 and 200 runes`},
		{name: "--metadata", args: []string{"set", "1", "--metadata", "novalue"}, want: `^error: --metadata #1: want key=value`},
		{name: "--lifetime", args: []string{"set", "1", "--lifetime=-1m"}, want: `^error: --lifetime must be positive`},
		{name: "--lifetime", args: []string{"create", "--lifetime", "soon"}, want: `^error: invalid argument "soon" for "--lifetime" flag`},
		{name: "--session-token-file", args: []string{"create", "--user-id", "1", "--session-token-file", "$DIR/link"}, files: map[string]string{"target": "x", "link": "->target"}, want: `^error: --session-token-file .*link is a symbolic link`},
		{name: "--session-token-file", args: []string{"set", "1", "--metadata", "a=b", "--session-token-file", "$DIR/shared/tok"}, files: map[string]string{"shared/:777": ""}, want: `^error: --session-token-file: directory .*shared is writable by others`},
		{name: "--user-agent-header", args: []string{"create", "--user-agent-header", "noequals"}, want: `^error: --user-agent-header #1: want name=value`},
		{name: "SESSION_ID", args: []string{"set", "../../x", "--metadata", "a=b"}, want: `^error: session id "../../x" is not valid`},

		// get and delete
		{name: "SESSION_ID", args: []string{"get", "a/b"}, want: `^error: session id "a/b" is not valid`},
		{name: "SESSION_ID", args: []string{"delete", "a b"}, want: `^error: session id "a\?b" is not valid`},
		{name: "--session-token-file", args: []string{"get", "1", "--session-token-file", "$DIR/missing"}, want: `^error: --session-token-file .*missing does not exist$`},
		{name: "--session-token-file", args: []string{"delete", "1", "--session-token-file", "$DIR/open.token"}, files: map[string]string{"open.token:644": "t"}, want: `^error: --session-token-file .*open.token is accessible by others`},
		{name: "--session-token-file", args: []string{"get", "1", "--session-token-file", "$DIR/ctl.token"}, files: map[string]string{"ctl.token": "a\x1bb"}, want: `^error: --session-token-file .*ctl.token must hold one token`},

		// list
		{name: "--created-after", args: []string{"list", "--created-after", "yesterday"}, want: `^error: --created-after must be an RFC 3339 time`},
		{name: "--created-before", args: []string{"list", "--created-before", "2026-13-01"}, want: `^error: --created-before must be an RFC 3339 time`},
		{name: "--limit", args: []string{"list", "--limit", "many"}, want: `^error: invalid argument "many" for "--limit" flag`},
		{name: "--offset", args: []string{"list", "--offset=-1"}, want: `^error: invalid argument "-1" for "--offset" flag`},
		{name: "--sort", args: []string{"list", "--sort", "name"}, want: `^error: --sort must be created or none`},
		{name: "--creator", args: []string{"list", "--creator", long}, want: `^error: invalid request: .*Id: value length must be at most 200 runes`},

		// login and demo
		{name: "--second-factor", args: []string{"login", "--second-factor", "carrier-pigeon"}, want: `^error: --second-factor must be ask, totp`},
		{name: "--login-name", args: []string{"login", "--login-name", long}, want: `^error: invalid request: .*LoginName: value length must be between 1 and 200 runes`},
		{name: "--session-token-file", args: []string{"login", "--login-name", "alice@example.com", "--session-token-file", "$DIR/link"}, files: map[string]string{"t2": "x", "link": "->t2"}, want: `^error: --session-token-file .*link is a symbolic link`},
		{name: "--webauthn-domain", args: []string{"login", "--login-name", "alice@example.com", "--second-factor", "webauthn", "--webauthn-domain", long}, stdin: "Correct-Horse-7\n", sends: true, want: `^error: invalid request: .*Domain: value length must be between 1 and 200 runes`},
		{name: "--login-name", args: []string{"demo", "--login-name", long, "--password-stdin"}, stdin: "pw\n", want: `^error: invalid request: .*LoginName: value length must be between 1 and 200 runes`},

		// serve
		{name: "--seed", args: []string{"serve", "--listen", "127.0.0.1:0", "--seed", "$DIR/bad.json"}, files: map[string]string{"bad.json": "{"}, want: `^error: --seed .*bad.json: not valid JSON`},
		{name: "--listen", args: []string{"serve", "--listen", "nonsense"}, want: `^error: --listen must be host:port`},
		{name: "--projection-lag", args: []string{"serve", "--listen", "127.0.0.1:0", "--projection-lag", "soon"}, want: `^error: --projection-lag: "soon": the list lag must be a duration`},
	}
}

// notInTable are value-taking flags without a rule a value could break:
// the user agent's free-text fields are stored as given.
var notInTable = map[string]string{
	"--user-agent-fingerprint": "free text, stored as given",
	"--user-agent-ip":          "Zitadel drops an unparsable IP, as documented",
	"--user-agent-description": "free text, stored as given",
	"--id":                     "list's ids (and its --user-id) have no rule in Zitadel's API; an unknown id matches nothing",
}

// TestBadInputExitCode holds every flag, argument and environment variable
// that takes a value to one rule: a bad value exits with 5, names its
// source, and sends nothing (so nothing changes).
func TestBadInputExitCode(t *testing.T) {
	url, requests := countingServer(t)
	for _, tc := range badInputs() {
		t.Run(tc.name+"/"+strings.Join(tc.args, "_"), func(t *testing.T) {
			dir := t.TempDir()
			config := filepath.Join(dir, "config")
			t.Setenv("XDG_CONFIG_HOME", config)
			for name, content := range tc.files {
				mode := os.FileMode(0o600)
				if n, ok := strings.CutSuffix(name, ":644"); ok {
					name, mode = n, 0o644
				}
				if n, ok := strings.CutSuffix(name, "/:777"); ok {
					p := filepath.Join(dir, n)
					if err := os.Mkdir(p, 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.Chmod(p, 0o777); err != nil {
						t.Fatal(err)
					}
					continue
				}
				p := filepath.Join(dir, name)
				if target, ok := strings.CutPrefix(content, "->"); ok {
					if err := os.Symlink(filepath.Join(dir, target), p); err != nil {
						t.Fatal(err)
					}
					continue
				}
				if err := os.WriteFile(p, []byte(content), mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, mode); err != nil { // independent of the umask
					t.Fatal(err)
				}
			}
			env := map[string]string{"ZITADEL_URL": url, "ZITADEL_TOKEN": "dev-login-client-token"}
			for k, v := range tc.env {
				env[k] = strings.ReplaceAll(v, "$DIR", dir)
			}
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "$DIR", dir)
			}
			before := requests.Load()
			var stdout, stderr bytes.Buffer
			a := &app{stdin: strings.NewReader(tc.stdin), stdout: &stdout, stderr: &stderr, getenv: envMap(env)}
			code := a.run(t.Context(), args)
			if code != exitInvalid {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, exitInvalid, stderr.String())
			}
			line := strings.TrimSuffix(stderr.String(), "\n")
			if i := strings.LastIndexByte(line, '\n'); i >= 0 {
				line = line[i+1:] // warnings may come first
			}
			if !regexp.MustCompile(tc.want).MatchString(line) {
				t.Fatalf("error line %q does not match %q", line, tc.want)
			}
			if strings.Contains(stderr.String(), "sekrit") {
				t.Fatalf("a secret value is echoed: %q", stderr.String())
			}
			if n := requests.Load() - before; n != 0 && !tc.sends {
				t.Fatalf("%d requests were sent for bad input", n)
			}
			if entries, _ := os.ReadDir(filepath.Join(config, "zitadel-session")); len(entries) > 0 {
				t.Fatalf("token directory changed: %d entries", len(entries))
			}
		})
	}
}

// TestBadInputTableIsComplete fails when a flag that takes a value, or an
// environment variable of the help text, has no case in badInputs.
func TestBadInputTableIsComplete(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range badInputs() {
		covered[tc.name] = true
	}
	a := &app{getenv: envMap(nil)}
	root := a.rootCommand()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		check := func(f *pflag.Flag) {
			if f.Value.Type() == "bool" || f.Name == "help" {
				return
			}
			name := "--" + f.Name
			if !covered[name] && notInTable[name] == "" {
				t.Errorf("%s %s takes a value but has no case in badInputs", c.CommandPath(), name)
			}
		}
		c.LocalFlags().VisitAll(check)
		for _, sub := range c.Commands() {
			if sub.Name() != "completion" && sub.Name() != "help" {
				walk(sub)
			}
		}
	}
	walk(root)
	for _, env := range regexp.MustCompile(`ZITADEL_[A-Z_]+`).FindAllString(envHelp, -1) {
		if !covered[env] {
			t.Errorf("environment variable %s has no case in badInputs", env)
		}
	}
	if !covered["ZITADEL_IDP_INTENT_TOKEN"] {
		t.Error("ZITADEL_IDP_INTENT_TOKEN has no case in badInputs")
	}
}

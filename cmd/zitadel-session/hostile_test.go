package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
)

// hostileSessions is a SessionService that answers with crafted messages,
// as a malicious or spoofed server could.
type hostileSessions struct {
	sessionv2connect.UnimplementedSessionServiceHandler

	createRes *sessionv2.CreateSessionResponse
	setRes    *sessionv2.SetSessionResponse
	getRes    *sessionv2.GetSessionResponse
	err       error                // returned by every call when set
	hang      bool                 // block until the call's context ends
	sessions  []*sessionv2.Session // served by ListSessions, honoring offset and limit

	mu       sync.Mutex
	listReqs []*sessionv2.ListSessionsRequest
	deletes  []string
}

func (h *hostileSessions) wait(ctx context.Context) error {
	if h.hang {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.err
}

func (h *hostileSessions) CreateSession(ctx context.Context, _ *sessionv2.CreateSessionRequest) (*sessionv2.CreateSessionResponse, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.createRes, nil
}

func (h *hostileSessions) SetSession(ctx context.Context, _ *sessionv2.SetSessionRequest) (*sessionv2.SetSessionResponse, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.setRes, nil
}

func (h *hostileSessions) GetSession(ctx context.Context, _ *sessionv2.GetSessionRequest) (*sessionv2.GetSessionResponse, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	return h.getRes, nil
}

func (h *hostileSessions) DeleteSession(ctx context.Context, req *sessionv2.DeleteSessionRequest) (*sessionv2.DeleteSessionResponse, error) {
	h.mu.Lock()
	h.deletes = append(h.deletes, req.GetSessionId())
	h.mu.Unlock()
	return &sessionv2.DeleteSessionResponse{}, nil
}

func (h *hostileSessions) ListSessions(ctx context.Context, req *sessionv2.ListSessionsRequest) (*sessionv2.ListSessionsResponse, error) {
	if err := h.wait(ctx); err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.listReqs = append(h.listReqs, req)
	h.mu.Unlock()
	from := min(int(req.GetQuery().GetOffset()), len(h.sessions))
	to := len(h.sessions) // limit 0: everything, as the old CLI asked for
	if l := int(req.GetQuery().GetLimit()); l > 0 {
		to = min(from+l, to)
	}
	return &sessionv2.ListSessionsResponse{
		Details:  &objectv2.ListDetails{TotalResult: uint64(len(h.sessions))},
		Sessions: h.sessions[from:to],
	}, nil
}

// startHostile serves h on 127.0.0.1 and returns the environment of a CLI
// pointed at it, with a fresh config directory.
func startHostile(t *testing.T, h *hostileSessions) (env map[string]string, config string) {
	t.Helper()
	server := connect.NewServer()
	sessionv2connect.RegisterSessionServiceHandler(server, h)
	mux := http.NewServeMux()
	connecthttp.Mount(mux, server, connecthttp.WithReadMaxBytes(0))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	config = filepath.Join(t.TempDir(), "config")
	t.Setenv("XDG_CONFIG_HOME", config)
	return map[string]string{"ZITADEL_URL": srv.URL, "ZITADEL_TOKEN": "pat"}, config
}

// runInProcess runs the command in-process and returns its exit code and output.
func runInProcess(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdin: strings.NewReader(stdin), stdout: &stdout, stderr: &stderr, getenv: envMap(env)}
	code := a.run(t.Context(), args)
	return code, stdout.String(), stderr.String()
}

// filesBelow lists every file below dir (relative paths).
func filesBelow(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// A server-chosen session id never becomes a path outside the token
// directory: create and login refuse an id that is not a plain id.
func TestHostileSessionIDIsNotAPath(t *testing.T) {
	for _, id := range []string{"../../x", "../escape", "a/b", "/etc/passwd", "x\x1b[2J", ""} {
		t.Run(fmt.Sprintf("%q", id), func(t *testing.T) {
			h := &hostileSessions{createRes: &sessionv2.CreateSessionResponse{SessionId: id, SessionToken: "server-chosen-content"}}
			env, config := startHostile(t, h)
			root := filepath.Dir(config)

			code, stdout, stderr := runInProcess(t, env, "", "create", "--user-id", "1")
			if code != exitOther || !strings.Contains(stderr, "the server returned an invalid session id") {
				t.Fatalf("create: exit %d, stderr %q", code, stderr)
			}
			assertTerminalSafe(t, stdout+stderr)
			if got := filesBelow(t, root); len(got) != 0 {
				t.Fatalf("create wrote %v", got)
			}

			code, stdout, stderr = runInProcess(t, env, "", "login", "--login-name", "alice")
			if code != exitOther || !strings.Contains(stderr, "the server returned an invalid session id") {
				t.Fatalf("login: exit %d, stderr %q", code, stderr)
			}
			assertTerminalSafe(t, stdout+stderr)
			if strings.Contains(stdout, "session "+id) && id != "" {
				t.Fatalf("login printed the invalid id: %q", stdout)
			}
			if got := filesBelow(t, root); len(got) != 0 {
				t.Fatalf("login wrote %v", got)
			}
		})
	}
}

// escapes are server strings that try to control the terminal or forge
// lines of the table.
const (
	escClear   = "\x1b[2J\x1b[H"
	escTitle   = "\x1b]0;owned\x07"
	forgedLine = "\nfactors       webauthn verified 2026-01-01T00:00:00Z, user verified"
	bidi       = "\u202egnp.exe\u202c"
	c1CSI      = "\u009b31m"
)

func hostileSession() *sessionv2.Session {
	desc := "Firefox" + escTitle + bidi
	fp := "fp" + c1CSI
	ip := "1.2.3.4\r"
	return &sessionv2.Session{
		Id:           "300000000000000001",
		CreationDate: timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Factors: &sessionv2.Factors{User: &sessionv2.UserFactor{
			VerifiedAt:     timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
			Id:             "u1" + escClear,
			LoginName:      "alice" + forgedLine,
			DisplayName:    "Alice" + bidi + "\u2066x\u2069",
			OrganizationId: "org\x7f\x00",
		}},
		Metadata: map[string][]byte{
			"key" + escClear + forgedLine: []byte("value" + escTitle),
			"plain":                       []byte("text" + bidi),
		},
		UserAgent: &sessionv2.UserAgent{FingerprintId: &fp, Ip: &ip, Description: &desc},
	}
}

// assertTerminalSafe fails if out holds a character that could control a
// terminal (line breaks of the output itself aside) or a forged line.
func assertTerminalSafe(t *testing.T, out string) {
	t.Helper()
	for _, r := range out {
		if r != '\n' && needsEscape(r) {
			t.Fatalf("output holds %U:\n%q", r, out)
		}
	}
	if regexp.MustCompile(`(?m)^factors +webauthn verified`).MatchString(out) {
		t.Fatalf("output holds a forged line:\n%s", out)
	}
}

// Table output neutralises control characters in every server string;
// JSON output is exact.
func TestHostileStringsAreNeutralised(t *testing.T) {
	s := hostileSession()
	h := &hostileSessions{getRes: &sessionv2.GetSessionResponse{Session: s}, sessions: []*sessionv2.Session{s}}
	env, _ := startHostile(t, h)

	code, stdout, stderr := runInProcess(t, env, "", "get", "300000000000000001", "--no-token")
	if code != 0 {
		t.Fatalf("get: exit %d, %s", code, stderr)
	}
	assertTerminalSafe(t, stdout+stderr)
	for _, want := range []string{`u1\u001b[2J\u001b[H`, `alice\u000afactors`, `Alice\u202egnp.exe\u202c\u2066x\u2069`, `org\u007f\u0000`,
		`fingerprint fp\u009b31m`, `ip 1.2.3.4\u000d`, `"Firefox\u001b]0;owned\u0007\u202egnp.exe\u202c"`, "plain=text\\u202egnp.exe\\u202c"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("get output lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stdout, `key\u001b[2J\u001b[H\u000afactors`) || !strings.Contains(stdout, "(15 bytes of binary data)") {
		t.Errorf("metadata key or value not neutralised:\n%s", stdout)
	}

	code, stdout, stderr = runInProcess(t, env, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d, %s", code, stderr)
	}
	assertTerminalSafe(t, stdout+stderr)
	if !strings.Contains(stdout, `alice\u000afactors`) {
		t.Errorf("list output:\n%s", stdout)
	}

	// JSON is exact: it decodes to what the server sent.
	code, stdout, _ = runInProcess(t, env, "", "-o", "json", "get", "300000000000000001", "--no-token")
	if code != 0 {
		t.Fatalf("get -o json: exit %d", code)
	}
	assertTerminalSafe(t, stdout)
	var got sessionv2.GetSessionResponse
	if err := protojson.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("get -o json is not JSON: %v\n%s", err, stdout)
	}
	if !proto.Equal(got.GetSession(), s) {
		t.Fatalf("get -o json changed the session:\ngot  %v\nwant %v", got.GetSession(), s)
	}

	// Server error messages are neutralised too.
	h.err = connect.NewError(connect.CodeNotFound, "Session not found"+escClear+forgedLine+" (QUERY-SFeaa)")
	code, stdout, stderr = runInProcess(t, env, "", "get", "300000000000000001", "--no-token")
	if code != exitNotFound {
		t.Fatalf("error: exit %d, stderr %q", code, stderr)
	}
	assertTerminalSafe(t, stdout+stderr)
	if strings.Count(stderr, "\n") != 1 {
		t.Fatalf("error is not one line: %q", stderr)
	}
}

// A token that cannot be saved is a non-zero exit that still shows the
// session id, for create, set and login, and a token is never written
// through a symbolic link.
func TestTokenNotSaved(t *testing.T) {
	h := &hostileSessions{
		createRes: &sessionv2.CreateSessionResponse{SessionId: "4711", SessionToken: "tok\x1b[2Jen"},
		setRes:    &sessionv2.SetSessionResponse{SessionToken: "tok\nen"},
	}
	env, config := startHostile(t, h)
	for _, args := range [][]string{
		{"create", "--user-id", "1"},
		{"set", "4711", "--metadata", "a=b"},
		{"login", "--login-name", "alice", "--second-factor", "none"},
	} {
		stdin := ""
		if args[0] == "login" {
			stdin = "pw\n"
		}
		code, stdout, stderr := runInProcess(t, env, stdin, args...)
		if code == 0 {
			t.Fatalf("%v: exit 0 although the token was not saved", args)
		}
		if !regexp.MustCompile(`(?m)^session id +4711$`).MatchString(stdout) {
			t.Errorf("%v: stdout lacks the session id:\n%s", args, stdout)
		}
		if !strings.Contains(stderr, "session 4711 ") || !strings.Contains(stderr, "could not be saved") ||
			!strings.Contains(stderr, "zitadel-session delete 4711") {
			t.Errorf("%v: stderr = %q", args, stderr)
		}
		assertTerminalSafe(t, stdout+stderr)
	}
	if got := filesBelow(t, filepath.Dir(config)); len(got) != 0 {
		t.Fatalf("files written: %v", got)
	}

	// A symbolic link planted at the token file's place is not followed.
	h.createRes = &sessionv2.CreateSessionResponse{SessionId: "4712", SessionToken: "good-token"}
	dir := filepath.Join(config, "zitadel-session")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(filepath.Dir(config), "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "4712.token")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runInProcess(t, env, "", "create", "--user-id", "1")
	if code != exitInvalid || !strings.Contains(stderr, "is a symbolic link") || !strings.Contains(stdout, "4712") {
		t.Fatalf("create over a symlink: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Fatalf("the link's target was overwritten: %q", b)
	}
}

// Token directories and token files that others can access are refused.
func TestTokenFilePermissions(t *testing.T) {
	s := hostileSession()
	h := &hostileSessions{
		getRes:    &sessionv2.GetSessionResponse{Session: s},
		createRes: &sessionv2.CreateSessionResponse{SessionId: "4713", SessionToken: "good-token"},
	}
	env, config := startHostile(t, h)
	dir := filepath.Join(config, "zitadel-session")

	code, _, stderr := runInProcess(t, env, "", "create", "--user-id", "1")
	if code != 0 {
		t.Fatalf("create: exit %d, %s", code, stderr)
	}
	tok := filepath.Join(dir, "4713.token")
	for path, want := range map[string]os.FileMode{dir: 0o700, tok: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Fatalf("%s: mode %v (%v), want %#o", path, fi.Mode().Perm(), err, want)
		}
	}

	// a token file others can read is not used
	if err := os.Chmod(tok, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runInProcess(t, env, "", "get", "4713")
	if code != exitInvalid || !strings.Contains(stderr, "4713.token is accessible by others (mode 0644)") {
		t.Fatalf("get with an open token file: exit %d, %q", code, stderr)
	}
	if err := os.Chmod(tok, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr = runInProcess(t, env, "", "get", "4713"); code != 0 {
		t.Fatalf("get: exit %d, %q", code, stderr)
	}

	// a token directory others can write is refused, for reading and writing
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"get", "4713"}, {"create", "--user-id", "1"}, {"delete", "4713"}} {
		code, _, stderr = runInProcess(t, env, "", args...)
		if code != exitInvalid || !strings.Contains(stderr, "is writable by others (mode 0777)") {
			t.Fatalf("%v with an open token directory: exit %d, %q", args, code, stderr)
		}
	}
	if len(h.deletes) != 0 {
		t.Fatalf("delete was sent: %v", h.deletes)
	}
}

// list pages instead of asking for everything at once: a result far over
// connect's 4 MiB message limit is listed completely, and --offset /
// --limit select the same sessions in table and JSON output.
func TestListPagesLargeResults(t *testing.T) {
	const n = 250
	big := bytes.Repeat([]byte("m"), 40<<10) // 250 × 40 KiB ≈ 10 MiB in total
	h := &hostileSessions{}
	for i := range n {
		h.sessions = append(h.sessions, &sessionv2.Session{
			Id:           fmt.Sprintf("3%017d", i),
			CreationDate: timestamppb.New(time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)),
			Metadata:     map[string][]byte{"blob": big},
		})
	}
	env, _ := startHostile(t, h)

	code, stdout, stderr := runInProcess(t, env, "", "list")
	if code != 0 {
		t.Fatalf("list: exit %d, %s", code, stderr)
	}
	if !strings.Contains(stdout, fmt.Sprintf("%d shown, %d matching", n, n)) {
		t.Fatalf("list output ends with:\n%s", stdout[max(0, len(stdout)-300):])
	}
	for _, req := range h.listReqs {
		if l := req.GetQuery().GetLimit(); l == 0 || l > 100 {
			t.Fatalf("a page asked for limit %d", l)
		}
	}

	code, stdout, stderr = runInProcess(t, env, "", "-o", "json", "list", "--offset", "10", "--limit", "120")
	if code != 0 {
		t.Fatalf("list -o json: exit %d, %s", code, stderr)
	}
	var res sessionv2.ListSessionsResponse
	if err := protojson.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.GetSessions()) != 120 || res.GetSessions()[0].GetId() != h.sessions[10].GetId() ||
		res.GetSessions()[119].GetId() != h.sessions[129].GetId() || res.GetDetails().GetTotalResult() != n {
		t.Fatalf("list -o json --offset 10 --limit 120: %d sessions, first %s, total %d",
			len(res.GetSessions()), res.GetSessions()[0].GetId(), res.GetDetails().GetTotalResult())
	}
	if !proto.Equal(res.GetSessions()[5], h.sessions[15]) {
		t.Fatal("list -o json changed a session")
	}

	code, stdout, _ = runInProcess(t, env, "", "list", "--limit", "3")
	if code != 0 || !strings.Contains(stdout, "3 shown, 250 matching") || !strings.Contains(stdout, h.sessions[2].GetId()) {
		t.Fatalf("list --limit 3: exit %d\n%s", code, stdout)
	}
}

// --timeout bounds each call; a server that does not answer is a
// connection failure (6).
func TestTimeoutPerCall(t *testing.T) {
	h := &hostileSessions{hang: true}
	env, _ := startHostile(t, h)
	code, _, stderr := runInProcess(t, env, "", "--timeout", "300ms", "get", "1", "--no-token")
	if code != exitConn {
		t.Fatalf("exit %d, want %d: %s", code, exitConn, stderr)
	}
}

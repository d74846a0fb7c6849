package sessiontest_test

import (
	"bufio"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	objectv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/object/v2"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/sessiontest"
	"github.com/sessionkit/zitadel-session-go/zitadelerr"
)

func TestProjectionLag(t *testing.T) {
	e := newEnv(t, protocols[0], sessiontest.WithProjectionLag(30*time.Millisecond, 120*time.Millisecond))
	clock := e.srv.Clock()
	clock.Advance(120 * time.Millisecond) // past the lag of the users added by newEnv
	listed := func(id string) bool {
		res := list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(id)}})
		return len(res.GetSessions()) == 1
	}
	s := e.userSession("u1")
	if listed(s.GetSessionId()) {
		t.Error("a new session is listed at once")
	}
	e.get(tokLogin, s.GetSessionId()) // GetSession is immediate
	clock.Advance(30 * time.Millisecond)
	if !listed(s.GetSessionId()) {
		t.Error("a session is not listed after the lag")
	}
	if _, err := e.c.DeleteSession(as(tokLogin), &sessionv2.DeleteSessionRequest{SessionId: s.GetSessionId()}); err != nil {
		t.Fatal(err)
	}
	if !listed(s.GetSessionId()) {
		t.Error("a deleted session vanished from the list at once")
	}
	clock.Advance(30 * time.Millisecond)
	if listed(s.GetSessionId()) {
		t.Error("a deleted session is still listed after the lag")
	}

	// the user lookup: a new user, then a lock
	if err := e.srv.AddUser(sessiontest.User{ID: "new", LoginName: "new@example.com", Password: pw1}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("new")}})
	checkError(t, err, v1(connect.CodeNotFound, zitadelerr.UserNotFound))
	clock.Advance(120 * time.Millisecond)
	e.userSession("new")
	if err := e.srv.LockUser("new"); err != nil {
		t.Fatal(err)
	}
	e.userSession("new") // the lookup still sees the user active
	clock.Advance(120 * time.Millisecond)
	_, err = e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{User: byID("new")}})
	checkError(t, err, v1(connect.CodeFailedPrecondition, zitadelerr.UserNotActive))
}

func TestNoProjectionLagByDefault(t *testing.T) {
	e := newEnv(t, protocols[0])
	if err := e.srv.AddUser(sessiontest.User{ID: "new", LoginName: "new@example.com"}); err != nil {
		t.Fatal(err)
	}
	s := e.userSession("new")
	expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: []*sessionv2.SearchQuery{idsQ(s.GetSessionId())}}), 1, s.GetSessionId())
}

func TestMetadataAndListLimits(t *testing.T) {
	e := newEnv(t, protocols[0], sessiontest.WithLimits(sessiontest.Limits{MaxMetadataEntries: 2, MaxMetadataBytes: 10, MaxListPage: 2}))
	_, err := e.c.CreateSession(as(tokLogin), &sessionv2.CreateSessionRequest{Metadata: map[string][]byte{"a": {1}, "b": {1}, "c": {1}}})
	checkError(t, err, want{code: connect.CodeInvalidArgument, detail: "none", msg: "Limits.MaxMetadataEntries"})
	s := e.create(tokLogin, &sessionv2.CreateSessionRequest{Metadata: map[string][]byte{"a": []byte("12345")}})
	_, err = e.c.SetSession(as(tokLogin), &sessionv2.SetSessionRequest{SessionId: s.GetSessionId(), Metadata: map[string][]byte{"a": []byte("1234567890")}})
	checkError(t, err, want{code: connect.CodeInvalidArgument, detail: "none", msg: "Limits.MaxMetadataBytes"})

	ids := []string{s.GetSessionId(), e.create(tokLogin, &sessionv2.CreateSessionRequest{}).GetSessionId(), e.create(tokLogin, &sessionv2.CreateSessionRequest{}).GetSessionId()}
	by := sessionv2.SessionFieldName_SESSION_FIELD_NAME_CREATION_DATE
	q := []*sessionv2.SearchQuery{idsQ(ids...)}
	// limit 0 (Zitadel: everything) and a limit above the cap get a capped page; the total counts all
	expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: q, SortingColumn: by, Query: &objectv2.ListQuery{Asc: true}}), 3, ids[0], ids[1])
	expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: q, SortingColumn: by, Query: &objectv2.ListQuery{Asc: true, Limit: 10}}), 3, ids[0], ids[1])
	expectIDs(e, list(e, tokLogin, &sessionv2.ListSessionsRequest{Queries: q, SortingColumn: by, Query: &objectv2.ListQuery{Asc: true, Offset: 2}}), 3, ids[2])
	if d := sessiontest.DefaultLimits(); d.MaxListPage != 1000 || d.MaxConcurrentStreams <= 0 || d.IdleTimeout <= 0 || d.ReadTimeout <= 0 || d.ReadHeaderTimeout <= 0 {
		t.Errorf("DefaultLimits = %+v", d)
	}
}

// timeouts is short enough for a test and long enough for a loaded machine.
var timeouts = sessiontest.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond,
	IdleTimeout: 300 * time.Millisecond, MaxConcurrentStreams: 7}

// closedWithin reads from conn until the server closes it, failing if that
// takes longer than d.
func closedWithin(t *testing.T, conn net.Conn, d time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for more than %v", d)
	}
}

func dial(t *testing.T, srv *sessiontest.Server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestHTTPTimeouts(t *testing.T) {
	srv := sessiontest.NewServer(sessiontest.WithLimits(timeouts))
	t.Cleanup(srv.Close)
	t.Run("slow headers", func(t *testing.T) {
		conn := dial(t, srv)
		_, _ = io.WriteString(conn, "POST /zitadel.session.v2.SessionService/ListSessions HTTP/1.1\r\nHost: x\r\n")
		closedWithin(t, conn, 5*time.Second)
	})
	t.Run("slow body", func(t *testing.T) {
		conn := dial(t, srv)
		_, _ = io.WriteString(conn, "POST /zitadel.session.v2.SessionService/ListSessions HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/json\r\nAuthorization: Bearer t\r\nContent-Length: 100\r\n\r\n{")
		closedWithin(t, conn, 5*time.Second)
	})
	t.Run("idle HTTP/1.1 keep-alive", func(t *testing.T) {
		conn := dial(t, srv)
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		closedWithin(t, conn, 5*time.Second)
	})
	t.Run("idle h2c connection and its stream cap", func(t *testing.T) {
		conn := dial(t, srv)
		// client preface and an empty SETTINGS frame
		_, _ = io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
		_, _ = conn.Write([]byte{0, 0, 0, 4, 0, 0, 0, 0, 0})
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var hdr [9]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil || hdr[3] != 4 {
			t.Fatalf("no SETTINGS frame from the server: %v %v", hdr, err)
		}
		payload := make([]byte, int(hdr[0])<<16|int(hdr[1])<<8|int(hdr[2]))
		if _, err := io.ReadFull(conn, payload); err != nil {
			t.Fatal(err)
		}
		streams := uint32(0)
		for i := 0; i+6 <= len(payload); i += 6 {
			if binary.BigEndian.Uint16(payload[i:]) == 0x3 { // SETTINGS_MAX_CONCURRENT_STREAMS
				streams = binary.BigEndian.Uint32(payload[i+2:])
			}
		}
		if streams != 7 {
			t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d, want 7", streams)
		}
		_, _ = conn.Write([]byte{0, 0, 0, 4, 1, 0, 0, 0, 0}) // SETTINGS ACK
		// the idle connection ends with a GOAWAY, then the server closes it
		goaway := false
		for !goaway {
			if _, err := io.ReadFull(conn, hdr[:]); err != nil {
				t.Fatalf("connection ended without GOAWAY: %v", err)
			}
			goaway = hdr[3] == 7
			if _, err := io.CopyN(io.Discard, conn, int64(int(hdr[0])<<16|int(hdr[1])<<8|int(hdr[2]))); err != nil {
				t.Fatal(err)
			}
		}
		closedWithin(t, conn, 5*time.Second)
	})
}

func TestNewHTTPServerCarriesTheLimits(t *testing.T) {
	srv := sessiontest.NewUnstartedServer(sessiontest.WithLimits(timeouts))
	hs := srv.NewHTTPServer(http.NewServeMux())
	if hs.ReadHeaderTimeout != timeouts.ReadHeaderTimeout || hs.ReadTimeout != timeouts.ReadTimeout || hs.IdleTimeout != timeouts.IdleTimeout ||
		hs.HTTP2 == nil || hs.HTTP2.MaxConcurrentStreams != 7 || !hs.Protocols.HTTP1() || !hs.Protocols.UnencryptedHTTP2() {
		t.Errorf("NewHTTPServer = %+v", hs)
	}
}

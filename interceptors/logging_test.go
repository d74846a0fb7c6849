package interceptors_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/sessionkit/zitadel-session-go/credentials"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2/sessionv2connect"
	"github.com/sessionkit/zitadel-session-go/interceptors"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

var logSecrets = []string{
	"PASSWORD-hunter2-SECRET",
	"Z9Q8X7", // TOTP code
	"REQ-SESSION-TOKEN-SECRET",
	"RESP-SESSION-TOKEN-SECRET",
	"SET-RESP-TOKEN-SECRET",
	"OTPSMS-SECRET-4711",
	"IDP-INTENT-TOKEN-SECRET",
	"WEBAUTHN-ASSERTION-SECRET",
	"RECOVERY-CODE-SECRET",
	"pat-secret-for-logging",
	"METADATA-VALUE-SECRET",
	"HEADER-COOKIE-SECRET",
}

func TestLoggingRedactsSecretsAtDebug(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceDeleteSessionProcedure] = 1
	client := startSessionServer(t, svc,
		interceptors.Logging(logger),
		interceptors.Auth(credentials.PersonalAccessToken("pat-secret-for-logging")))

	assertion, err := structpb.NewStruct(map[string]any{"response": "WEBAUTHN-ASSERTION-SECRET"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	_, err = client.CreateSession(ctx, &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:         &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice@example.com"}},
			Password:     &sessionv2.CheckPassword{Password: "PASSWORD-hunter2-SECRET"},
			Totp:         &sessionv2.CheckTOTP{Code: "Z9Q8X7"},
			IdpIntent:    &sessionv2.CheckIDPIntent{IdpIntentId: "intent-1", IdpIntentToken: "IDP-INTENT-TOKEN-SECRET"},
			WebAuthN:     &sessionv2.CheckWebAuthN{CredentialAssertionData: assertion},
			RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "RECOVERY-CODE-SECRET"},
		},
		Challenges: &sessionv2.RequestChallenges{OtpSms: &sessionv2.RequestChallenges_OTPSMS{ReturnCode: true}},
		Metadata:   map[string][]byte{"tenant-key": []byte("METADATA-VALUE-SECRET")},
		UserAgent: &sessionv2.UserAgent{Header: map[string]*sessionv2.UserAgent_HeaderValues{
			"cookie": {Values: []string{"HEADER-COOKIE-SECRET"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.SetSession(ctx, &sessionv2.SetSessionRequest{SessionId: "s1", SessionToken: "REQ-SESSION-TOKEN-SECRET"}); err != nil {
		t.Fatal(err)
	}
	tok := "REQ-SESSION-TOKEN-SECRET"
	_, err = client.DeleteSession(ctx, &sessionv2.DeleteSessionRequest{SessionId: "s1", SessionToken: &tok})
	if connect.CodeOf(err) != connect.CodeUnavailable {
		t.Fatalf("DeleteSession err = %v, want the injected failure", err)
	}

	out := buf.String()
	for _, s := range logSecrets {
		if strings.Contains(out, s) {
			t.Errorf("log output contains secret %q:\n%s", s, out)
		}
	}
	recs := buf.records(t)
	if len(recs) != 3 {
		t.Fatalf("got %d records, want exactly one per call:\n%s", len(recs), out)
	}
	want := []struct{ procedure, code, level string }{
		{sessionv2connect.SessionServiceCreateSessionProcedure, "ok", "INFO"},
		{sessionv2connect.SessionServiceSetSessionProcedure, "ok", "INFO"},
		{sessionv2connect.SessionServiceDeleteSessionProcedure, "unavailable", "WARN"},
	}
	for i, w := range want {
		r := recs[i]
		if r["procedure"] != w.procedure || r["code"] != w.code || r["level"] != w.level {
			t.Errorf("record %d = %v, want procedure %s code %s level %s", i, r, w.procedure, w.code, w.level)
		}
		if _, ok := r["duration"]; !ok {
			t.Errorf("record %d has no duration", i)
		}
		if p, _ := r["peer"].(string); !strings.HasPrefix(p, "127.0.0.1:") {
			t.Errorf("record %d peer = %q", i, p)
		}
	}
	// Debug records carry the redacted messages, keeping non-secret fields.
	req, _ := recs[0]["request"].(string)
	res, _ := recs[0]["response"].(string)
	// Metadata keys and header names stay visible, their values do not.
	for _, s := range []string{"alice@example.com", "[REDACTED]", "intent-1", "return_code", "tenant-key", "cookie"} {
		if !strings.Contains(req, s) {
			t.Errorf("debug request %q lacks %q", req, s)
		}
	}
	if !strings.Contains(res, "new-session") || !strings.Contains(res, "[REDACTED]") {
		t.Errorf("debug response = %q", res)
	}
}

func TestLoggingInfoHasNoMessages(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	svc := newFakeSessions()
	client := startSessionServer(t, svc, interceptors.Logging(logger))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	recs := buf.records(t)
	if len(recs) != 1 {
		t.Fatalf("records = %d, want 1", len(recs))
	}
	if _, ok := recs[0]["request"]; ok {
		t.Errorf("Info record contains the request: %v", recs[0])
	}
	if recs[0]["procedure"] != sessionv2connect.SessionServiceGetSessionProcedure || recs[0]["code"] != "ok" {
		t.Errorf("record = %v", recs[0])
	}
}

// Logging outside Retry logs the logical call once.
func TestLoggingOnceAroundRetry(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc := newFakeSessions()
	svc.failures[sessionv2connect.SessionServiceGetSessionProcedure] = 2
	client := startSessionServer(t, svc, interceptors.Logging(logger),
		interceptors.Retry(interceptors.RetryPolicy{InitialBackoff: time.Millisecond}))
	if err := getSession(t.Context(), client); err != nil {
		t.Fatal(err)
	}
	recs := buf.records(t)
	if len(recs) != 1 || recs[0]["code"] != "ok" {
		t.Fatalf("records = %v, want one ok record", recs)
	}
}

func TestRedact(t *testing.T) {
	otp := "OTPSMS-SECRET-4711"
	in := &sessionv2.CreateSessionResponse{SessionId: "id", SessionToken: "RESP-SESSION-TOKEN-SECRET", Challenges: &sessionv2.Challenges{OtpSms: &otp}}
	out := interceptors.Redact(in).(*sessionv2.CreateSessionResponse)
	if out.GetSessionToken() != "[REDACTED]" || out.GetChallenges().GetOtpSms() != "[REDACTED]" || out.GetSessionId() != "id" {
		t.Fatalf("redacted = %v", out)
	}
	if in.GetSessionToken() != "RESP-SESSION-TOKEN-SECRET" || in.GetChallenges().GetOtpSms() != otp {
		t.Fatal("Redact modified its input")
	}
	if interceptors.Redact(nil) != nil {
		t.Fatal("Redact(nil) != nil")
	}
}

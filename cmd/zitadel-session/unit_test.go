package main

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"connectrpc.com/connect/v2"
	"google.golang.org/protobuf/proto"

	zitadelv1 "github.com/sessionkit/zitadel-session-go/gen/zitadel"
	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

func TestParseMetadata(t *testing.T) {
	md, err := parseMetadata([]string{"a=1", "b=x=y", "ü=ö"})
	if err != nil {
		t.Fatal(err)
	}
	if len(md) != 3 || string(md["a"]) != "1" || string(md["b"]) != "x=y" || string(md["ü"]) != "ö" {
		t.Fatalf("got %q", md)
	}
	if md, err := parseMetadata(nil); md != nil || err != nil {
		t.Fatalf("nil input: %v, %v", md, err)
	}
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"novalue"}, `--metadata #1: want key=value, found no "="`},
		{[]string{"a=1", "=x"}, `--metadata #2: the key before "=" must not be empty`},
		{[]string{"a b=1"}, `--metadata "a?b": the key must not contain white space`},
		{[]string{"a\x00=1"}, `the key must not contain white space or control characters`},
		{[]string{"\xff=1"}, `--metadata #1: the key must be valid UTF-8`},
		{[]string{"k="}, `--metadata "k": the value after "=" must not be empty`},
		{[]string{"k=1", "k=2"}, `--metadata "k": the key is given more than once`},
		{[]string{strings.Repeat("k", 201) + "=1"}, `the key is 201 bytes long, at most 200 are allowed`},
		{[]string{"k=" + strings.Repeat("v", 4097)}, `the value is 4097 bytes long, at most 4096 are allowed`},
	} {
		_, err := parseMetadata(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseMetadata(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

// FuzzParseMetadata checks that parseMetadata never panics, that accepted
// input round-trips, and that errors name the flag but never the value.
func FuzzParseMetadata(f *testing.F) {
	f.Add("a=1", "b=2")
	f.Add("=", "k=")
	f.Add("key=val=ue", "x")
	f.Add("k=SECRETVALUE", "k=SECRETVALUE")
	f.Fuzz(func(t *testing.T, p1, p2 string) {
		md, err := parseMetadata([]string{p1, p2})
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "--metadata ") {
				t.Fatalf("error %q does not name the flag", msg)
			}
			// The same input with every value replaced by a same-length
			// sentinel fails the same rule; a value found in msg but not in
			// that error was leaked (rather than being, by chance, part of the
			// error's fixed text or of a key).
			masked := make([]string, 2)
			for i, p := range []string{p1, p2} {
				k, v, ok := strings.Cut(p, "=")
				masked[i] = p
				if ok {
					masked[i] = k + "=" + strings.Repeat("\x01", len(v))
				}
			}
			_, merr := parseMetadata(masked)
			for _, p := range []string{p1, p2} {
				if _, v, ok := strings.Cut(p, "="); ok && len(v) >= 6 && strings.Contains(msg, v) &&
					(merr == nil || !strings.Contains(merr.Error(), v)) {
					t.Fatalf("error %q contains the value %q", msg, v)
				}
			}
			if !utf8.ValidString(msg) {
				t.Fatalf("error is not valid UTF-8: %q", msg)
			}
			return
		}
		for _, p := range []string{p1, p2} {
			k, v, _ := strings.Cut(p, "=")
			if string(md[k]) != v {
				t.Fatalf("%q: got %q", p, md[k])
			}
		}
	})
}

func TestRedact(t *testing.T) {
	tok := "tok-SECRET"
	req := &sessionv2.CreateSessionRequest{Checks: &sessionv2.Checks{
		User:         &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice"}},
		Password:     &sessionv2.CheckPassword{Password: "pw-SECRET"},
		Totp:         &sessionv2.CheckTOTP{Code: "123456"},
		OtpSms:       &sessionv2.CheckOTP{Code: "sms-SECRET"},
		OtpEmail:     &sessionv2.CheckOTP{Code: "mail-SECRET"},
		RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "rc-SECRET"},
		IdpIntent:    &sessionv2.CheckIDPIntent{IdpIntentId: "intent-1", IdpIntentToken: "intent-SECRET"},
	}}
	code := "otp-SECRET"
	for _, m := range []proto.Message{
		req,
		&sessionv2.CreateSessionResponse{SessionId: "1", SessionToken: "tok-SECRET", Challenges: &sessionv2.Challenges{OtpSms: &code, OtpEmail: &code}},
		&sessionv2.GetSessionRequest{SessionId: "1", SessionToken: &tok},
		&sessionv2.DeleteSessionRequest{SessionId: "1", SessionToken: &tok},
	} {
		b, err := marshalJSON(redacted(m, redaction{}))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, "SECRET") || strings.Contains(s, "123456") {
			t.Errorf("secret left in %s", s)
		}
		if !strings.Contains(s, masked) {
			t.Errorf("no mask in %s", s)
		}
	}
	// the original is untouched, non-secrets are kept
	if req.GetChecks().GetPassword().GetPassword() != "pw-SECRET" {
		t.Fatal("redact modified its input")
	}
	b, _ := marshalJSON(redacted(req, redaction{}))
	if !strings.Contains(string(b), `"loginName": "alice"`) || !strings.Contains(string(b), `"idpIntentId": "intent-1"`) {
		t.Errorf("non-secret fields lost: %s", b)
	}
	// shown on request
	res := &sessionv2.CreateSessionResponse{SessionToken: "tok-SECRET", Challenges: &sessionv2.Challenges{OtpSms: &code}}
	b, _ = marshalJSON(redacted(res, redaction{showToken: true, showCode: true}))
	if !strings.Contains(string(b), "tok-SECRET") || !strings.Contains(string(b), "otp-SECRET") {
		t.Errorf("shown secrets missing: %s", b)
	}
}

func TestMarshalJSONStable(t *testing.T) {
	m := &sessionv2.CreateSessionResponse{SessionId: "42", SessionToken: "t"}
	first, err := marshalJSON(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"sessionId\": \"42\",\n  \"sessionToken\": \"t\"\n}\n"
	if string(first) != want {
		t.Fatalf("got %q, want %q", first, want)
	}
}

func zitadelErr(code connect.Code, id, msg string, failed int32) error {
	e := connect.NewError(code, msg+" ("+id+")")
	var detail proto.Message = &zitadelv1.ErrorDetail{Id: id, Message: msg}
	typ := "zitadel.v1.ErrorDetail"
	if failed > 0 {
		detail, typ = &zitadelv1.CredentialsCheckError{Id: id, Message: msg, FailedAttempts: failed}, "zitadel.v1.CredentialsCheckError"
	}
	b, _ := proto.Marshal(detail)
	return fmt.Errorf("wrapped: %w", e.WithDetail(&connect.ErrorDetail{Type: typ, Value: b}))
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err      error
		code     int
		wantLine string
	}{
		{zitadelErr(connect.CodeInvalidArgument, "COMMAND-3M0fs", "Password is invalid", 1), exitAuth, "Password is invalid (COMMAND-3M0fs), failed attempts: 1"},
		{zitadelErr(connect.CodeNotFound, "QUERY-SFeaa", "Session does not exist", 0), exitNotFound, "Session does not exist (QUERY-SFeaa)"},
		{zitadelErr(connect.CodeNotFound, "AUTHZ-cdgFk", "membership not found", 0), exitAuth, "membership not found (AUTHZ-cdgFk)"},
		{zitadelErr(connect.CodePermissionDenied, "AUTH-AWfge", "No matching permissions found", 0), exitAuth, "No matching permissions found (AUTH-AWfge)"},
		{zitadelErr(connect.CodeUnauthenticated, "AUTH-7fs1e", "Errors.Token.Invalid", 0), exitAuth, "Errors.Token.Invalid (AUTH-7fs1e)"},
		{zitadelErr(connect.CodeFailedPrecondition, "SESSION-Gj4ko", "Errors.User.NotActive", 0), exitAuth, "Errors.User.NotActive (SESSION-Gj4ko)"},
		{zitadelErr(connect.CodeFailedPrecondition, "COMMAND-Hkl3d", "Session has expired", 0), exitSessionExpired, "Session has expired (COMMAND-Hkl3d)"},
		{connect.NewError(connect.CodeInvalidArgument, "invalid CheckTOTP.Code: value length must be 6 runes"), exitInvalid, "invalid CheckTOTP.Code: value length must be 6 runes"},
		{connect.NewError(connect.CodeUnauthenticated, "auth header missing"), exitAuth, "auth header missing"},
		{usageErrorf("bad"), exitUsage, "bad"},
		{errors.New("unknown command \"x\" for \"zitadel-session\""), exitUsage, `unknown command "x" for "zitadel-session"`},
		{errors.New("boom\nsecond line"), exitOther, "boom"},
	} {
		code, line := classify(tc.err)
		if code != tc.code || line != tc.wantLine {
			t.Errorf("classify(%v) = %d, %q; want %d, %q", tc.err, code, line, tc.code, tc.wantLine)
		}
	}
}

func TestValidSessionID(t *testing.T) {
	for id, want := range map[string]bool{
		"300000652208114004": true, "abc_DEF-1": true,
		"": false, "../x": false, "a/b": false, "a b": false, strings.Repeat("1", 201): false,
	} {
		if got := validSessionID(id); got != want {
			t.Errorf("validSessionID(%q) = %v", id, got)
		}
	}
}

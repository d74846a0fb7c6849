package redact_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
	"github.com/sessionkit/zitadel-session-go/internal/redact"
)

const mask = "<MASK>"

// textOf renders m in the text format, which shows bytes as (escaped) text,
// so a secret in a bytes field is found by a substring search.
func textOf(t *testing.T, m proto.Message) string {
	t.Helper()
	b, err := prototext.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMessageRedactsEveryKind(t *testing.T) {
	tok := "REQ-TOKEN-SECRET"
	assertion, err := structpb.NewStruct(map[string]any{"response": "ASSERTION-SECRET"})
	if err != nil {
		t.Fatal(err)
	}
	code := "OTP-CODE-SECRET"
	for _, in := range []proto.Message{
		&sessionv2.CreateSessionRequest{
			Checks: &sessionv2.Checks{
				User:         &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice"}},
				Password:     &sessionv2.CheckPassword{Password: "PASSWORD-SECRET"},
				Totp:         &sessionv2.CheckTOTP{Code: "TOTP-SECRET"},
				OtpSms:       &sessionv2.CheckOTP{Code: "SMS-SECRET"},
				OtpEmail:     &sessionv2.CheckOTP{Code: "MAIL-SECRET"},
				RecoveryCode: &sessionv2.CheckRecoveryCode{Code: "RECOVERY-SECRET"},
				IdpIntent:    &sessionv2.CheckIDPIntent{IdpIntentId: "intent-1", IdpIntentToken: "INTENT-SECRET"},
				WebAuthN:     &sessionv2.CheckWebAuthN{CredentialAssertionData: assertion},
			},
			Metadata: map[string][]byte{"tenant": []byte("METADATA-SECRET")},
			UserAgent: &sessionv2.UserAgent{Header: map[string]*sessionv2.UserAgent_HeaderValues{
				"cookie": {Values: []string{"COOKIE-SECRET"}},
			}},
		},
		&sessionv2.CreateSessionResponse{SessionId: "1", SessionToken: "TOKEN-SECRET", Challenges: &sessionv2.Challenges{OtpSms: &code, OtpEmail: &code}},
		&sessionv2.GetSessionRequest{SessionId: "1", SessionToken: &tok},
		&sessionv2.GetSessionResponse{Session: &sessionv2.Session{Id: "1", Metadata: map[string][]byte{"tenant": []byte("METADATA-SECRET")}}},
	} {
		out := redact.Message(in, mask)
		s := textOf(t, out)
		if strings.Contains(s, "SECRET") {
			t.Errorf("secret left in %s", s)
		}
		if !strings.Contains(s, mask) && !strings.Contains(s, `key:"tenant"`) {
			t.Errorf("nothing visibly redacted in %s", s)
		}
		if !strings.Contains(textOf(t, in), "SECRET") {
			t.Fatal("Message modified its input")
		}
	}
}

func TestMessageKeepsNonSecrets(t *testing.T) {
	in := &sessionv2.CreateSessionRequest{
		Checks: &sessionv2.Checks{
			User:      &sessionv2.CheckUser{Search: &sessionv2.CheckUser_LoginName{LoginName: "alice"}},
			IdpIntent: &sessionv2.CheckIDPIntent{IdpIntentId: "intent-1", IdpIntentToken: "x"},
		},
		Metadata: map[string][]byte{"tenant": []byte("v")},
		UserAgent: &sessionv2.UserAgent{Description: proto.String("firefox"), Header: map[string]*sessionv2.UserAgent_HeaderValues{
			"cookie": {Values: []string{"c"}},
		}},
	}
	out := redact.Message(in, mask).(*sessionv2.CreateSessionRequest)
	if out.GetChecks().GetUser().GetLoginName() != "alice" || out.GetChecks().GetIdpIntent().GetIdpIntentId() != "intent-1" ||
		out.GetUserAgent().GetDescription() != "firefox" {
		t.Fatalf("non-secret fields lost: %v", out)
	}
	if v, ok := out.GetMetadata()["tenant"]; !ok || len(v) != 0 {
		t.Fatalf("metadata: key must stay, value must go: %q", out.GetMetadata())
	}
	if h, ok := out.GetUserAgent().GetHeader()["cookie"]; !ok || len(h.GetValues()) != 0 {
		t.Fatalf("header: name must stay, values must go: %v", out.GetUserAgent().GetHeader())
	}
	if out.GetChecks().GetIdpIntent().GetIdpIntentToken() != mask {
		t.Fatalf("intent token = %q, want the mask", out.GetChecks().GetIdpIntent().GetIdpIntentToken())
	}
}

func TestMessageReveal(t *testing.T) {
	code := "OTP-4711"
	in := &sessionv2.CreateSessionResponse{SessionToken: "TOKEN-1", Challenges: &sessionv2.Challenges{OtpSms: &code}}
	out := redact.Message(in, mask, "session_token").(*sessionv2.CreateSessionResponse)
	if out.GetSessionToken() != "TOKEN-1" || out.GetChallenges().GetOtpSms() != mask {
		t.Fatalf("reveal session_token: got %v", out)
	}
	out = redact.Message(in, mask, "otp_sms").(*sessionv2.CreateSessionResponse)
	if out.GetSessionToken() != mask || out.GetChallenges().GetOtpSms() != code {
		t.Fatalf("reveal otp_sms: got %v", out)
	}
	g := &sessionv2.GetSessionResponse{Session: &sessionv2.Session{Metadata: map[string][]byte{"k": []byte("v")}}}
	if got := redact.Message(g, mask, "metadata").(*sessionv2.GetSessionResponse); string(got.GetSession().GetMetadata()["k"]) != "v" {
		t.Fatalf("reveal metadata: got %v", got)
	}
}

func TestMessageNil(t *testing.T) {
	if redact.Message(nil, mask) != nil {
		t.Fatal("Message(nil) != nil")
	}
}

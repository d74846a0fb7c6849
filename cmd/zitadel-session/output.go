package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	sessionv2 "github.com/sessionkit/zitadel-session-go/gen/zitadel/session/v2"
)

// masked replaces every secret in output.
const masked = "••••(redacted)"

// redaction says which secrets may be shown.
type redaction struct {
	showToken bool // session tokens
	showCode  bool // one-time codes returned by OTP challenges
}

// redact returns a copy of m with every secret string field replaced by
// masked: passwords, one-time and recovery codes, IdP intent tokens, and
// (unless shown) session tokens and returned OTP codes.
func redact(m proto.Message, r redaction) proto.Message {
	if m == nil {
		return nil
	}
	c := proto.Clone(m)
	redactMsg(c.ProtoReflect(), r)
	return c
}

func redactMsg(m protoreflect.Message, r redaction) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					redactMsg(mv.Message(), r)
					return true
				})
			}
		case fd.IsList():
			if fd.Kind() == protoreflect.MessageKind {
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					redactMsg(l.Get(i).Message(), r)
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			redactMsg(v.Message(), r)
		case fd.Kind() == protoreflect.StringKind && v.String() != "" && isSecretField(fd, r):
			m.Set(fd, protoreflect.ValueOfString(masked))
		}
		return true
	})
}

func isSecretField(fd protoreflect.FieldDescriptor, r redaction) bool {
	switch fd.Name() {
	case "password", "code", "idp_intent_token":
		return true
	case "session_token":
		return !r.showToken
	case "otp_sms", "otp_email":
		return !r.showCode
	}
	return false
}

// marshalJSON renders m as protojson (lowerCamelCase field names as Zitadel
// emits them) with a stable two-space indentation.
func marshalJSON(m proto.Message) ([]byte, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(w io.Writer, m proto.Message) error {
	b, err := marshalJSON(m)
	if err != nil {
		return fmt.Errorf("encoding the response: %v", err)
	}
	_, err = w.Write(b)
	return err
}

// fmtTime formats a timestamp for tables, in UTC with second precision.
func fmtTime(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	return ts.AsTime().UTC().Format(time.RFC3339)
}

// factorNames lists the verified factors of a session in a fixed order.
func factorNames(f *sessionv2.Factors) []string {
	if f == nil {
		return nil
	}
	var out []string
	add := func(ok bool, name string) {
		if ok {
			out = append(out, name)
		}
	}
	add(f.GetUser() != nil, "user")
	add(f.GetPassword() != nil, "password")
	if wa := f.GetWebAuthN(); wa != nil {
		if wa.GetUserVerified() {
			out = append(out, "webauthn(uv)")
		} else {
			out = append(out, "webauthn")
		}
	}
	add(f.GetIntent() != nil, "idp-intent")
	add(f.GetTotp() != nil, "totp")
	add(f.GetOtpSms() != nil, "otp-sms")
	add(f.GetOtpEmail() != nil, "otp-email")
	add(f.GetRecoveryCode() != nil, "recovery-code")
	return out
}

// writeSessionTable prints one session as aligned "key  value" lines.
func writeSessionTable(w io.Writer, s *sessionv2.Session) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("id", s.GetId())
	row("created", fmtTime(s.GetCreationDate()))
	row("changed", fmtTime(s.GetChangeDate()))
	row("sequence", fmt.Sprint(s.GetSequence()))
	if s.GetExpirationDate() != nil {
		exp := s.GetExpirationDate().AsTime()
		state := "valid"
		if time.Now().After(exp) {
			state = "expired"
		}
		row("expires", fmtTime(s.GetExpirationDate())+" ("+state+")")
	} else {
		row("expires", "never")
	}
	if u := s.GetFactors().GetUser(); u != nil {
		row("user", fmt.Sprintf("%s (id %s, org %s)", orDash(u.GetLoginName()), u.GetId(), orDash(u.GetOrganizationId())))
		if u.GetDisplayName() != "" {
			row("display name", u.GetDisplayName())
		}
	} else {
		row("user", "-")
	}
	f := s.GetFactors()
	factors := []struct {
		name string
		ts   *timestamppb.Timestamp
	}{
		{"user", f.GetUser().GetVerifiedAt()},
		{"password", f.GetPassword().GetVerifiedAt()},
		{"webauthn", f.GetWebAuthN().GetVerifiedAt()},
		{"idp-intent", f.GetIntent().GetVerifiedAt()},
		{"totp", f.GetTotp().GetVerifiedAt()},
		{"otp-sms", f.GetOtpSms().GetVerifiedAt()},
		{"otp-email", f.GetOtpEmail().GetVerifiedAt()},
		{"recovery-code", f.GetRecoveryCode().GetVerifiedAt()},
	}
	anyFactor := false
	for _, fa := range factors {
		if fa.ts == nil {
			continue
		}
		label := "factors"
		if anyFactor {
			label = ""
		}
		anyFactor = true
		extra := ""
		if fa.name == "webauthn" && f.GetWebAuthN().GetUserVerified() {
			extra = ", user verified"
		}
		row(label, fmt.Sprintf("%s verified %s%s", fa.name, fmtTime(fa.ts), extra))
	}
	if !anyFactor {
		row("factors", "none")
	}
	keys := make([]string, 0, len(s.GetMetadata()))
	for k := range s.GetMetadata() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		label := ""
		if i == 0 {
			label = "metadata"
		}
		row(label, k+"="+printableValue(s.GetMetadata()[k]))
	}
	if ua := s.GetUserAgent(); ua != nil {
		var parts []string
		if ua.FingerprintId != nil {
			parts = append(parts, "fingerprint "+ua.GetFingerprintId())
		}
		if ua.Ip != nil {
			parts = append(parts, "ip "+ua.GetIp())
		}
		if ua.Description != nil {
			parts = append(parts, fmt.Sprintf("%q", ua.GetDescription()))
		}
		row("user agent", strings.Join(parts, ", "))
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printableValue shows a metadata value as text when it is printable UTF-8,
// else as a byte count.
func printableValue(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsFunc(b, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return string(b)
	}
	return fmt.Sprintf("(%d bytes of binary data)", len(b))
}

// writeSessionList prints sessions as a table, one per line.
func writeSessionList(w io.Writer, res *sessionv2.ListSessionsResponse) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tFACTORS\tCREATED\tEXPIRES")
	for _, s := range res.GetSessions() {
		user := "-"
		if u := s.GetFactors().GetUser(); u != nil {
			user = orDash(u.GetLoginName())
		}
		factors := strings.Join(factorNames(s.GetFactors()), ",")
		exp := "never"
		if s.GetExpirationDate() != nil {
			exp = fmtTime(s.GetExpirationDate())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.GetId(), user, orDash(factors), fmtTime(s.GetCreationDate()), exp)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d shown, %d matching\n", len(res.GetSessions()), res.GetDetails().GetTotalResult())
	return nil
}

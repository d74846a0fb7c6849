package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/sessionkit/zitadel-session-go/internal/redact"
	"github.com/sessionkit/zitadel-session-go/session"
)

// masked replaces every secret in output.
const masked = "••••(redacted)"

// redaction says which secrets may be shown.
type redaction struct {
	showToken bool // session tokens
	showCode  bool // one-time codes returned by OTP challenges
}

// redacted returns a copy of m with every secret masked, using the one
// redactor the project has (internal/redact, also used for debug logs).
// Shown are always the session's metadata and the user agent's headers (what
// the command was asked to read), and on request (--show-token, --show-code)
// session tokens and returned one-time codes.
func redacted(m proto.Message, r redaction) proto.Message {
	reveal := []protoreflect.Name{"metadata", "header"}
	if r.showToken {
		reveal = append(reveal, "session_token")
	}
	if r.showCode {
		reveal = append(reveal, "otp_sms", "otp_email")
	}
	return redact.Message(m, masked, reveal...)
}

// marshalJSON renders m as protojson (lowerCamelCase field names as Zitadel
// emits them) with a stable two-space indentation. The output is exact
// JSON and terminal safe at once: protojson escapes C0 controls in strings
// itself, and the characters it leaves raw that could still control a
// terminal or reorder text (DEL, C1 controls, bidi and other format
// characters, line separators) are written as \uXXXX escapes by
// terminalSafe, which any JSON decoder reads back as the same characters.
func marshalJSON(m proto.Message) ([]byte, error) {
	b, err := protojson.Marshal(m)
	if err != nil {
		return nil, err
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, b, "", "  "); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for line := range strings.Lines(indented.String()) {
		out.WriteString(terminalSafe(strings.TrimSuffix(line, "\n")))
		out.WriteByte('\n')
	}
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

// fmtTime formats a time for tables, in UTC with second precision; "-"
// for the zero time.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// factorNames returns the names of the session's verified factors, in the
// session package's order and vocabulary.
func factorNames(s *session.Session) []string {
	var out []string
	for _, k := range s.VerifiedFactors() {
		out = append(out, k.String())
	}
	return out
}

// writeSessionTable prints one session as aligned "key  value" lines. Every
// string from the server passes through terminalSafe.
func writeSessionTable(w io.Writer, s *session.Session) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("id", terminalSafe(s.ID))
	row("created", fmtTime(s.CreatedAt))
	row("changed", fmtTime(s.ChangedAt))
	row("sequence", fmt.Sprint(s.Sequence))
	if !s.ExpiresAt.IsZero() {
		state := "valid"
		if s.Expired(time.Now()) {
			state = "expired"
		}
		row("expires", fmtTime(s.ExpiresAt)+" ("+state+")")
	} else {
		row("expires", "never")
	}
	if u := s.Factors.User; u.Verified() || u.ID != "" {
		row("user", fmt.Sprintf("%s (id %s, org %s)", orDash(u.LoginName), terminalSafe(u.ID), orDash(u.OrganizationID)))
		if u.DisplayName != "" {
			row("display name", terminalSafe(u.DisplayName))
		}
	} else {
		row("user", "-")
	}
	label := "factors"
	for _, k := range s.VerifiedFactors() {
		row(label, fmt.Sprintf("%s verified %s", k, fmtTime(s.Factors.VerifiedAt(k))))
		label = ""
	}
	if label != "" {
		row("factors", "none")
	}
	label = "metadata"
	for _, k := range slices.Sorted(maps.Keys(s.Metadata)) {
		row(label, terminalSafe(k)+"="+printableValue(s.Metadata[k]))
		label = ""
	}
	if ua := s.UserAgent; ua != nil {
		var parts []string
		if ua.FingerprintID != "" {
			parts = append(parts, "fingerprint "+terminalSafe(ua.FingerprintID))
		}
		if ua.IP != "" {
			parts = append(parts, "ip "+terminalSafe(ua.IP))
		}
		if ua.Description != "" {
			parts = append(parts, "\""+terminalSafe(ua.Description)+"\"")
		}
		if len(parts) > 0 {
			row("user agent", strings.Join(parts, ", "))
		}
	}
	return tw.Flush()
}

// orDash returns s made terminal safe, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return terminalSafe(s)
}

// printableValue shows a metadata value as text when it is valid UTF-8
// without control characters, else as a byte count.
func printableValue(b []byte) string {
	if utf8.Valid(b) && !bytes.ContainsFunc(b, unicode.IsControl) {
		return terminalSafe(string(b))
	}
	return fmt.Sprintf("(%d bytes of binary data)", len(b))
}

// writeSessionList prints sessions as a table, one per line, and the
// server's count of matching sessions.
func writeSessionList(w io.Writer, sessions []*session.Session, matching uint64) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSER\tFACTORS\tCREATED\tEXPIRES")
	for _, s := range sessions {
		exp := "never"
		if !s.ExpiresAt.IsZero() {
			exp = fmtTime(s.ExpiresAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", terminalSafe(s.ID), orDash(s.Factors.User.LoginName),
			orDash(strings.Join(factorNames(s), ",")), fmtTime(s.CreatedAt), exp)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d shown, %d matching\n", len(sessions), matching)
	return nil
}

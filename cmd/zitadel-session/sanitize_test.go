package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTerminalSafe(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"Jürgen Müller 日本", "Jürgen Müller 日本"},
		{"", ""},
		{"a\x1b[2Jb", `a\u001b[2Jb`}, // ESC: clear screen
		{"x\x1b]0;pwned\x07", `x\u001b]0;pwned\u0007`},                         // OSC: retitle
		{"k\nfactors  webauthn verified", `k\u000afactors  webauthn verified`}, // forged line
		{"a\tb", `a\u0009b`},
		{"a\rb", `a\u000db`},
		{"del\x7f", `del\u007f`},
		{"c1\u009b31m", `c1\u009b31m`}, // 8-bit CSI
		{"\u0085next", `\u0085next`},   // NEL
		{"abc\u202edcba", `abc\u202edcba`},
		{"\u2066iso\u2069", `\u2066iso\u2069`},
		{"\u200eLRM\u200fRLM\u061c", `\u200eLRM\u200fRLM\u061c`},
		{"zero\u200bwidth\ufeff", `zero\u200bwidth\ufeff`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"tag\U000e0041", `tag\udb40\udc41`},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{`back\slash`, `back\slash`},
	} {
		if got := terminalSafe(tc.in); got != tc.want {
			t.Errorf("terminalSafe(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzTerminalSafe checks that the output never holds a character that
// could control a terminal, that it is valid UTF-8, and that safe input is
// returned unchanged.
func FuzzTerminalSafe(f *testing.F) {
	for _, s := range []string{"plain", "a\x1b[31mred", "\u202eevil", "\xff\xfe", "tab\there", "\u009b", "日本\u2028", "\U000e0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := terminalSafe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("terminalSafe(%q) = %q: not valid UTF-8", s, out)
		}
		for _, r := range out {
			if needsEscape(r) {
				t.Fatalf("terminalSafe(%q) = %q still holds %U", s, out, r)
			}
		}
		if !isTerminalSafe(out) {
			t.Fatalf("terminalSafe(%q) = %q is not terminal safe", s, out)
		}
		if terminalSafe(out) != out {
			t.Fatalf("terminalSafe is not idempotent on %q", out)
		}
		safe := utf8.ValidString(s) && !strings.ContainsFunc(s, needsEscape)
		if safe != (out == s) {
			t.Fatalf("terminalSafe(%q) = %q: safe input must be returned unchanged, unsafe input changed", s, out)
		}
	})
}

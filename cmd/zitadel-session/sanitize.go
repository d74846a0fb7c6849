package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// terminalSafe returns s with every character that could control a
// terminal or change how the text around it is displayed replaced by a
// visible escape. It is the one sanitizer for human-readable (table and
// error) output: every string that comes from a server passes through it
// before it reaches a terminal. (JSON output is exact JSON and is not
// sanitized; JSON encoding escapes C0 controls itself.)
//
// Escaped are C0 controls (including tab and newline, so a value cannot
// start a forged line or shift a table column), DEL, C1 controls (including
// the 8-bit CSI), Unicode format characters (bidi embeddings, overrides and
// isolates U+202A–U+202E and U+2066–U+2069, marks U+200E/U+200F/U+061C,
// zero-width characters, BOM) and the line and paragraph separators U+2028 and
// U+2029. They are written as \uXXXX (characters above U+FFFF as a UTF-16
// surrogate pair, \uXXXX\uXXXX), which is also a valid escape inside a JSON
// string. Invalid UTF-8 is replaced by U+FFFD. Everything else, including
// non-ASCII letters, is kept. The result is for display only: it cannot be
// turned back into s.
func terminalSafe(s string) string {
	if isTerminalSafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteRune(utf8.RuneError)
		case needsEscape(r):
			if r > 0xFFFF {
				r -= 0x10000
				fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isTerminalSafe reports whether terminalSafe would return s unchanged.
func isTerminalSafe(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 || needsEscape(r) {
			return false
		}
		i += n
	}
	return true
}

// needsEscape reports whether r is a control, format or line-separating
// character.
func needsEscape(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

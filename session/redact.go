package session

import (
	"fmt"
	"log/slog"
)

// redacted is what every secret is replaced with in String, fmt and slog
// output.
const redacted = "[REDACTED]"

// secretValue returns redacted for a non-empty secret and "" for an empty one,
// so that output still tells whether a secret was present.
func secretValue(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// formatString writes s for every fmt verb. Types holding secrets route
// Format through it so that %v, %+v, %#v, %s and %q all print the same
// redacted text.
func formatString(f fmt.State, verb rune, s string) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s)
	default:
		_, _ = f.Write([]byte(s))
	}
}

var _ slog.LogValuer = (*Handle)(nil)

package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits for --metadata. Zitadel itself does not bound session metadata;
// these keep accidental misuse (a file pasted as a value) from reaching it.
const (
	maxMetadataKeyLen   = 200
	maxMetadataValueLen = 4096
)

// parseMetadata parses repeated --metadata key=value flags. The first "="
// separates key and value, so values may contain "=". Keys must be non-empty,
// unique, at most 200 bytes of printable UTF-8 without white space; values
// must be non-empty (Zitadel ignores empty values) and at most 4096 bytes.
// Errors name the flag and the rule, and quote the key but never the value.
func parseMetadata(pairs []string) (map[string][]byte, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	md := make(map[string][]byte, len(pairs))
	for i, p := range pairs {
		key, value, ok := strings.Cut(p, "=")
		n := i + 1
		switch {
		case !ok:
			return nil, fmt.Errorf("--metadata #%d: want key=value, found no \"=\"", n)
		case key == "":
			return nil, fmt.Errorf("--metadata #%d: the key before \"=\" must not be empty", n)
		case !utf8.ValidString(key):
			return nil, fmt.Errorf("--metadata #%d: the key must be valid UTF-8", n)
		case len(key) > maxMetadataKeyLen:
			return nil, fmt.Errorf("--metadata #%d: the key is %d bytes long, at most %d are allowed", n, len(key), maxMetadataKeyLen)
		case strings.IndexFunc(key, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
			return nil, fmt.Errorf("--metadata %q: the key must not contain white space or control characters", printableKey(key))
		case value == "":
			return nil, fmt.Errorf("--metadata %q: the value after \"=\" must not be empty (Zitadel ignores empty values)", key)
		case len(value) > maxMetadataValueLen:
			return nil, fmt.Errorf("--metadata %q: the value is %d bytes long, at most %d are allowed", key, len(value), maxMetadataValueLen)
		}
		if _, dup := md[key]; dup {
			return nil, fmt.Errorf("--metadata %q: the key is given more than once", key)
		}
		md[key] = []byte(value)
	}
	return md, nil
}

// printableKey shortens and sanitizes a key for an error message.
func printableKey(k string) string {
	k = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) && !unicode.IsSpace(r) {
			return r
		}
		return '?'
	}, k)
	if len(k) > 40 {
		k = k[:40] + "..."
	}
	return k
}

// parseHeaders parses repeated --user-agent-header key=value flags into the
// user agent's header map; a key may repeat to give several values.
func parseHeaders(pairs []string) (map[string][]string, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	h := make(map[string][]string)
	for i, p := range pairs {
		key, value, ok := strings.Cut(p, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return nil, fmt.Errorf("--user-agent-header #%d: want name=value with a non-empty name", i+1)
		}
		h[key] = append(h[key], value)
	}
	return h, nil
}

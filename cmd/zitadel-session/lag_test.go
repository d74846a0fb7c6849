package main

import (
	"testing"
)

func TestParseProjectionLag(t *testing.T) {
	for in, ok := range map[string]bool{
		"":            true,
		"30ms":        true,
		"30ms,120ms":  true,
		" 30ms, 1s ":  true,
		"30":          false,
		"-1ms":        false,
		"30ms,":       false,
		"30ms,banana": false,
	} {
		opt, err := parseProjectionLag(in)
		if (err == nil) != ok {
			t.Errorf("parseProjectionLag(%q) error = %v, want ok=%v", in, err, ok)
		}
		if ok && (opt == nil) != (in == "") {
			t.Errorf("parseProjectionLag(%q) option = %v", in, opt != nil)
		}
	}
}

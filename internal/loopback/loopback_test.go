package loopback

import "testing"

func TestHost(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost":          true,
		"LocalHost":          true,
		"127.0.0.1":          true,
		"127.255.0.9":        true,
		"::1":                true,
		"::ffff:127.0.0.1":   true,
		"":                   false,
		"128.0.0.1":          false,
		"10.0.0.1":           false,
		"::2":                false,
		"localhost.example":  false,
		"evil.localhost.com": false,
		"zitadel":            false,
		"127.0.0.1.nip.io":   false,
		"0.0.0.0":            false,
		"[::1]":              false, // Hostname() strips brackets; a bracketed value is malformed
		"auth.example.com":   false,
		"fe80::1%eth0":       false,
		"127.0.0.1%lo":       false,
	} {
		if got := Host(host); got != want {
			t.Errorf("Host(%q) = %v, want %v", host, got, want)
		}
	}
}

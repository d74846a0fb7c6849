package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	must(t, os.WriteFile(tokenFile, []byte("pat-from-file\n"), 0o600))
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c, err := parseConfig(nil, env(nil), io.Discard)
	must(t, err)
	if c.zitadelURL != "" || c.listen != "127.0.0.1:9999" || c.basePath != "/ui/v2/login" || c.cookieSecret != nil {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = parseConfig([]string{"-zitadel", "https://z.example.com", "-client-id", "app", "-token-file", tokenFile},
		env(map[string]string{"LOGIN_LISTEN": "127.0.0.1:0", "LOGIN_COOKIE_SECRET": strings.Repeat("s", 32)}), io.Discard)
	must(t, err)
	if c.token != "pat-from-file" || c.issuer != "https://z.example.com" || c.listen != "127.0.0.1:0" || len(c.cookieSecret) != 32 {
		t.Fatalf("flags and environment: %+v", c)
	}
	for _, bad := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-zitadel", "https://z.example.com"}, nil, "ZITADEL_TOKEN"},
		{[]string{"-zitadel", "https://z.example.com", "-client-id", "app"}, nil, "ZITADEL_TOKEN"},
		{nil, map[string]string{"LOGIN_COOKIE_SECRET": "short"}, "LOGIN_COOKIE_SECRET"},
		{[]string{"-base-path", "login/"}, nil, "-base-path"},
		{[]string{"-base-path", "/app"}, nil, "-base-path"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"-token-file", filepath.Join(t.TempDir(), "missing")}, nil, "-token-file"},
	} {
		_, err := parseConfig(bad.args, env(bad.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v %v: error %v, want one naming %s", bad.args, bad.env, err, bad.want)
		}
		if err != nil && strings.Contains(err.Error(), "pat-from-file") {
			t.Errorf("an error shows the token")
		}
	}
}

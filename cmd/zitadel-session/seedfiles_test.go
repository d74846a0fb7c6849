package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// TestExampleSeedFiles: the seed files the README documents load and apply.
func TestExampleSeedFiles(t *testing.T) {
	for _, path := range []string{"testdata/seed.json", "testdata/seed-full.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		seed, err := parseSeed(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		srv := sessiontest.NewUnstartedServer(sessiontest.WithOpenIDProvider()) // as serve runs it
		if err := applySeed(srv, seed); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		srv.Close()
	}
}

package main

import (
	_ "embed"
	"errors"
	"io"
	"strings"

	"github.com/sessionkit/zitadel-session-go/sessiontest"
)

// defaultSeed is the example seed (testdata/seed.json) built into the
// binary: "serve" uses it without --seed and "demo" takes its first user.
//
//go:embed testdata/seed.json
var defaultSeed []byte

// parseSeed decodes a seed in sessiontest's JSON format.
func parseSeed(r io.Reader) (*sessiontest.Seed, error) {
	s, err := sessiontest.LoadSeed(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.HasSuffix(err.Error(), "unexpected EOF") {
			return nil, errors.New("not valid JSON (it ends too early)")
		}
		return nil, errors.New(trimSeedErr(err))
	}
	return s, nil
}

// applySeed adds the seed's users and access tokens to srv.
func applySeed(srv *sessiontest.Server, s *sessiontest.Seed) error {
	if err := srv.ApplySeed(s); err != nil {
		return errors.New(trimSeedErr(err))
	}
	return nil
}

// trimSeedErr drops the package prefixes of sessiontest's error texts.
func trimSeedErr(err error) string {
	msg := firstLine(err.Error())
	for _, p := range []string{"sessiontest: ", "LoadSeed: ", "ApplySeed: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

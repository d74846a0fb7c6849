// Package heavytest is the switch for the repository's heavy tests: load
// tests, memory measurements, 10,000-call loops, binary builds, real-browser
// tests and buf runs. They run only when the environment variable
// ZS_HEAVY_TESTS is "1" (CI sets it), so that `go test ./...` stays fast on a
// developer's machine.
package heavytest

import (
	"os"
	"testing"
)

// Env is the environment variable that switches the heavy tests on.
const Env = "ZS_HEAVY_TESTS"

// Enabled reports whether heavy tests run (ZS_HEAVY_TESTS=1).
func Enabled() bool { return os.Getenv(Env) == "1" }

// Require skips tb unless heavy tests are switched on.
func Require(tb testing.TB) {
	tb.Helper()
	if !Enabled() {
		tb.Skip("heavy test: runs with " + Env + "=1 (as in CI)")
	}
}

package reliability

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// server, client transport and fault handler must be shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

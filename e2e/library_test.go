package e2e

import (
	"testing"

	"github.com/sessionkit/zitadel-session-go/internal/e2esuite"
)

// TestLibrary runs the library suite against the Zitadel of the environment,
// over Connect, gRPC and gRPC-Web.
func TestLibrary(t *testing.T) {
	e2esuite.RunLibrary(t, e2esuite.FromEnv(t), e2esuite.HTTPProtocols())
}

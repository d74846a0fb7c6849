package reliability

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/sessionkit/zitadel-session-go/internal/heavytest"
)

const cliPackage = "github.com/sessionkit/zitadel-session-go/cmd/zitadel-session"

// buildCLI builds cmd/zitadel-session into a temporary directory; a build
// failure fails the test.
func buildCLI(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("CLI build skipped with -short")
	}
	bin := filepath.Join(tb.TempDir(), "zitadel-session")
	cmd := exec.Command("go", "build", "-o", bin, cliPackage)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("build cmd/zitadel-session: %v\n%s", err, out)
	}
	return bin
}

// TestCLIBinarySize reports the size of the zitadel-session binary and
// checks that it starts and prints its help.
func TestCLIBinarySize(t *testing.T) {
	heavytest.Require(t)
	bin := buildCLI(t)
	fi, err := os.Stat(bin)
	must(t, err)
	t.Logf("zitadel-session binary: %d bytes (%.1f MiB), %s/%s", fi.Size(), float64(fi.Size())/(1<<20), runtime.GOOS, runtime.GOARCH)
	if fi.Size() == 0 || fi.Size() > 64<<20 {
		t.Errorf("binary size %d bytes outside (0, 64 MiB]", fi.Size())
	}
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("zitadel-session --help: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "zitadel-session") {
		t.Errorf("--help output does not name the program:\n%s", out)
	}
}

// BenchmarkCLIColdStart execs "zitadel-session --help" b.N times (process
// start, init, flag parsing, help output) and reports ms/op.
func BenchmarkCLIColdStart(b *testing.B) {
	bin := buildCLI(b)
	b.ResetTimer()
	for range b.N {
		if out, err := exec.Command(bin, "--help").CombinedOutput(); err != nil {
			b.Fatalf("--help: %v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/1e6/float64(b.N), "ms/op")
}

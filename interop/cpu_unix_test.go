//go:build unix

package interop_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used so
// far: client, in-process server and runtime (GC) together.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

//go:build unix

package bench

import (
	"syscall"
	"time"
)

// SelfCPUTime returns the user plus system CPU time this process has used.
func SelfCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// SelfContextSwitches returns how many times this process's threads have
// given up a core so far, to wait or preempted.
func SelfContextSwitches() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Nvcsw + ru.Nivcsw)
}

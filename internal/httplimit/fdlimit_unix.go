//go:build unix

package httplimit

import "syscall"

// fdLimit is the soft limit on open files (Go raises it to the hard limit
// at start-up), or 0 when unknown.
func fdLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<20 {
		return 0
	}
	return int(rl.Cur)
}

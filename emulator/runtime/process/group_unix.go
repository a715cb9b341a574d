//go:build unix

package process

import (
	"errors"
	"os/exec"
	"syscall"
)

// ownProcessGroup starts cmd in a process group of its own, so one kill
// reaches its children. No Pdeathsig: Linux sends it when the forking OS
// thread exits, which Go does not control, and a spurious SIGKILL would be a
// baffling task failure.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the task's whole process group.
func (r *Runtime) killGroup(pid int) {
	err := syscall.Kill(-pid, syscall.SIGKILL)
	if err != nil && !errors.Is(err, syscall.ESRCH) {
		r.log.Warn("kill task process group", "pid", pid, "err", err)
	}
}

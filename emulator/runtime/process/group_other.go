//go:build !unix

package process

import (
	"os"
	"os/exec"
)

// ownProcessGroup does nothing where there are no process groups.
func ownProcessGroup(*exec.Cmd) {}

// killGroup kills the task's process; its children are not reached on
// this platform.
func (r *Runtime) killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		if err := p.Kill(); err != nil {
			r.log.Warn("kill task process", "pid", pid, "err", err)
		}
	}
}

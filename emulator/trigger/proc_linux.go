package trigger

import (
	"os/exec"
	"syscall"
)

// tieToHost makes the kernel kill the plugin when ironlocal dies, even by
// kill -9, so no orphan keeps a port or a watch.
func tieToHost(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

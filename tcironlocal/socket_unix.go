//go:build unix

package tcironlocal

import (
	"os"
	"strconv"
	"syscall"
)

// socketGroup is the gid owning the socket at path on this machine, which
// is the Docker host's unless the engine is remote.
func socketGroup(path string) (string, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", false
	}
	return strconv.FormatUint(uint64(st.Gid), 10), true
}

//go:build unix

package control

import (
	"io/fs"
	"syscall"
)

// diskUsage is the bytes a file takes on the disk (its allocated blocks),
// which for a sparse file is less than its size.
func diskUsage(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}

//go:build !unix

package control

import "io/fs"

// diskUsage is the file's size where the OS does not report its blocks.
func diskUsage(info fs.FileInfo) int64 { return info.Size() }

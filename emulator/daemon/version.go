package daemon

import (
	"fmt"
	"runtime"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// VersionLine is what --version prints: the program's name, the version
// stamped at build time (server.Version), the Go toolchain and the platform.
func VersionLine(name string) string {
	return fmt.Sprintf("%s %s (%s %s/%s)", name, server.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

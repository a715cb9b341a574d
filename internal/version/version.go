// Package version holds the one version an ironlocal build reports: the
// daemon (ironlocald --version, GET /version, the health document, the
// banner), the desktop app's About box, the container image's label and the
// built-in trigger plugins' Info. It imports only the standard library, so
// that the emulator (through server.Version) and the plugins, which may not
// import the emulator, read the same variable.
//
// Release builds stamp it at link time (make release, make image and
// make build VERSION=… do):
//
//	go build -ldflags "-X github.com/ironlocal/ironlocal/internal/version.Version=1.2.3" ./emulator/cmd/ironlocald
//
// An unstamped build reports the version of this module the go command
// recorded (`go install github.com/ironlocal/ironlocal/emulator/cmd/ironlocald@v1.2.3`
// gives 1.2.3), else Dev.
package version

import (
	"runtime/debug"
	"strings"
)

// Version is this build's version; see the package documentation.
var Version = Dev

// Dev is the Version of a build from a checkout nobody stamped: valid
// semver that sorts before every release.
const Dev = "0.0.0-dev"

// Var is the linker's name of Version: the -X flag that stamps a build is
// "-X " + Var + "=1.2.3".
const Var = modulePath + "/internal/version.Version"

// modulePath is this module's path.
const modulePath = "github.com/ironlocal/ironlocal"

func init() {
	if Version != Dev {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		Version = recorded(bi, Dev)
	}
}

// recorded is the version of this module bi records, as a Version
// ("v1.2.3" → "1.2.3"), or def when it records none: a build in the
// checkout ("(devel)"), a replace by a directory.
func recorded(bi *debug.BuildInfo, def string) string {
	m := &bi.Main
	if m.Path != modulePath {
		m = nil
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				m = d
				break
			}
		}
	}
	if m == nil {
		return def
	}
	if m.Replace != nil {
		m = m.Replace
	}
	if m.Version == "" || m.Version == "(devel)" {
		return def
	}
	return strings.TrimPrefix(m.Version, "v")
}

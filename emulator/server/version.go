package server

import (
	"runtime/debug"
	"strings"
)

// Version is this build's version: the one ironlocald --version, GET
// /version, the health document, the banner, the desktop app's About box and
// the container image's label report. Release builds stamp it at link time
// (make release does):
//
//	go build -ldflags "-X github.com/ironlocal/ironlocal/emulator/server.Version=1.2.3" ./emulator/cmd/ironlocald
//
// An unstamped build reports the version of this module the go command
// recorded (`go install github.com/ironlocal/ironlocal/emulator/cmd/ironlocald@v1.2.3`
// gives 1.2.3), else DevVersion.
var Version = DevVersion

// DevVersion is the Version of a build from a checkout nobody stamped: valid
// semver that sorts before every release.
const DevVersion = "0.0.0-dev"

// modulePath is this module's path.
const modulePath = "github.com/ironlocal/ironlocal"

func init() {
	if Version != DevVersion {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		Version = recordedVersion(bi, DevVersion)
	}
}

// recordedVersion is the version of this module bi records, as a Version
// ("v1.2.3" → "1.2.3"), or def when it records none: a build in the
// checkout ("(devel)"), a replace by a directory.
func recordedVersion(bi *debug.BuildInfo, def string) string {
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

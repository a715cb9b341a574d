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
// An unstamped build reports the module version the go command recorded
// (`go install github.com/ironlocal/ironlocal/emulator/cmd/ironlocald@v1.2.3`
// gives 1.2.3), else DevVersion.
var Version = DevVersion

// DevVersion is the Version of a build from a checkout nobody stamped: valid
// semver that sorts before every release.
const DevVersion = "0.0.0-dev"

func init() {
	if Version != DevVersion {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		Version = moduleVersion(bi.Main.Version, DevVersion)
	}
}

// moduleVersion turns a module version the go command recorded ("v1.2.3",
// "v0.0.0-20261128…-abcdef+dirty") into a Version, or def when there is
// none ("", "(devel)").
func moduleVersion(recorded, def string) string {
	if recorded == "" || recorded == "(devel)" {
		return def
	}
	return strings.TrimPrefix(recorded, "v")
}

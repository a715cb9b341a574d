package server

import "github.com/ironlocal/ironlocal/internal/version"

// Version is this build's version: the one ironlocald --version, GET
// /version, the health document, the banner, the desktop app's About box,
// the container image's label and the built-in trigger plugins report. It
// is internal/version's Version, which release builds stamp at link time
// (make release does):
//
//	go build -ldflags "-X github.com/ironlocal/ironlocal/internal/version.Version=1.2.3" ./emulator/cmd/ironlocald
//
// An unstamped build reports the version of this module the go command
// recorded (`go install github.com/ironlocal/ironlocal/emulator/cmd/ironlocald@v1.2.3`
// gives 1.2.3), else DevVersion.
var Version = version.Version

// DevVersion is the Version of a build from a checkout nobody stamped: valid
// semver that sorts before every release.
const DevVersion = version.Dev

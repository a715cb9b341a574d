// Package builtin names ironlocal's built-in trigger plugins, so that one
// executable can serve any of them: ironlocald started under a plugin's name
// (a link in a plugins directory, as the container image has them) serves
// that plugin instead of the daemon. Each plugin is also a command of its own
// (plugins/upload, plugins/http, plugins/redis, plugins/queue).
package builtin

import (
	"path/filepath"
	"strings"

	"github.com/ironlocal/ironlocal/plugins/builtin/httptrigger"
	"github.com/ironlocal/ironlocal/plugins/builtin/queuetrigger"
	"github.com/ironlocal/ironlocal/plugins/builtin/redistrigger"
	"github.com/ironlocal/ironlocal/plugins/builtin/uploadtrigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

var plugins = map[string]func() sdk.Trigger{
	"upload": uploadtrigger.New,
	"http":   httptrigger.New,
	"redis":  redistrigger.New,
	"queue":  queuetrigger.New,
}

// ForExecutable returns the built-in plugin an executable at path serves
// by its name ("upload", "upload.exe"), if it names one.
func ForExecutable(path string) (func() sdk.Trigger, bool) {
	name := strings.TrimSuffix(filepath.Base(path), ".exe")
	p, ok := plugins[name]
	return p, ok
}

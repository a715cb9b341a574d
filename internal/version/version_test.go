package version

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecorded(t *testing.T) {
	mod := func(path, version string) debug.Module { return debug.Module{Path: path, Version: version} }
	for name, c := range map[string]struct {
		bi   debug.BuildInfo
		want string
	}{
		"built in the checkout":          {debug.BuildInfo{Main: mod(modulePath, "(devel)")}, Dev},
		"nothing recorded":               {debug.BuildInfo{Main: mod(modulePath, "")}, Dev},
		"go install …@v1.2.3":            {debug.BuildInfo{Main: mod(modulePath, "v1.2.3")}, "1.2.3"},
		"a pre-release":                  {debug.BuildInfo{Main: mod(modulePath, "v0.2.0-rc.1")}, "0.2.0-rc.1"},
		"VCS stamped pseudo-version":     {debug.BuildInfo{Main: mod(modulePath, "v0.0.0-20261128224116-a70bded1c2f3+dirty")}, "0.0.0-20261128224116-a70bded1c2f3+dirty"},
		"a dependency of a tools module": {debug.BuildInfo{Main: mod("example.com/tools", "(devel)"), Deps: []*debug.Module{{Path: "other", Version: "v9.9.9"}, {Path: modulePath, Version: "v1.4.0"}}}, "1.4.0"},
		"replaced by a directory":        {debug.BuildInfo{Main: mod("example.com/tools", "(devel)"), Deps: []*debug.Module{{Path: modulePath, Version: "v0.0.0", Replace: &debug.Module{Path: "../ironlocal"}}}}, Dev},
		"not linked at all":              {debug.BuildInfo{Main: mod("example.com/tools", "v1.0.0")}, Dev},
	} {
		require.Equal(t, c.want, recorded(&c.bi, Dev), name)
	}
}

// The Makefile stamps the variable this package declares, and reads Dev
// from this file for an unstamped image's label.
func TestMakefileStampsVar(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join("..", "..", "Makefile"))
	require.NoError(t, err)
	require.True(t, strings.Contains(string(mk), "-X "+Var+"=$(VERSION)"), "the Makefile's VERSION_LDFLAGS stamp %s", Var)
	require.True(t, strings.Contains(string(mk), "internal/version/version.go"), "make image reads Dev from internal/version/version.go")
	require.True(t, strings.HasPrefix(Var, modulePath+"/"), Var)
}

// Package testbin gives tests the project's own programs: ironlocald, the
// built-in trigger plugins and the SDK's example plugin. make test builds
// them once into the directory named by $IRONLOCAL_TEST_BIN before any
// package's tests start, so the packages that run them share one build
// instead of each linking its own; a package tested alone (go test ./x)
// builds them once per test binary instead. Only tests import it.
package testbin

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// EnvDir names the directory make test builds the programs into:
//
//	$IRONLOCAL_TEST_BIN/daemon/ironlocald
//	$IRONLOCAL_TEST_BIN/plugins/{upload,http,redis,queue}
//	$IRONLOCAL_TEST_BIN/examples/ticker
//
// ironlocald sits in a directory of its own on purpose: it looks for
// plugins in plugins/ next to its binary, and a test's daemon runs plugins
// only when the test passes --plugins-dir.
const EnvDir = "IRONLOCAL_TEST_BIN"

// Builtins are the trigger plugins that ship with ironlocald.
var Builtins = []string{"upload", "http", "redis", "queue"}

// Daemon returns the path of ironlocald.
func Daemon(t testing.TB) string {
	t.Helper()
	return filepath.Join(dir(t), "daemon", exe("ironlocald"))
}

// PluginsDir returns a directory holding the built-in plugins, and nothing
// else: what --plugins-dir takes.
func PluginsDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(dir(t), "plugins")
}

// PluginsDirWith returns a fresh directory holding only the named plugins
// (built-ins, or "ticker"), linked to the shared builds.
func PluginsDirWith(t testing.TB, names ...string) string {
	t.Helper()
	d := t.TempDir()
	for _, n := range names {
		src := Plugin(t, n)
		if n == "ticker" {
			src = Ticker(t)
		}
		if err := os.Symlink(src, filepath.Join(d, exe(n))); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// Plugin returns the path of one built-in plugin.
func Plugin(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(PluginsDir(t), exe(name))
}

// Ticker returns the path of the SDK's example plugin (plugins/examples/
// ticker, a module of its own that imports only the SDK).
func Ticker(t testing.TB) string {
	t.Helper()
	return filepath.Join(dir(t), "examples", exe("ticker"))
}

var (
	once     sync.Once
	builtDir string
	buildErr error
)

// dir is $IRONLOCAL_TEST_BIN when make test set it, else a directory this
// test binary built the programs into on first use.
func dir(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		if d := os.Getenv(EnvDir); d != "" {
			builtDir, buildErr = d, check(d)
			return
		}
		d, err := os.MkdirTemp("", "ironlocal-testbin-")
		if err != nil {
			buildErr = err
			return
		}
		// The directory outlives this test: other tests of the binary use
		// it. The OS's temp cleaning takes it, as it does go test's own.
		builtDir, buildErr = d, build(d)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtDir
}

// check says what is missing from a directory make test should have
// filled: a stale variable pointing at an empty directory fails loudly
// rather than testing nothing.
func check(d string) error {
	want := []string{filepath.Join("daemon", exe("ironlocald")), filepath.Join("examples", exe("ticker"))}
	for _, p := range Builtins {
		want = append(want, filepath.Join("plugins", exe(p)))
	}
	var missing []string
	for _, w := range want {
		if _, err := os.Stat(filepath.Join(d, w)); err != nil {
			missing = append(missing, w)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("$%s=%s lacks %s: run `make testbin TESTBIN=%s` or unset it", EnvDir, d, strings.Join(missing, ", "), d)
	}
	return nil
}

// build builds every program into d (static, CGO_ENABLED=0): what
// `make testbin` runs.
func build(d string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	pkgs := []string{"./emulator/cmd/ironlocald"}
	if err := goBuild(root, filepath.Join(d, "daemon")+string(filepath.Separator), pkgs...); err != nil {
		return err
	}
	pkgs = pkgs[:0]
	for _, p := range Builtins {
		pkgs = append(pkgs, "./plugins/"+p)
	}
	if err := goBuild(root, filepath.Join(d, "plugins")+string(filepath.Separator), pkgs...); err != nil {
		return err
	}
	return goBuild(filepath.Join(root, "plugins", "examples", "ticker"), filepath.Join(d, "examples", exe("ticker")), ".")
}

func goBuild(dir, out string, pkgs ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", out}, pkgs...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(pkgs, " "), err, b)
	}
	return nil
}

// ModuleRoot is the directory of ironlocal's go.mod (a test runs in its
// package's directory, inside the module).
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the module")
	}
	return filepath.Dir(gomod), nil
}

func exe(name string) string {
	if runtime.GOOS == "windows" {
		return name + ".exe"
	}
	return name
}

// Package release builds ironlocal's release artefacts: ironlocald and the
// built-in trigger plugins for every platform in Platforms (static,
// CGO_ENABLED=0, reproducible), the desktop app for AppPlatforms (fyne
// package; cgo, cross-compiled with MinGW for Windows), one archive per
// platform with the README, LICENSE, CHANGELOG and THIRD_PARTY notices, and
// SHA256SUMS. `make release VERSION=x.y.z` runs it through
// internal/cmd/release; test/release checks what it makes.
package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/internal/version"
)

// Platform is one GOOS/GOARCH pair.
type Platform struct{ OS, Arch string }

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// Exe is the file name of the executable name on p.
func (p Platform) Exe(name string) string {
	if p.OS == "windows" {
		return name + ".exe"
	}
	return name
}

// Platforms are the platforms ironlocald and the built-in plugins are
// released for.
var Platforms = []Platform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// AppPlatforms are the platforms the desktop app is packaged for from Linux.
// A macOS app bundle needs Apple's toolchain: it is built on a Mac (see
// docs/contributing.md).
var AppPlatforms = []Platform{{"linux", "amd64"}, {"windows", "amd64"}}

const (
	// VersionVar is the one variable a build's version is stamped into:
	// the daemon and the built-in plugins report it.
	VersionVar = version.Var
	// DaemonPkg is ironlocald's main package.
	DaemonPkg = "./emulator/cmd/ironlocald"
	// DefaultFyne is the fyne tool the Makefile's `make package` uses.
	DefaultFyne = "fyne.io/tools/cmd/fyne@v1.7.4"
	// WindowsCC is Debian's MinGW-w64 C compiler (gcc-mingw-w64-x86-64).
	WindowsCC = "x86_64-w64-mingw32-gcc"
)

// Docs are the files every archive carries besides the binaries.
var Docs = []string{"README.md", "LICENSE", "CHANGELOG.md", "THIRD_PARTY.md"}

var versionRE = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// CheckVersion accepts a semantic version without the leading v (1.2.3,
// 1.2.3-rc.1): what the image tag, the fyne app version and the archive names
// take.
func CheckVersion(v string) error {
	if !versionRE.MatchString(v) {
		return fmt.Errorf("version %q: want a semantic version x.y.z or x.y.z-pre (no leading v)", v)
	}
	return nil
}

// Options say what Build makes and where.
type Options struct {
	// Root is the module's directory (the checkout).
	Root string
	// Dist receives the artefacts; it is emptied first.
	Dist    string
	Version string
	// Time is every archive entry's modification time (SOURCE_DATE_EPOCH),
	// so that archives of identical binaries are identical bytes.
	Time time.Time
	// Platforms default to Platforms.
	Platforms []Platform
	// App also packages the desktop app for AppPlatforms (slow: two cgo
	// builds).
	App bool
	// Fyne is the fyne tool: a package@version installed for this host
	// (DefaultFyne when empty), or the path of a fyne binary.
	Fyne string
	// Env is added to every build's environment (tests set GOCACHE).
	Env []string
	// Log receives progress lines and the tools' output (nil: discarded).
	Log io.Writer

	// docs are Docs as read once at the start, so that every archive of a
	// release holds the same texts.
	docs map[string][]byte
}

// Build makes the release in o.Dist and returns the artefacts' file names
// (relative to Dist, SHA256SUMS last).
func Build(ctx context.Context, o Options) ([]string, error) {
	if err := CheckVersion(o.Version); err != nil {
		return nil, err
	}
	if o.Time.IsZero() {
		return nil, errors.New("release: Options.Time is required (reproducible archives)")
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if len(o.Platforms) == 0 {
		o.Platforms = Platforms
	}
	o.docs = map[string][]byte{}
	for _, d := range Docs {
		b, err := os.ReadFile(filepath.Join(o.Root, d))
		if err != nil {
			return nil, fmt.Errorf("release: every archive carries %s: %w", d, err)
		}
		o.docs[d] = b
	}
	if err := os.RemoveAll(o.Dist); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dist, 0o755); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "ironlocal-release-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)

	plugins, err := Plugins(ctx, o.Root)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range o.Platforms {
		name, err := o.daemonArchive(ctx, work, p, plugins)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", p, err)
		}
		names = append(names, name)
	}
	if o.App {
		made, err := o.appArchives(ctx, work)
		if err != nil {
			return nil, err
		}
		names = append(names, made...)
	}
	if err := WriteSums(o.Dist, names); err != nil {
		return nil, err
	}
	return append(names, SumsFile), nil
}

// ArchiveName is the name of the archive of ironlocald and the plugins for p.
func ArchiveName(version string, p Platform) string {
	return fmt.Sprintf("ironlocal_%s_%s_%s%s", version, p.OS, p.Arch, archiveExt(p))
}

// AppArchiveName is the name of the desktop app's package for p.
func AppArchiveName(version string, p Platform) string {
	return fmt.Sprintf("ironlocal-desktop_%s_%s_%s%s", version, p.OS, p.Arch, archiveExt(p))
}

func archiveExt(p Platform) string {
	if p.OS == "windows" {
		return ".zip"
	}
	return ".tar.gz"
}

// Plugins lists the built-in plugins' main packages (the main packages
// under ./plugins/; the examples are modules of their own).
func Plugins(ctx context.Context, root string) ([]string, error) {
	out, err := goCmd(ctx, root, nil, "list", "-f", "{{if eq .Name \"main\"}}{{.ImportPath}}{{end}}", "./plugins/...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list ./plugins/...: %w", cmdErr(err))
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		return nil, errors.New("go list ./plugins/...: no plugin main packages")
	}
	slices.Sort(pkgs)
	return pkgs, nil
}

// DaemonTags are the build tags of a released ironlocald (and of the
// image's, see the Makefile): it embeds the time zone database, for images
// with none, and leaves out gRPC's debug trace pages (and the HTML
// templates they pull in), which nothing serves.
const DaemonTags = "timetzdata,grpcnotrace"

// GoBuildArgs are the arguments of a reproducible, version-stamped build of
// pkgs into out: no paths of this machine (-trimpath), no VCS state, no
// symbol tables, and the version in VersionVar. ironlocald is built with
// DaemonTags, as the image is.
func GoBuildArgs(version, out string, pkgs ...string) []string {
	args := []string{"build", "-trimpath", "-buildvcs=false"}
	if slices.Contains(pkgs, DaemonPkg) {
		args = append(args, "-tags", DaemonTags)
	}
	args = append(args, "-ldflags", "-s -w -X "+VersionVar+"="+version, "-o", out)
	return append(args, pkgs...)
}

// StaticEnv is the environment of a static cross build for p: cgo off, and
// what else the environment could change pinned (GOFLAGS cleared, the
// default instruction set levels).
func StaticEnv(p Platform) []string {
	return []string{"CGO_ENABLED=0", "GOOS=" + p.OS, "GOARCH=" + p.Arch, "GOFLAGS=", "GOAMD64=v1", "GOARM64=v8.0"}
}

func (o Options) daemonArchive(ctx context.Context, work string, p Platform, plugins []string) (string, error) {
	name := ArchiveName(o.Version, p)
	top := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz")
	dir := filepath.Join(work, top)
	fmt.Fprintf(o.Log, "release: %s: ironlocald and %d plugins\n", p, len(plugins))
	env := append(StaticEnv(p), o.Env...)
	if err := o.run(goCmd(ctx, o.Root, env, GoBuildArgs(o.Version, filepath.Join(dir, p.Exe("ironlocald")), DaemonPkg)...)); err != nil {
		return "", err
	}
	// Several packages with -o DIR/: each binary named after its package
	// (.exe on Windows), in plugins/ next to ironlocald where it looks.
	if err := o.run(goCmd(ctx, o.Root, env, GoBuildArgs(o.Version, filepath.Join(dir, "plugins")+string(filepath.Separator), plugins...)...)); err != nil {
		return "", err
	}
	if err := o.writeDocs(dir); err != nil {
		return "", err
	}
	return name, WriteArchive(filepath.Join(o.Dist, name), dir, top, o.Time)
}

func (o Options) writeDocs(dir string) error {
	for _, d := range Docs {
		if err := os.WriteFile(filepath.Join(dir, d), o.docs[d], 0o644); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// SumsFile is the checksum list's name: `sha256sum -c SHA256SUMS` checks it.
const SumsFile = "SHA256SUMS"

// WriteSums writes SumsFile in dist: one "<sha256>  <name>" line per file,
// sorted by name.
func WriteSums(dist string, names []string) error {
	sorted := slices.Sorted(slices.Values(names))
	var b strings.Builder
	for _, n := range sorted {
		sum, err := fileSHA256(filepath.Join(dist, n))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, n)
	}
	return os.WriteFile(filepath.Join(dist, SumsFile), []byte(b.String()), 0o644)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goCmd is the go command run in dir with env added to this process's.
func goCmd(ctx context.Context, dir string, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, goBin(), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func goBin() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// run runs cmd with its output in the log, and names it when it fails.
func (o Options) run(cmd *exec.Cmd) error {
	var tail tailBuffer
	cmd.Stdout = io.MultiWriter(o.Log, &tail)
	cmd.Stderr = io.MultiWriter(o.Log, &tail)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, tail.String())
	}
	return nil
}

func cmdErr(err error) error {
	if ee, ok := errors.AsType[*exec.ExitError](err); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}

// tailBuffer keeps the last 8 KiB written to it (a failed build's errors).
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - 8<<10; over > 0 {
		t.b = t.b[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

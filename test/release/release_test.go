// Package release_test checks the release artefacts `make release` builds
// (through package internal/release): every platform's archive and what is in
// it, the binaries' formats and architectures, SHA256SUMS, that a rebuild
// elsewhere gives the same bytes, that the linux/amd64 archive runs and
// serves (its plugins reporting the release's version), `go install` from
// an outside module, the image's version label and licence notices, that
// `make release` and `make release-daemon` refuse a version CHANGELOG.md has
// no section for, and `make help`. The desktop app packages are checked by TestAppPackages,
// which only `make release-check` runs (two slow cgo builds).
package release_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/internal/release"
)

// version is the version the tests stamp: a pre-release, so that the
// archive names and the image tag take its form too.
const version = "1.2.3-rc.1"

// sourceDate is the archives' entry time in every test build.
var sourceDate = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return r
}

// built is the release every test of the artefacts reads, built once from
// a copy of the tree (src), so that edits made meanwhile do not change it.
var built struct {
	once  sync.Once
	tmp   string
	src   string
	dist  string
	names []string
	err   error
}

func buildRelease(t *testing.T) (dist string, names []string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds ironlocald and the plugins for six platforms")
	}
	built.once.Do(func() {
		built.tmp, built.err = os.MkdirTemp("", "ironlocal-release-test-")
		if built.err != nil {
			return
		}
		built.src, built.dist = filepath.Join(built.tmp, "src", "ironlocal"), filepath.Join(built.tmp, "dist")
		if built.err = release.CopyTree(context.Background(), root(t), built.src); built.err != nil {
			return
		}
		began := time.Now()
		built.names, built.err = release.Build(context.Background(), release.Options{
			Root: built.src, Dist: built.dist, Version: version, Time: sourceDate})
		t.Logf("release of %d platforms built in %s", len(release.Platforms), time.Since(began).Round(time.Second))
	})
	require.NoError(t, built.err)
	return built.dist, built.names
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.tmp != "" {
		os.RemoveAll(built.tmp)
	}
	os.Exit(code)
}

func TestRelease_ArchivesHoldEveryPlatform(t *testing.T) {
	dist, names := buildRelease(t)
	var want []string
	for _, p := range release.Platforms {
		want = append(want, release.ArchiveName(version, p))
	}
	require.Equal(t, append(want, release.SumsFile), names)
	require.Equal(t, "ironlocal_1.2.3-rc.1_windows_arm64.zip", release.ArchiveName(version, release.Platform{OS: "windows", Arch: "arm64"}))

	plugins, err := release.Plugins(context.Background(), root(t))
	require.NoError(t, err)
	require.Len(t, plugins, 4, "upload, http, redis, queue")
	for _, p := range release.Platforms {
		t.Run(p.String(), func(t *testing.T) {
			name := release.ArchiveName(version, p)
			files := readArchive(t, filepath.Join(dist, name))
			top := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz") + "/"
			wantFiles := []string{top + p.Exe("ironlocald")}
			for _, pkg := range plugins {
				wantFiles = append(wantFiles, top+"plugins/"+p.Exe(path.Base(pkg)))
			}
			for _, d := range release.Docs {
				wantFiles = append(wantFiles, top+d)
				local, err := os.ReadFile(filepath.Join(built.src, d))
				require.NoError(t, err)
				require.Equal(t, string(local), string(files[top+d].data), d)
				require.Equal(t, int64(0o644), files[top+d].mode, d)
			}
			require.ElementsMatch(t, wantFiles, slices.Collect(maps.Keys(files)))
			for _, f := range wantFiles {
				if !strings.HasSuffix(f, ".md") && !strings.HasSuffix(f, "LICENSE") {
					require.Equal(t, int64(0o755), files[f].mode, "%s is executable", f)
					checkBinary(t, p, f, files[f].data)
				}
				require.True(t, files[f].mtime.Equal(sourceDate), "%s's time is the source date, not the build's", f)
			}
		})
	}
}

// checkBinary checks an executable is for p: a static ELF (no interpreter)
// for Linux, a Mach-O for the CPU for macOS, a PE console program for the
// machine for Windows.
func checkBinary(t *testing.T, p release.Platform, name string, b []byte) {
	t.Helper()
	r := bytes.NewReader(b)
	switch p.OS {
	case "linux":
		f, err := elf.NewFile(r)
		require.NoError(t, err, "%s is an ELF file", name)
		require.Equal(t, map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[p.Arch], f.Machine, name)
		for _, prog := range f.Progs {
			require.NotEqual(t, elf.PT_INTERP, prog.Type, "%s is static: no dynamic loader", name)
		}
	case "darwin":
		f, err := macho.NewFile(r)
		require.NoError(t, err, "%s is a Mach-O file", name)
		require.Equal(t, map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[p.Arch], f.Cpu, name)
	case "windows":
		checkPE(t, name, b, p.Arch, pe.IMAGE_SUBSYSTEM_WINDOWS_CUI)
	default:
		t.Fatalf("no check for %s", p)
	}
}

// checkPE checks b is a PE executable for arch with the given subsystem.
func checkPE(t *testing.T, name string, b []byte, arch string, subsystem uint16) *pe.File {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(b))
	require.NoError(t, err, "%s is a PE file", name)
	require.Equal(t, map[string]uint16{"amd64": pe.IMAGE_FILE_MACHINE_AMD64, "arm64": pe.IMAGE_FILE_MACHINE_ARM64}[arch], f.Machine, "%s's machine", name)
	require.NotZero(t, f.Characteristics&pe.IMAGE_FILE_EXECUTABLE_IMAGE, "%s is an executable image", name)
	oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
	require.True(t, ok, "%s is a PE32+ (64-bit) image", name)
	require.Equal(t, subsystem, oh.Subsystem, "%s's subsystem", name)
	return f
}

func TestRelease_SHA256SUMSVerifies(t *testing.T) {
	dist, names := buildRelease(t)
	sums, err := os.ReadFile(filepath.Join(dist, release.SumsFile))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n")
	require.Len(t, lines, len(names)-1, "one line per artefact")
	var listed []string
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		require.True(t, ok, "sha256sum's format: %q", line)
		listed = append(listed, name)
		b, err := os.ReadFile(filepath.Join(dist, name))
		require.NoError(t, err)
		got := sha256.Sum256(b)
		require.Equal(t, hex.EncodeToString(got[:]), sum, name)
	}
	require.True(t, slices.IsSorted(listed))
	require.ElementsMatch(t, names[:len(names)-1], listed)
	if _, err := exec.LookPath("sha256sum"); err == nil {
		cmd := exec.Command("sha256sum", "--check", "--strict", release.SumsFile)
		cmd.Dir = dist
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "sha256sum --check: %s", out)
	}
}

// The same tree built again, copied to another directory, with an empty
// build cache, gives byte-identical binaries and archives.
func TestRelease_Reproducible(t *testing.T) {
	dist, _ := buildRelease(t)
	p := release.Platform{OS: "linux", Arch: "amd64"}
	copied := filepath.Join(t.TempDir(), "elsewhere", "ironlocal")
	require.NoError(t, release.CopyTree(context.Background(), built.src, copied))
	again := t.TempDir()
	began := time.Now()
	_, err := release.Build(context.Background(), release.Options{Root: copied, Dist: again, Version: version, Time: sourceDate,
		Platforms: []release.Platform{p}, Env: []string{"GOCACHE=" + t.TempDir()}})
	require.NoError(t, err)
	t.Logf("rebuilt %s with an empty cache in %s", p, time.Since(began).Round(time.Second))

	name := release.ArchiveName(version, p)
	first, second := readArchive(t, filepath.Join(dist, name)), readArchive(t, filepath.Join(again, name))
	for f, a := range first {
		require.Contains(t, second, f)
		require.True(t, bytes.Equal(a.data, second[f].data), "%s differs between the two builds", f)
	}
	a, err := os.ReadFile(filepath.Join(dist, name))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(again, name))
	require.NoError(t, err)
	require.True(t, bytes.Equal(a, b), "the archives are identical bytes")
}

// The linux/amd64 archive, unpacked in a directory of its own, runs: it
// reports the stamped version, finds its plugins next to it (which report
// the stamped version too), and serves a message queue round trip.
func TestRelease_LinuxArchiveRuns(t *testing.T) {
	if !hostIs("linux", "amd64") {
		t.Skip("runs the linux/amd64 binary")
	}
	dist, _ := buildRelease(t)
	p := release.Platform{OS: "linux", Arch: "amd64"}
	name := release.ArchiveName(version, p)
	dir := t.TempDir()
	cmd := exec.Command("tar", "-xzf", filepath.Join(dist, name), "-C", dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	bin := filepath.Join(dir, strings.TrimSuffix(name, ".tar.gz"), "ironlocald")

	out, err = exec.Command(bin, "--version").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Regexp(t, `^ironlocald 1\.2\.3-rc\.1 \(go[0-9.]+ linux/amd64\)\n$`, string(out))

	addr := freeAddr(t)
	d := exec.Command(bin, "--listen", addr, "--ephemeral", "--runtime", "process")
	d.Dir = dir
	d.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir)
	var logs bytes.Buffer
	d.Stdout, d.Stderr = &logs, &logs
	require.NoError(t, d.Start())
	exited := make(chan struct{})
	go func() { _ = d.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = d.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("ironlocald's output:\n%s", logs.String())
		}
	})

	c, err := client.New("http://"+addr, "local-token")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		v, err := c.Version(ctx)
		assert.NoError(ct, err)
		assert.Equal(ct, version, v, "GET /version reports the stamped version")
	}, 20*time.Second, 50*time.Millisecond)

	ids, err := c.PostMessages(ctx, "release-smoke", client.NewMessage{Body: "hello from the archive"})
	require.NoError(t, err)
	require.Len(t, ids, 1)
	msgs, err := c.Reserve(ctx, "release-smoke", client.Reservation{N: 1})
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, "hello from the archive", msgs[0].Body)
	require.NoError(t, c.DeleteMessage(ctx, "release-smoke", msgs[0].ID, msgs[0].ReservationID))
	left, err := c.Reserve(ctx, "release-smoke", client.Reservation{N: 1})
	require.NoError(t, err)
	require.Empty(t, left, "the deleted message is gone")

	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		plugins, err := c.TriggerPlugins(ctx)
		if !assert.NoError(ct, err) {
			return
		}
		var names []string
		for _, p := range plugins {
			names = append(names, p.Name)
			if p.Name != "" {
				assert.Equal(ct, version, p.Version, "plugin %s reports the release's version", p.Name)
			}
		}
		assert.ElementsMatch(ct, []string{"http", "queue", "redis", "upload"}, names, "the plugins/ next to the binary are found")
	}, 30*time.Second, 100*time.Millisecond)
}

func hostIs(goos, goarch string) bool {
	out, err := exec.Command("go", "env", "GOHOSTOS", "GOHOSTARCH").Output()
	return err == nil && strings.Fields(string(out))[0] == goos && strings.Fields(string(out))[1] == goarch
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// file is one regular file of an archive.
type file struct {
	data  []byte
	mode  int64
	mtime time.Time
}

// readArchive reads the regular files of a .tar.gz or .zip.
func readArchive(t *testing.T, name string) map[string]file {
	t.Helper()
	files := map[string]file{}
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.OpenReader(name)
		require.NoError(t, err)
		defer zr.Close()
		for _, f := range zr.File {
			if f.FileInfo().IsDir() {
				continue
			}
			r, err := f.Open()
			require.NoError(t, err)
			b, err := io.ReadAll(r)
			require.NoError(t, err)
			r.Close()
			files[f.Name] = file{data: b, mode: int64(f.Mode().Perm()), mtime: f.Modified}
		}
		return files
	}
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	gz, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		files[h.Name] = file{data: b, mode: h.Mode, mtime: h.ModTime}
	}
	return files
}

func runIn(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return string(out)
}

// `go install github.com/ironlocal/ironlocal/emulator/cmd/ironlocald` works
// from a module that is not this one (here with a replace directive to the
// checkout, as @latest resolves to a published version), and the binary runs.
func TestGoInstall_FromAnOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles ironlocald in another module")
	}
	r := root(t)
	mod := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), fmt.Appendf(nil,
		"module example.com/outside\n\ngo 1.26\n\nrequire github.com/ironlocal/ironlocal v0.0.0\n\nreplace github.com/ironlocal/ironlocal => %s\n", r), 0o644))
	sum, err := os.ReadFile(filepath.Join(r, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644))
	gobin := t.TempDir()
	env := []string{"GOBIN=" + gobin, "CGO_ENABLED=0", "GOFLAGS=-mod=mod"}
	runIn(t, mod, env, "go", "install", "github.com/ironlocal/ironlocal/emulator/cmd/ironlocald")
	out := runIn(t, mod, nil, filepath.Join(gobin, "ironlocald"), "--version")
	require.Regexp(t, `^ironlocald 0\.0\.0-dev \(go`, out, "a replaced module records no version: the dev default")
}

// make image VERSION=… stamps the binary and labels the image with the same
// version, and the image carries the licence notices its binary's
// dependencies require (LICENSE and THIRD_PARTY.md in /licenses, as the
// archives have them).
func TestImage_VersionLabelAndLicences(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the container image")
	}
	if err := exec.Command("docker", "info").Run(); err != nil {
		if os.Getenv("IRONLOCAL_REQUIRE_DOCKER") == "1" {
			t.Fatalf("IRONLOCAL_REQUIRE_DOCKER=1 but no Docker engine answers: %v", err)
		}
		t.Skip("no Docker engine reachable")
	}
	image := fmt.Sprintf("ironlocal/ironlocal:releasetest-%d", time.Now().UnixNano())
	runIn(t, root(t), nil, "make", "--no-print-directory", "image", "IMAGE="+image, "VERSION="+version)
	t.Cleanup(func() { _ = exec.Command("docker", "image", "rm", "-f", image).Run() })
	label := runIn(t, root(t), nil, "docker", "image", "inspect", "--format", `{{index .Config.Labels "org.opencontainers.image.version"}}`, image)
	require.Equal(t, version, strings.TrimSpace(label))
	out := runIn(t, root(t), nil, "docker", "run", "--rm", "--network", "none", image, "--version")
	require.Contains(t, out, "ironlocald "+version+" (")

	// FROM scratch: no shell to cat with; docker cp reads the files out.
	ctr := strings.TrimSpace(runIn(t, root(t), nil, "docker", "create", image))
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", ctr).Run() })
	for _, name := range []string{"LICENSE", "THIRD_PARTY.md"} {
		want, err := os.ReadFile(filepath.Join(root(t), name))
		require.NoError(t, err)
		cmd := exec.Command("docker", "cp", ctr+":/licenses/"+name, "-")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		tarball, err := cmd.Output()
		require.NoError(t, err, "docker cp /licenses/%s: %s", name, stderr.String())
		tr := tar.NewReader(bytes.NewReader(tarball))
		h, err := tr.Next()
		require.NoError(t, err)
		require.Equal(t, name, h.Name)
		got, err := io.ReadAll(tr)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "/licenses/%s is the checkout's %s", name, name)
		require.NotZero(t, h.Mode&0o004, "/licenses/%s is readable by the image's non-root user", name)
	}
}

// make release and make release-daemon refuse, before they install or
// build anything, a version CHANGELOG.md has no section for.
func TestMakeRelease_RefusesAVersionWithoutChangelogSection(t *testing.T) {
	const unlisted = "0.0.1-not-in-the-changelog"
	changelog, err := os.ReadFile(filepath.Join(root(t), release.Changelog))
	require.NoError(t, err)
	require.NotContains(t, string(changelog), unlisted)
	for _, target := range []string{"release", "release-daemon"} {
		t.Run(target, func(t *testing.T) {
			dist := t.TempDir()
			cmd := exec.Command("make", "--no-print-directory", target, "VERSION="+unlisted, "DIST="+dist)
			cmd.Dir = root(t)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "make %s VERSION=%s succeeded:\n%s", target, unlisted, out)
			require.Contains(t, string(out), "CHANGELOG.md has no section for "+unlisted)
			entries, err := os.ReadDir(dist)
			require.NoError(t, err)
			require.Empty(t, entries, "nothing was built")
		})
	}
}

// `make help` lists every target the Makefile defines.
func TestMakeHelp_ListsEveryTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(root(t), "Makefile"))
	require.NoError(t, err)
	var targets []string
	for line := range strings.Lines(string(mk)) {
		name, rest, ok := strings.Cut(line, ":")
		if ok && name != "" && !strings.HasPrefix(rest, "=") && !strings.ContainsAny(name, " \t$.%=") && !strings.HasPrefix(line, "\t") {
			targets = append(targets, name)
		}
	}
	require.Contains(t, targets, "release")
	help := runIn(t, root(t), nil, "make", "--no-print-directory", "help")
	for _, target := range targets {
		require.Regexp(t, `(?m)^  make `+target+` +\S`, help, "make help lists %s", target)
	}
}

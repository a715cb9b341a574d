package release_test

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"debug/pe"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/release"
)

// The desktop app packages: fyne's Linux tarball (binary, .desktop file,
// icon, its Makefile) and the Windows executable cross-compiled with MinGW
// (GUI subsystem, icon and version resources), each with the docs. Two cgo
// builds of Fyne (minutes on 2 cores): only `make release-check` runs it
// (IRONLOCAL_RELEASE_APP=1).
func TestAppPackages(t *testing.T) {
	if os.Getenv("IRONLOCAL_RELEASE_APP") != "1" {
		t.Skip("set IRONLOCAL_RELEASE_APP=1 (make release-check) to package the desktop app")
	}
	dist := t.TempDir()
	began := time.Now()
	names, err := release.Build(context.Background(), release.Options{Root: root(t), Dist: dist, Version: version, Time: sourceDate,
		Platforms: []release.Platform{{OS: "linux", Arch: "amd64"}}, App: true, Log: testLog{t}})
	require.NoError(t, err)
	t.Logf("ironlocald for linux/amd64 and the desktop app for %v packaged in %s", release.AppPlatforms, time.Since(began).Round(time.Second))
	for _, p := range release.AppPlatforms {
		require.Contains(t, names, release.AppArchiveName(version, p))
	}
	require.Equal(t, release.SumsFile, names[len(names)-1])
	cmd := exec.Command("sha256sum", "--check", "--strict", release.SumsFile)
	cmd.Dir = dist
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "sha256sum --check: %s", out)

	t.Run("linux/amd64", func(t *testing.T) {
		name := release.AppArchiveName(version, release.Platform{OS: "linux", Arch: "amd64"})
		top := strings.TrimSuffix(name, ".tar.gz") + "/"
		files := readArchive(t, filepath.Join(dist, name))
		for _, d := range release.Docs {
			require.Contains(t, files, top+d)
		}
		require.Contains(t, files, top+"Makefile", "fyne's installer (make install / make user-install)")

		bin := top + "usr/local/bin/ironlocal"
		require.Contains(t, files, bin)
		require.Equal(t, int64(0o755), files[bin].mode)
		f, err := elf.NewFile(bytes.NewReader(files[bin].data))
		require.NoError(t, err)
		require.Equal(t, elf.EM_X86_64, f.Machine)

		desktop := top + "usr/local/share/applications/io.ironlocal.desktop.desktop"
		require.Contains(t, files, desktop)
		entry := desktopEntry(files[desktop].data)
		require.Equal(t, "ironlocal", entry["Name"])
		require.Equal(t, "ironlocal", entry["Exec"])
		require.Equal(t, "io.ironlocal.desktop", entry["Icon"])
		icon := top + "usr/local/share/pixmaps/io.ironlocal.desktop.png"
		require.Contains(t, files, icon)
		_, err = png.Decode(bytes.NewReader(files[icon].data))
		require.NoError(t, err, "the icon is a PNG")

		// The binary runs (its shared libraries are the GL/X11 ones make
		// deps installs) and reports the stamped version on stdout (Fyne
		// may log about the locale on stderr).
		exe := filepath.Join(t.TempDir(), "ironlocal")
		require.NoError(t, os.WriteFile(exe, files[bin].data, 0o755))
		var stderr bytes.Buffer
		cmd := exec.Command(exe, "--version")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		require.NoError(t, err, "%s", stderr.String())
		require.Regexp(t, `^ironlocal 1\.2\.3-rc\.1 \(go[0-9.]+ linux/amd64\)\n$`, string(out))
	})

	t.Run("windows/amd64", func(t *testing.T) {
		name := release.AppArchiveName(version, release.Platform{OS: "windows", Arch: "amd64"})
		top := strings.TrimSuffix(name, ".zip") + "/"
		files := readArchive(t, filepath.Join(dist, name))
		for _, d := range release.Docs {
			require.Contains(t, files, top+d)
		}
		exe := top + "ironlocal.exe"
		require.Contains(t, files, exe)
		f := checkPE(t, exe, files[exe].data, "amd64", pe.IMAGE_SUBSYSTEM_WINDOWS_GUI)
		require.NotNil(t, f.Section(".rsrc"), "the icon, manifest and version resources fyne links in")
		require.True(t, bytes.Contains(files[exe].data, []byte(version)), "the stamped version is in the binary")
	})
}

// desktopEntry reads a .desktop file's keys.
func desktopEntry(b []byte) map[string]string {
	keys := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			keys[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return keys
}

// testLog writes the build's output to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

package release

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// appArchives packages the desktop app for AppPlatforms with fyne package,
// in a copy of the checkout: fyne writes into its source directory (a
// generated metadata file, Windows' fyne.syso, the bumped build number in
// FyneApp.toml), which must not touch a working tree others build from.
func (o Options) appArchives(ctx context.Context, work string) ([]string, error) {
	src := filepath.Join(work, "app-src")
	if err := CopyTree(ctx, o.Root, src); err != nil {
		return nil, fmt.Errorf("release: copy the source for fyne: %w", err)
	}
	var names []string
	for _, p := range AppPlatforms {
		name, err := o.appArchive(ctx, work, src, p)
		if err != nil {
			return nil, fmt.Errorf("release desktop app %s: %w", p, err)
		}
		names = append(names, name)
	}
	return names, nil
}

func (o Options) appArchive(ctx context.Context, work, src string, p Platform) (string, error) {
	fmt.Fprintf(o.Log, "release: %s: desktop app (fyne package, cgo)\n", p)
	fyne := strings.Fields(o.Fyne)
	if len(fyne) == 0 {
		fyne = strings.Fields(DefaultFyne)
	}
	args := append(fyne[1:], "package", "--os", p.OS, "--release", "--app-version", o.Version, "--icon", "assets/icon.png")
	cmd := exec.CommandContext(ctx, fyne[0], args...)
	cmd.Dir = src
	// fyne build takes -ldflags from GOFLAGS (and nothing else from it).
	env := []string{"GOFLAGS=-ldflags=-X=" + VersionVar + "=" + o.Version, "GOOS=" + p.OS, "GOARCH=" + p.Arch}
	if p.OS == "windows" {
		env = append(env, "CC="+WindowsCC)
	}
	cmd.Env = append(append(os.Environ(), o.Env...), env...)
	if err := o.run(cmd); err != nil {
		return "", err
	}

	name := AppArchiveName(o.Version, p)
	top := strings.TrimSuffix(strings.TrimSuffix(name, ".zip"), ".tar.gz")
	dir := filepath.Join(work, top)
	switch p.OS {
	case "linux":
		// fyne's tarball: ironlocal/{Makefile,usr/local/{bin,share/applications,share/pixmaps}}.
		// Unpacked and packed again with the docs, deterministically.
		unpacked := filepath.Join(work, "app-"+p.OS)
		if err := os.MkdirAll(unpacked, 0o755); err != nil {
			return "", err
		}
		if err := o.run(exec.CommandContext(ctx, "tar", "-xJf", filepath.Join(src, "ironlocal.tar.xz"), "-C", unpacked)); err != nil {
			return "", err
		}
		if err := os.Rename(filepath.Join(unpacked, "ironlocal"), dir); err != nil {
			return "", err
		}
	case "windows":
		// fyne leaves ironlocal.exe (icon, manifest and version resource
		// linked in, GUI subsystem) in the source directory.
		if err := copyFile(filepath.Join(src, "ironlocal.exe"), filepath.Join(dir, "ironlocal.exe"), 0o755); err != nil {
			return "", err
		}
	default:
		return "", fmt.Errorf("no desktop app packaging for %s", p)
	}
	if err := copyDocs(o.Root, dir); err != nil {
		return "", err
	}
	return name, WriteArchive(filepath.Join(o.Dist, name), dir, top, o.Time)
}

// CopyTree copies the module at root to dst: the files git knows (tracked,
// or untracked and not ignored) in a checkout, else every file but .git,
// bin/ and dist/.
func CopyTree(ctx context.Context, root, dst string) error {
	var files []string
	out, err := exec.CommandContext(ctx, "git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err == nil {
		for _, f := range bytes.Split(out, []byte{0}) {
			if len(f) > 0 {
				files = append(files, filepath.FromSlash(string(f)))
			}
		}
	} else {
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() && (rel == ".git" || rel == "bin" || rel == "dist") {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				files = append(files, rel)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for _, f := range files {
		info, err := os.Lstat(filepath.Join(root, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the working tree, not yet in git
			}
			return err
		}
		if !info.Mode().IsRegular() {
			continue
		}
		if err := copyFile(filepath.Join(root, f), filepath.Join(dst, f), info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

package release

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	fyne, err := o.fyneTool(ctx, work)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range AppPlatforms {
		name, err := o.appArchive(ctx, work, src, fyne, p)
		if err != nil {
			return nil, fmt.Errorf("release desktop app %s: %w", p, err)
		}
		names = append(names, name)
	}
	return names, nil
}

// fyneTool is the path of the fyne binary: o.Fyne when it names a file,
// else the package@version installed into work for this host (GOOS and
// GOARCH then name the target of `fyne package`, not the tool's).
func (o Options) fyneTool(ctx context.Context, work string) (string, error) {
	tool := cmp.Or(o.Fyne, DefaultFyne)
	if !strings.Contains(tool, "@") {
		return tool, nil
	}
	bin := filepath.Join(work, "tools")
	if err := o.run(goCmd(ctx, o.Root, append(slices.Clip(o.Env), "GOBIN="+bin, "GOOS=", "GOARCH=", "CGO_ENABLED=0", "GOFLAGS="), "install", tool)); err != nil {
		return "", err
	}
	return filepath.Join(bin, "fyne"), nil
}

func (o Options) appArchive(ctx context.Context, work, src, fyne string, p Platform) (string, error) {
	fmt.Fprintf(o.Log, "release: %s: desktop app (fyne package, cgo)\n", p)
	cmd := exec.CommandContext(ctx, fyne, "package", "--os", p.OS, "--release", "--app-version", o.Version, "--icon", "assets/icon.png")
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
	if err := o.writeDocs(dir); err != nil {
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

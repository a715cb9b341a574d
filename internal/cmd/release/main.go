// Command release builds ironlocal's release artefacts into a directory
// (package internal/release says what they are). `make release
// VERSION=x.y.z` runs it with -app, `make release-daemon VERSION=x.y.z`
// without; the container image is `make image`'s.
//
//	go run ./internal/cmd/release -version 1.2.3 [-dist dist] [-app] [-platforms linux/amd64,…] [-fyne PKG@VERSION|PATH]
//	go run ./internal/cmd/release -version 1.2.3 -check
//
// It refuses a version that is not semver or has no section in
// CHANGELOG.md; -check does only that, before anything is installed or
// built.
//
// The archives' entries carry SOURCE_DATE_EPOCH as their time, or else the
// time of the commit checked out, so rebuilding a commit gives the same bytes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/internal/release"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	version := fs.String("version", "", "the version to stamp, x.y.z (required)")
	dist := fs.String("dist", "dist", "output directory (emptied first)")
	app := fs.Bool("app", false, "also package the desktop app for linux/amd64 and windows/amd64 (cgo; Windows with "+release.WindowsCC+")")
	fyne := fs.String("fyne", release.DefaultFyne, "the fyne tool: package@version to install, or a fyne binary")
	only := fs.String("platforms", "", "comma-separated GOOS/GOARCH pairs of ironlocald and the plugins to build (default: all of release.Platforms)")
	check := fs.Bool("check", false, "only check that -version may be released (semver, a section in "+release.Changelog+") and build nothing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := release.CheckVersion(*version); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		return 2
	}
	if err := release.CheckChangelog(".", *version); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if *check {
		return 0
	}
	platforms, err := parsePlatforms(*only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		return 2
	}
	when, err := sourceDate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	began := time.Now()
	names, err := release.Build(ctx, release.Options{Root: ".", Dist: *dist, Version: *version, Time: when,
		Platforms: platforms, App: *app, Fyne: *fyne, Log: os.Stdout})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("release %s in %s (%s):\n", *version, *dist, time.Since(began).Round(time.Second))
	for _, n := range names {
		fmt.Println("  " + n)
	}
	return 0
}

// parsePlatforms reads -platforms: only those of release.Platforms.
func parsePlatforms(s string) ([]release.Platform, error) {
	if s == "" {
		return nil, nil
	}
	var out []release.Platform
	for _, f := range strings.Split(s, ",") {
		i := slices.IndexFunc(release.Platforms, func(p release.Platform) bool { return p.String() == strings.TrimSpace(f) })
		if i < 0 {
			return nil, fmt.Errorf("-platforms: %q is not one of %v", f, release.Platforms)
		}
		out = append(out, release.Platforms[i])
	}
	return out, nil
}

// sourceDate is SOURCE_DATE_EPOCH, else the checked-out commit's time.
func sourceDate() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: %w", s, err)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	out, err := exec.Command("git", "log", "-1", "--format=%ct").Output()
	if err != nil {
		return time.Time{}, errors.New("not a git checkout: set SOURCE_DATE_EPOCH (seconds) for the archives' times")
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("git log: %w", err)
	}
	return time.Unix(n, 0).UTC(), nil
}

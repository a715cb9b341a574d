// Command release builds ironlocal's release artefacts into a directory
// (package internal/release says what they are). `make release
// VERSION=x.y.z` runs it with -app; the container image is `make image`'s.
//
//	go run ./internal/cmd/release -version 1.2.3 [-dist dist] [-app] [-fyne CMD]
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
	fyne := fs.String("fyne", release.DefaultFyne, "command that runs fyne")
	if err := fs.Parse(args); err != nil {
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
		App: *app, Fyne: *fyne, Log: os.Stdout})
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

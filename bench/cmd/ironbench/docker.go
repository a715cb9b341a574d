package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/internal/nestedengine"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// fixtureImage is the sample job image fixtures/build.sh builds.
const fixtureImage = "ironlocal/fixture-worker:latest"

// dockerMissing returns why no Docker engine can be used ("" when one
// answers). It asks once per run.
func (e *env) dockerMissing(ctx context.Context) string {
	if e.dockerChecked {
		return e.dockerReason
	}
	e.dockerChecked = true
	if v, err := bench.DockerVersion(ctx); err != nil {
		e.dockerReason = err.Error()
	} else {
		e.logf("  Docker engine %s", v)
	}
	return e.dockerReason
}

// ensureImage makes sure image is present locally, building it from this
// checkout when it is missing (nothing is ever pulled), and says where it
// came from for the figure's detail. It knows how to build the fixture
// worker and ironlocal's own image.
func (e *env) ensureImage(ctx context.Context, image string) (string, error) {
	if note, ok := e.images[image]; ok {
		return note, nil
	}
	if created, err := bench.ImageCreated(ctx, image); err == nil {
		note := "existing image built " + age(time.Since(created)) + " ago"
		e.images[image] = note
		return note, nil
	}
	root, err := e.moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	var cmd *exec.Cmd
	switch image {
	case fixtureImage:
		cmd = exec.CommandContext(ctx, filepath.Join(root, "fixtures", "build.sh"))
	case tcironlocal.DefaultImage:
		cmd = exec.CommandContext(ctx, "make", "-C", root, "--no-print-directory", "image")
	default:
		return "", fmt.Errorf("image %s is missing and ironbench cannot build it", image)
	}
	e.logf("  %s is missing: building it (%s)", image, strings.Join(cmd.Args, " "))
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %s: %w\n%s", image, strings.Join(cmd.Args, " "), err, out)
	}
	note := "image built by ironbench in " + time.Since(t0).Round(100*time.Millisecond).String()
	e.logf("  %s", note)
	e.images[image] = note
	return note, nil
}

// age renders a duration coarsely: "40s", "12m", "3h", "5d".
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// testcontainersEnv configures testcontainers as ironlocal's own tests do
// (test/integration_test.go, tcironlocal/main_test.go), before its first
// use: Ryuk cannot be pulled here, and when this process runs in a
// container that also hosts the Docker engine (the engine's default bridge
// is one of our interfaces), published ports are on localhost while
// testcontainers, seeing /.dockerenv, looks for them at the default
// gateway. Explicit settings win.
func testcontainersEnv() {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	nestedengine.UseLocalhost()
}

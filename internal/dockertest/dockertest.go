// Package dockertest gives tests a Docker engine and the fixture worker:
// the image ironlocal/fixture-worker (built like fixtures/build.sh, through
// the Engine API) and the same program built for this host, for the process
// runtime. Only tests import it.
//
// Docker tests skip with a message when no engine answers, and fail instead
// when IRONLOCAL_REQUIRE_DOCKER=1 (CI sets it). In -short mode they skip.
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
)

// FixtureImage is the fixture worker image, built once per test binary.
const FixtureImage = "ironlocal/fixture-worker:latest"

// workerPackage is the fixture worker's import path.
const workerPackage = "github.com/ironlocal/ironlocal/fixtures/worker"

var (
	engineOnce sync.Once
	engineErr  error // the engine did not answer
	setupOnce  sync.Once
	buildErr   error // it answered, but the fixture image did not build
)

// RequireEngine skips the test in -short mode or when no Docker engine
// answers, and fails instead when IRONLOCAL_REQUIRE_DOCKER=1 (CI sets it).
// It builds nothing: tests that need only the engine call it alone.
func RequireEngine(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("docker tests skipped in -short mode")
	}
	engineOnce.Do(func() {
		cli, err := newClient(context.Background())
		if err == nil {
			_ = cli.Close()
		}
		engineErr = err
	})
	if engineErr != nil {
		if os.Getenv("IRONLOCAL_REQUIRE_DOCKER") == "1" {
			t.Fatalf("IRONLOCAL_REQUIRE_DOCKER=1 but no docker engine is reachable: %v", engineErr)
		}
		t.Skipf("docker tests skipped: no docker engine reachable (%v); set IRONLOCAL_REQUIRE_DOCKER=1 to fail instead", engineErr)
	}
}

// Client returns a client of the Docker engine once the fixture image is
// built; the client is closed when the test ends. Without an engine the
// test is skipped, or fails when IRONLOCAL_REQUIRE_DOCKER=1.
func Client(t testing.TB) *client.Client {
	t.Helper()
	RequireEngine(t)
	setupOnce.Do(setup)
	if buildErr != nil {
		t.Fatalf("build fixture image %s: %v", FixtureImage, buildErr)
	}
	cli, err := newClient(context.Background())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	t.Cleanup(func() { _ = cli.Close() })
	return cli
}

// newClient connects to the engine from DOCKER_HOST and friends and
// negotiates the API version.
func newClient(ctx context.Context) (*client.Client, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("ping docker engine at %s: %w", cli.DaemonHost(), err)
	}
	return cli, nil
}

func setup() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cli, err := newClient(ctx)
	if err != nil {
		buildErr = err
		return
	}
	defer cli.Close()
	buildErr = buildImage(ctx, cli)
}

// WorkerBinary puts the fixture worker for this host into dir and returns
// its path: the process runtime runs it where Docker runs the image. It is
// built once per test binary (every end-to-end test of the process runtime
// asks for it) and copied.
func WorkerBinary(t testing.TB, dir string) string {
	t.Helper()
	workerOnce.Do(func() {
		d, err := os.MkdirTemp("", "ironlocal-fixture-worker-")
		if err != nil {
			workerErr = err
			return
		}
		// Kept for the rest of the test binary; the OS cleans its temp.
		workerBin = filepath.Join(d, "fixture-worker")
		workerErr = build(context.Background(), workerBin, "", "")
	})
	if workerErr != nil {
		t.Fatalf("build fixture worker: %v", workerErr)
	}
	b, err := os.ReadFile(workerBin)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "fixture-worker")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

var (
	workerOnce sync.Once
	workerBin  string
	workerErr  error
)

// build compiles the fixture worker statically to bin, for goos/goarch
// ("" = this host).
func build(ctx context.Context, bin, goos, goarch string) error {
	return goBuild(ctx, "", bin, goos, goarch, workerPackage, "-trimpath", "-ldflags=-s -w")
}

// goBuild runs go build -o bin pkg with flags in dir ("" = here),
// statically, for goos/goarch ("" = this host).
func goBuild(ctx context.Context, dir, bin, goos, goarch, pkg string, flags ...string) error {
	args := append([]string{"build", "-buildvcs=false", "-o", bin}, flags...)
	cmd := exec.CommandContext(ctx, "go", append(args, pkg)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if goos != "" {
		cmd.Env = append(cmd.Env, "GOOS="+goos, "GOARCH="+goarch)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v: %s", pkg, err, out)
	}
	return nil
}

// buildImage does what fixtures/build.sh does, through the API: a static
// worker binary for the engine's architecture and fixtures/worker/Dockerfile
// in a tar build context.
func buildImage(ctx context.Context, cli *client.Client) error {
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return err
	}
	root, err := testbin.ModuleRoot()
	if err != nil {
		return err
	}
	dockerfile, err := os.ReadFile(filepath.Join(root, "fixtures", "worker", "Dockerfile"))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ironlocal-fixture-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "worker")
	if err := build(ctx, bin, "linux", v.Arch); err != nil {
		return err
	}
	return buildFromFiles(ctx, cli, FixtureImage, map[string]string{"worker": bin}, dockerfile)
}

// buildFromFiles builds tag from a context of dockerfile and the
// executables files names (context name → path on this machine).
func buildFromFiles(ctx context.Context, cli *client.Client, tag string, files map[string]string, dockerfile []byte) error {
	var buildCtx bytes.Buffer
	tw := tar.NewWriter(&buildCtx)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))}); err != nil {
		return err
	}
	if _, err := tw.Write(dockerfile); err != nil {
		return err
	}
	for name, path := range files {
		body, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}); err != nil {
			return err
		}
		if _, err := tw.Write(body); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	res, err := cli.ImageBuild(ctx, &buildCtx, client.ImageBuildOptions{Tags: []string{tag}, Remove: true, ForceRemove: true})
	if err != nil {
		return err
	}
	defer res.Body.Close()
	dec := json.NewDecoder(res.Body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != nil {
			return m.Error
		}
	}
}

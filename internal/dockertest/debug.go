package dockertest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/moby/moby/client"
)

// DebugImage is the fixture worker built for a debugger (no optimisation,
// no inlining) beside a static Delve, both in a FROM-scratch image: a
// debug task's command is /dlv exec … /worker.
const DebugImage = "ironlocal/fixture-worker-debug:latest"

var (
	debugOnce sync.Once
	debugErr  error
)

// BuildDebugImage builds DebugImage once per test binary (Delve from the
// fixtures/dlv module, the worker from fixtures/worker) and returns its
// tag. Without an engine the test is skipped, or fails when
// IRONLOCAL_REQUIRE_DOCKER=1.
func BuildDebugImage(t testing.TB) string {
	t.Helper()
	cli := Client(t)
	debugOnce.Do(func() { debugErr = buildDebugImage(cli) })
	if debugErr != nil {
		t.Fatalf("build %s: %v", DebugImage, debugErr)
	}
	return DebugImage
}

func buildDebugImage(cli *client.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		return err
	}
	root, err := testbin.ModuleRoot()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "ironlocal-debug-fixture-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dlv, worker := filepath.Join(dir, "dlv"), filepath.Join(dir, "worker")
	if err := goBuild(ctx, filepath.Join(root, "fixtures", "dlv"), dlv, "linux", v.Arch, "github.com/go-delve/delve/cmd/dlv"); err != nil {
		return err
	}
	if err := goBuild(ctx, "", worker, "linux", v.Arch, workerPackage, "-gcflags=all=-N -l"); err != nil {
		return err
	}
	dockerfile := []byte("FROM scratch\nCOPY dlv worker /\nENTRYPOINT [\"/worker\"]\n")
	return buildFromFiles(ctx, cli, DebugImage, map[string]string{"dlv": dlv, "worker": worker}, dockerfile)
}

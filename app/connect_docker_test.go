package app

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/dockertest"
	"github.com/ironlocal/ironlocal/internal/nestedengine"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestConnect_DockerTestContainer: a real container a test started with
// tcironlocal.WithTestName (strict auth, random token) shows in the
// picker with its test name and token, as the embedded emulator finds it
// on the Docker engine, and one tap attaches the window to it.
func TestConnect_DockerTestContainer(t *testing.T) {
	requireImage(t)
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"),
		tcironlocal.WithTestName(t.Name()))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	tc, err := ctr.Client(ctx)
	require.NoError(t, err)
	_, err = tc.PostMessages(ctx, "left-by-"+t.Name(), client.NewMessage{Body: "look at me"})
	require.NoError(t, err)

	u := newTestUI(t, server.Options{}) // the real finder: the Docker engine of DOCKER_HOST
	u.locked(func() { test.Tap(u.conn.button) })
	id := ctr.GetContainerID()
	u.eventually(t, "the container listed", func() bool { return u.conn.rowByID[id] != nil })
	var url string
	u.locked(func() {
		row := u.conn.rowByID[id]
		require.Equal(t, t.Name(), row.tc.Test)
		require.Equal(t, ctr.Token(), row.tc.Token, "the token from the container's configuration")
		require.Equal(t, "running", row.tc.State)
		url = row.tc.URL
		test.Tap(row.attach)
	})
	u.eventually(t, "attached, the test's queue shown", func() bool {
		_, ok := u.queues.queue("left-by-" + t.Name())
		return ok && u.connected && u.be.Client.URL() == url
	})
	u.locked(func() { require.Equal(t, ctr.Token(), u.be.Client.Token()) })
}

// requireImage skips without a Docker engine (fails with
// IRONLOCAL_REQUIRE_DOCKER=1) and builds ironlocal's image from this
// checkout (`make image`, as tcironlocal's tests do).
func requireImage(t *testing.T) {
	t.Helper()
	dockertest.RequireEngine(t)
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") // Ryuk cannot be pulled here
	}
	nestedengine.UseLocalhost()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	out, err := exec.Command("make", "-C", root, "--no-print-directory", "image").CombinedOutput()
	require.NoError(t, err, "make image: %s", out)
}

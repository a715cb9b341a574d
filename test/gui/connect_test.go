package gui

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/internal/nestedengine"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// Window coordinates of the top bar's Connect… button at 1280×800.
const connectX, connectY = 438, 21

// screenshotsConnect shows the connection picker listing a test suite's
// container (docs/testing.md, "Look inside a test's emulator"): a real
// tcironlocal container named after its test, found by the app's embedded
// emulator on the Docker engine.
func screenshotsConnect(t *testing.T, ctx context.Context, a *app, shot func(string)) {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	out, err := exec.Command("make", "-C", root, "--no-print-directory", "image").CombinedOutput()
	require.NoError(t, err, "make image: %s", out)
	nestedengine.UseLocalhost()
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true") // Ryuk cannot be pulled here
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"),
		tcironlocal.WithTestName("TestCheckout/declined_card"))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	a.click(t, navX, navOverviewY)
	a.click(t, connectX, connectY)
	a.settle(t, filepath.Join(t.TempDir(), "tmp.png"))
	shot("connect.png")
	a.key(t, "Escape")
}

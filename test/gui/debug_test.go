package gui

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// screenshotsDebug takes debug-task.png: the Tasks screen with a debug
// task running, its pane showing where the debugger listens, with the
// VS Code launch.json entry that attaches to it (Go: the code's
// debug_port is Delve's). The process runtime stands in for Delve with
// a shell that prints Delve's first line and waits; the task is
// cancelled after the picture.
func screenshotsDebug(t *testing.T, ctx context.Context, a *app, shot func(string)) {
	t.Helper()
	port := 2345
	debug := `sh -c 'echo "API server listening at: 127.0.0.1:$(DEBUG_PORT)"; sleep 600' dlv`
	_, err := a.c.RegisterCode(ctx, client.NewCode{Name: "pdf-render", Image: "acme/pdf-render:1.3", Command: "/worker",
		DebugPort: &port, DebugCommand: &debug})
	require.NoError(t, err)
	id, err := a.c.QueueTask(ctx, client.NewTask{CodeName: "pdf-render", Payload: `{"doc":"invoice-1042","pages":3}`, Debug: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.c.CancelTask(context.Background(), id) })
	require.Eventually(t, func() bool {
		task, err := a.c.Task(ctx, id)
		return err == nil && task.DebugAddress != ""
	}, waitLimit, 50*time.Millisecond, "the debug task listens")

	tmp := filepath.Join(t.TempDir(), "tmp.png")
	a.key(t, "Escape")
	a.click(t, navX, navTasksY)
	a.capture(t, tmp)
	a.key(t, "ctrl+f")
	a.typeText(t, "pdf-render")
	a.capture(t, tmp)
	a.click(t, firstRowX, firstRowY) // the debug task
	a.capture(t, tmp)
	shot("debug-task.png")
	require.NoError(t, a.c.CancelTask(ctx, id))
	a.key(t, "ctrl+f")
	a.key(t, "ctrl+a")
	a.key(t, "BackSpace")
	a.key(t, "Escape")
}

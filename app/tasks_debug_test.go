package app

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// registerDebuggable registers a code whose debug tasks (process runtime)
// stand in for a debugger: the debug command names $(DEBUG_PORT), so
// ironlocal picks a free port and reports 127.0.0.1:PORT, then waits
// until dir/go exists. port is the code's debug_port (0: none).
func (u *testUI) registerDebuggable(t *testing.T, name, dir string, port int) {
	t.Helper()
	cmd := `sh -c 'while [ ! -f ` + dir + `/go ]; do sleep 0.05; done # $(DEBUG_PORT)'`
	nc := client.NewCode{Name: name, Image: "unused", Command: "true", DebugCommand: &cmd}
	if port > 0 {
		nc.DebugPort = &port
	}
	_, err := u.c.RegisterCode(context.Background(), nc)
	require.NoError(t, err)
}

// Debug on the new-task form queues a debug task; its pane says where the
// debugger listens and offers the launch.json entry for it (Go: the
// code's debug_port is Delve's 2345), both copied by their buttons; the
// window keeps its size; Debug again queues a linked debug task, opened
// in the pane; the address goes when the task ends.
func TestTaskDebug_FormPaneCopyAndDebugAgain(t *testing.T) {
	dir := t.TempDir()
	u := newTestUI(t, server.Options{})
	u.registerDebuggable(t, "dbg", dir, 2345)
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, "go"), nil, 0o600) })

	var f *newTaskForm
	var before fyne.Size
	u.locked(func() {
		before = u.win.Canvas().Size()
		u.newTask()
		f = u.tasks.form
	})
	u.eventually(t, "the code list reaches the form", func() bool { return len(f.code.Options) == 1 })
	u.locked(func() {
		f.code.SetSelected("dbg")
		test.Tap(f.debug)
	})
	u.eventually(t, "the pane shows the debugger's address and a launch.json entry", func() bool {
		d := u.tasks.detail
		return d != nil && d.task.DebugAddress != "" && d.debug.launch.Visible()
	})

	var first, addr, launch string
	u.locked(func() {
		d := u.tasks.detail
		first, addr, launch = d.id, d.task.DebugAddress, d.debug.launch.Text
		require.Contains(t, u.lastNotice(), "Queued debug task "+first)
		require.Contains(t, d.status.Text, "running · debug · code dbg")
		require.Contains(t, d.debug.text.Text, "Debugger listening on "+addr)
		require.True(t, d.debug.copyAddr.Visible())
		require.Equal(t, "VS Code launch.json (Go)", d.debug.launchName.Text)
		require.False(t, d.debug.note.Visible())
		require.Equal(t, before, u.win.Canvas().Size(), "the window keeps its size")
		min := u.win.Content().MinSize()
		require.LessOrEqual(t, min.Width, before.Width, "the content fits the window (MinSize %v)", min)
	})
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1", host)
	require.NotEqual(t, "2345", port, "$(DEBUG_PORT) got a free port")
	task, err := u.c.Task(context.Background(), first)
	require.NoError(t, err)
	require.True(t, task.Debug)
	require.Equal(t, addr, task.DebugAddress, "the pane shows the server's address")
	require.Contains(t, launch, `"type": "go"`)
	require.Contains(t, launch, `"mode": "remote"`)
	require.Contains(t, launch, `"host": "127.0.0.1"`)
	require.Contains(t, launch, `"port": `+port+"}")

	u.locked(func() {
		test.Tap(u.tasks.detail.debug.copyAddr)
		require.Equal(t, addr, u.app.Clipboard().Content())
		test.Tap(u.tasks.detail.debug.copyLaunch)
		require.Equal(t, launch, u.app.Clipboard().Content())
		require.Contains(t, u.lastNotice(), "launch.json entry copied")

		test.Tap(u.tasks.detail.again)
	})
	u.eventually(t, "Debug again opens a new debug task linked to the first", func() bool {
		d := u.tasks.detail
		return d != nil && d.id != first && d.task.Source == "debug"
	})
	var again string
	u.locked(func() {
		d := u.tasks.detail
		again = d.id
		require.Equal(t, first, d.task.SourceID)
		require.Contains(t, u.lastNotice(), "Debugging again as task "+again)
		require.Len(t, d.chain.Objects, 1)
	})
	task, err = u.c.Task(context.Background(), again)
	require.NoError(t, err)
	require.Equal(t, "debug", task.Source)
	require.True(t, task.Debug)
	u.eventually(t, "the second debugger listens, on another port", func() bool {
		d := u.tasks.detail
		return d.id == again && d.task.DebugAddress != "" && d.task.DebugAddress != addr &&
			strings.Contains(d.debug.launch.Text, `"port": `+strings.TrimPrefix(d.task.DebugAddress, "127.0.0.1:"))
	})

	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	u.eventually(t, "the address goes when the task ends", func() bool {
		d := u.tasks.detail
		return d.id == again && d.task.Status == client.TaskComplete && d.task.DebugAddress == "" &&
			!d.debug.copyAddr.Visible() && !d.debug.launch.Visible() && strings.Contains(d.debug.text.Text, "its debugger is gone")
	})
	u.locked(func() {
		u.tasks.openTask(first)
	})
	u.eventually(t, "the first task's pane: ended, no address", func() bool {
		d := u.tasks.detail
		return d.id == first && d.task.Status == client.TaskComplete && d.debug.root.Visible() && !d.debug.copyAddr.Visible()
	})
}

// A debug command that names no known debugger, and no known port: the
// pane shows the address and says there is no launch.json entry; a task
// that is not a debug task shows no debug box.
func TestTaskDebug_UnknownDebuggerAndPlainTask(t *testing.T) {
	dir := t.TempDir()
	u := newTestUI(t, server.Options{})
	u.registerDebuggable(t, "mystery", dir, 0)
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, "go"), nil, 0o600) })
	id, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "mystery", Debug: true})
	require.NoError(t, err)
	u.locked(func() {
		u.showScreen(u.tasks)
		u.tasks.openTask(id)
	})
	u.eventually(t, "address and the no-launch.json note", func() bool {
		d := u.tasks.detail
		return d.task.DebugAddress != "" && d.debug.note.Visible()
	})
	u.locked(func() {
		d := u.tasks.detail
		require.True(t, d.debug.copyAddr.Visible())
		require.False(t, d.debug.launch.Visible())
		require.False(t, d.debug.launchHead.Visible())
		require.Contains(t, d.debug.note.Text, "No launch.json entry")
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))

	u.registerEcho(t, "echo")
	plain, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "echo", Payload: "{}"})
	require.NoError(t, err)
	u.locked(func() { u.tasks.openTask(plain) })
	u.eventually(t, "a plain task ends", func() bool {
		d := u.tasks.detail
		return d.id == plain && d.task.Status == client.TaskComplete
	})
	u.locked(func() {
		d := u.tasks.detail
		require.False(t, d.debug.root.Visible(), "no debug box")
		require.NotContains(t, d.status.Text, "debug")
	})
}

// The code pane edits a code's debug port and command: saved, read back,
// and cleared again; a wrong port is refused before anything is sent.
func TestCodes_DebugSettingsRoundTrip(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	var code client.Code
	u.eventually(t, "the code is listed", func() bool { return len(u.codes.codes) == 1 })
	u.locked(func() {
		u.showScreen(u.codes)
		code = u.codes.codes[0]
		u.codes.open(code)
		d := u.codes.detail
		require.Empty(t, d.debugPort.Text)
		require.Empty(t, d.debugCommand.Text)
		d.debugPort.SetText("99999")
		d.save()
		require.Contains(t, u.lastNotice(), "debug port must be a TCP port")
		d.debugPort.SetText("9229")
		d.debugCommand.SetText(" node --inspect-brk=127.0.0.1:$(DEBUG_PORT) /mnt/task/worker.js ")
		d.save()
	})
	u.eventually(t, "saved", func() bool { return strings.Contains(u.lastNotice(), "Saved echo") })
	got, err := u.c.Code(context.Background(), code.ID)
	require.NoError(t, err)
	require.Equal(t, 9229, got.DebugPort)
	require.Equal(t, "node --inspect-brk=127.0.0.1:$(DEBUG_PORT) /mnt/task/worker.js", got.DebugCommand)
	u.eventually(t, "the pane shows them read back", func() bool {
		d := u.codes.detail
		return d != nil && d.debugPort.Text == "9229" && d.debugCommand.Text == got.DebugCommand
	})

	u.locked(func() {
		d := u.codes.detail
		d.debugPort.SetText("")
		d.debugCommand.SetText("")
		d.save()
	})
	u.eventually(t, "cleared", func() bool {
		c, err := u.c.Code(context.Background(), code.ID)
		return err == nil && c.DebugPort == 0 && c.DebugCommand == ""
	})
	u.eventually(t, "the pane shows them cleared", func() bool {
		d := u.codes.detail
		return d.debugPort.Text == "" && d.debugCommand.Text == ""
	})

	// The register form sends them too.
	u.locked(func() {
		u.codes.openForm()
		f := u.codes.form
		f.name.SetText("dlv")
		f.image.SetText("local/dlv:latest")
		f.debugPort.SetText("2345")
		f.debugCommand.SetText("/dlv exec --headless --listen=127.0.0.1:$(DEBUG_PORT) /worker --")
		f.register()
	})
	u.eventually(t, "registered and opened", func() bool {
		d := u.codes.detail
		return d != nil && d.code.Name == "dlv" && d.debugPort.Text == strconv.Itoa(2345) &&
			strings.HasPrefix(d.debugCommand.Text, "/dlv exec")
	})
}

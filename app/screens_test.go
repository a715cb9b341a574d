package app

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Screen tests: the real UI against a real emulator started in-process on
// 127.0.0.1:0 (process runtime, so no Docker image is needed). Fyne's test
// driver runs fyne.Do inline on the calling goroutine, so the tests read
// and drive the widgets holding u.mu, as the bridge does (see lockedUI).

const waitFor, poll = 20 * time.Second, 20 * time.Millisecond

type testUI struct {
	*UI
	srv *server.Server
	c   *client.Client
}

func newTestUI(t *testing.T, opts server.Options) *testUI {
	t.Helper()
	if opts.Runtime == "" {
		opts.Runtime = "process"
	}
	srv := server.RunT(t, opts)
	return attachTestUI(t, srv.URL(), srv)
}

func attachTestUI(t *testing.T, url string, srv *server.Server) *testUI {
	t.Helper()
	a := test.NewTempApp(t)
	w := a.NewWindow("ironlocal")
	w.Resize(fyne.NewSize(1280, 800))
	c, err := client.New(url, "test-token")
	require.NoError(t, err)
	u := New(a, w, Backend{Client: c, Attached: srv == nil, Store: "test store"})
	t.Cleanup(u.Close)
	tu := &testUI{UI: u, srv: srv, c: c}
	tu.eventually(t, "connected", func() bool { return u.connected })
	return tu
}

// locked runs fn holding the lock the bridge holds while it applies
// results, so fn sees the widgets between two updates.
func (u *testUI) locked(fn func()) {
	u.mu.Lock()
	defer u.mu.Unlock()
	fn()
}

// taskModel runs fn holding the Tasks screen's model lock (its fold
// goroutine writes the model off the UI goroutine).
func (u *testUI) taskModel(fn func(s *tasksScreen)) {
	u.tasks.mu.Lock()
	defer u.tasks.mu.Unlock()
	fn(u.tasks)
}

// visibleTasks is how many tasks pass the Tasks screen's filter.
func (u *testUI) visibleTasks() (n int) {
	u.taskModel(func(s *tasksScreen) { n = len(s.visible) })
	return n
}

// eventually waits until cond (run under the lock) holds.
func (u *testUI) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		var ok bool
		u.locked(func() { ok = cond() })
		return ok
	}, waitFor, poll, what)
}

// registerEcho registers a code whose tasks print their payload and a
// marker line, run by the process runtime.
func (u *testUI) registerEcho(t *testing.T, name string) {
	t.Helper()
	_, err := u.c.RegisterCode(context.Background(), client.NewCode{Name: name, Image: "local/echo:latest",
		Command: `cat "$PAYLOAD_FILE"; echo; echo hello-from-` + name})
	require.NoError(t, err)
}

func (u *testUI) lastNotice() string {
	if len(u.shell.shown) == 0 {
		return ""
	}
	return u.shell.shown[len(u.shell.shown)-1]
}

func TestTasks_QueueFromForm(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")

	var f *newTaskForm
	u.locked(func() {
		u.newTask() // what Ctrl+N does
		f = u.tasks.form
		require.NotNil(t, f)
		require.Equal(t, u.tasks, u.screens[u.current], "Ctrl+N shows the Tasks screen")
	})
	u.eventually(t, "the code list reaches the form", func() bool { return len(f.code.Options) == 1 })
	u.locked(func() {
		require.Equal(t, "echo", f.code.Selected, "the only code is preselected")
		f.payload.SetText(`{"greeting": "hi from the form"}`)
		f.priority.SetSelected("2")
		test.Tap(f.submit)
	})

	var id string
	u.eventually(t, "the row appears and the detail opens", func() bool {
		if u.tasks.detail == nil || len(u.tasks.rows) != 1 { // the table's rows, as last redrawn
			return false
		}
		id = u.tasks.detail.id
		first, ok := u.tasks.row(0)
		return ok && first.ID == id
	})
	u.eventually(t, "the status reaches complete", func() bool {
		task, ok := u.tasks.task(id)
		return ok && task.Status == client.TaskComplete
	})
	u.eventually(t, "the log pane shows the output", func() bool {
		text := u.tasks.detail.log.buf.Text()
		return strings.Contains(text, "hello-from-echo") && strings.Contains(text, `"greeting":"hi from the form"`)
	})
	// The table redraws at most every redrawEvery: wait for it.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		u.locked(func() {
			markup := test.RenderObjectToMarkup(u.tasks.table)
			assert.Contains(c, markup, "complete", "the table shows the status")
			assert.Contains(c, markup, "echo")
			assert.Equal(c, 2, u.tasks.detail.task.Priority)
			assert.Contains(c, u.tasks.detail.timeline.Text, "→ complete")
		})
	}, waitFor, poll)
	u.locked(func() { assert.Contains(t, u.lastNotice(), "Queued task "+id) })

	got, err := u.c.Task(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, `{"greeting":"hi from the form"}`, got.Payload)
	require.Equal(t, 2, got.Priority)

	u.locked(func() {
		require.True(t, u.tasks.closeDetail(), "Esc closes the pane")
		require.Nil(t, u.tasks.detail)
	})
}

func TestTasks_RequeueWithEditedPayload(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	first, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "echo", Payload: `{"v":1}`})
	require.NoError(t, err)
	u.eventually(t, "the task completes in the list", func() bool {
		task, ok := u.tasks.task(first)
		return ok && task.Status == client.TaskComplete
	})

	u.locked(func() { u.tasks.openTask(first) })
	u.eventually(t, "the payload shows, pretty", func() bool {
		return u.tasks.detail.payload.Text == "{\n  \"v\": 1\n}"
	})
	u.locked(func() {
		u.tasks.detail.payload.SetText(`{"v": 2, "edited": true}`)
		test.Tap(u.tasks.detail.requeue)
	})
	var second string
	u.eventually(t, "the copy opens", func() bool {
		if u.tasks.detail == nil || u.tasks.detail.id == first {
			return false
		}
		second = u.tasks.detail.id
		return true
	})
	u.eventually(t, "the copy ran with the new payload", func() bool {
		return strings.Contains(u.tasks.detail.log.buf.Text(), `{"v":2,"edited":true}`)
	})
	got, err := u.c.Task(context.Background(), second)
	require.NoError(t, err)
	require.Equal(t, `{"v":2,"edited":true}`, got.Payload)
	require.Equal(t, "echo", got.CodeName)
}

func TestTasks_InvalidJSONRefusedBeforeAnyRequest(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	u.locked(func() { u.newTask() })
	f := u.tasks.form
	u.eventually(t, "codes loaded", func() bool { return f.code.Selected == "echo" })

	for _, bad := range []string{`{"a": 1`, `not json`, `{} {}`} {
		var calls int64
		u.locked(func() {
			f.payload.SetText(bad)
			require.NotEmpty(t, f.errLabel.Text, "the editor says it is not JSON as you type")
			before := u.calls.Load()
			test.Tap(f.submit)
			calls = u.calls.Load() - before
			require.Contains(t, u.lastNotice(), "payload is not JSON")
		})
		require.Zero(t, calls, "no call to ironlocal was started for %q", bad)
	}
	// The re-queue editor refuses the same way.
	id, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "echo", Payload: `{}`})
	require.NoError(t, err)
	u.locked(func() { u.tasks.openTask(id) })
	u.locked(func() {
		u.tasks.detail.payload.SetText(`{"broken":`)
		before := u.calls.Load()
		test.Tap(u.tasks.detail.requeue)
		require.Equal(t, before, u.calls.Load())
		require.NotEmpty(t, u.tasks.detail.errLabel.Text)
	})
	tasks, err := u.c.Tasks(context.Background(), client.TaskQuery{})
	require.NoError(t, err)
	require.Len(t, tasks, 1, "only the task queued through the API exists")
}

func TestTasks_FilterAndSearch(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "alpha")
	u.registerEcho(t, "beta")
	ctx := context.Background()
	for i := range 6 {
		code := "alpha"
		if i%2 == 1 {
			code = "beta"
		}
		_, err := u.c.QueueTask(ctx, client.NewTask{CodeName: code, Payload: fmt.Sprintf(`{"n":%d}`, i)})
		require.NoError(t, err)
	}
	u.eventually(t, "six tasks listed and complete", func() bool {
		var listed, complete, stale int
		u.taskModel(func(s *tasksScreen) {
			listed, complete, stale = len(s.tasks), model.TaskCounts(s.tasks)[client.TaskComplete], len(s.stale)
		})
		return listed == 6 && complete == 6 && len(u.tasks.code.Options) == 3 && stale == 0
	})
	u.locked(func() {
		u.tasks.code.SetSelected("beta")
		require.Equal(t, 3, u.visibleTasks())
		u.tasks.search.SetText(`"n":3`)
		require.Equal(t, 1, u.visibleTasks())
		require.Equal(t, "1 of 6 tasks", u.tasks.count.Text)
		u.tasks.status.SetSelected(string(client.TaskError))
		require.Zero(t, u.visibleTasks())
		u.tasks.status.SetSelected(allStatuses)
		u.tasks.code.SetSelected(allCodes)
		u.tasks.search.SetText("")
		require.Equal(t, 6, u.visibleTasks())

		u.show(1)
		u.focusSearch() // Ctrl+F
		require.Equal(t, u.tasks.search, u.win.Canvas().Focused())

		// The window's keys still work while a field has the focus.
		ctrlN := &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
		u.tasks.search.TypedShortcut(ctrlN)
		require.NotNil(t, u.tasks.form, "Ctrl+N in the search field opens the new-task form")
		focused, ok := u.win.Canvas().Focused().(*keyEntry)
		require.True(t, ok)
		require.Equal(t, u.tasks.form.payload, focused, "the payload editor has the focus")
		focused.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		require.Nil(t, u.tasks.form, "Esc in a field closes the pane")
		require.Nil(t, u.win.Canvas().Focused())
	})
}

func TestTasks_ServerMessageInNotice(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.newTask()
		u.tasks.form.code.Selected = "no-such-code" // as if picked before it was deleted
		test.Tap(u.tasks.form.submit)
	})
	u.eventually(t, "the notice carries ironlocal's msg", func() bool {
		return strings.HasPrefix(u.lastNotice(), "Could not queue the task: ") && strings.Contains(strings.ToLower(u.lastNotice()), "not found")
	})
}

func TestSchedules_CreatedInFormFiresUnderVirtualClock(t *testing.T) {
	u := newTestUI(t, server.Options{VirtualClock: true})
	u.registerEcho(t, "nightly")
	u.eventually(t, "the virtual clock is read", func() bool { return u.clock.Virtual && u.shell.virtual.Visible() })

	u.locked(func() {
		u.showScreen(u.schedules)
		u.schedules.open(client.Schedule{})
	})
	f := u.schedules.form
	u.eventually(t, "codes loaded", func() bool { return f.code.Selected == "nightly" })
	u.locked(func() {
		f.payload.SetText(`{"job": "nightly"}`)
		f.runEvery.SetText("1h")
		f.startAt.SetText("+10m")
		f.runTimes.SetText("3")
	})
	// ironlocal previews the fires (off the UI goroutine).
	u.eventually(t, "the preview stops at run_times", func() bool {
		lines := strings.Split(f.preview.Text, "\n")
		return len(lines) == 3 && strings.Contains(lines[0], "(in 10m00s)") && strings.Contains(lines[1], "(in 1h10m)")
	})
	u.locked(func() { f.cron.SetText("not cron") })
	u.eventually(t, "ironlocal's msg on a bad cron expression", func() bool {
		return strings.Contains(f.timingErr.Text, "not a valid 5-field cron expression") && f.preview.Text == ""
	})
	u.locked(func() {
		f.cron.SetText("")
		test.Tap(f.save)
	})
	u.eventually(t, "the schedule is listed", func() bool {
		return len(u.schedules.schedules) == 1 && u.schedules.form == nil
	})
	u.locked(func() {
		require.Contains(t, scheduleSummary(u.schedules.schedules[0], u.now()), "every 1h00m · runs 0/3")
	})

	_, err := u.c.AdvanceClock(context.Background(), 11*time.Minute)
	require.NoError(t, err)
	u.eventually(t, "the schedule fired a task that ran", func() bool {
		ran := false
		u.taskModel(func(s *tasksScreen) {
			ran = slices.ContainsFunc(s.tasks, func(task client.Task) bool {
				return task.CodeName == "nightly" && task.Status == client.TaskComplete
			})
		})
		return ran
	})
	u.eventually(t, "the run count shows", func() bool {
		return len(u.schedules.schedules) == 1 && u.schedules.schedules[0].RunCount == 1
	})
}

func TestCodes_RegisterEditPause(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.showScreen(u.codes)
		u.codes.openForm()
		u.codes.form.name.SetText("resize")
		u.codes.form.image.SetText("local/resize:1")
		u.codes.form.command.SetText("echo resized")
		test.Tap(u.codes.form.submit)
	})
	u.eventually(t, "the code is listed and open", func() bool {
		return len(u.codes.codes) == 1 && u.codes.detail != nil && u.codes.detail.code.Name == "resize"
	})
	u.locked(func() {
		d := u.codes.detail
		d.concurrency.SetText("3")
		d.retries.SetText("2")
		d.retriesDelay.SetText("30")
		d.env.SetText("MODE=fast\nLEVEL=9\n")
		d.save()
	})
	ctx := context.Background()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		codes, err := u.c.Codes(ctx, client.Page{})
		if !assert.NoError(c, err) || !assert.Len(c, codes, 1) {
			return
		}
		assert.Equal(c, 3, codes[0].MaxConcurrency)
		assert.Equal(c, 2, codes[0].Retries)
		assert.Equal(c, 30, codes[0].RetriesDelay)
		assert.Equal(c, map[string]string{"MODE": "fast", "LEVEL": "9"}, codes[0].EnvVars)
	}, waitFor, poll)

	u.locked(func() {
		u.codes.detail.retries.SetText("many")
		before := u.calls.Load()
		u.codes.detail.save()
		require.Equal(t, before, u.calls.Load(), "a wrong field sends nothing")
		require.Contains(t, u.lastNotice(), "retries must be a whole number")
		test.Tap(u.codes.detail.pause)
	})
	u.eventually(t, "paused", func() bool {
		return u.codes.detail != nil && u.codes.detail.code.Paused() && u.codes.detail.pause.Text == "Resume task queue"
	})
}

func TestOverview_CountsEventsAndCopy(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	ctx := context.Background()
	_, err := u.c.PostMessages(ctx, "jobs", client.NewMessage{Body: "one"}, client.NewMessage{Body: "two"})
	require.NoError(t, err)
	_, err = u.c.QueueTask(ctx, client.NewTask{CodeName: "echo"})
	require.NoError(t, err)
	u.eventually(t, "the last events show", func() bool {
		joined := strings.Join(u.overview.events, "\n")
		return strings.Contains(joined, "messages.posted · queue jobs · 2") && strings.Contains(joined, "task.finished")
	})
	u.locked(func() { u.overview.reload() })
	u.eventually(t, "the counts show", func() bool {
		return strings.Contains(u.overview.counts.Text, "1 queue, 2 messages") &&
			strings.Contains(u.overview.counts.Text, "1 code package ·") &&
			strings.Contains(u.overview.counts.Text, "1 complete")
	})
	u.locked(func() {
		require.Contains(t, u.overview.services.Text, "runtime: process")
		require.Contains(t, u.overview.where.Text, "Store: test store")
		u.copyText("IRON_* exports", model.IronEnv(u.c.URL(), u.c.Token(), u.c.Project()))
		require.Contains(t, u.app.Clipboard().Content(), "IRON_PORT="+u.srv.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):])
	})
}

func TestProjects_SelectorFollowsEvents(t *testing.T) {
	u := newTestUI(t, server.Options{})
	other := u.c.ForProject("0000000000000000000000ff")
	other.RegisterCode(context.Background(), client.NewCode{Name: "elsewhere", Image: "x", Command: "true"}) //nolint:errcheck // asserted below
	u.eventually(t, "the other project is offered", func() bool {
		return len(u.shell.project.Options) == 2 && u.shell.project.Options[0] == client.DefaultProject
	})
	u.locked(func() { u.shell.project.SetSelected("0000000000000000000000ff") })
	u.eventually(t, "the screens switch project", func() bool {
		return len(u.codes.codes) == 1 && u.codes.codes[0].Name == "elsewhere"
	})
}

func TestConnection_BannerAndReconnect(t *testing.T) {
	srv, err := server.Start(server.Options{Listen: "127.0.0.1:0", Ephemeral: true, Runtime: "process"})
	require.NoError(t, err)
	addr := srv.Addr().String()
	u := attachTestUI(t, srv.URL(), nil)
	u.locked(func() { require.False(t, u.shell.banner.Visible()) })

	require.NoError(t, srv.Close(context.Background()))
	u.eventually(t, "the banner says the connection is lost", func() bool {
		return u.shell.banner.Visible() && strings.Contains(u.shell.bannerText.Text, "reconnecting") &&
			strings.Contains(u.shell.conn.Text, "disconnected")
	})

	again, err := server.Start(server.Options{Listen: addr, Ephemeral: true, Runtime: "process"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = again.Close(context.Background()) })
	c, _ := client.New(again.URL(), "t")
	_, err = c.RegisterCode(context.Background(), client.NewCode{Name: "after", Image: "x", Command: "true"})
	require.NoError(t, err)
	u.eventually(t, "reconnected and reloaded", func() bool {
		return !u.shell.banner.Visible() && strings.Contains(u.shell.conn.Text, "connected") && len(u.codes.codes) == 1
	})
}

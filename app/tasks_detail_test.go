package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// registerGated registers a code whose tasks print two lines, touch
// dir/started, then wait until dir/go exists: a task that stays running
// until the test lets it finish.
func (u *testUI) registerGated(t *testing.T, name, dir string) {
	t.Helper()
	cmd := `echo first-line; echo second-line; touch '` + dir + `/started'; ` +
		`while [ ! -f '` + dir + `/go' ]; do sleep 0.05; done; echo last-line; true`
	_, err := u.c.RegisterCode(context.Background(), client.NewCode{Name: name, Image: "local/gated:latest", Command: cmd})
	require.NoError(t, err)
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	require.Eventually(t, func() bool { _, err := os.Stat(path); return err == nil }, waitFor, poll, path)
}

// A running task's pane shows its payload, code and whole log at once,
// whether it was opened by Queue task or from the table (issue 21 §1).
func TestTaskDetail_RunningTaskShowsPayloadCodeAndWholeLog(t *testing.T) {
	for _, how := range []string{"queue task form", "table", "retry"} {
		t.Run(how, func(t *testing.T) {
			dir := t.TempDir()
			u := newTestUI(t, server.Options{})
			u.registerGated(t, "gated", dir)
			t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, "go"), nil, 0o600) })

			var id string
			switch how {
			case "queue task form":
				var f *newTaskForm
				u.locked(func() { u.newTask(); f = u.tasks.form })
				u.eventually(t, "the code list reaches the form", func() bool { return len(f.code.Options) == 1 })
				u.locked(func() {
					f.payload.SetText(`{"job": "gated"}`)
					f.queue()
				})
				u.eventually(t, "the pane opens", func() bool { return u.tasks.detail != nil })
				u.locked(func() { id = u.tasks.detail.id })
				waitFile(t, filepath.Join(dir, "started"))
			case "table":
				var err error
				id, err = u.c.QueueTask(context.Background(), client.NewTask{CodeName: "gated", Payload: `{"job": "gated"}`})
				require.NoError(t, err)
				waitFile(t, filepath.Join(dir, "started"))
				u.eventually(t, "the row shows running", func() bool {
					task, ok := u.tasks.task(id)
					return ok && task.Status == client.TaskRunning
				})
				u.locked(func() { u.tasks.openTask(id) })
			case "retry":
				first, err := u.c.QueueTask(context.Background(), client.NewTask{CodeName: "gated", Payload: `{"job": "gated"}`})
				require.NoError(t, err)
				waitFile(t, filepath.Join(dir, "started"))
				require.NoError(t, os.Remove(filepath.Join(dir, "started")))
				u.locked(func() { u.tasks.openTask(first) })
				u.eventually(t, "the pane of the first task", func() bool { return u.tasks.detail.task.Status == client.TaskRunning })
				u.locked(func() { u.tasks.detail.doRetry() })
				u.eventually(t, "the retry's pane opens", func() bool { return u.tasks.detail.id != first })
				u.locked(func() { id = u.tasks.detail.id })
				waitFile(t, filepath.Join(dir, "started"))
			}
			u.eventually(t, "payload and code shown while the task runs", func() bool {
				d := u.tasks.detail
				return d != nil && strings.Contains(d.payload.Text, `"job": "gated"`) &&
					strings.Contains(d.status.Text, "code gated")
			})
			u.eventually(t, "the log from its first line while the task runs", func() bool {
				return strings.HasPrefix(u.tasks.detail.log.buf.Text(), "first-line\nsecond-line\n")
			})
			u.locked(func() {
				require.Equal(t, client.TaskRunning, u.tasks.detail.task.Status, "still running")
				require.False(t, u.tasks.detail.log.note.Visible(), "no 'output from now on' hint")
			})
			require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
			u.eventually(t, "the rest of the log, once, in order", func() bool {
				return u.tasks.detail.id == id && u.tasks.detail.task.Status == client.TaskComplete &&
					u.tasks.detail.log.buf.Text() == "first-line\nsecond-line\nlast-line\n"
			})
		})
	}
}

func TestJoinChunk(t *testing.T) {
	for _, tc := range []struct {
		name         string
		size, offset int64
		data, add    string
		newSize      int64
		gap          bool
	}{
		{"next chunk", 6, 6, "world\n", "world\n", 12, false},
		{"already held", 12, 6, "world\n", "", 12, false},
		{"overlaps the end held", 9, 6, "world\n", "ld\n", 12, false},
		{"past a gap", 6, 9, "x", "", 6, true},
		{"first chunk", 0, 0, "a", "a", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			add, size, gap := joinChunk(tc.size, tc.offset, tc.data)
			require.Equal(t, tc.add, add)
			require.Equal(t, tc.newSize, size)
			require.Equal(t, tc.gap, gap)
		})
	}
}

// A task read in full replaces what a pane opened on a bare id holds,
// whatever its status; otherwise a later status never goes back.
func TestStatusRank_UnknownFirst(t *testing.T) {
	require.Less(t, statusRank(""), statusRank(client.TaskQueued))
	require.Less(t, statusRank(client.TaskQueued), statusRank(client.TaskRunning))
	require.Less(t, statusRank(client.TaskRunning), statusRank(client.TaskError))
}

func TestTaskDetail_CauseLinks(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	ctx := context.Background()
	sid, err := u.c.CreateSchedule(ctx, client.NewSchedule{CodeName: "echo", Payload: "{}", RunEvery: 3600,
		StartAt: time.Now().Add(time.Hour)})
	require.NoError(t, err)
	byRun, err := u.c.RunSchedule(ctx, sid)
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(ctx, waitFor))
	retry, err := u.c.RetryTask(ctx, byRun, 0)
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(ctx, waitFor))

	cause := func() *widget.Button {
		var b *widget.Button
		for _, o := range u.tasks.detail.chain.Objects {
			if btn, ok := o.(*widget.Button); ok && b == nil {
				b = btn
			}
		}
		return b
	}
	u.locked(func() { u.showScreen(u.tasks); u.tasks.openTask(retry) })
	u.eventually(t, "the retry links to the task it retried", func() bool {
		b := cause()
		return b != nil && b.Text == "retry of "+shortID(byRun)
	})
	u.locked(func() { test.Tap(cause()) })
	u.eventually(t, "the retried task opens; it links to its schedule", func() bool {
		b := cause()
		return u.tasks.detail.id == byRun && b != nil && b.Text == "queued by schedule "+shortID(sid)
	})
	u.locked(func() { test.Tap(cause()) })
	u.eventually(t, "the schedule opens on its screen", func() bool {
		return u.screens[u.current] == screen(u.schedules) && u.schedules.form != nil && u.schedules.form.id == sid
	})
}

func TestTaskCause(t *testing.T) {
	for _, tc := range []struct {
		task client.Task
		text string
		link bool
	}{
		{client.Task{Source: "api"}, "queued through the API", false},
		{client.Task{Source: "webhook"}, "queued by the task webhook", false},
		{client.Task{Source: "trigger", SourceID: "b1"}, "queued by trigger binding b1", true},
		{client.Task{Source: "schedule", SourceID: "s1", ScheduleID: "s1"}, "queued by schedule s1", true},
		{client.Task{ScheduleID: "s2"}, "queued by schedule s2", true},
		{client.Task{OriginalTaskID: "t0"}, "retry of t0", true},
		{client.Task{Source: "retry", SourceID: "t1", OriginalTaskID: "t0"}, "retry of t1", true},
		{client.Task{}, "", false},
	} {
		text, link := taskCause(tc.task)
		require.Equal(t, tc.text, text)
		require.Equal(t, tc.link, link, tc.text)
	}
}

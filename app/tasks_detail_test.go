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

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/testtool"
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
			add, size, gap := model.JoinChunk(tc.size, tc.offset, tc.data)
			require.Equal(t, tc.add, add)
			require.Equal(t, tc.newSize, size)
			require.Equal(t, tc.gap, gap)
		})
	}
}

// A task read in full replaces what a pane opened on a bare id holds,
// whatever its status; otherwise a later status never goes back.
func TestStatusRank_UnknownFirst(t *testing.T) {
	require.Less(t, model.StatusRank(""), model.StatusRank(client.TaskQueued))
	require.Less(t, model.StatusRank(client.TaskQueued), model.StatusRank(client.TaskRunning))
	require.Less(t, model.StatusRank(client.TaskRunning), model.StatusRank(client.TaskError))
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
		return b != nil && b.Text == "retry of "+model.ShortID(byRun)
	})
	u.locked(func() { test.Tap(cause()) })
	u.eventually(t, "the retried task opens; it links to its schedule", func() bool {
		b := cause()
		return u.tasks.detail.id == byRun && b != nil && b.Text == "queued by schedule "+model.ShortID(sid)
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
		text, link := model.TaskCause(tc.task)
		require.Equal(t, tc.text, text)
		require.Equal(t, tc.link, link, tc.text)
	}
}

// A task's pane lists what it did through its IRON_TOKEN, each a link to
// the message, the cache item or the task (issue 21 §4).
func TestTaskDetail_ActivityLinks(t *testing.T) {
	curl := testtool.Need(t, "curl")
	u := newTestUI(t, server.Options{})
	u.registerEcho(t, "echo")
	script := filepath.Join(t.TempDir(), "act.sh")
	require.NoError(t, os.WriteFile(script, []byte(`set -e
base="$IRON_SCHEME://$IRON_HOST:$IRON_PORT"
auth="Authorization: OAuth $IRON_TOKEN"
json='Content-Type: application/json'
`+curl+` -sf -H "$auth" -H "$json" -d '{"messages":[{"body":"hi"}]}' "$base/3/projects/$IRON_PROJECT_ID/queues/done/messages"
`+curl+` -sf -X PUT -H "$auth" -H "$json" -d '{"value":"42"}' "$base/1/projects/$IRON_PROJECT_ID/caches/results/items/answer"
`+curl+` -sf -H "$auth" -H "$json" -d '{"tasks":[{"code_name":"echo","payload":"{}"}]}' "$base/2/projects/$IRON_PROJECT_ID/tasks"
`+curl+` -sf -H "$auth" "$base/3/projects/$IRON_PROJECT_ID/queues/done" > /dev/null
`), 0o600))
	ctx := context.Background()
	_, err := u.c.RegisterCode(ctx, client.NewCode{Name: "act", Image: "local/act:latest", Command: "sh " + script})
	require.NoError(t, err)
	id, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "act"})
	require.NoError(t, err)
	require.NoError(t, u.c.WaitIdle(ctx, waitFor))
	msgs, err := u.c.Peek(ctx, "done", 1)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	acts, err := u.c.TaskActivity(ctx, id)
	require.NoError(t, err)
	require.Len(t, acts, 4)
	queued := acts[2].TaskID

	links := func() map[string]*widget.Button {
		m := map[string]*widget.Button{}
		if d := u.tasks.detail; d != nil {
			for _, o := range d.did.Objects {
				if b, ok := o.(*widget.Button); ok {
					m[b.Text] = b
				}
			}
		}
		return m
	}
	postText := "posted message " + model.ShortID(msgs[0].ID) + " to queue done"
	open := func() {
		u.locked(func() { u.showScreen(u.tasks); u.tasks.openTask(id) })
		u.eventually(t, "the pane lists what the task did", func() bool {
			l := links()
			return u.tasks.detail.id == id && len(l) == 3 && l[postText] != nil &&
				l["wrote cache results · answer"] != nil && l["queued task "+model.ShortID(queued)] != nil
		})
	}
	open()
	u.locked(func() {
		var texts []string
		for _, o := range u.tasks.detail.did.Objects {
			if l, ok := o.(*widget.Label); ok {
				texts = append(texts, l.Text)
			}
		}
		require.Contains(t, texts, "1 other request (reads, failures)")
	})

	u.locked(func() { test.Tap(links()[postText]) })
	u.eventually(t, "the message opens: its queue, searched for its id", func() bool {
		d := u.queues.detail
		return u.screens[u.current] == screen(u.queues) && d != nil && d.name == "done" && d.browser.search.Text == msgs[0].ID
	})

	open()
	u.locked(func() { test.Tap(links()["wrote cache results · answer"]) })
	u.eventually(t, "the item opens: its cache, searched for its key", func() bool {
		d := u.cache.detail
		return u.screens[u.current] == screen(u.cache) && d != nil && d.name == "results" && d.search.Text == "answer"
	})

	open()
	u.locked(func() { test.Tap(links()["queued task "+model.ShortID(queued)]) })
	u.eventually(t, "the queued task opens", func() bool {
		return u.screens[u.current] == screen(u.tasks) && u.tasks.detail != nil && u.tasks.detail.id == queued
	})
}

func TestActivityText(t *testing.T) {
	for _, tc := range []struct {
		a    client.Activity
		want string
	}{
		{client.Activity{Kind: client.ActivityMessagePost, Queue: "q", MessageIDs: []string{"1", "2"}}, "posted 2 messages to queue q"},
		{client.Activity{Kind: client.ActivityMessageReserve, Queue: "q", MessageIDs: []string{"7"}}, "reserved message 7 from queue q"},
		{client.Activity{Kind: client.ActivityMessageDelete, Queue: "q"}, "deleted messages from queue q"},
		{client.Activity{Kind: client.ActivityCacheIncrement, Cache: "c", Key: "n"}, "incremented cache c · n"},
		{client.Activity{Kind: client.ActivityCacheDelete, Cache: "c", Key: "n"}, "deleted cache c · n"},
		{client.Activity{Kind: client.ActivityTaskQueue}, "queued a task"},
	} {
		require.Equal(t, tc.want, model.ActivityText(tc.a))
	}
}

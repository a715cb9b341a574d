package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// wait bounds waits for state that the emulator reaches on its own.
const wait = 30 * time.Second

// newClient starts an in-process emulator on 127.0.0.1:0 (process runtime,
// virtual clock, live logs) and returns a client of it.
func newClient(t *testing.T, opts ...func(*server.Options)) (*client.Client, *server.Server) {
	t.Helper()
	o := server.Options{Runtime: "process", VirtualClock: true, LiveLogs: true}
	for _, f := range opts {
		f(&o)
	}
	srv := server.RunT(t, o)
	c, err := client.New(srv.URL()+"/", "test-token")
	require.NoError(t, err)
	return c, srv
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return ctx
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		ok        bool
	}{
		{"plain", "http://127.0.0.1:4766", true},
		{"trailing slash", "http://127.0.0.1:4766/", true},
		{"no scheme", "127.0.0.1:4766", false},
		{"path", "http://127.0.0.1:4766/api", false},
		{"ftp", "ftp://127.0.0.1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(tc.url, "t")
			if !tc.ok {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "http://127.0.0.1:4766", c.URL())
			require.Equal(t, client.DefaultProject, c.Project())
		})
	}
	c, err := client.New("http://h:1", "t", client.WithProject("aaaaaaaaaaaaaaaaaaaaaaaa"))
	require.NoError(t, err)
	require.Equal(t, "aaaaaaaaaaaaaaaaaaaaaaaa", c.Project())
	other := c.ForProject("bbbbbbbbbbbbbbbbbbbbbbbb")
	require.Equal(t, "bbbbbbbbbbbbbbbbbbbbbbbb", other.Project())
	require.Equal(t, "aaaaaaaaaaaaaaaaaaaaaaaa", c.Project(), "ForProject leaves the original alone")
}

func TestControl_VersionHealthClock(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	v, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, server.Version, v)

	h, err := c.Health(ctx)
	require.NoError(t, err)
	require.True(t, h.OK())
	require.Equal(t, "process", h.Services["runtime"])

	clk, err := c.Clock(ctx)
	require.NoError(t, err)
	require.True(t, clk.Virtual)
	moved, err := c.AdvanceClock(ctx, 90*time.Minute)
	require.NoError(t, err)
	require.Equal(t, 90*time.Minute, moved.Now.Sub(clk.Now))
	to := moved.Now.Add(24 * time.Hour)
	set, err := c.SetClock(ctx, to)
	require.NoError(t, err)
	require.True(t, set.Now.Equal(to), "got %s, want %s", set.Now, to)

	_, err = c.SetClock(ctx, clk.Now)
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusBadRequest, e.Status)
	require.Contains(t, e.Msg, "only moves forward")
}

func TestError_CarriesServerMsg(t *testing.T) {
	c, _ := newClient(t)
	_, err := c.Task(ctxT(t), "000000000000000000000000")
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusNotFound, e.Status)
	require.Equal(t, "Task not found", e.Msg)
	require.True(t, client.IsNotFound(err))
	require.Contains(t, e.Error(), "404 Not Found: Task not found")

	// Strict auth: an unknown token is a 401 with the server's reason.
	strict, _ := newClient(t, func(o *server.Options) { o.Tokens = []string{"right"} })
	_, err = strict.Codes(ctxT(t), client.Page{})
	require.Equal(t, http.StatusUnauthorized, client.StatusOf(err))
}

// registerEcho registers a code whose task prints its payload.
func registerEcho(t *testing.T, c *client.Client, name string) client.Code {
	t.Helper()
	code, err := c.RegisterCode(ctxT(t), client.NewCode{Name: name, Image: "ironlocal/none:latest",
		Command: `echo "payload: $(cat "$PAYLOAD_FILE")"; true`, Retries: client.Ptr(0)})
	require.NoError(t, err)
	return code
}

func TestCodes(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	code, err := c.RegisterCode(ctx, client.NewCode{Name: "hello", Image: "example/hello:1",
		EnvVars: map[string]string{"A": "1"}, MaxConcurrency: client.Ptr(2)})
	require.NoError(t, err)
	require.Equal(t, "hello", code.Name)
	require.Equal(t, 1, code.Rev)
	require.Equal(t, 2, code.MaxConcurrency)
	require.False(t, code.CreatedAt.IsZero())

	again, err := c.RegisterCode(ctx, client.NewCode{Name: "hello", Image: "example/hello:2"})
	require.NoError(t, err)
	require.Equal(t, code.ID, again.ID)
	require.Equal(t, 2, again.Rev)
	revs, err := c.CodeRevisions(ctx, code.ID, client.Page{})
	require.NoError(t, err)
	require.Len(t, revs, 2)
	require.Equal(t, "example/hello:2", revs[0].Image)

	updated, err := c.UpdateCode(ctx, code.ID, client.CodeSettings{MaxConcurrency: client.Ptr(5), Retries: client.Ptr(3),
		RetriesDelay: client.Ptr(10), EnvVars: map[string]string{"B": "2"}})
	require.NoError(t, err)
	require.Equal(t, 2, updated.Rev, "settings change no revision")
	require.Equal(t, 5, updated.MaxConcurrency)
	require.Equal(t, 3, updated.Retries)
	require.Equal(t, 10, updated.RetriesDelay)
	require.Equal(t, map[string]string{"B": "2"}, updated.EnvVars)

	cleared, err := c.UpdateCode(ctx, code.ID, client.CodeSettings{EnvVars: map[string]string{}})
	require.NoError(t, err)
	require.Empty(t, cleared.EnvVars)
	require.Equal(t, 5, cleared.MaxConcurrency, "unset fields stay")

	_, err = c.UpdateCode(ctx, code.ID, client.CodeSettings{Retries: client.Ptr(-1)})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))

	require.NoError(t, c.PauseCode(ctx, code.ID))
	got, err := c.Code(ctx, code.ID)
	require.NoError(t, err)
	require.True(t, got.Paused())
	require.NoError(t, c.ResumeCode(ctx, code.ID))
	got, err = c.Code(ctx, code.ID)
	require.NoError(t, err)
	require.Equal(t, 5, got.MaxConcurrency)

	list, err := c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, c.DeleteCode(ctx, code.ID))
	_, err = c.Code(ctx, code.ID)
	require.True(t, client.IsNotFound(err))
}

func TestTasks(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	registerEcho(t, c, "echo")

	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "echo", Payload: `{"n":1}`, Priority: client.Ptr(2), Timeout: 60, Label: "l1"})
	require.NoError(t, err)
	require.NoError(t, c.WaitIdle(ctx, wait))
	task, err := c.Task(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.TaskComplete, task.Status)
	require.True(t, task.Status.Terminal())
	require.Equal(t, 2, task.Priority)
	require.Equal(t, 60, task.Timeout)
	require.Equal(t, "l1", task.Label)
	log, err := c.TaskLog(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "payload: {\"n\":1}\n", log)

	retry, err := c.RetryTask(ctx, id, 0)
	require.NoError(t, err)
	require.NotEqual(t, id, retry)
	require.NoError(t, c.WaitIdle(ctx, wait))
	rt, err := c.Task(ctx, retry)
	require.NoError(t, err)
	require.Equal(t, id, rt.OriginalTaskID)

	// A delayed task stays queued under the virtual clock: cancel it.
	delayed, err := c.QueueTask(ctx, client.NewTask{CodeName: "echo", Payload: "{}", Delay: 3600})
	require.NoError(t, err)
	require.NoError(t, c.SetTaskProgress(ctx, delayed, 40, "warming up"))
	got, err := c.Task(ctx, delayed)
	require.NoError(t, err)
	require.Equal(t, client.TaskQueued, got.Status)
	require.Equal(t, 40, got.Percent)
	require.Equal(t, "warming up", got.Msg)
	require.NoError(t, c.CancelTask(ctx, delayed))

	ids, err := c.QueueTasks(ctx, []client.NewTask{{CodeName: "echo", Payload: "a", Delay: 3600}, {CodeName: "echo", Payload: "b", Delay: 3600}})
	require.NoError(t, err)
	require.Len(t, ids, 2)

	all, err := c.Tasks(ctx, client.TaskQuery{CodeName: "echo"})
	require.NoError(t, err)
	require.Len(t, all, 5)
	require.Equal(t, ids[1], all[0].ID, "newest first")
	byStatus, err := c.Tasks(ctx, client.TaskQuery{Statuses: []client.TaskStatus{client.TaskCancelled, client.TaskComplete}})
	require.NoError(t, err)
	require.Len(t, byStatus, 3)
	paged, err := c.Tasks(ctx, client.TaskQuery{Page: client.Page{Page: 1, PerPage: 2}})
	require.NoError(t, err)
	require.Len(t, paged, 2)
	require.Equal(t, all[2].ID, paged[0].ID)
	none, err := c.Tasks(ctx, client.TaskQuery{CodeName: "other"})
	require.NoError(t, err)
	require.Empty(t, none)

	code, err := c.Code(ctx, all[0].CodeID)
	require.NoError(t, err)
	stats, err := c.CodeStats(ctx, code.ID)
	require.NoError(t, err)
	require.Equal(t, 2, stats[client.TaskComplete])
	require.Equal(t, 3, stats[client.TaskQueued]+stats[client.TaskCancelled])
	require.Contains(t, stats, client.TaskStatus("preparing"))

	_, err = c.QueueTask(ctx, client.NewTask{CodeName: "missing"})
	require.True(t, client.IsNotFound(err), "got %v", err)
}

func TestSchedules(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	registerEcho(t, c, "echo")
	start := srv.VirtualClock().Now().Add(time.Hour)

	id, err := c.CreateSchedule(ctx, client.NewSchedule{CodeName: "echo", Name: "hourly", Payload: "{}", StartAt: start, RunEvery: 3600})
	require.NoError(t, err)
	s, err := c.Schedule(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.ScheduleActive, s.Status)
	require.Equal(t, 3600, s.RunEvery)
	require.True(t, s.NextStart.Equal(start.Truncate(time.Millisecond)), "next_start %s, want %s (Iron times are to the millisecond)", s.NextStart, start)

	require.NoError(t, c.UpdateSchedule(ctx, id, client.ScheduleUpdate{RunTimes: client.Ptr(3), Payload: client.Ptr(`{"x":1}`)}))
	s, err = c.Schedule(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 3, s.RunTimes)
	require.Equal(t, `{"x":1}`, s.Payload)
	require.Equal(t, "hourly", s.Name, "unset fields stay")

	taskID, err := c.RunSchedule(ctx, id)
	require.NoError(t, err)
	require.NoError(t, c.WaitIdle(ctx, wait))
	task, err := c.Task(ctx, taskID)
	require.NoError(t, err)
	require.Equal(t, id, task.ScheduleID)

	// The virtual clock fires it.
	_, err = c.AdvanceClock(ctx, time.Hour)
	require.NoError(t, err)
	require.NoError(t, c.WaitIdle(ctx, wait))
	s, err = c.Schedule(ctx, id)
	require.NoError(t, err)
	require.Equal(t, 2, s.RunCount)

	batch, err := c.CreateSchedules(ctx, []client.NewSchedule{{CodeName: "echo", StartAt: start.Add(time.Hour), RunTimes: 1},
		{CodeName: "echo", StartAt: start.Add(2 * time.Hour), RunTimes: 1}})
	require.NoError(t, err)
	require.Len(t, batch, 2)
	for _, sid := range batch {
		require.NoError(t, c.CancelSchedule(ctx, sid))
	}

	list, err := c.Schedules(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.NoError(t, c.CancelSchedule(ctx, id))
	s, err = c.Schedule(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.ScheduleCancelled, s.Status)
}

func TestControl_ResetWaitIdleSnapshot(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	registerEcho(t, c, "echo")
	slow, err := c.RegisterCode(ctx, client.NewCode{Name: "slow", Image: "x", Command: "sleep 30; true"})
	require.NoError(t, err)

	var snap bytes.Buffer
	n, err := c.ExportSnapshot(ctx, &snap)
	require.NoError(t, err)
	require.Equal(t, int64(snap.Len()), n)
	require.Positive(t, n)

	// Busy: WaitIdle times out with ErrNotIdle.
	_, err = c.QueueTask(ctx, client.NewTask{CodeName: slow.Name})
	require.NoError(t, err)
	err = c.WaitIdle(ctx, 50*time.Millisecond)
	require.ErrorIs(t, err, client.ErrNotIdle)
	require.Equal(t, http.StatusRequestTimeout, client.StatusOf(err))

	require.NoError(t, c.Reset(ctx))
	require.NoError(t, c.WaitIdle(ctx, wait))
	codes, err := c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Empty(t, codes)

	require.NoError(t, c.ImportSnapshot(ctx, bytes.NewReader(snap.Bytes()), int64(snap.Len())))
	codes, err = c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, codes, 2)

	// A damaged snapshot (unknown length) is refused and nothing changes.
	damaged := bytes.Clone(snap.Bytes())
	damaged[len(damaged)/2] ^= 0xff
	err = c.ImportSnapshot(ctx, struct{ *bytes.Reader }{bytes.NewReader(damaged)}, -1)
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err), "got %v", err)
	codes, err = c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, codes, 2)
}

func TestControl_Faults(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	f, err := c.AddFault(ctx, client.Fault{Service: "worker", Method: "GET", Status: 503, Msg: "flaky", Times: 1})
	require.NoError(t, err)
	require.NotEmpty(t, f.ID)
	_, err = c.Codes(ctx, client.Page{})
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 503, e.Status)
	require.Equal(t, "flaky", e.Msg)
	_, err = c.Codes(ctx, client.Page{})
	require.NoError(t, err, "times 1: the second call passes")

	list, err := c.Faults(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.EqualValues(t, 1, list[0].Hits)

	slow, err := c.AddFault(ctx, client.Fault{Service: "mq", Latency: "20ms"})
	require.NoError(t, err)
	require.Equal(t, "20ms", slow.Latency)
	require.NoError(t, c.DeleteFault(ctx, f.ID))
	list, err = c.Faults(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.NoError(t, c.ClearFaults(ctx))
	list, err = c.Faults(ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	_, err = c.AddFault(ctx, client.Fault{Service: "nope", Status: 500})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
}

func TestEvents(t *testing.T) {
	c, _ := newClient(t)
	ctx, cancel := context.WithCancel(ctxT(t))
	defer cancel()

	events, err := c.Events(ctx, "code.", "task.queued")
	require.NoError(t, err)
	registerEcho(t, c, "echo")
	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "echo", Delay: 3600})
	require.NoError(t, err)

	var got []client.Event
	for e := range events {
		got = append(got, e)
		if e.Type == "task.queued" {
			break
		}
	}
	require.Len(t, got, 2)
	require.Equal(t, "code.uploaded", got[0].Type)
	require.Equal(t, "echo", got[0].CodeName)
	require.Equal(t, id, got[1].TaskID)
	require.Equal(t, client.DefaultProject, got[1].ProjectID)
	require.Greater(t, got[1].Seq, got[0].Seq)
	require.False(t, got[1].At.IsZero())

	cancel()
	for range events { // drained and closed once ctx ends
	}
	_, err = c.Events(ctx)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
}

// TestEvents_Missed: a reader that stops reading makes the server drop
// events, and the stream says how many.
func TestEvents_Missed(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	events, err := c.Events(ctx, "clock.")
	require.NoError(t, err)
	// Fill the server's buffer (1024), the socket buffers and the
	// client's channel while nobody reads, then read everything.
	for range 300_000 {
		srv.Bus().Publish(emulator.Event{Type: emulator.EventClockChanged})
	}
	_, err = c.AdvanceClock(ctx, time.Second) // one more event after the drops
	require.NoError(t, err)
	var missed uint64
	for e := range events {
		if e.Type == client.EventMissed {
			missed = e.Missed
			break
		}
	}
	require.Positive(t, missed, "no missed marker before the stream ended")
}

func TestControl_SaveSnapshot(t *testing.T) {
	dir := t.TempDir()
	c, _ := newClient(t, func(o *server.Options) { o.SnapshotDir = dir })
	ctx := ctxT(t)
	_, err := c.PostMessages(ctx, "q", client.NewMessage{Body: "x"})
	require.NoError(t, err)

	saved, err := c.SaveSnapshot(ctx, "before.snapshot", false)
	require.NoError(t, err)
	require.Equal(t, "before.snapshot", saved.Name)
	require.Positive(t, saved.Size)
	_, err = c.SaveSnapshot(ctx, "before.snapshot", false)
	require.Equal(t, http.StatusConflict, client.StatusOf(err), "got %v", err)
	_, err = c.SaveSnapshot(ctx, "before.snapshot", true)
	require.NoError(t, err)
	_, err = c.SaveSnapshot(ctx, "../escape", true)
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
}

// TestControl_WaitPushSettled: a delivery waiting for its retry is not
// "due", so plain WaitIdle returns; WaitPushSettled waits for it.
func TestControl_WaitPushSettled(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	_, err := c.PutQueue(ctx, "hooks", client.QueueSettings{Type: client.Ptr(client.QueueUnicast),
		Push: &client.PushSettings{Subscribers: []client.Subscriber{{URL: "http://127.0.0.1:1/"}},
			Retries: client.Ptr(1), RetriesDelay: client.Ptr(5)}})
	require.NoError(t, err)
	ids, err := c.PostMessages(ctx, "hooks", client.NewMessage{Body: "ping"})
	require.NoError(t, err)
	require.NoError(t, c.WaitIdle(ctx, wait))
	st, err := c.PushStatuses(ctx, "hooks", ids[0])
	require.NoError(t, err)
	require.Equal(t, "retrying", st[0].Status)

	err = c.WaitIdle(ctx, 20*time.Millisecond, client.WaitPushSettled())
	require.ErrorIs(t, err, client.ErrNotIdle)
	srv.VirtualClock().Advance(5 * time.Second)
	require.NoError(t, c.WaitIdle(ctx, wait, client.WaitPushSettled()))
	st, err = c.PushStatuses(ctx, "hooks", ids[0])
	require.NoError(t, err)
	require.Equal(t, "error", st[0].Status)
}

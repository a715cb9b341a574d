package control_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/control"
	"github.com/ironlocal/ironlocal/emulator/fault"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/push"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

const project = "5f0c6e8a1b2c3d4e5f6a7b8c"

// waitFor bounds every wait; tests never assert on timing with it.
const waitFor = 30 * time.Second

// gatedRuntime runs each task until the test opens its gate: no processes,
// no Docker, fully deterministic.
type gatedRuntime struct {
	mu      sync.Mutex
	gates   map[string]chan struct{} // payload → gate
	started chan string              // payloads, as their tasks start
}

func newGatedRuntime() *gatedRuntime {
	return &gatedRuntime{gates: map[string]chan struct{}{}, started: make(chan string, 100)}
}

func (g *gatedRuntime) Name() string     { return "fake" }
func (g *gatedRuntime) NeedsImage() bool { return false }
func (g *gatedRuntime) CodeDirMode() emulator.CodeDirMode {
	return emulator.CodeDirInPlace
}

func (g *gatedRuntime) gate(payload string) chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	c, ok := g.gates[payload]
	if !ok {
		c = make(chan struct{})
		g.gates[payload] = c
	}
	return c
}

// open lets the task with this payload finish (exit 0).
func (g *gatedRuntime) open(payload string) { close(g.gate(payload)) }

func (g *gatedRuntime) Run(ctx context.Context, spec emulator.TaskSpec, _ emulator.Output) (emulator.ExitResult, error) {
	g.started <- string(spec.Payload)
	select {
	case <-g.gate(string(spec.Payload)):
		return emulator.ExitResult{}, nil
	case <-ctx.Done():
		return emulator.ExitResult{ExitCode: -1, Stopped: true}, nil
	}
}

// env is a control service over real services on an in-memory store.
type env struct {
	store   *badgerstore.Store
	bus     *emulator.Bus
	clock   *clock.Virtual
	mq      *mq.Service
	worker  *worker.Service
	pusher  *push.Pusher
	rt      *gatedRuntime
	faults  *fault.Injector
	control *control.Service
	logs    *logBuffer
	code    bool // code "c" is registered
}

type envOpts struct {
	snapshotDir string
	wallClock   bool
}

func newEnv(t *testing.T, o envOpts) *env {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st := badgerstore.New(badgerstore.Options{InMemory: true, Logger: log})
	require.NoError(t, st.Open())
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	e := &env{store: st, bus: emulator.NewBus(), rt: newGatedRuntime(), faults: &fault.Injector{}, logs: logs}
	var clk emulator.Clock = clock.Real{}
	var virtual control.VirtualClock
	if !o.wallClock {
		e.clock = clock.NewVirtual(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
		clk, virtual = e.clock, e.clock
	}
	ids := idgen.NewRandom(clk)
	e.mq = mq.New(st, st, ids, clk, e.bus, mq.Config{})
	e.worker = worker.New(st, e.rt, ids, clk, e.bus, worker.Config{Slots: 4}, log)
	require.NoError(t, e.worker.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		require.NoError(t, e.worker.Close(ctx))
	})
	e.pusher = push.New(e.mq, e.worker, clk, push.Config{BaseURL: "http://127.0.0.1:1", Logger: log})
	e.pusher.Start()
	t.Cleanup(func() { _ = e.pusher.Close(context.Background()) })
	e.control = control.New(control.Config{Store: st, Worker: e.worker, Pusher: e.pusher, Faults: e.faults,
		Bus: e.bus, Clock: clk, Virtual: virtual, SnapshotDir: o.snapshotDir, Logger: log})
	return e
}

// queue registers code "c" (once) and queues a task with payload.
func (e *env) queue(t *testing.T, payload string) emulator.Task {
	t.Helper()
	ctx := context.Background()
	if !e.code {
		_, err := e.worker.UploadCode(ctx, project, worker.CodeUpload{Name: "c", Image: "ironlocal/test"})
		require.NoError(t, err)
		e.code = true
	}
	tasks, err := e.worker.QueueTasks(ctx, project, []worker.NewTask{{CodeName: "c", Payload: payload}})
	require.NoError(t, err)
	return tasks[0]
}

// waitStarted waits until the task with payload runs.
func (e *env) waitStarted(t *testing.T, payload string) {
	t.Helper()
	select {
	case got := <-e.rt.started:
		require.Equal(t, payload, got, "task started")
	case <-time.After(waitFor):
		t.Fatalf("task %q did not start", payload)
	}
}

// waitIdle runs WaitIdle in the background; the channel gets its result.
func (e *env) waitIdle(mode control.WaitMode) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		done <- e.control.WaitIdle(ctx, mode)
	}()
	return done
}

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestParseWaitTimeout(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "", want: control.DefaultWaitTimeout},
		{in: "5s", want: 5 * time.Second},
		{in: "1m30s", want: 90 * time.Second},
		{in: "2.5", want: 2500 * time.Millisecond},
		{in: "0", want: 0},
		{in: "10m", want: 10 * time.Minute},
		{in: "600", want: 10 * time.Minute},
		{in: "1e300", bad: true},
		{in: "1e300s", bad: true},
		{in: "-1s", bad: true},
		{in: "-1", bad: true},
		{in: "NaN", bad: true},
		{in: "Inf", bad: true},
		{in: "10m1s", bad: true},
		{in: "601", bad: true},
		{in: "soon", bad: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := control.ParseWaitTimeout(tc.in)
			if tc.bad {
				require.ErrorIs(t, err, emulator.ErrInvalid, "got %s", got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseWaitMode(t *testing.T) {
	for in, want := range map[string]control.WaitMode{"": control.WaitIdle, "due": control.WaitIdle,
		"settled": control.WaitPushSettled, "Settled": control.WaitPushSettled} {
		got, err := control.ParseWaitMode(in)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
	}
	_, err := control.ParseWaitMode("all")
	require.ErrorIs(t, err, emulator.ErrInvalid)
}

func TestValidateSnapshotName(t *testing.T) {
	for _, name := range []string{"a", "before-upgrade.snapshot", "run_1.2", strings.Repeat("x", control.MaxSnapshotName)} {
		require.NoError(t, control.ValidateSnapshotName(name), "%q", name)
	}
	for _, tc := range []struct{ name, in, msg string }{
		{"empty", "", "name"},
		{"slash", "a/b", "not a path"},
		{"absolute", "/etc/passwd", "not a path"},
		{"backslash", `a\b`, "not a path"},
		{"dot dot", "..", ".."},
		{"dot dot inside", "a..b", ".."},
		{"NUL", "a\x00b", "NUL"},
		{"too long", strings.Repeat("x", control.MaxSnapshotName+1), "longer"},
		{"hidden", ".snap", "start"},
		{"space", "a b", "letters"},
		{"non-ASCII", "café", "letters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := control.ValidateSnapshotName(tc.in)
			require.ErrorIs(t, err, emulator.ErrInvalid)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestService_SaveSnapshot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snapshots") // created on first save
	e := newEnv(t, envOpts{snapshotDir: dir})
	ctx := context.Background()
	_, err := e.mq.PostMessages(ctx, project, "q", []mq.NewMessage{{Body: "one"}})
	require.NoError(t, err)

	t.Run("saves into the directory", func(t *testing.T) {
		saved, err := e.control.SaveSnapshot(ctx, "a.snapshot", false)
		require.NoError(t, err)
		require.Equal(t, "a.snapshot", saved.Name)
		require.Equal(t, filepath.Join(dir, "a.snapshot"), saved.Path)
		fi, err := os.Stat(saved.Path)
		require.NoError(t, err)
		require.Equal(t, fi.Size(), saved.Size, "size")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "no temporary file is left")
	})
	t.Run("refuses to overwrite", func(t *testing.T) {
		before, err := os.ReadFile(filepath.Join(dir, "a.snapshot"))
		require.NoError(t, err)
		_, err = e.mq.PostMessages(ctx, project, "q", []mq.NewMessage{{Body: "two"}})
		require.NoError(t, err)
		_, err = e.control.SaveSnapshot(ctx, "a.snapshot", false)
		require.ErrorIs(t, err, emulator.ErrConflict)
		after, err := os.ReadFile(filepath.Join(dir, "a.snapshot"))
		require.NoError(t, err)
		require.Equal(t, before, after, "the existing snapshot is untouched")
	})
	t.Run("overwrites when asked, and the file imports", func(t *testing.T) {
		saved, err := e.control.SaveSnapshot(ctx, "a.snapshot", true)
		require.NoError(t, err)
		require.NoError(t, e.control.Reset(ctx))
		f, err := os.Open(saved.Path)
		require.NoError(t, err)
		defer f.Close()
		require.NoError(t, e.control.ImportSnapshot(ctx, f))
		q, err := e.mq.GetQueue(ctx, project, "q")
		require.NoError(t, err)
		require.EqualValues(t, 2, q.Size, "messages in the overwritten snapshot")
	})
	t.Run("refuses a bad name before touching the disk", func(t *testing.T) {
		_, err := e.control.SaveSnapshot(ctx, "../escape", false)
		require.ErrorIs(t, err, emulator.ErrInvalid)
		_, err = os.Stat(filepath.Join(filepath.Dir(dir), "escape"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
	t.Run("an OS error is logged, not told", func(t *testing.T) {
		blocked := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(blocked, nil, 0o600))
		e := newEnv(t, envOpts{snapshotDir: filepath.Join(blocked, "snapshots")}) // under a file
		_, err := e.control.SaveSnapshot(ctx, "x", false)
		require.ErrorIs(t, err, emulator.ErrUnavailable)
		require.NotContains(t, err.Error(), blocked, "the answer names no path")
		require.Contains(t, e.logs.String(), "save snapshot", "the log has the cause")
	})
	t.Run("ephemeral without a directory refuses", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		_, err := e.control.SaveSnapshot(ctx, "x", false)
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.Contains(t, err.Error(), "--snapshot-dir")
	})
}

func TestService_ChangeClock(t *testing.T) {
	e := newEnv(t, envOpts{})
	start := e.clock.Now()
	sub := e.bus.Subscribe(16)
	defer sub.Close()

	now, err := e.control.ChangeClock(control.ClockChange{Advance: time.Minute})
	require.NoError(t, err)
	require.True(t, start.Add(time.Minute).Equal(now), "advance: got %s", now)
	select {
	case ev := <-sub.C:
		require.Equal(t, emulator.EventClockChanged, ev.Type)
	case <-time.After(waitFor):
		t.Fatal("no clock.changed event")
	}

	at := now.Add(time.Hour)
	now, err = e.control.ChangeClock(control.ClockChange{Set: at})
	require.NoError(t, err)
	require.True(t, at.Equal(now), "set: got %s", now)

	for _, tc := range []struct {
		name string
		c    control.ClockChange
	}{
		{"nothing", control.ClockChange{}},
		{"backwards", control.ClockChange{Advance: -time.Second}},
		{"set in the past", control.ClockChange{Set: start}},
		{"both", control.ClockChange{Advance: time.Second, Set: at.Add(time.Hour)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.control.ChangeClock(tc.c)
			require.ErrorIs(t, err, emulator.ErrInvalid)
			require.True(t, now.Equal(e.clock.Now()), "the clock must not move")
		})
	}
	t.Run("the wall clock does not move", func(t *testing.T) {
		wall := newEnv(t, envOpts{wallClock: true})
		_, virtual := wall.control.Now()
		require.False(t, virtual)
		_, err := wall.control.ChangeClock(control.ClockChange{Advance: time.Second})
		require.ErrorIs(t, err, emulator.ErrInvalid)
	})
}

func TestParseClockChange(t *testing.T) {
	secs := func(n int) *int { return &n }
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := control.ParseClockChange("90s", nil, time.Time{})
	require.NoError(t, err)
	require.Equal(t, control.ClockChange{Advance: 90 * time.Second}, c)
	c, err = control.ParseClockChange("", secs(60), time.Time{})
	require.NoError(t, err)
	require.Equal(t, control.ClockChange{Advance: time.Minute}, c)
	c, err = control.ParseClockChange("", nil, at)
	require.NoError(t, err)
	require.Equal(t, control.ClockChange{Set: at}, c)
	for name, f := range map[string]func() (control.ClockChange, error){
		"not a duration": func() (control.ClockChange, error) { return control.ParseClockChange("soon", nil, time.Time{}) },
		"overflowing seconds": func() (control.ClockChange, error) {
			return control.ParseClockChange("", secs(1<<40), time.Time{})
		},
		"two at once": func() (control.ClockChange, error) { return control.ParseClockChange("1s", nil, at) },
	} {
		_, err := f()
		require.ErrorIs(t, err, emulator.ErrInvalid, name)
	}
}

func TestService_WaitIdle(t *testing.T) {
	t.Run("idle at once", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		require.NoError(t, e.control.WaitIdle(context.Background(), control.WaitPushSettled))
	})
	t.Run("waits for a running task and wakes when it ends", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.queue(t, "a")
		e.waitStarted(t, "a")
		done := e.waitIdle(control.WaitIdle)
		select {
		case err := <-done:
			t.Fatalf("WaitIdle returned while a task runs: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		e.rt.open("a")
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(waitFor):
			t.Fatal("WaitIdle did not return after the task ended")
		}
	})
	t.Run("says what is busy when the context ends", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.queue(t, "b")
		e.waitStarted(t, "b")
		defer e.rt.open("b")
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := e.control.WaitIdle(ctx, control.WaitIdle)
		var busy *control.NotIdleError
		require.ErrorAs(t, err, &busy)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Contains(t, busy.Busy, "tasks")
	})
	t.Run("a due schedule fires when the clock moves", func(t *testing.T) {
		e := newEnv(t, envOpts{})
		e.queue(t, "first") // registers the code
		e.waitStarted(t, "first")
		e.rt.open("first")
		require.NoError(t, e.control.WaitIdle(context.Background(), control.WaitIdle))
		payload := "scheduled"
		start := e.clock.Now().Add(time.Hour)
		_, err := e.worker.CreateSchedules(context.Background(), project, []worker.NewSchedule{{CodeName: "c",
			Payload: &payload, StartAt: &start}})
		require.NoError(t, err)
		require.NoError(t, e.control.WaitIdle(context.Background(), control.WaitIdle), "a schedule not due yet is idle")
		e.rt.open(payload)
		_, err = e.control.ChangeClock(control.ClockChange{Advance: time.Hour})
		require.NoError(t, err)
		e.waitStarted(t, payload) // fired before ChangeClock returned
		require.NoError(t, e.control.WaitIdle(context.Background(), control.WaitIdle))
	})
}

func TestService_ResetAndImport(t *testing.T) {
	e := newEnv(t, envOpts{})
	ctx := context.Background()
	_, err := e.mq.PostMessages(ctx, project, "q", []mq.NewMessage{{Body: "kept"}})
	require.NoError(t, err)
	var snap bytes.Buffer
	require.NoError(t, e.control.ExportSnapshot(ctx, &snap, emulator.SnapshotOptions{}))
	_, err = e.faults.Add(fault.Rule{Service: "mq", Status: 503})
	require.NoError(t, err)

	t.Run("reset stops a running task and wipes everything", func(t *testing.T) {
		e.queue(t, "long")
		e.waitStarted(t, "long")
		require.NoError(t, e.control.Reset(ctx))
		e.code = false
		require.NoError(t, e.control.WaitIdle(ctx, control.WaitPushSettled), "nothing runs after a reset")
		_, err := e.mq.GetQueue(ctx, project, "q")
		require.ErrorIs(t, err, emulator.ErrNotFound)
		require.Empty(t, e.control.Faults(), "faults are cleared")
	})
	t.Run("import puts the state back and the worker runs again", func(t *testing.T) {
		require.NoError(t, e.control.ImportSnapshot(ctx, bytes.NewReader(snap.Bytes())))
		q, err := e.mq.GetQueue(ctx, project, "q")
		require.NoError(t, err)
		require.EqualValues(t, 1, q.Size)
		e.queue(t, "after")
		e.waitStarted(t, "after")
		e.rt.open("after")
		require.NoError(t, e.control.WaitIdle(ctx, control.WaitIdle))
	})
	t.Run("a refused import changes nothing and the worker carries on", func(t *testing.T) {
		err := e.control.ImportSnapshot(ctx, strings.NewReader("not a snapshot"))
		require.ErrorIs(t, err, emulator.ErrInvalid)
		e.queue(t, "still")
		e.waitStarted(t, "still")
		e.rt.open("still")
		require.NoError(t, e.control.WaitIdle(ctx, control.WaitIdle))
	})
	t.Run("health", func(t *testing.T) {
		h := e.control.Health(ctx)
		require.True(t, h.OK)
		require.Equal(t, "fake", h.Services["runtime"])
		require.Equal(t, "ok", h.Services["store"])
	})
}

package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

func ptr[T any](v T) *T { return &v }

// schedule creates one schedule.
func (h *harness) schedule(ns worker.NewSchedule) emulator.Schedule {
	h.t.Helper()
	out, err := h.svc.CreateSchedules(context.Background(), project, []worker.NewSchedule{ns})
	require.NoError(h.t, err)
	require.Len(h.t, out, 1)
	return out[0]
}

func (h *harness) getSchedule(id string) emulator.Schedule {
	h.t.Helper()
	sc, err := h.svc.GetSchedule(context.Background(), project, id)
	require.NoError(h.t, err)
	return sc
}

// scheduleTasks lists the tasks a schedule queued, newest first.
func (h *harness) scheduleTasks(sc emulator.Schedule) []emulator.Task {
	h.t.Helper()
	var out []emulator.Task
	for _, task := range h.tasksOf(sc.CodeName) {
		if task.ScheduleID == sc.ID {
			out = append(out, task)
		}
	}
	return out
}

// waitRuns polls until the schedule has fired n times.
func (h *harness) waitRuns(id string, n int) emulator.Schedule {
	h.t.Helper()
	var sc emulator.Schedule
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		sc = h.scheduleNow(c, id)
		assert.Equal(c, n, sc.RunCount)
	}, waitFor, 5*time.Millisecond, "schedule %s: want %d runs", id, n)
	require.Len(h.t, h.scheduleTasks(sc), n, "one task per run")
	return sc
}

// settleScheduler waits until the scheduler has made a pass after
// everything the test did so far: a witness schedule due now fires, and
// the pass that fires it looks at every active schedule.
func (h *harness) settleScheduler() {
	h.t.Helper()
	h.code("witness", "true")
	w := h.schedule(worker.NewSchedule{CodeName: "witness"})
	h.waitRuns(w.ID, 1)
}

func TestSchedule_Fire(t *testing.T) {
	t.Run("once at start_at", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Hour)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", Payload: ptr("tick"), StartAt: &start, Priority: ptr(1),
			Timeout: ptr(60), TaskDelay: ptr(0), Cluster: "eu", Label: "nightly", Name: "hourly"})
		require.Equal(t, emulator.ScheduleActive, sc.Status)
		require.Equal(t, start, sc.NextStart)

		h.clock.Advance(59 * time.Minute)
		h.settleScheduler()
		require.Empty(t, h.scheduleTasks(sc), "not before start_at")

		h.clock.Advance(time.Minute)
		sc = h.waitRuns(sc.ID, 1)
		require.Equal(t, emulator.ScheduleComplete, sc.Status, "a single run completes the schedule")
		require.True(t, sc.NextStart.IsZero())
		require.Equal(t, h.clock.Now(), sc.LastRunTime)

		task := h.scheduleTasks(sc)[0]
		require.Equal(t, "tick", task.Payload)
		require.Equal(t, 1, task.Priority)
		require.Equal(t, 60, task.Timeout)
		require.Equal(t, "eu", task.Cluster)
		require.Equal(t, "nightly", task.Label)
		h.waitStatus(task.ID, emulator.TaskComplete)
	})

	t.Run("start_at absent is now plus delay", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", Delay: ptr(90)})
		require.Equal(t, h.clock.Now().Add(90*time.Second), sc.StartAt)
		h.clock.Advance(90 * time.Second)
		h.waitRuns(sc.ID, 1)
	})

	t.Run("task_delay delays each task", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", TaskDelay: ptr(30)})
		sc = h.waitRuns(sc.ID, 1)
		task := h.scheduleTasks(sc)[0]
		require.Equal(t, 30, task.Delay)
		h.settle()
		require.Equal(t, emulator.TaskQueued, h.task(task.ID).Status)
		h.clock.Advance(30 * time.Second)
		h.waitStatus(task.ID, emulator.TaskComplete)
	})

	t.Run("run_every stops after run_times", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60), RunTimes: ptr(3)})
		for n := 1; n <= 3; n++ {
			h.clock.Advance(time.Minute)
			sc = h.waitRuns(sc.ID, n)
		}
		require.Equal(t, emulator.ScheduleComplete, sc.Status)
		require.True(t, sc.NextStart.IsZero())

		h.clock.Advance(time.Minute)
		h.settleScheduler()
		require.Len(t, h.scheduleTasks(sc), 3, "no run after run_times")
	})

	t.Run("run_every stops at end_at", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		end := start.Add(130 * time.Second)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60), EndAt: &end})
		for n := 1; n <= 3; n++ {
			h.clock.Advance(time.Minute)
			sc = h.waitRuns(sc.ID, n)
		}
		require.Equal(t, emulator.ScheduleComplete, sc.Status, "the next run would be after end_at")
	})

	t.Run("whole window missed", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		end := start.Add(30 * time.Second)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60), EndAt: &end})
		h.clock.Advance(time.Hour)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			assert.Equal(c, emulator.ScheduleComplete, h.scheduleNow(c, sc.ID).Status)
		}, waitFor, 5*time.Millisecond)
		require.Empty(t, h.scheduleTasks(sc), "no task after end_at")
	})

	t.Run("missed runs fire once", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60)})

		now := h.clock.Advance(time.Hour + 90*time.Second) // 61 runs were due
		sc = h.waitRuns(sc.ID, 1)
		require.Equal(t, emulator.ScheduleActive, sc.Status)
		require.True(t, sc.NextStart.After(now), "next_start %s is after now %s", sc.NextStart, now)
		require.Zero(t, sc.NextStart.Sub(start)%time.Minute, "next_start stays on the run_every grid")
		require.Equal(t, now.Truncate(time.Minute).Add(time.Minute), sc.NextStart.Truncate(time.Minute))
		h.settleScheduler()
		require.Len(t, h.scheduleTasks(sc), 1, "missed runs collapse into one")

		h.clock.Advance(sc.NextStart.Sub(now))
		h.waitRuns(sc.ID, 2)
	})

	t.Run("cron", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		now := h.clock.Now() // 12:00:00
		start := now.Add(time.Minute)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, Cron: ptr("*/15 * * * *")})
		require.Equal(t, "*/15 * * * *", sc.Cron)
		require.Equal(t, now.Add(15*time.Minute), sc.NextStart, "first match at or after start_at")

		h.clock.Advance(15 * time.Minute)
		sc = h.waitRuns(sc.ID, 1)
		require.Equal(t, now.Add(30*time.Minute), sc.NextStart)

		h.clock.Advance(2 * time.Hour) // 12:15 → 14:15, eight matches missed
		sc = h.waitRuns(sc.ID, 2)
		require.Equal(t, now.Add(2*time.Hour+30*time.Minute), sc.NextStart)
		require.Equal(t, emulator.ScheduleActive, sc.Status)
	})

	t.Run("survives a restart", func(t *testing.T) {
		h := newHarness(t, worker.Config{})
		seed := h.newService()
		h.codeOn(seed, "echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		out, err := seed.CreateSchedules(context.Background(), project, []worker.NewSchedule{{CodeName: "echo", StartAt: &start, RunEvery: ptr(60)}})
		require.NoError(t, err)

		h.start()
		h.clock.Advance(time.Minute)
		h.waitRuns(out[0].ID, 1)
	})
}

func TestSchedule_StoreReplaced(t *testing.T) {
	// Reset and snapshot import replace the store's contents while the
	// worker is paused; the scheduler must act on what is there afterwards,
	// not on what it remembers.
	h := running(t)
	ctx := context.Background()
	h.code("echo", cmdEcho)
	start := h.clock.Now().Add(time.Minute)
	gone := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60)})
	imported := emulator.Schedule{ID: "0000000000000000000000ab", Project: project, CodeName: "echo",
		Status: emulator.ScheduleActive, StartAt: start, NextStart: start, RunEvery: 60, Timeout: 60,
		Cluster: "default", CreatedAt: h.clock.Now(), UpdatedAt: h.clock.Now()}

	require.NoError(t, h.svc.Pause(ctx))
	require.NoError(t, h.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		cancelled := h.getSchedule(gone.ID)
		cancelled.Status, cancelled.NextStart = emulator.ScheduleCancelled, time.Time{}
		if err := tx.PutSchedule(cancelled); err != nil {
			return err
		}
		return tx.PutSchedule(imported)
	}))
	require.NoError(t, h.svc.Reload(ctx))
	h.svc.Resume()

	h.clock.Advance(time.Minute)
	h.waitRuns(imported.ID, 1)
	h.settleScheduler()
	require.Empty(t, h.scheduleTasks(gone), "a schedule the import cancelled does not fire")
	require.True(t, h.svc.Idle())
}

func TestSchedule_Change(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &start, RunEvery: ptr(60)})
		got, err := h.svc.CancelSchedule(context.Background(), project, sc.ID)
		require.NoError(t, err)
		require.Equal(t, emulator.ScheduleCancelled, got.Status)
		require.True(t, got.NextStart.IsZero())

		h.clock.Advance(time.Hour)
		h.settleScheduler()
		require.Empty(t, h.scheduleTasks(sc))
		require.Equal(t, emulator.ScheduleCancelled, h.getSchedule(sc.ID).Status)

		_, err = h.svc.CancelSchedule(context.Background(), project, sc.ID)
		require.ErrorIs(t, err, emulator.ErrInvalid, "already cancelled")
		_, err = h.svc.UpdateSchedule(context.Background(), project, sc.ID, worker.NewSchedule{Payload: ptr("x")})
		require.ErrorIs(t, err, emulator.ErrInvalid, "a cancelled schedule cannot change")
		_, err = h.svc.CancelSchedule(context.Background(), project, "000000000000000000000000")
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("update", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Minute)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", Payload: ptr("v1"), StartAt: &start, RunEvery: ptr(60)})
		h.clock.Advance(time.Minute)
		h.waitRuns(sc.ID, 1)

		got, err := h.svc.UpdateSchedule(context.Background(), project, sc.ID, worker.NewSchedule{Payload: ptr("v2"), RunEvery: ptr(120), Label: "new"})
		require.NoError(t, err)
		require.Equal(t, "v2", got.Payload)
		require.Equal(t, 120, got.RunEvery)
		require.Equal(t, "new", got.Label)
		require.Equal(t, start.Add(2*time.Minute), got.NextStart, "next run on the new grid, after the last run")
		require.Equal(t, start, got.StartAt, "unchanged fields kept")

		h.clock.Advance(time.Minute)
		h.settleScheduler()
		require.Len(t, h.scheduleTasks(sc), 1)
		h.clock.Advance(time.Minute)
		sc = h.waitRuns(sc.ID, 2)
		latest := h.scheduleTasks(sc)[0]
		require.Equal(t, "v2", latest.Payload)
		require.Equal(t, "new", latest.Label)

		t.Run("invalid", func(t *testing.T) {
			h := h.on(t)
			_, err := h.svc.UpdateSchedule(context.Background(), project, sc.ID, worker.NewSchedule{RunEvery: ptr(30)})
			require.ErrorIs(t, err, emulator.ErrInvalid)
			_, err = h.svc.UpdateSchedule(context.Background(), project, sc.ID, worker.NewSchedule{CodeName: "nope"})
			require.ErrorIs(t, err, emulator.ErrNotFound)
			require.Equal(t, "v2", h.getSchedule(sc.ID).Payload, "a refused update changes nothing")
		})
	})

	t.Run("run now", func(t *testing.T) {
		h := running(t)
		h.code("echo", cmdEcho)
		start := h.clock.Now().Add(time.Hour)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", Payload: ptr("now"), StartAt: &start})

		task, err := h.svc.RunSchedule(context.Background(), project, sc.ID)
		require.NoError(t, err)
		require.Equal(t, sc.ID, task.ScheduleID)
		require.Equal(t, "now", task.Payload)
		got := h.getSchedule(sc.ID)
		require.Equal(t, 1, got.RunCount)
		require.Equal(t, start, got.NextStart, "run now leaves next_start alone")
		require.Equal(t, emulator.ScheduleActive, got.Status)
		h.waitStatus(task.ID, emulator.TaskComplete)

		h.clock.Advance(time.Hour)
		got = h.waitRuns(sc.ID, 2)
		require.Equal(t, emulator.ScheduleComplete, got.Status)

		t.Run("finished schedule keeps its status", func(t *testing.T) {
			h := h.on(t)
			_, err := h.svc.RunSchedule(context.Background(), project, sc.ID)
			require.NoError(t, err)
			got := h.getSchedule(sc.ID)
			require.Equal(t, 3, got.RunCount)
			require.Equal(t, emulator.ScheduleComplete, got.Status)
		})

		t.Run("cancelled schedule keeps its status", func(t *testing.T) {
			h := h.on(t)
			later := h.clock.Now().Add(time.Hour)
			once := h.schedule(worker.NewSchedule{CodeName: "echo", StartAt: &later, RunTimes: ptr(1)})
			_, err := h.svc.CancelSchedule(context.Background(), project, once.ID)
			require.NoError(t, err)
			_, err = h.svc.RunSchedule(context.Background(), project, once.ID)
			require.NoError(t, err)
			got := h.getSchedule(once.ID)
			require.Equal(t, 1, got.RunCount)
			require.Equal(t, emulator.ScheduleCancelled, got.Status)
		})

		t.Run("code deleted", func(t *testing.T) {
			h := h.on(t)
			code := h.code("gone", cmdEcho)
			later := h.clock.Now().Add(time.Hour)
			sc := h.schedule(worker.NewSchedule{CodeName: "gone", StartAt: &later})
			require.NoError(t, h.svc.DeleteCode(context.Background(), project, code.ID))
			_, err := h.svc.RunSchedule(context.Background(), project, sc.ID)
			require.ErrorIs(t, err, emulator.ErrNotFound)
			require.Equal(t, 0, h.getSchedule(sc.ID).RunCount, "nothing ran")

			h.clock.Advance(time.Hour)
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Equal(c, 1, h.scheduleNow(c, sc.ID).RunCount)
			}, waitFor, 5*time.Millisecond)
			got := h.getSchedule(sc.ID)
			require.Equal(t, "Code gone not found: run skipped", got.Msg, "a due run without its code is counted and explained")
			require.Equal(t, emulator.ScheduleComplete, got.Status)
		})

		t.Run("unknown", func(t *testing.T) {
			h := h.on(t)
			_, err := h.svc.RunSchedule(context.Background(), project, "000000000000000000000000")
			require.ErrorIs(t, err, emulator.ErrNotFound)
		})
	})
}

func TestSchedule_Create(t *testing.T) {
	h := running(t)
	h.code("echo", cmdEcho)
	now := h.clock.Now()
	before := now.Add(-time.Hour)

	for _, tc := range []struct {
		name string
		ns   worker.NewSchedule
		want error
	}{
		{name: "no code name", ns: worker.NewSchedule{}, want: emulator.ErrInvalid},
		{name: "unknown code", ns: worker.NewSchedule{CodeName: "nope"}, want: emulator.ErrNotFound},
		{name: "run_every under 60", ns: worker.NewSchedule{CodeName: "echo", RunEvery: ptr(59)}, want: emulator.ErrInvalid},
		{name: "negative run_times", ns: worker.NewSchedule{CodeName: "echo", RunTimes: ptr(-1)}, want: emulator.ErrInvalid},
		{name: "end_at before start_at", ns: worker.NewSchedule{CodeName: "echo", StartAt: &now, EndAt: &before}, want: emulator.ErrInvalid},
		{name: "invalid cron", ns: worker.NewSchedule{CodeName: "echo", Cron: ptr("every day")}, want: emulator.ErrInvalid},
		{name: "payload over 64 KiB", ns: worker.NewSchedule{CodeName: "echo", Payload: ptr(string(make([]byte, worker.MaxPayloadBytes+1)))}, want: emulator.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.on(t)
			_, err := h.svc.CreateSchedules(context.Background(), project, []worker.NewSchedule{tc.ns})
			require.ErrorIs(t, err, tc.want)
		})
	}

	t.Run("batch is all or nothing", func(t *testing.T) {
		h := h.on(t)
		_, err := h.svc.CreateSchedules(context.Background(), project, []worker.NewSchedule{{CodeName: "echo"}, {CodeName: "nope"}})
		require.ErrorIs(t, err, emulator.ErrNotFound)
		list, err := h.svc.ListSchedules(context.Background(), project, 0, 100)
		require.NoError(t, err)
		require.Empty(t, list)
	})

	t.Run("defaults and list newest first", func(t *testing.T) {
		h := h.on(t)
		a := h.schedule(worker.NewSchedule{CodeName: "echo", RunEvery: ptr(3600), Priority: ptr(-3), Timeout: ptr(0)})
		require.Equal(t, 0, a.Priority, "out of range priority = unset")
		require.Equal(t, worker.DefaultTimeout, a.Timeout)
		require.Equal(t, "default", a.Cluster)
		require.Equal(t, now, a.StartAt)
		b := h.schedule(worker.NewSchedule{CodeName: "echo", RunEvery: ptr(3600), MaxConcurrency: ptr(1)})
		require.Equal(t, 1, b.MaxConcurrency)
		list, err := h.svc.ListSchedules(context.Background(), project, 0, 100)
		require.NoError(t, err)
		require.Len(t, list, 2)
		require.Equal(t, []string{b.ID, a.ID}, []string{list[0].ID, list[1].ID})
	})
}

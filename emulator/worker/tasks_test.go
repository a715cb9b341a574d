package worker_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

func TestDispatch_Order(t *testing.T) {
	t.Run("priority then FIFO under max_concurrency 1", func(t *testing.T) {
		h := running(t)
		h.code("gated", cmdGated, maxConcurrency(1))
		first := h.queue("gated", "first")
		h.waitStarted("first")

		// Queued while "first" holds the only slot of the code.
		queued := []emulator.Task{
			h.queue("gated", "p0a", priority(0)),
			h.queue("gated", "p2a", priority(2)),
			h.queue("gated", "p1a", priority(1)),
			h.queue("gated", "p2b", priority(2)),
			h.queue("gated", "p0b"),               // the code's default priority, 0
			h.queue("gated", "p0c", priority(-3)), // out of range = unset (ironcli)
		}
		h.settle()
		require.Equal(t, emulator.TaskRunning, h.task(first.ID).Status)
		for _, q := range queued {
			require.Equal(t, emulator.TaskQueued, h.task(q.ID).Status, "task %s while the code's one slot is taken", q.Payload)
		}

		h.open("all")
		h.waitIdle()
		require.Equal(t, []string{"first", "p2a", "p2b", "p1a", "p0a", "p0b", "p0c"}, h.lines("order"))
	})

	t.Run("codes do not block each other", func(t *testing.T) {
		h := running(t)
		h.code("one", cmdGated, maxConcurrency(1))
		h.code("two", cmdGated, maxConcurrency(1))
		h.queue("one", "a")
		h.queue("one", "b")
		h.queue("two", "c")
		h.waitStarted("a", "c")
		require.NotContains(t, h.lines("started"), "b")
		h.open("all")
		h.waitIdle()
	})

	t.Run("default priority of the code", func(t *testing.T) {
		h := running(t)
		p := 2
		_, err := h.svc.UploadCode(context.Background(), project, worker.CodeUpload{Name: "urgent", Image: "ironlocal/test",
			Command: cmdEcho, DefaultPriority: &p})
		require.NoError(t, err)
		require.Equal(t, 2, h.queue("urgent", "x").Priority)
		require.Equal(t, 0, h.queue("urgent", "y", priority(0)).Priority)
	})
}

func TestDispatch_Pause(t *testing.T) {
	h := running(t)
	code := h.code("echo", cmdEcho, maxConcurrency(2))
	require.NoError(t, h.svc.PauseTaskQueue(context.Background(), project, code.ID))
	got, err := h.svc.GetCode(context.Background(), project, code.ID)
	require.NoError(t, err)
	require.Equal(t, -1, got.MaxConcurrency, "paused")

	a, b := h.queue("echo", "a"), h.queue("echo", "b")
	h.settle()
	require.Equal(t, emulator.TaskQueued, h.task(a.ID).Status, "task stays queued while paused")
	require.Equal(t, emulator.TaskQueued, h.task(b.ID).Status)
	require.False(t, h.svc.Idle())

	require.NoError(t, h.svc.ResumeTaskQueue(context.Background(), project, code.ID))
	h.waitStatus(a.ID, emulator.TaskComplete)
	h.waitStatus(b.ID, emulator.TaskComplete)
	got, err = h.svc.GetCode(context.Background(), project, code.ID)
	require.NoError(t, err)
	require.Equal(t, 2, got.MaxConcurrency, "resume restores the previous max_concurrency")

	t.Run("pause twice keeps the value to restore", func(t *testing.T) {
		h := h.on(t)
		require.NoError(t, h.svc.PauseTaskQueue(context.Background(), project, code.ID))
		require.NoError(t, h.svc.PauseTaskQueue(context.Background(), project, code.ID))
		require.NoError(t, h.svc.ResumeTaskQueue(context.Background(), project, code.ID))
		got, err := h.svc.GetCode(context.Background(), project, code.ID)
		require.NoError(t, err)
		require.Equal(t, 2, got.MaxConcurrency)
	})

	t.Run("unknown code", func(t *testing.T) {
		h := h.on(t)
		require.ErrorIs(t, h.svc.PauseTaskQueue(context.Background(), project, "000000000000000000000000"), emulator.ErrNotFound)
	})
}

func TestDispatch_GlobalSlots(t *testing.T) {
	h := newHarness(t, worker.Config{Slots: 2})
	h.start()
	h.code("gated", cmdGated)
	a, b, c := h.queue("gated", "a"), h.queue("gated", "b"), h.queue("gated", "c")
	h.waitStarted("a", "b")
	require.Equal(t, emulator.TaskQueued, h.task(c.ID).Status, "two slots, both taken")
	require.NotContains(t, h.lines("started"), "c")

	h.open("a")
	h.waitStatus(a.ID, emulator.TaskComplete)
	h.waitStarted("c")
	require.Equal(t, emulator.TaskRunning, h.task(b.ID).Status)
	h.open("all")
	h.waitIdle()
}

func TestDispatch_Delay(t *testing.T) {
	h := running(t)
	h.code("echo", cmdEcho)
	d := h.queue("echo", "later", delay(30))
	require.Equal(t, 30, d.Delay)
	require.Equal(t, d.CreatedAt.Add(30*time.Second), d.RunnableAt)

	h.settle()
	require.Equal(t, emulator.TaskQueued, h.task(d.ID).Status, "not runnable before its delay")
	h.clock.Advance(29 * time.Second)
	h.settle()
	require.Equal(t, emulator.TaskQueued, h.task(d.ID).Status, "one second early")
	require.False(t, h.svc.Idle(), "a delayed task keeps the service busy")

	h.clock.Advance(time.Second)
	done := h.waitStatus(d.ID, emulator.TaskComplete)
	require.Equal(t, "later", h.log(done.ID))

	t.Run("out of range", func(t *testing.T) {
		h := h.on(t)
		for _, s := range []int{-1, worker.MaxDelay + 1} {
			_, err := h.svc.QueueTasks(context.Background(), project, []worker.NewTask{{CodeName: "echo", Delay: &s}})
			require.ErrorIs(t, err, emulator.ErrInvalid, "delay %d", s)
		}
	})
}

func TestTask_Outcomes(t *testing.T) {
	h := running(t)

	t.Run("complete", func(t *testing.T) {
		h := h.on(t)
		h.code("echo", cmdEcho)
		task := h.waitStatus(h.queue("echo", "hello").ID, emulator.TaskComplete)
		require.Empty(t, task.Msg, "successful tasks carry no msg")
		require.Equal(t, 100, task.Percent)
		require.Equal(t, 1, task.RunTimes)
		require.Equal(t, int64(len("hello")), task.LogSize)
		require.Equal(t, 0, task.ExitCode)
		require.False(t, task.StartTime.IsZero())
		require.False(t, task.EndTime.IsZero())
		require.Equal(t, "hello", h.log(task.ID))
	})

	t.Run("non-zero exit is an error", func(t *testing.T) {
		h := h.on(t)
		h.code("fail", cmdFail)
		task := h.waitStatus(h.queue("fail", "").ID, emulator.TaskError)
		require.Equal(t, "exit status 3", task.Msg)
		require.Equal(t, 3, task.ExitCode)
		require.Equal(t, "oops\n", h.log(task.ID))
		require.Empty(t, task.RetryTaskID, "the code has no retries")
	})

	t.Run("timeout", func(t *testing.T) {
		h := h.on(t)
		h.code("slow", cmdHang)
		queued := h.queue("slow", "", timeout(1))
		h.waitRunning(queued.ID)
		h.clock.Advance(time.Second)
		task := h.waitStatus(queued.ID, emulator.TaskTimeout)
		require.Equal(t, "Timed out", task.Msg)
		require.Equal(t, 1, task.Timeout)
		require.False(t, task.EndTime.IsZero())
	})

	t.Run("command not found", func(t *testing.T) {
		h := newProcessHarness(t, worker.Config{})
		h.start()
		h.code("missing", `exec /nonexistent/program`)
		task := h.waitStatus(h.queue("missing", "").ID, emulator.TaskError)
		require.Equal(t, "exit status 127", task.Msg)
	})

	t.Run("start failure is an error", func(t *testing.T) {
		h := newProcessHarness(t, worker.Config{})
		h.start()
		h.code("no-command", "") // the process runtime needs a command
		task := h.waitStatus(h.queue("no-command", "").ID, emulator.TaskError)
		require.Equal(t, "the process runtime needs a command", task.Msg)
		require.Equal(t, -1, task.ExitCode)
	})

	t.Run("timeout defaults and clamps", func(t *testing.T) {
		h := h.on(t)
		h.code("paused", cmdEcho, maxConcurrency(-1))
		require.Equal(t, worker.DefaultTimeout, h.queue("paused", "").Timeout)
		require.Equal(t, worker.DefaultTimeout, h.queue("paused", "", timeout(0)).Timeout)
		require.Equal(t, worker.DefaultTimeout, h.queue("paused", "", timeout(99999)).Timeout)
		require.Equal(t, 60, h.queue("paused", "", timeout(60)).Timeout)
	})

	t.Run("code deleted before the task ran", func(t *testing.T) {
		h := h.on(t)
		code := h.code("doomed", cmdEcho, maxConcurrency(-1))
		task := h.queue("doomed", "")
		require.NoError(t, h.svc.DeleteCode(context.Background(), project, code.ID))
		got := h.waitStatus(task.ID, emulator.TaskError)
		require.Equal(t, "Code package was deleted before the task ran", got.Msg)
	})
}

func TestTask_Queue(t *testing.T) {
	h := running(t)
	h.code("paused", cmdEcho, maxConcurrency(-1))

	t.Run("batch in order with defaults", func(t *testing.T) {
		h := h.on(t)
		tasks, err := h.svc.QueueTasks(context.Background(), project, []worker.NewTask{
			{CodeName: "paused", Payload: "1"},
			{CodeName: "paused", Payload: "2", Cluster: "eu", Label: "nightly"},
		})
		require.NoError(t, err)
		require.Len(t, tasks, 2)
		require.Equal(t, "1", tasks[0].Payload)
		require.Equal(t, "default", tasks[0].Cluster)
		require.Equal(t, "eu", tasks[1].Cluster)
		require.Equal(t, "nightly", tasks[1].Label)
		require.Less(t, tasks[0].Seq, tasks[1].Seq)
	})

	t.Run("rejects", func(t *testing.T) {
		h := h.on(t)
		big := strings.Repeat("x", worker.MaxPayloadBytes+1)
		for _, tc := range []struct {
			name  string
			batch []worker.NewTask
			want  error
		}{
			{name: "empty batch", batch: nil, want: emulator.ErrInvalid},
			{name: "no code name", batch: []worker.NewTask{{}}, want: emulator.ErrInvalid},
			{name: "unknown code", batch: []worker.NewTask{{CodeName: "nope"}}, want: emulator.ErrNotFound},
			{name: "payload over 64 KiB", batch: []worker.NewTask{{CodeName: "paused", Payload: big}}, want: emulator.ErrTooLarge},
			{name: "all or nothing", batch: []worker.NewTask{{CodeName: "paused"}, {CodeName: "nope"}}, want: emulator.ErrNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := h.on(t)
				before := len(h.tasksOf("paused"))
				_, err := h.svc.QueueTasks(context.Background(), project, tc.batch)
				require.ErrorIs(t, err, tc.want)
				require.Len(t, h.tasksOf("paused"), before, "nothing queued")
			})
		}
		t.Run("unknown code message", func(t *testing.T) {
			h := h.on(t)
			_, err := h.svc.QueueTasks(context.Background(), project, []worker.NewTask{{CodeName: "nope"}})
			e, ok := emulator.AsError(err)
			require.True(t, ok)
			require.Equal(t, "Code not found", e.Msg)
		})
	})

	t.Run("payload of exactly 64 KiB", func(t *testing.T) {
		h := h.on(t)
		h.queue("paused", strings.Repeat("x", worker.MaxPayloadBytes))
	})
}

func TestTask_Cancel(t *testing.T) {
	h := running(t)

	t.Run("queued", func(t *testing.T) {
		h := h.on(t)
		code := h.code("held", cmdEcho, maxConcurrency(-1))
		task := h.queue("held", "")
		require.NoError(t, h.svc.CancelTask(context.Background(), project, task.ID))
		got := h.task(task.ID)
		require.Equal(t, emulator.TaskCancelled, got.Status)
		require.Equal(t, "Cancelled", got.Msg)
		require.True(t, got.StartTime.IsZero(), "never started")
		require.False(t, got.EndTime.IsZero())

		require.NoError(t, h.svc.ResumeTaskQueue(context.Background(), project, code.ID))
		h.settle()
		require.Equal(t, 0, h.task(task.ID).RunTimes, "a cancelled task never runs")
	})

	t.Run("delayed", func(t *testing.T) {
		h := h.on(t)
		h.code("echo", cmdEcho)
		task := h.queue("echo", "", delay(60))
		require.NoError(t, h.svc.CancelTask(context.Background(), project, task.ID))
		h.clock.Advance(time.Minute)
		h.settle()
		require.Equal(t, emulator.TaskCancelled, h.task(task.ID).Status)
		require.Equal(t, 0, h.task(task.ID).RunTimes)
	})

	t.Run("running is killed", func(t *testing.T) {
		h := h.on(t)
		h.code("sleeper", cmdHang, retries(1, 0))
		task := h.queue("sleeper", "s1")
		h.waitRunning(task.ID)
		require.Equal(t, emulator.TaskRunning, h.task(task.ID).Status)

		require.NoError(t, h.svc.CancelTask(context.Background(), project, task.ID))
		got := h.waitStatus(task.ID, emulator.TaskCancelled)
		require.Equal(t, "Cancelled", got.Msg)
		require.Empty(t, got.RetryTaskID, "a user cancel is not retried")
		var ended []string
		for _, run := range h.rt.Ended() {
			if run.Result.Stopped {
				ended = append(ended, run.Spec.TaskID)
			}
		}
		require.Contains(t, ended, task.ID, "the runtime stopped the task")
		require.Len(t, h.tasksOf("sleeper"), 1)
	})

	t.Run("finished is a no-op", func(t *testing.T) {
		h := h.on(t)
		h.code("echo", cmdEcho)
		task := h.waitStatus(h.queue("echo", "").ID, emulator.TaskComplete)
		require.NoError(t, h.svc.CancelTask(context.Background(), project, task.ID))
		got := h.task(task.ID)
		require.Equal(t, emulator.TaskComplete, got.Status, "a finished task keeps its status")
		require.Equal(t, task.UpdatedAt, got.UpdatedAt, "and is not written")
	})

	t.Run("unknown", func(t *testing.T) {
		h := h.on(t)
		require.ErrorIs(t, h.svc.CancelTask(context.Background(), project, "000000000000000000000000"), emulator.ErrNotFound)
	})

	t.Run("cancel all", func(t *testing.T) {
		h := h.on(t)
		code := h.code("many", cmdGated, maxConcurrency(1))
		a, b := h.queue("many", "ca"), h.queue("many", "cb")
		h.waitStarted("ca")
		require.NoError(t, h.svc.CancelAll(context.Background(), project, code.ID))
		h.waitStatus(a.ID, emulator.TaskCancelled)
		h.waitStatus(b.ID, emulator.TaskCancelled)
		h.waitIdle()
	})
}

func TestTask_AutoRetry(t *testing.T) {
	h := running(t)
	h.code("flaky", cmdRetryMe, retries(2, 10))
	first := h.waitStatus(h.queue("flaky", "p", priority(1), timeout(60)).ID, emulator.TaskError)
	require.NotEmpty(t, first.RetryTaskID, "failed task links its retry")
	require.Empty(t, first.OriginalTaskID)

	r1 := h.task(first.RetryTaskID)
	require.Equal(t, emulator.TaskQueued, r1.Status)
	require.Equal(t, first.ID, r1.OriginalTaskID)
	require.Equal(t, 1, r1.RetryCount)
	require.Equal(t, 10, r1.Delay, "retries_delay")
	require.Equal(t, "p", r1.Payload)
	require.Equal(t, 1, r1.Priority)
	require.Equal(t, 60, r1.Timeout)

	h.settle()
	require.Equal(t, emulator.TaskQueued, h.task(r1.ID).Status, "retry waits for retries_delay")
	h.clock.Advance(10 * time.Second)
	r1 = h.waitStatus(r1.ID, emulator.TaskError)
	require.NotEmpty(t, r1.RetryTaskID)

	r2 := h.task(r1.RetryTaskID)
	require.Equal(t, first.ID, r2.OriginalTaskID, "original_task_id is the first task of the chain")
	require.Equal(t, 2, r2.RetryCount)
	h.clock.Advance(10 * time.Second)
	r2 = h.waitStatus(r2.ID, emulator.TaskError)
	require.Empty(t, r2.RetryTaskID, "retries exhausted")
	h.waitIdle()
	require.Len(t, h.tasksOf("flaky"), 3)

	t.Run("timeout is retried", func(t *testing.T) {
		h := h.on(t)
		h.code("hang", cmdHang, retries(1, 0))
		queued := h.queue("hang", "", timeout(1))
		h.waitRunning(queued.ID)
		h.clock.Advance(time.Second)
		task := h.waitStatus(queued.ID, emulator.TaskTimeout)
		require.NotEmpty(t, task.RetryTaskID)
		h.waitRunning(task.RetryTaskID)
		h.clock.Advance(time.Second)
		h.waitStatus(task.RetryTaskID, emulator.TaskTimeout)
	})

	t.Run("success is not retried", func(t *testing.T) {
		h := h.on(t)
		h.code("fine", cmdEcho, retries(3, 0))
		task := h.waitStatus(h.queue("fine", "").ID, emulator.TaskComplete)
		require.Empty(t, task.RetryTaskID)
	})
}

func TestTask_ManualRetry(t *testing.T) {
	h := running(t)
	h.code("echo", cmdEcho)
	orig := h.waitStatus(h.queue("echo", "again", priority(2), timeout(120)).ID, emulator.TaskComplete)

	retry, err := h.svc.RetryTask(context.Background(), project, orig.ID, 0)
	require.NoError(t, err)
	require.Equal(t, orig.ID, retry.OriginalTaskID)
	require.Equal(t, "again", retry.Payload)
	require.Equal(t, 2, retry.Priority)
	require.Equal(t, 120, retry.Timeout)
	require.Equal(t, retry.ID, h.task(orig.ID).RetryTaskID)
	h.waitStatus(retry.ID, emulator.TaskComplete)

	t.Run("with delay", func(t *testing.T) {
		h := h.on(t)
		later, err := h.svc.RetryTask(context.Background(), project, retry.ID, 5)
		require.NoError(t, err)
		require.Equal(t, orig.ID, later.OriginalTaskID, "retry of a retry points at the first task")
		h.settle()
		require.Equal(t, emulator.TaskQueued, h.task(later.ID).Status)
		h.clock.Advance(5 * time.Second)
		h.waitStatus(later.ID, emulator.TaskComplete)
	})

	t.Run("queued task: both stay queued", func(t *testing.T) {
		h := h.on(t)
		h.code("held", cmdEcho, maxConcurrency(-1))
		queued := h.queue("held", "q")
		r, err := h.svc.RetryTask(context.Background(), project, queued.ID, 0)
		require.NoError(t, err)
		require.Equal(t, queued.ID, r.OriginalTaskID)
		h.settle()
		require.Equal(t, emulator.TaskQueued, h.task(queued.ID).Status, "the original is left as it is")
		require.Equal(t, emulator.TaskQueued, h.task(r.ID).Status)
		require.Equal(t, r.ID, h.task(queued.ID).RetryTaskID)
	})

	t.Run("running task keeps running, and gets no automatic retry too", func(t *testing.T) {
		h := h.on(t)
		h.code("gated-fail", cmdGatedFail, retries(1, 0))
		task := h.queue("gated-fail", "rr")
		h.waitStarted("rr")
		r, err := h.svc.RetryTask(context.Background(), project, task.ID, 0)
		require.NoError(t, err)
		require.Equal(t, emulator.TaskRunning, h.task(task.ID).Status, "the original keeps running")
		h.open("rr")
		got := h.waitStatus(task.ID, emulator.TaskError)
		require.Equal(t, r.ID, got.RetryTaskID, "the manual retry stays the only one")
		r = h.waitStatus(r.ID, emulator.TaskError)
		require.NotEmpty(t, r.RetryTaskID, "the manual retry gets its own automatic retry")
		h.waitStatus(r.RetryTaskID, emulator.TaskError)
		require.Len(t, h.tasksOf("gated-fail"), 3, "the original, its manual retry, and the retry's automatic one")
	})

	t.Run("unknown", func(t *testing.T) {
		h := h.on(t)
		_, err := h.svc.RetryTask(context.Background(), project, "000000000000000000000000", 0)
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})
}

func TestTask_Progress(t *testing.T) {
	h := running(t)
	h.code("gated", cmdGated)
	task := h.queue("gated", "prog")
	h.waitStarted("prog")

	require.NoError(t, h.svc.SetProgress(context.Background(), project, task.ID, 50, "half way"))
	got := h.task(task.ID)
	require.Equal(t, 50, got.Percent)
	require.Equal(t, "half way", got.Msg)

	h.open("prog")
	got = h.waitStatus(task.ID, emulator.TaskComplete)
	require.Equal(t, 100, got.Percent)
	require.Equal(t, "half way", got.Msg, "a progress message survives success")

	for _, tc := range []struct {
		name    string
		percent int
		msg     string
		want    error
	}{
		{name: "percent over 100", percent: 101, want: emulator.ErrInvalid},
		{name: "negative percent", percent: -1, want: emulator.ErrInvalid},
		{name: "msg over 64 KiB", percent: 1, msg: strings.Repeat("m", worker.MaxPayloadBytes+1), want: emulator.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.on(t)
			require.ErrorIs(t, h.svc.SetProgress(context.Background(), project, task.ID, tc.percent, tc.msg), tc.want)
		})
	}
	t.Run("unknown task", func(t *testing.T) {
		h := h.on(t)
		require.ErrorIs(t, h.svc.SetProgress(context.Background(), project, "000000000000000000000000", 1, ""), emulator.ErrNotFound)
	})
}

func TestTask_Log(t *testing.T) {
	t.Run("not found until finished", func(t *testing.T) {
		h := running(t)
		h.code("gated", cmdGated)
		task := h.queue("gated", "lg")
		h.waitStarted("lg")
		_, err := h.svc.Log(context.Background(), project, task.ID, false)
		require.ErrorIs(t, err, emulator.ErrNotFound)
		e, _ := emulator.AsError(err)
		require.Equal(t, "Log not found", e.Msg)

		h.open("lg")
		h.waitStatus(task.ID, emulator.TaskComplete)
		require.Empty(t, h.log(task.ID), "the gated command prints nothing")

		_, err = h.svc.Log(context.Background(), project, "000000000000000000000000", false)
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("live and interleaved in order", func(t *testing.T) {
		h := newHarness(t, worker.Config{LiveLogs: true})
		h.start()
		h.code("talk", cmdTalk)
		task := h.queue("talk", "")
		waitLog := func(want string) {
			t.Helper()
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Equal(c, want, h.logNow(c, task.ID))
			}, waitFor, 5*time.Millisecond, "live log: want %q", want)
		}
		waitLog("out1\n")
		h.open("g1")
		waitLog("out1\nerr1\n")
		h.open("g2")
		done := h.waitStatus(task.ID, emulator.TaskComplete)

		require.Equal(t, "out1\nerr1\nout2\n", h.log(task.ID))
		out, err := h.svc.Log(context.Background(), project, task.ID, true)
		require.NoError(t, err)
		require.Equal(t, "out1\nout2\n", string(out), "outlog is stdout only")
		require.Equal(t, int64(len("out1\nerr1\nout2\n")), done.LogSize)
	})

	t.Run("truncated at the limit", func(t *testing.T) {
		h := newHarness(t, worker.Config{LogLimit: 10})
		h.start()
		h.code("chatty", cmdChatty)
		task := h.waitStatus(h.queue("chatty", "").ID, emulator.TaskComplete)
		require.Equal(t, "0123456789\n[ironlocal: log truncated at 10 bytes]\n", h.log(task.ID))
	})
}

func TestTask_Environment(t *testing.T) {
	h := newProcessHarness(t, worker.Config{IronEnv: map[string]string{"IRON_HOST": "127.0.0.1", "IRON_TOKEN": "tok"}})
	h.start()

	t.Run("zip package gets the iron args, files and env", func(t *testing.T) {
		h := h.on(t)
		script := `echo "args: $*"; echo "payload: $(cat "$PAYLOAD_FILE")"; echo "config: $(cat "$CONFIG_FILE")"; ` +
			`echo "id: $TASK_ID"; echo "pwd: $(pwd)"; echo "dir: $TASK_DIR"; echo "env: $IRON_HOST $IRON_TOKEN $IRON_PROJECT_ID $MINE"; cat data.txt`
		zip := runtimetest.Zip(t, map[string]string{"run.sh": script, "data.txt": "from the zip\n"})
		_, err := h.svc.UploadCode(context.Background(), project, worker.CodeUpload{Name: "zipped", Runtime: "sh",
			FileName: "run.sh", Config: "cfg", EnvVars: map[string]string{"MINE": "mine"}, Zip: zip})
		require.NoError(t, err)
		task := h.waitStatus(h.queue("zipped", `{"a":1}`).ID, emulator.TaskComplete)
		log := h.log(task.ID)

		lines := map[string]string{}
		for l := range strings.SplitSeq(strings.TrimSpace(log), "\n") {
			k, v, _ := strings.Cut(l, ": ")
			lines[k] = v
		}
		dir := lines["dir"]
		require.NotEmpty(t, dir, "log %q", log)
		require.Equal(t, dir, lines["pwd"], "TASK_DIR is the working directory")
		require.Regexp(t, `^-d `+regexp.QuoteMeta(dir)+` -payload \S+ -config \S+ -id `+task.ID+`$`, lines["args"], "-d first, then -payload -config -id")
		require.Equal(t, `{"a":1}`, lines["payload"])
		require.Equal(t, "cfg", lines["config"])
		require.Equal(t, task.ID, lines["id"])
		// IRON_TOKEN is the task's own token, valid for its project.
		require.Regexp(t, `^127\.0\.0\.1 ironlocal-task\.`+task.ID+`\.[0-9a-f]{32} `+project+` mine$`, lines["env"])
		tok, ok := h.svc.TaskToken(strings.Fields(lines["env"])[1])
		require.True(t, ok, "valid within the grace after the task ended")
		require.Equal(t, emulator.TaskToken{Project: project, TaskID: task.ID}, tok)
		require.Contains(t, log, "from the zip\n")
	})

	t.Run("UTF-8 locale unless the code sets one", func(t *testing.T) {
		h := h.on(t)
		show := `echo "LANG=${LANG-unset} LC_ALL=${LC_ALL-unset} LC_CTYPE=${LC_CTYPE-unset}"`
		for _, tc := range []struct {
			name string
			env  map[string]string
			want string
		}{
			{"default", nil, "LANG=C.UTF-8 LC_ALL=C.UTF-8 LC_CTYPE=unset"},
			{"code sets LANG", map[string]string{"LANG": "de_DE.UTF-8"}, "LANG=de_DE.UTF-8 LC_ALL=unset LC_CTYPE=unset"},
			{"code sets LC_ALL", map[string]string{"LC_ALL": "C"}, "LANG=unset LC_ALL=C LC_CTYPE=unset"},
			{"code sets LC_CTYPE", map[string]string{"LC_CTYPE": "en_US.UTF-8"}, "LANG=unset LC_ALL=unset LC_CTYPE=en_US.UTF-8"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				h := h.on(t)
				name := "locale-" + strings.ReplaceAll(tc.name, " ", "-")
				_, err := h.svc.UploadCode(context.Background(), project, worker.CodeUpload{Name: name, Image: "ironlocal/test",
					Command: show, EnvVars: tc.env})
				require.NoError(t, err)
				task := h.waitStatus(h.queue(name, "").ID, emulator.TaskComplete)
				require.Equal(t, tc.want+"\n", h.log(task.ID))
			})
		}
	})

	t.Run("schedule id is exported", func(t *testing.T) {
		h := h.on(t)
		h.code("sched", `echo "schedule: $SCHEDULE_ID"`)
		sc := h.schedule(worker.NewSchedule{CodeName: "sched"})
		h.waitRuns(sc.ID, 1)
		task := h.scheduleTasks(sc)[0]
		h.waitStatus(task.ID, emulator.TaskComplete)
		require.Equal(t, "schedule: "+sc.ID+"\n", h.log(task.ID))
	})
}

func TestRecover(t *testing.T) {
	t.Run("interrupted tasks at start", func(t *testing.T) {
		h := newHarness(t, worker.Config{})
		seed := h.newService() // never started: only registers the codes
		flaky := h.codeOn(seed, "flaky", cmdEcho, retries(1, 0))
		plain := h.codeOn(seed, "plain", cmdEcho)
		now := h.clock.Now()
		stored := func(code emulator.CodePackage, status emulator.TaskStatus, payload string) emulator.Task {
			task := emulator.Task{ID: h.ids.ObjectID(), Project: project, CodeID: code.ID, CodeHistoryID: code.LatestHistoryID,
				CodeName: code.Name, CodeRev: code.Rev, Status: status, Payload: payload, Timeout: 60, Cluster: "default",
				CreatedAt: now, UpdatedAt: now, RunnableAt: now, Seq: uint64(now.UnixNano())}
			if status == emulator.TaskRunning {
				task.StartTime, task.RunTimes = now, 1
			}
			require.NoError(t, h.store.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
				return tx.PutTask(nil, task)
			}))
			return task
		}
		retried := stored(flaky, emulator.TaskRunning, "was running, retried")
		lost := stored(plain, emulator.TaskRunning, "was running, no retries")
		queued := stored(plain, emulator.TaskQueued, "was queued")

		h.start()
		got := h.task(retried.ID)
		require.Equal(t, emulator.TaskKilled, got.Status)
		require.Equal(t, "ironlocal stopped while the task was running", got.Msg)
		require.NotEmpty(t, got.RetryTaskID, "the code has retries")
		retry := h.waitStatus(got.RetryTaskID, emulator.TaskComplete)
		require.Equal(t, retried.ID, retry.OriginalTaskID)
		require.Equal(t, 1, retry.RetryCount)
		require.Equal(t, "was running, retried", h.log(retry.ID))

		got = h.task(lost.ID)
		require.Equal(t, emulator.TaskKilled, got.Status)
		require.NotEmpty(t, got.Msg)
		require.Empty(t, got.RetryTaskID)

		require.Equal(t, "was queued", h.log(h.waitStatus(queued.ID, emulator.TaskComplete).ID))
		h.waitIdle()
	})

	t.Run("graceful close kills and the next start retries", func(t *testing.T) {
		h := newHarness(t, worker.Config{})
		first := h.start()
		h.code("gated", cmdGated, retries(1, 0))
		task := h.queue("gated", "long")
		h.waitStarted("long")
		h.closeService(first)

		got := h.task(task.ID)
		require.Equal(t, emulator.TaskKilled, got.Status)
		require.Equal(t, "ironlocal stopped while the task was running", got.Msg)
		require.NotEmpty(t, got.RetryTaskID)
		require.Equal(t, emulator.TaskQueued, h.task(got.RetryTaskID).Status)

		h.start()
		h.open("all")
		retry := h.waitStatus(got.RetryTaskID, emulator.TaskComplete)
		require.Equal(t, task.ID, retry.OriginalTaskID)
	})

	t.Run("code limits hold after a restart", func(t *testing.T) {
		h := newHarness(t, worker.Config{})
		seed := h.newService()
		h.codeOn(seed, "one", cmdGated, maxConcurrency(1))
		held := h.codeOn(seed, "held", cmdEcho)
		require.NoError(t, seed.PauseTaskQueue(context.Background(), project, held.ID))

		h.start()
		a, b := h.queue("one", "ra"), h.queue("one", "rb")
		x := h.queue("held", "x")
		h.waitStarted("ra")
		h.settle()
		require.Equal(t, emulator.TaskQueued, h.task(b.ID).Status, "max_concurrency 1 of a code with no queued task at start")
		require.Equal(t, emulator.TaskQueued, h.task(x.ID).Status, "pause of a code with no queued task at start")

		h.open("all")
		h.waitStatus(a.ID, emulator.TaskComplete)
		h.waitStatus(b.ID, emulator.TaskComplete)
		require.NoError(t, h.svc.ResumeTaskQueue(context.Background(), project, held.ID))
		h.waitStatus(x.ID, emulator.TaskComplete)
	})
}

func TestReset(t *testing.T) {
	h := running(t)
	h.code("gated", cmdGated)
	h.queue("gated", "reset")
	h.waitStarted("reset")
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	require.NoError(t, h.svc.Reset(ctx))
	require.True(t, h.svc.Idle(), "running tasks stopped and the queue forgotten")
}

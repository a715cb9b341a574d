package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

func TestBulk(t *testing.T) {
	h := running(t)
	ctx := context.Background()
	h.code("fail", cmdFail)
	h.code("ok", cmdTrue)
	h.code("gated", cmdGated)
	var failed []string
	for _, p := range []string{`{"n":1}`, `{"n":2}`, `{"n":3,"tag":"blue"}`} {
		failed = append(failed, h.waitStatus(h.queue("fail", p).ID, emulator.TaskError).ID)
	}
	for range 2 {
		h.waitStatus(h.queue("ok", "").ID, emulator.TaskComplete)
	}
	// One failed task was retried by hand already: bulk retry skips it.
	byHand, err := h.svc.RetryTask(ctx, project, failed[0], 0)
	require.NoError(t, err)
	h.waitStatus(byHand.ID, emulator.TaskError)
	running := h.queue("gated", "b1")
	h.waitStarted("b1")
	queued := h.queue("gated", "b2", delay(600))

	bulk := func(action worker.BulkAction, f worker.BulkFilter, dry bool) worker.BulkResult {
		t.Helper()
		res, err := h.svc.Bulk(ctx, project, action, f, dry)
		require.NoError(t, err)
		return res
	}

	t.Run("dry run counts and changes nothing", func(t *testing.T) {
		res := bulk(worker.BulkRetry, worker.BulkFilter{}, true)
		// 8 tasks; failed[1], failed[2] and byHand failed and were not retried.
		require.Equal(t, worker.BulkResult{Matched: 8, Eligible: 3}, res)
		res = bulk(worker.BulkRetry, worker.BulkFilter{Search: "BLUE"}, true)
		require.Equal(t, worker.BulkResult{Matched: 1, Eligible: 1}, res)
		res = bulk(worker.BulkCancel, worker.BulkFilter{CodeName: "gated"}, true)
		require.Equal(t, worker.BulkResult{Matched: 2, Eligible: 2}, res)
		require.Len(t, h.tasksOf("fail"), 4, "no task was added")
	})

	t.Run("retry the failed tasks the filter selects", func(t *testing.T) {
		res := bulk(worker.BulkRetry, worker.BulkFilter{CodeName: "fail", Statuses: []emulator.TaskStatus{emulator.TaskError}}, false)
		require.Equal(t, worker.BulkResult{Matched: 4, Eligible: 3, Done: 3}, res)
		for _, id := range []string{failed[1], failed[2], byHand.ID} {
			task := h.task(id)
			require.NotEmpty(t, task.RetryTaskID, "%s is linked to its retry", id)
			require.Equal(t, firstOf(h, id), h.task(task.RetryTaskID).OriginalTaskID)
		}
		h.settle()
		res = bulk(worker.BulkRetry, worker.BulkFilter{CodeName: "fail", Statuses: []emulator.TaskStatus{emulator.TaskError}}, true)
		require.Equal(t, 3, res.Eligible, "the three retries failed in turn; the originals are not retried twice")
	})

	t.Run("cancel the unfinished tasks", func(t *testing.T) {
		res := bulk(worker.BulkCancel, worker.BulkFilter{CodeName: "gated"}, false)
		require.Equal(t, worker.BulkResult{Matched: 2, Eligible: 2, Done: 2}, res)
		h.waitStatus(running.ID, emulator.TaskCancelled)
		h.waitStatus(queued.ID, emulator.TaskCancelled)
		res = bulk(worker.BulkCancel, worker.BulkFilter{}, true)
		require.Zero(t, res.Eligible)
	})

	t.Run("refused", func(t *testing.T) {
		for name, call := range map[string]func() error{
			"unknown action": func() error {
				_, err := h.svc.Bulk(ctx, project, "delete", worker.BulkFilter{}, true)
				return err
			},
			"unknown status": func() error {
				_, err := h.svc.Bulk(ctx, project, worker.BulkRetry, worker.BulkFilter{Statuses: []emulator.TaskStatus{"done"}}, true)
				return err
			},
		} {
			require.ErrorIs(t, call(), emulator.ErrInvalid, name)
		}
	})
}

// firstOf is the first task of id's retry chain (original_task_id names
// the chain's first task).
func firstOf(h *harness, id string) string {
	if o := h.task(id).OriginalTaskID; o != "" {
		return o
	}
	return id
}

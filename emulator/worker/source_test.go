package worker_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// Every task says what queued it (issue 21 §4, cause and effect).
func TestTask_Source(t *testing.T) {
	h := running(t)
	ctx := context.Background()
	h.code("fail", cmdFail, retries(1, 0))

	api := h.queue("fail", "")
	require.Equal(t, emulator.SourceAPI, api.Source)
	require.Empty(t, api.SourceID)

	failed := h.waitStatus(api.ID, emulator.TaskError)
	auto := h.task(failed.RetryTaskID)
	require.Equal(t, emulator.SourceRetry, auto.Source, "an automatic retry")
	require.Equal(t, api.ID, auto.SourceID)
	h.waitStatus(auto.ID, emulator.TaskError)
	byHand, err := h.svc.RetryTask(ctx, project, auto.ID, 0)
	require.NoError(t, err)
	require.Equal(t, emulator.SourceRetry, byHand.Source)
	require.Equal(t, auto.ID, byHand.SourceID, "the task retried, not the chain's first")
	require.Equal(t, api.ID, byHand.OriginalTaskID)

	for _, tc := range []struct {
		name     string
		nt       worker.NewTask
		source   emulator.TaskSource
		sourceID string
	}{
		{"schedule", worker.NewTask{ScheduleID: "sched1"}, emulator.SourceSchedule, "sched1"},
		{"trigger binding", worker.NewTask{Label: "trigger:b42"}, emulator.SourceTrigger, "b42"},
		{"webhook", worker.NewTask{Source: emulator.SourceWebhook}, emulator.SourceWebhook, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.nt.CodeName = "fail"
			tasks, err := h.svc.QueueTasks(ctx, project, []worker.NewTask{tc.nt})
			require.NoError(t, err)
			got := h.task(tasks[0].ID)
			require.Equal(t, tc.source, got.Source)
			require.Equal(t, tc.sourceID, got.SourceID)
		})
	}

	id, err := h.svc.QueueTask(ctx, project, "fail", "")
	require.NoError(t, err)
	require.Equal(t, emulator.SourcePush, h.task(id).Source, "ironworker:// push subscribers")
}

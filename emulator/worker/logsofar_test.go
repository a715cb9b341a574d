package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// nextLogEvent waits for the next task.log event of task id.
func nextLogEvent(t *testing.T, sub *emulator.Subscription, id string) emulator.Event {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case e := <-sub.C:
			if e.Type == emulator.EventTaskLog && e.TaskID == id {
				return e
			}
		case <-deadline:
			t.Fatalf("no task.log event for %s", id)
		}
	}
}

func TestTask_LogSoFar(t *testing.T) {
	h := running(t) // live logs off: the Iron route answers 404 meanwhile
	sub := h.bus.Subscribe(100)
	defer sub.Close()
	h.code("talk", cmdTalk)
	task := h.queue("talk", "")

	e := nextLogEvent(t, sub, task.ID)
	require.Equal(t, "out1\n", e.Attrs["data"])
	require.Equal(t, int64(0), e.Attrs["offset"], "where the chunk starts in the whole log")
	// At once, before the sink's periodic flush: the read flushes it.
	got, err := h.svc.LogSoFar(context.Background(), project, task.ID)
	require.NoError(t, err)
	require.Equal(t, "out1\n", string(got.Data))
	require.Equal(t, int64(5), got.Size)
	require.Equal(t, emulator.TaskRunning, got.Status)
	_, err = h.svc.Log(context.Background(), project, task.ID, false)
	require.ErrorIs(t, err, emulator.ErrNotFound, "the Iron route keeps its 404 until the task ends")

	h.open("g1")
	e = nextLogEvent(t, sub, task.ID)
	require.Equal(t, "err1\n", e.Attrs["data"])
	require.Equal(t, int64(5), e.Attrs["offset"], "the next chunk starts where the read ended")

	h.open("g2")
	h.waitStatus(task.ID, emulator.TaskComplete)
	got, err = h.svc.LogSoFar(context.Background(), project, task.ID)
	require.NoError(t, err)
	require.Equal(t, "out1\nerr1\nout2\n", string(got.Data))
	require.Equal(t, emulator.TaskComplete, got.Status)

	queued := h.queue("talk", "", delay(60))
	got, err = h.svc.LogSoFar(context.Background(), project, queued.ID)
	require.NoError(t, err)
	require.Empty(t, got.Data)
	require.Equal(t, emulator.TaskQueued, got.Status)

	_, err = h.svc.LogSoFar(context.Background(), project, "000000000000000000000000")
	require.ErrorIs(t, err, emulator.ErrNotFound)
}

package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// A schedule takes cron or run_every: with both, one would be silently
// ignored, so both are refused by name (create, update and preview).
func TestSchedule_CronAndRunEveryRefused(t *testing.T) {
	h := running(t)
	h.code("echo", cmdEcho)
	ctx := context.Background()

	t.Run("create", func(t *testing.T) {
		h := h.on(t)
		_, err := h.svc.CreateSchedules(ctx, project, []worker.NewSchedule{{CodeName: "echo", Cron: ptr("*/5 * * * *"), RunEvery: ptr(3600)}})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.Contains(t, err.Error(), "cron")
		require.Contains(t, err.Error(), "run_every")
		list, err := h.svc.ListSchedules(ctx, project, 0, 100)
		require.NoError(t, err)
		require.Empty(t, list, "nothing stored")
	})

	t.Run("update adds cron to a run_every schedule", func(t *testing.T) {
		h := h.on(t)
		sc := h.schedule(worker.NewSchedule{CodeName: "echo", RunEvery: ptr(3600)})
		_, err := h.svc.UpdateSchedule(ctx, project, sc.ID, worker.NewSchedule{Cron: ptr("0 * * * *")})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.Equal(t, 3600, h.getSchedule(sc.ID).RunEvery, "unchanged")
		require.Empty(t, h.getSchedule(sc.ID).Cron)

		got, err := h.svc.UpdateSchedule(ctx, project, sc.ID, worker.NewSchedule{Cron: ptr("0 * * * *"), RunEvery: ptr(0)})
		require.NoError(t, err, "switching to cron while clearing run_every is fine")
		require.Equal(t, "0 * * * *", got.Cron)
		require.Zero(t, got.RunEvery)
	})

	t.Run("preview", func(t *testing.T) {
		h := h.on(t)
		start := h.clock.Now().Add(time.Hour)
		_, err := h.svc.PreviewSchedule(ctx, project, "", worker.NewSchedule{StartAt: &start, Cron: ptr("*/5 * * * *"), RunEvery: ptr(60)}, 5)
		require.ErrorIs(t, err, emulator.ErrInvalid)
	})
}

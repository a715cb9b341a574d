package client_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestPreviewSchedule(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "nightly", Image: "x", Command: "true"})
	require.NoError(t, err)
	clock, err := c.Clock(ctx)
	require.NoError(t, err)
	start := clock.Now.Add(time.Hour)

	got, err := c.PreviewSchedule(ctx, client.ScheduleTiming{StartAt: start, RunEvery: 3600, RunTimes: 3}, 0)
	require.NoError(t, err)
	require.True(t, got.Now.Equal(clock.Now))
	require.Equal(t, []time.Time{start.UTC(), start.Add(time.Hour).UTC(), start.Add(2 * time.Hour).UTC()}, got.Fires)

	got, err = c.PreviewSchedule(ctx, client.ScheduleTiming{StartAt: start, RunEvery: 60}, 2)
	require.NoError(t, err)
	require.Len(t, got.Fires, 2, "n bounds the answer")

	id, err := c.CreateSchedule(ctx, client.NewSchedule{CodeName: "nightly", StartAt: start, RunEvery: 3600})
	require.NoError(t, err)
	got, err = c.PreviewSchedule(ctx, client.ScheduleTiming{ScheduleID: id, Cron: "0 0 * * *", RunTimes: 1}, 0)
	require.NoError(t, err)
	require.Len(t, got.Fires, 1, "an edit of the stored schedule")
	require.Equal(t, 0, got.Fires[0].Hour())

	_, err = c.PreviewSchedule(ctx, client.ScheduleTiming{Cron: "every day"}, 0)
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
	require.Contains(t, err.Error(), "cron")
}

package client_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestUpcoming(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "nightly", Image: "x", Command: "true"})
	require.NoError(t, err)
	clock, err := c.Clock(ctx)
	require.NoError(t, err)
	sid, err := c.CreateSchedule(ctx, client.NewSchedule{CodeName: "nightly", StartAt: clock.Now.Add(2 * time.Hour), RunEvery: 3600})
	require.NoError(t, err)
	tid, err := c.QueueTask(ctx, client.NewTask{CodeName: "nightly", Delay: 5400})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "later", client.NewMessage{Body: "delayed", Delay: 600})
	require.NoError(t, err)
	_, err = c.PostMessages(ctx, "work", client.NewMessage{Body: "to reserve"})
	require.NoError(t, err)
	reserved, err := c.Reserve(ctx, "work", client.Reservation{Timeout: 60})
	require.NoError(t, err)
	require.Len(t, reserved, 1)
	_, err = c.PutItem(ctx, "sessions", "s1", client.ItemPut{Value: "x", ExpiresIn: 1800})
	require.NoError(t, err)
	_, err = c.PutItem(ctx, "sessions", "forever", client.ItemPut{Value: "y"})
	require.NoError(t, err)

	t.Run("earliest first, every kind", func(t *testing.T) {
		got, err := c.Upcoming(ctx, 3*time.Hour, 0)
		require.NoError(t, err)
		require.Equal(t, clock.Now.Add(3*time.Hour).UTC(), got.Until.UTC())
		var kinds []client.UpcomingKind
		for _, u := range got.Upcoming {
			kinds = append(kinds, u.Kind)
		}
		require.Equal(t, []client.UpcomingKind{client.UpcomingReservationExpires, client.UpcomingMessageReady,
			client.UpcomingItemExpires, client.UpcomingTaskRunnable, client.UpcomingScheduleFires}, kinds)
		require.Equal(t, "work", got.Upcoming[0].Queue)
		require.Equal(t, reserved[0].ID, got.Upcoming[0].MessageID)
		require.Equal(t, "later", got.Upcoming[1].Queue)
		require.Equal(t, "s1", got.Upcoming[2].Key)
		require.Equal(t, tid, got.Upcoming[3].TaskID)
		require.Equal(t, "nightly", got.Upcoming[3].CodeName)
		require.Equal(t, sid, got.Upcoming[4].ScheduleID)
		require.Equal(t, "nightly", got.Upcoming[4].CodeName)
		require.Equal(t, clock.Now.Add(2*time.Hour).UTC(), got.Upcoming[4].At.UTC())
	})
	t.Run("window and limit", func(t *testing.T) {
		got, err := c.Upcoming(ctx, time.Hour, 2)
		require.NoError(t, err)
		require.Len(t, got.Upcoming, 2)
		require.Equal(t, client.UpcomingMessageReady, got.Upcoming[1].Kind)
	})
	t.Run("advancing the clock empties the list", func(t *testing.T) {
		_, err := c.AdvanceClock(ctx, 3*time.Hour)
		require.NoError(t, err)
		require.NoError(t, c.WaitIdle(ctx, 10*time.Second))
		got, err := c.Upcoming(ctx, time.Minute, 0)
		require.NoError(t, err)
		require.Empty(t, got.Upcoming)
	})
	t.Run("bad parameters are 400", func(t *testing.T) {
		_, err := c.Upcoming(ctx, 0, 5000)
		require.Equal(t, http.StatusBadRequest, client.StatusOf(err))
		require.Contains(t, err.Error(), "limit")
	})
}

func TestSettings(t *testing.T) {
	c, srv := newClient(t, func(o *server.Options) {
		o.Tokens = []string{"test-token", "other"}
		o.Projects = []string{client.DefaultProject}
	})
	ctx := ctxT(t)
	_, err := c.PostMessages(ctx, "q", client.NewMessage{Body: "something on disk"})
	require.NoError(t, err)
	s, err := c.Settings(ctx)
	require.NoError(t, err)
	require.Equal(t, srv.Addr().String(), s.Listen)
	require.True(t, s.Ephemeral)
	require.NotEmpty(t, s.DataDir)
	require.Positive(t, s.DataSize)
	require.Equal(t, "process", s.Runtime)
	require.True(t, s.StrictAuth)
	require.Equal(t, 2, s.Tokens)
	require.Equal(t, []string{client.DefaultProject}, s.Projects)
	require.True(t, s.VirtualClock)
	require.Equal(t, "off", s.LogLevel, "RunT discards logs")
	require.NotEmpty(t, s.Version)
}

package mq

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestQueue_Redrive(t *testing.T) {
	ctx := context.Background()
	peekAll := func(t *testing.T, s *Service, name string) []string {
		t.Helper()
		ms, err := s.Peek(ctx, testProject, name, 100)
		require.NoError(t, err)
		return bodies(ms)
	}

	t.Run("every ready message of a dead-letter queue goes back to its source", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		createQueue(t, s, "orders", QueueSettings{DeadLetter: &DeadLetterUpdate{QueueName: "orders-dead", MaxReservations: ptr(1)}})
		post(t, s, "orders", "a", "b", "c")
		_, err := s.Reserve(ctx, testProject, "orders", ReserveRequest{N: 3, Timeout: 30})
		require.NoError(t, err)
		clk.Advance(31 * time.Second)
		got, err := s.Reserve(ctx, testProject, "orders", ReserveRequest{N: 3})
		require.NoError(t, err)
		require.Empty(t, got, "reserved once too often: dead-lettered")
		require.Equal(t, []string{"a", "b", "c"}, peekAll(t, s, "orders-dead"))
		// One of them is being looked at: it stays.
		held, err := s.Reserve(ctx, testProject, "orders-dead", ReserveRequest{N: 1, Timeout: 60})
		require.NoError(t, err)
		require.Len(t, held, 1)

		sources, err := s.RedriveSources(ctx, testProject, "orders-dead")
		require.NoError(t, err)
		require.Equal(t, []string{"orders"}, sources)
		res, err := s.Redrive(ctx, testProject, "orders-dead", RedriveRequest{})
		require.NoError(t, err)
		require.Equal(t, RedriveResult{Moved: 2, To: "orders"}, res)
		require.Equal(t, []string{"b", "c"}, peekAll(t, s, "orders"))
		require.EqualValues(t, 1, queueSize(t, s, "orders-dead"), "the reserved one stays")
		require.EqualValues(t, 2, queueSize(t, s, "orders"))
		moved, err := s.Reserve(ctx, testProject, "orders", ReserveRequest{N: 2})
		require.NoError(t, err)
		require.Len(t, moved, 2, "reservable again: reserved_count starts over")
		require.Equal(t, 1, moved[0].ReservedCount)
	})

	t.Run("a selection, and max", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		ids := post(t, s, "dlq", "1", "2", "3", "4")
		res, err := s.Redrive(ctx, testProject, "dlq", RedriveRequest{To: "work", IDs: []emulator.MessageID{ids[3], ids[1], ids[1]}})
		require.NoError(t, err)
		require.Equal(t, 2, res.Moved)
		require.Equal(t, []string{"2", "4"}, peekAll(t, s, "work"), "in id order")
		require.Equal(t, []string{"1", "3"}, peekAll(t, s, "dlq"))

		res, err = s.Redrive(ctx, testProject, "dlq", RedriveRequest{To: "work", Max: 1})
		require.NoError(t, err)
		require.Equal(t, 1, res.Moved)
		require.Equal(t, []string{"3"}, peekAll(t, s, "dlq"))

		_, err = s.Redrive(ctx, testProject, "dlq", RedriveRequest{To: "work", IDs: []emulator.MessageID{ids[0]}})
		require.ErrorIs(t, err, emulator.ErrNotFound, "an id that is not there (moved already)")
		require.Equal(t, []string{"3"}, peekAll(t, s, "dlq"), "nothing moved")
	})

	t.Run("an error-queue notice posts the original message back", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		createQueue(t, s, "hooks", QueueSettings{Type: ptr(emulator.QueueMulticast), Push: &PushUpdate{
			Subscribers: &[]emulator.Subscriber{{Name: "s", URL: "http://s.example/"}}, ErrorQueue: ptr("hooks-failed")}})
		notice := `{"source_msg_id":"6000000000000000001","body":"the original","headers":{"User-Agent":"IronMQ Pusherd","X-Order":"42"},` +
			`"subscribers":[{"name":"s","url":"http://s.example/","code":500,"msg":"Internal Server Error"}]}`
		post(t, s, "hooks-failed", notice, "not a notice")
		res, err := s.Redrive(ctx, testProject, "hooks-failed", RedriveRequest{})
		require.NoError(t, err)
		require.Equal(t, RedriveResult{Moved: 2, To: "hooks"}, res)
		page, err := s.BrowseMessages(ctx, testProject, "hooks", BrowseQuery{})
		require.NoError(t, err)
		require.Len(t, page.Messages, 2)
		require.Equal(t, "the original", page.Messages[0].Body)
		require.Equal(t, map[string]string{"X-Order": "42"}, page.Messages[0].PushHeaders, "User-Agent is not a push header")
		require.Equal(t, BrowsePushing, page.Messages[0].Status, "pushed again")
		require.Equal(t, "not a notice", page.Messages[1].Body)
		require.Empty(t, peekAll(t, s, "hooks-failed"))
	})

	t.Run("refused", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "lonely", "x")
		createQueue(t, s, "a", QueueSettings{DeadLetter: &DeadLetterUpdate{QueueName: "shared", MaxReservations: ptr(2)}})
		createQueue(t, s, "b", QueueSettings{DeadLetter: &DeadLetterUpdate{QueueName: "shared", MaxReservations: ptr(2)}})
		post(t, s, "shared", "y")
		createQueue(t, s, "pushq", QueueSettings{Type: ptr(emulator.QueueUnicast), Push: &PushUpdate{
			Subscribers: &[]emulator.Subscriber{{URL: "http://s.example/"}}}})
		for name, c := range map[string]struct {
			queue string
			req   RedriveRequest
			code  error
			msg   string
		}{
			"no source known": {"lonely", RedriveRequest{}, emulator.ErrInvalid, `Queue "lonely" is no queue's dead-letter or error queue: say where its messages go in "to"`},
			"two sources":     {"shared", RedriveRequest{}, emulator.ErrInvalid, `Queue "shared" is the dead-letter or error queue of a, b: say which one its messages go to in "to"`},
			"into itself":     {"lonely", RedriveRequest{To: "lonely"}, emulator.ErrInvalid, "A queue cannot be redriven into itself"},
			"a push queue":    {"pushq", RedriveRequest{To: "x"}, emulator.ErrInvalid, `Queue "pushq" is a push queue: only a pull queue's messages can be redriven`},
			"no such queue":   {"none", RedriveRequest{To: "x"}, emulator.ErrNotFound, "Queue not found"},
			"negative max":    {"lonely", RedriveRequest{To: "x", Max: -1}, emulator.ErrInvalid, "max must not be negative"},
			"bad target name": {"lonely", RedriveRequest{To: "a/b"}, emulator.ErrInvalid, "Queue name must not contain '/' or NUL"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.Redrive(ctx, testProject, c.queue, c.req)
				require.ErrorIs(t, err, c.code)
				e, ok := emulator.AsError(err)
				require.True(t, ok)
				require.Equal(t, c.msg, e.Msg)
			})
		}
		require.Equal(t, []string{"x"}, peekAll(t, s, "lonely"), "nothing moved")
		require.Equal(t, []string{"y"}, peekAll(t, s, "shared"))
	})
}

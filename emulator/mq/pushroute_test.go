package mq

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func pushTo(urls ...string) QueueSettings {
	subs := make([]emulator.Subscriber, len(urls))
	for i, u := range urls {
		subs[i] = emulator.Subscriber{URL: u}
	}
	return QueueSettings{Type: ptr(emulator.QueueMulticast), Push: &PushUpdate{Subscribers: &subs}}
}

func TestPush_SubscriberCycles(t *testing.T) {
	ctx := context.Background()

	t.Run("a queue subscribed to itself is refused", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		_, err := s.UpsertQueue(ctx, testProject, "loop", pushTo("ironmq:///loop"))
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.EqualError(t, err, `Push subscribers would deliver queue "loop"'s messages back to itself, forever: "loop" → "loop". ironmq:// subscribers must not form a cycle`)
		_, err = s.GetQueue(ctx, testProject, "loop")
		require.ErrorIs(t, err, emulator.ErrNotFound, "nothing was created")
	})

	t.Run("a cycle through a chain is refused where it closes", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		createQueue(t, s, "a", pushTo("ironmq:///b", "http://example.test/hook"))
		createQueue(t, s, "b", pushTo("ironmq:///c"))
		_, err := s.UpsertQueue(ctx, testProject, "c", pushTo("ironmq:///a"))
		require.EqualError(t, err, `Push subscribers would deliver queue "c"'s messages back to itself, forever: "c" → "a" → "b" → "c". ironmq:// subscribers must not form a cycle`)

		createQueue(t, s, "c", pushTo("http://example.test/c"))
		for _, tc := range []struct {
			name string
			how  SubscriberChange
		}{{"added", SubscribersAdd}, {"replaced", SubscribersReplace}} {
			t.Run(tc.name, func(t *testing.T) {
				err := s.ChangeSubscribers(ctx, testProject, "c", []emulator.Subscriber{{Name: "back", URL: "ironmq:///a"}}, tc.how)
				require.ErrorIs(t, err, emulator.ErrInvalid)
				require.ErrorContains(t, err, `"c" → "a" → "b" → "c"`)
			})
		}
		t.Run("patch", func(t *testing.T) {
			set := pushTo("ironmq:///a")
			set.Type = nil
			_, err := s.UpsertQueue(ctx, testProject, "c", set)
			require.ErrorContains(t, err, `"c" → "a" → "b" → "c"`)
		})
		q, err := s.GetQueue(ctx, testProject, "c")
		require.NoError(t, err)
		require.Equal(t, "http://example.test/c", q.Push.Subscribers[0].URL, "the refused changes left c as it was")
	})

	t.Run("across projects", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		const other = "0123456789abcdef01234567"
		_, err := s.UpsertQueue(ctx, other, "x", pushTo("ironmq://"+testProject+":token@mq.example/a"))
		require.NoError(t, err)
		_, err = s.UpsertQueue(ctx, testProject, "a", pushTo("ironmq://"+other+":token@/x"))
		require.EqualError(t, err, `Push subscribers would deliver queue "a"'s messages back to itself, forever: "a" → "x" (project `+other+`) → "a". ironmq:// subscribers must not form a cycle`)
	})

	t.Run("shapes without a cycle are fine", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "sink", "x") // a pull queue ends every path
		createQueue(t, s, "d", pushTo("ironmq:///sink"))
		createQueue(t, s, "b", pushTo("ironmq:///d"))
		createQueue(t, s, "c", pushTo("ironmq:///d", "ironmq:///sink"))
		createQueue(t, s, "a", pushTo("ironmq:///b", "ironmq:///c", "ironmq:///not-yet"))
		require.NoError(t, s.ChangeSubscribers(ctx, testProject, "d", []emulator.Subscriber{{URL: "ironworker:///a"}}, SubscribersAdd),
			"an ironworker:// subscriber named like a queue is not a queue")
	})
}

// claimOne posts a message to the push queue and claims its delivery.
func claimOne(t *testing.T, s *Service, queue string) PushJob {
	t.Helper()
	post(t, s, queue, "payload")
	jobs, err := s.ClaimPushes(context.Background(), testProject, queue, 10, 10*time.Second)
	require.NoError(t, err)
	require.Len(t, jobs, 1)
	return jobs[0]
}

func TestPush_DeliverToQueue(t *testing.T) {
	ctx := context.Background()

	t.Run("posts into the target", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "dst", "old")
		createQueue(t, s, "src", pushTo("ironmq:///dst"))
		require.NoError(t, s.DeliverToQueue(ctx, claimOne(t, s, "src"), testProject, "dst"))
		require.EqualValues(t, 2, queueSize(t, s, "dst"))
	})

	t.Run("creates a target that did not exist at claim time", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		createQueue(t, s, "src", pushTo("ironmq:///fresh"))
		require.NoError(t, s.DeliverToQueue(ctx, claimOne(t, s, "src"), testProject, "fresh"))
		require.EqualValues(t, 1, queueSize(t, s, "fresh"))
	})

	t.Run("a target deleted while the delivery was in flight stays deleted", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "dst", "old")
		createQueue(t, s, "src", pushTo("ironmq:///dst"))
		job := claimOne(t, s, "src")
		require.NoError(t, s.DeleteQueue(ctx, testProject, "dst"))
		require.NoError(t, s.DeliverToQueue(ctx, job, testProject, "dst"))
		_, err := s.GetQueue(ctx, testProject, "dst")
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("a target deleted and created again gets the message", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "dst", "old")
		createQueue(t, s, "src", pushTo("ironmq:///dst"))
		job := claimOne(t, s, "src")
		require.NoError(t, s.DeleteQueue(ctx, testProject, "dst"))
		post(t, s, "dst", "new")
		require.NoError(t, s.DeliverToQueue(ctx, job, testProject, "dst"))
		require.EqualValues(t, 2, queueSize(t, s, "dst"))
	})

	t.Run("never into its own queue", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		createQueue(t, s, "src", pushTo("http://example.test/hook"))
		job := claimOne(t, s, "src")
		err := s.DeliverToQueue(ctx, job, testProject, "src")
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.EqualError(t, err, `An ironmq:// subscriber may not post into its own queue "src": every message would be delivered forever`)
	})

	t.Run("nothing is posted from a push queue deleted while delivering", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		post(t, s, "dst", "old")
		createQueue(t, s, "src", pushTo("ironmq:///dst"))
		job := claimOne(t, s, "src")
		require.NoError(t, s.DeleteQueue(ctx, testProject, "src"))
		require.NoError(t, s.DeliverToQueue(ctx, job, testProject, "dst"))
		require.EqualValues(t, 1, queueSize(t, s, "dst"))

		t.Run("also when it was created again", func(t *testing.T) {
			createQueue(t, s, "src", pushTo("ironmq:///dst"))
			require.NoError(t, s.DeliverToQueue(ctx, job, testProject, "dst"))
			require.EqualValues(t, 1, queueSize(t, s, "dst"))
		})
	})
}

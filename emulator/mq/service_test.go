package mq

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

func ptr[T any](v T) *T { return &v }

func post(t *testing.T, s *Service, queue string, bodies ...string) []emulator.MessageID {
	t.Helper()
	msgs := make([]NewMessage, len(bodies))
	for i, b := range bodies {
		msgs[i].Body = b
	}
	ids, err := s.PostMessages(context.Background(), testProject, queue, msgs)
	require.NoError(t, err)
	return ids
}

func createQueue(t *testing.T, s *Service, name string, set QueueSettings) emulator.Queue {
	t.Helper()
	q, err := s.UpsertQueue(context.Background(), testProject, name, set)
	require.NoError(t, err)
	return q
}

func queueSize(t *testing.T, s *Service, name string) int64 {
	t.Helper()
	q, err := s.GetQueue(context.Background(), testProject, name)
	require.NoError(t, err)
	return q.Size
}

func TestQueue_PostMessages(t *testing.T) {
	ctx := context.Background()

	t.Run("auto-creates a pull queue with defaults", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		sub := s.events.(*emulator.Bus).Subscribe(10)
		defer sub.Close()
		_, err := s.GetQueue(ctx, testProject, "auto")
		require.ErrorIs(t, err, emulator.ErrNotFound)

		ids := post(t, s, "auto", "a", "", "c")
		require.Len(t, ids, 3)
		require.Less(t, ids[0], ids[1])
		require.Less(t, ids[1], ids[2])
		require.Len(t, ids[0].String(), 19, "ids are 19 decimal digits on the wire")

		q, err := s.GetQueue(ctx, testProject, "auto")
		require.NoError(t, err)
		require.Equal(t, emulator.QueuePull, q.Type)
		require.Equal(t, DefaultMessageTimeout, q.MessageTimeout)
		require.Equal(t, DefaultMessageExpiration, q.MessageExpiration)
		require.EqualValues(t, 3, q.Size)
		require.EqualValues(t, 3, q.TotalMessages)
		require.Len(t, q.ID, 24)

		require.Equal(t, emulator.EventQueueCreated, (<-sub.C).Type)
		ev := <-sub.C
		require.Equal(t, emulator.EventMessagesPosted, ev.Type)
		require.Equal(t, []string{ids[0].String(), ids[1].String(), ids[2].String()}, ev.IDs)

		got, err := s.GetMessage(ctx, testProject, "auto", ids[1])
		require.NoError(t, err)
		require.Equal(t, "", got.Body, "empty bodies are allowed")
	})

	t.Run("a deleted queue comes back empty", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		old := post(t, s, "q", "a", "b")
		createQueue(t, s, "q", QueueSettings{MessageTimeout: ptr(99)})
		require.NoError(t, s.DeleteQueue(ctx, testProject, "q"))
		_, err := s.GetQueue(ctx, testProject, "q")
		require.ErrorIs(t, err, emulator.ErrNotFound)
		require.ErrorIs(t, s.DeleteQueue(ctx, testProject, "q"), emulator.ErrNotFound)

		ids := post(t, s, "q", "c")
		q, err := s.GetQueue(ctx, testProject, "q")
		require.NoError(t, err)
		require.EqualValues(t, 1, q.Size)
		require.EqualValues(t, 1, q.TotalMessages)
		require.Equal(t, DefaultMessageTimeout, q.MessageTimeout)
		require.Greater(t, ids[0], old[1])
		_, err = s.GetMessage(ctx, testProject, "q", old[0])
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("projects are separate", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		ids := post(t, s, "q", "a")
		_, err := s.GetMessage(ctx, "000000000000000000000002", "q", ids[0])
		require.ErrorIs(t, err, emulator.ErrNotFound)
		_, err = s.Reserve(ctx, "000000000000000000000002", "q", ReserveRequest{})
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("names that are not UTF-8 are refused", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		name := "caf\xe9" // Latin-1 from a percent-encoded path
		_, err := s.PostMessages(ctx, testProject, name, []NewMessage{{Body: "a"}})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.EqualError(t, err, "Queue name must be valid UTF-8", "JSON would list it as U+FFFD, unreachable by that name")
		qs, err := s.ListQueues(ctx, testProject, "", "", 100)
		require.NoError(t, err)
		require.Empty(t, qs)

		post(t, s, "café", "a")
		q, err := s.GetQueue(ctx, testProject, "café")
		require.NoError(t, err)
		require.Equal(t, "café", q.Name, "UTF-8 names are kept byte for byte")
	})

	t.Run("delay hides a message until it ends", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Body: "late", Delay: 10}, {Body: "now"}})
		require.NoError(t, err)
		got, err := s.Peek(ctx, testProject, "q", 10)
		require.NoError(t, err)
		require.Equal(t, []string{"now"}, bodies(got))
		clk.Advance(10 * time.Second)
		got, err = s.Peek(ctx, testProject, "q", 10)
		require.NoError(t, err)
		require.Equal(t, []string{"late", "now"}, bodies(got), "FIFO by id once visible")
	})
}

func bodies(ms []emulator.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Body
	}
	return out
}

func TestQueue_Validation(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, Config{BodyLimit: 10})
	ids := post(t, s, "q", "x")
	id := ids[0]

	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"post nothing", func() error { _, err := s.PostMessages(ctx, testProject, "q", nil); return err }, emulator.ErrInvalid},
		{"post too many", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", make([]NewMessage, MaxMessagesPerRequest+1))
			return err
		}, emulator.ErrInvalid},
		{"post body over the limit", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Body: strings.Repeat("x", 11)}})
			return err
		}, emulator.ErrTooLarge},
		{"post negative delay", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Delay: -1}})
			return err
		}, emulator.ErrInvalid},
		{"post delay too long", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Delay: MaxDelay + 1}})
			return err
		}, emulator.ErrInvalid},
		{"post reserved push header", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{PushHeaders: map[string]string{"content-type": "x"}}})
			return err
		}, emulator.ErrInvalid},
		{"post empty push header value", func() error {
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{PushHeaders: map[string]string{"X-A": ""}}})
			return err
		}, emulator.ErrInvalid},
		{"post too many push headers", func() error {
			h := map[string]string{"A": "1", "B": "1", "C": "1", "D": "1", "E": "1", "F": "1"}
			_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{PushHeaders: h}})
			return err
		}, emulator.ErrInvalid},
		{"queue name empty", func() error { _, err := s.PostMessages(ctx, testProject, "", []NewMessage{{}}); return err }, emulator.ErrInvalid},
		{"queue name with slash", func() error { _, err := s.PostMessages(ctx, testProject, "a/b", []NewMessage{{}}); return err }, emulator.ErrInvalid},
		{"queue name with NUL", func() error { _, err := s.PostMessages(ctx, testProject, "a\x00b", []NewMessage{{}}); return err }, emulator.ErrInvalid},
		{"queue name too long", func() error {
			_, err := s.PostMessages(ctx, testProject, strings.Repeat("q", MaxQueueNameLength+1), []NewMessage{{}})
			return err
		}, emulator.ErrInvalid},
		{"reserve negative timeout", func() error { _, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Timeout: -1}); return err }, emulator.ErrInvalid},
		{"reserve timeout too long", func() error {
			_, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Timeout: MaxMessageTimeout + 1})
			return err
		}, emulator.ErrInvalid},
		{"reserve negative wait", func() error { _, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Wait: -1}); return err }, emulator.ErrInvalid},
		{"reserve unknown queue", func() error { _, err := s.Reserve(ctx, testProject, "nope", ReserveRequest{}); return err }, emulator.ErrNotFound},
		{"peek unknown queue", func() error { _, err := s.Peek(ctx, testProject, "nope", 1); return err }, emulator.ErrNotFound},
		{"touch negative timeout", func() error { _, err := s.Touch(ctx, testProject, "q", id, "r", -1); return err }, emulator.ErrInvalid},
		{"touch timeout too long", func() error {
			_, err := s.Touch(ctx, testProject, "q", id, "r", MaxMessageTimeout+1)
			return err
		}, emulator.ErrInvalid},
		{"touch unreserved", func() error { _, err := s.Touch(ctx, testProject, "q", id, "", 0); return err }, emulator.ErrForbidden},
		{"touch unknown message", func() error { _, err := s.Touch(ctx, testProject, "q", id+1000, "r", 0); return err }, emulator.ErrNotFound},
		{"release negative delay", func() error { return s.Release(ctx, testProject, "q", id, "r", -1) }, emulator.ErrInvalid},
		{"release delay too long", func() error { return s.Release(ctx, testProject, "q", id, "r", MaxDelay+1) }, emulator.ErrInvalid},
		{"release unreserved", func() error { return s.Release(ctx, testProject, "q", id, "r", 0) }, emulator.ErrForbidden},
		{"release unknown queue", func() error { return s.Release(ctx, testProject, "nope", id, "r", 0) }, emulator.ErrNotFound},
		{"delete no ids", func() error { return s.DeleteMessages(ctx, testProject, "q", nil) }, emulator.ErrInvalid},
		{"delete too many ids", func() error {
			return s.DeleteMessages(ctx, testProject, "q", make([]DeleteRef, MaxMessagesPerRequest+1))
		}, emulator.ErrInvalid},
		{"delete unknown message", func() error { return s.DeleteMessage(ctx, testProject, "q", DeleteRef{ID: id + 1000}) }, emulator.ErrNotFound},
		{"delete with a reservation id of an unreserved message", func() error {
			return s.DeleteMessage(ctx, testProject, "q", DeleteRef{ID: id, ReservationID: "r"})
		}, emulator.ErrForbidden},
		{"delete from unknown queue", func() error { return s.DeleteMessage(ctx, testProject, "nope", DeleteRef{ID: id}) }, emulator.ErrNotFound},
		{"get from unknown queue", func() error { _, err := s.GetMessage(ctx, testProject, "nope", id); return err }, emulator.ErrNotFound},
		{"get with invalid queue name", func() error { _, err := s.GetMessage(ctx, testProject, "a/b", id); return err }, emulator.ErrInvalid},
		{"clear unknown queue", func() error { return s.ClearQueue(ctx, testProject, "nope") }, emulator.ErrNotFound},
		{"upsert timeout negative", func() error {
			_, err := s.UpsertQueue(ctx, testProject, "q", QueueSettings{MessageTimeout: ptr(-1)})
			return err
		}, emulator.ErrInvalid},
		{"upsert timeout too long", func() error {
			_, err := s.UpsertQueue(ctx, testProject, "q", QueueSettings{MessageTimeout: ptr(MaxMessageTimeout + 1)})
			return err
		}, emulator.ErrInvalid},
		{"upsert expiration too long", func() error {
			_, err := s.UpsertQueue(ctx, testProject, "q", QueueSettings{MessageExpiration: ptr(MaxMessageExpiration + 1)})
			return err
		}, emulator.ErrInvalid},
		{"upsert unknown type", func() error {
			_, err := s.UpsertQueue(ctx, testProject, "q", QueueSettings{Type: ptr(emulator.QueueType("fifo"))})
			return err
		}, emulator.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.ErrorIs(t, err, tc.want)
			_, isDomain := emulator.AsError(err)
			require.True(t, isDomain, "error %q carries a user-facing message", err)
		})
	}

	t.Run("nothing changed", func(t *testing.T) {
		q, err := s.GetQueue(ctx, testProject, "q")
		require.NoError(t, err)
		require.EqualValues(t, 1, q.Size)
		require.EqualValues(t, 1, q.TotalMessages)
		require.Equal(t, DefaultMessageTimeout, q.MessageTimeout)
	})
}

func TestQueue_UpsertQueue(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, Config{})
	q := createQueue(t, s, "q", QueueSettings{MessageTimeout: ptr(45)})
	require.Equal(t, 45, q.MessageTimeout)
	require.Equal(t, DefaultMessageExpiration, q.MessageExpiration)

	t.Run("nil fields keep their values", func(t *testing.T) {
		got := createQueue(t, s, "q", QueueSettings{MessageExpiration: ptr(100)})
		require.Equal(t, 45, got.MessageTimeout)
		require.Equal(t, 100, got.MessageExpiration)
		require.Equal(t, q.ID, got.ID)
	})
	t.Run("zero means not given", func(t *testing.T) {
		// iron_go3 sends 0 for every setting its caller left unset.
		got := createQueue(t, s, "q", QueueSettings{MessageTimeout: ptr(0), MessageExpiration: ptr(0)})
		require.Equal(t, 45, got.MessageTimeout, "unchanged on update")
		require.Equal(t, 100, got.MessageExpiration, "unchanged on update")
		s2, _ := newTestService(t, Config{})
		fresh := createQueue(t, s2, "zeros", QueueSettings{MessageTimeout: ptr(0), MessageExpiration: ptr(0),
			DeadLetter: &DeadLetterUpdate{QueueName: "dlq", MaxReservations: ptr(0)}})
		require.Equal(t, DefaultMessageTimeout, fresh.MessageTimeout, "default on create")
		require.Equal(t, DefaultMessageExpiration, fresh.MessageExpiration, "default on create")
		require.Equal(t, DefaultMaxReservations, fresh.DeadLetter.MaxReservations, "default on create")
		subs := []emulator.Subscriber{{URL: "http://h.example/"}}
		push := createQueue(t, s2, "pushed", QueueSettings{MessageTimeout: ptr(0), MessageExpiration: ptr(0),
			Push: &PushUpdate{Subscribers: &subs, Retries: ptr(0), RetriesDelay: ptr(0)}})
		require.Equal(t, DefaultPushRetriesDelay, push.Push.RetriesDelay, "retries_delay 0 is not given")
		require.Equal(t, 0, push.Push.Retries, "retries 0 is a value: no retries")
	})
	t.Run("same type is fine", func(t *testing.T) {
		createQueue(t, s, "q", QueueSettings{Type: ptr(emulator.QueuePull)})
	})
	t.Run("type cannot change", func(t *testing.T) {
		_, err := s.UpsertQueue(ctx, testProject, "q", QueueSettings{Type: ptr(emulator.QueueMulticast)})
		require.ErrorIs(t, err, emulator.ErrForbidden)
	})
	t.Run("push queue without subscribers or push on a pull queue is refused", func(t *testing.T) {
		_, err := s.UpsertQueue(ctx, testProject, "push", QueueSettings{Type: ptr(emulator.QueueUnicast)})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		_, err = s.UpsertQueue(ctx, testProject, "q", QueueSettings{Push: &PushUpdate{}})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		_, err = s.GetQueue(ctx, testProject, "push")
		require.ErrorIs(t, err, emulator.ErrNotFound, "a refused create creates nothing")
	})
	t.Run("keeps messages", func(t *testing.T) {
		post(t, s, "q", "a")
		createQueue(t, s, "q", QueueSettings{MessageTimeout: ptr(50)})
		require.EqualValues(t, 1, queueSize(t, s, "q"))
	})
	t.Run("list", func(t *testing.T) {
		for _, n := range []string{"b", "a", "c"} {
			createQueue(t, s, n, QueueSettings{})
		}
		qs, err := s.ListQueues(ctx, testProject, "", "a", 2)
		require.NoError(t, err)
		require.Equal(t, []string{"b", "c"}, queueNames(qs))
		qs, err = s.ListQueues(ctx, testProject, "", "", 1000) // clamped, not refused
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b", "c", "q"}, queueNames(qs))
	})
}

func queueNames(qs []emulator.Queue) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.Name
	}
	return out
}

func TestQueue_Reserve(t *testing.T) {
	ctx := context.Background()

	t.Run("n defaults to one and clamps at 100", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		for range 2 {
			post(t, s, "q", make([]string, 80)...)
		}
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{})
		require.NoError(t, err)
		require.Len(t, got, 1)
		got, err = s.Reserve(ctx, testProject, "q", ReserveRequest{N: 1000})
		require.NoError(t, err)
		require.Len(t, got, 100)
		got, err = s.Reserve(ctx, testProject, "q", ReserveRequest{N: 100})
		require.NoError(t, err)
		require.Len(t, got, 59)
		got, err = s.Reserve(ctx, testProject, "q", ReserveRequest{N: 100})
		require.NoError(t, err)
		require.Empty(t, got, "an empty queue answers an empty list")
		require.EqualValues(t, 160, queueSize(t, s, "q"), "reserved messages still count")
	})

	t.Run("timeout defaults to the queue's", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		createQueue(t, s, "q", QueueSettings{MessageTimeout: ptr(45)})
		ids := post(t, s, "q", "a")
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{})
		require.NoError(t, err)
		rid := got[0].ReservationID
		require.Len(t, rid, 32)
		clk.Advance(44 * time.Second)
		m, err := s.GetMessage(ctx, testProject, "q", ids[0])
		require.NoError(t, err)
		require.Equal(t, rid, m.ReservationID)
		clk.Advance(time.Second)
		m, err = s.GetMessage(ctx, testProject, "q", ids[0])
		require.NoError(t, err)
		require.Empty(t, m.ReservationID, "the reservation ended")
		require.ErrorIs(t, s.DeleteMessage(ctx, testProject, "q", DeleteRef{ID: ids[0], ReservationID: rid}), emulator.ErrForbidden,
			"an expired reservation cannot delete (Ruby test_reservation_ids)")
		got, err = s.Reserve(ctx, testProject, "q", ReserveRequest{})
		require.NoError(t, err)
		require.Equal(t, 2, got[0].ReservedCount)
	})

	t.Run("delete pops", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		ids := post(t, s, "q", "a", "b", "c")
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{N: 2, Delete: true})
		require.NoError(t, err)
		require.Equal(t, []string{"a", "b"}, bodies(got))
		require.EqualValues(t, 1, queueSize(t, s, "q"))
		_, err = s.GetMessage(ctx, testProject, "q", ids[0])
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})

	t.Run("expired messages are not handed out", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		createQueue(t, s, "q", QueueSettings{MessageExpiration: ptr(60)})
		post(t, s, "q", "old")
		clk.Advance(30 * time.Second)
		post(t, s, "q", "new")
		clk.Advance(30 * time.Second)
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{N: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"new"}, bodies(got))
		require.EqualValues(t, 1, queueSize(t, s, "q"))
	})

	t.Run("clear removes every state and keeps total", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		ids := post(t, s, "q", "a", "b")
		_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Body: "c", Delay: 60}})
		require.NoError(t, err)
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{})
		require.NoError(t, err)
		require.NoError(t, s.ClearQueue(ctx, testProject, "q"))
		q, err := s.GetQueue(ctx, testProject, "q")
		require.NoError(t, err)
		require.Zero(t, q.Size)
		require.EqualValues(t, 3, q.TotalMessages)
		require.ErrorIs(t, s.DeleteMessage(ctx, testProject, "q", DeleteRef{ID: ids[0], ReservationID: got[0].ReservationID}), emulator.ErrNotFound)
		post(t, s, "q", "d")
		got, err = s.Reserve(ctx, testProject, "q", ReserveRequest{N: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"d"}, bodies(got))
	})

	t.Run("concurrent reservers never share a message", func(t *testing.T) {
		s, _ := newTestService(t, Config{})
		var want []emulator.MessageID
		for range 4 {
			want = append(want, post(t, s, "q", make([]string, 50)...)...)
		}
		var mu sync.Mutex
		seen := map[emulator.MessageID]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() {
				for {
					got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{N: 1 + i%3})
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						seen[m.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, seen, len(want))
		for _, id := range want {
			require.Equal(t, 1, seen[id], "message %s handed out %d times", id, seen[id])
		}
	})
}

// waiting reports whether a long poll is parked on the queue.
func waiting(s *Service, name string) func() bool {
	return func() bool {
		s.statesMu.Lock()
		defer s.statesMu.Unlock()
		st := s.states[queueKey{testProject, name}]
		return st != nil && len(st.waiters) > 0
	}
}

type reserveResult struct {
	msgs []emulator.Message
	err  error
}

// longPoll starts a reserve with wait in the background.
func longPoll(ctx context.Context, s *Service, name string, wait int) <-chan reserveResult {
	done := make(chan reserveResult, 1)
	go func() {
		msgs, err := s.Reserve(ctx, testProject, name, ReserveRequest{Wait: wait})
		done <- reserveResult{msgs, err}
	}()
	return done
}

func awaitResult(t *testing.T, done <-chan reserveResult, what string) reserveResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("long poll did not return %s", what)
		return reserveResult{}
	}
}

func TestQueue_LongPoll(t *testing.T) {
	// Nothing polls: only a wake-up or a timer set to the queue's next due
	// time ends a wait early.
	slowPoll := Config{}

	t.Run("returns when a message is posted", func(t *testing.T) {
		s, _ := newTestService(t, slowPoll)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		createQueue(t, s, "q", QueueSettings{})
		done := longPoll(ctx, s, "q", 30)
		require.Eventually(t, waiting(s, "q"), 5*time.Second, time.Millisecond)
		post(t, s, "q", "hello")
		r := awaitResult(t, done, "after a post")
		require.NoError(t, r.err)
		require.Equal(t, []string{"hello"}, bodies(r.msgs))
		require.NotEmpty(t, r.msgs[0].ReservationID)
	})

	t.Run("returns when a message is released", func(t *testing.T) {
		s, _ := newTestService(t, slowPoll)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		post(t, s, "q", "again")
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{})
		require.NoError(t, err)
		done := longPoll(ctx, s, "q", 30)
		require.Eventually(t, waiting(s, "q"), 5*time.Second, time.Millisecond)
		require.NoError(t, s.Release(ctx, testProject, "q", got[0].ID, got[0].ReservationID, 0))
		r := awaitResult(t, done, "after a release")
		require.NoError(t, r.err)
		require.Equal(t, []string{"again"}, bodies(r.msgs))
		require.Equal(t, 2, r.msgs[0].ReservedCount)
	})

	t.Run("returns when a delay ends", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Body: "later", Delay: 10}})
		require.NoError(t, err)
		done := longPoll(ctx, s, "q", 30)
		require.Eventually(t, waiting(s, "q"), 5*time.Second, time.Millisecond)
		clk.Advance(10 * time.Second)
		r := awaitResult(t, done, "after the delay")
		require.NoError(t, r.err)
		require.Equal(t, []string{"later"}, bodies(r.msgs))
	})

	t.Run("ends empty when the caller leaves", func(t *testing.T) {
		s, _ := newTestService(t, slowPoll)
		ctx, cancel := context.WithCancel(context.Background())
		createQueue(t, s, "q", QueueSettings{})
		done := longPoll(ctx, s, "q", 30)
		require.Eventually(t, waiting(s, "q"), 5*time.Second, time.Millisecond)
		cancel()
		r := awaitResult(t, done, "after cancel")
		require.NoError(t, r.err)
		require.Empty(t, r.msgs)
	})

	t.Run("ends empty when the wait runs out", func(t *testing.T) {
		s, _ := newTestService(t, slowPoll)
		createQueue(t, s, "q", QueueSettings{})
		start := time.Now()
		got, err := s.Reserve(context.Background(), testProject, "q", ReserveRequest{Wait: 1})
		require.NoError(t, err)
		require.Empty(t, got)
		require.GreaterOrEqual(t, time.Since(start), time.Second)
	})

	t.Run("unknown queue fails at once", func(t *testing.T) {
		s, _ := newTestService(t, slowPoll)
		r := awaitResult(t, longPoll(context.Background(), s, "nope", 30), "for an unknown queue")
		require.ErrorIs(t, r.err, emulator.ErrNotFound)
	})

	t.Run("wall clock: returns when a delay ends", func(t *testing.T) {
		s := newWallClockService(t)
		ctx := context.Background()
		_, err := s.PostMessages(ctx, testProject, "q", []NewMessage{{Body: "soon", Delay: 1}})
		require.NoError(t, err)
		start := time.Now()
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Wait: 30})
		require.NoError(t, err)
		require.Equal(t, []string{"soon"}, bodies(got))
		require.Less(t, time.Since(start), 10*time.Second, "woken by the delay's end, not the wait's")
	})

	t.Run("wall clock: returns when another reservation expires", func(t *testing.T) {
		s := newWallClockService(t)
		ctx := context.Background()
		post(t, s, "q", "held")
		first, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Timeout: 1})
		require.NoError(t, err)
		require.Len(t, first, 1)
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Wait: 30})
		require.NoError(t, err)
		require.Equal(t, []string{"held"}, bodies(got))
		require.Equal(t, 2, got[0].ReservedCount)
	})
}

// parked returns the waiters parked on the queue now.
func parked(s *Service, name string) []*waiter {
	s.statesMu.Lock()
	defer s.statesMu.Unlock()
	if st := s.states[queueKey{testProject, name}]; st != nil {
		return slices.Clone(st.waiters)
	}
	return nil
}

func TestQueue_LongPollWakesOnlyAsManyAsArrive(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, _ := newTestService(t, Config{})
	createQueue(t, s, "q", QueueSettings{})
	const polls = 6
	done := make([]<-chan reserveResult, polls)
	for i := range done {
		done[i] = longPoll(ctx, s, "q", 30)
	}
	require.Eventually(t, func() bool { return len(parked(s, "q")) == polls }, 5*time.Second, time.Millisecond)
	before := parked(s, "q")

	// A woken waiter enlists anew (a new *waiter) before it reserves
	// again, so the waiters still on the list since before were never
	// woken. One post may cost two of them: a poll still in its first
	// attempt can take the message the oldest was woken for.
	post(t, s, "q", "one")
	select {
	case r := <-merge(done...):
		require.NoError(t, r.err)
		require.Equal(t, []string{"one"}, bodies(r.msgs))
	case <-time.After(5 * time.Second):
		t.Fatal("no long poll returned after a post")
	}
	require.Eventually(t, func() bool { return len(parked(s, "q")) == polls-1 }, 5*time.Second, time.Millisecond)
	require.GreaterOrEqual(t, len(common(before, parked(s, "q"))), polls-2, "one post woke one waiter, not all")

	post(t, s, "q", "two", "three")
	require.Eventually(t, func() bool { return len(parked(s, "q")) == polls-3 }, 5*time.Second, time.Millisecond)
	require.GreaterOrEqual(t, len(common(before, parked(s, "q"))), polls-5, "a post of two woke two more")
}

// common returns the waiters in both a and b.
func common(a, b []*waiter) []*waiter {
	return slices.DeleteFunc(slices.Clone(a), func(w *waiter) bool { return !slices.Contains(b, w) })
}

// merge forwards the first result of each channel.
func merge(cs ...<-chan reserveResult) <-chan reserveResult {
	out := make(chan reserveResult, len(cs))
	for _, c := range cs {
		go func() { out <- <-c }()
	}
	return out
}

func TestQueue_LongPollWakeIsPassedOn(t *testing.T) {
	s, _ := newTestService(t, Config{})
	st := s.acquire(testProject, "q")
	defer s.release(testProject, "q", st)
	a, b, c := s.enlist(st), s.enlist(st), s.enlist(st)
	s.wake(testProject, "q", 1)
	require.True(t, a.woken)
	s.leave(st, a, false) // a's wait ended before it saw the wake: b gets it
	require.True(t, b.woken)
	require.Len(t, b.ch, 1)
	s.leave(st, b, true) // b reserves again after seeing it: not passed on
	require.False(t, c.woken)
	s.leave(st, c, false) // never woken: just leaves the list
	require.Empty(t, parked(s, "q"))
	s.wake(testProject, "q", 1) // nobody parked: nothing to do
}

// TestQueue_LongPollLosesNoMessage: consumers long-polling one queue get
// every message posted one at a time, each well before their waits end,
// whoever was woken for it.
func TestQueue_LongPollLosesNoMessage(t *testing.T) {
	s := newWallClockService(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	createQueue(t, s, "q", QueueSettings{})
	const messages, consumers = 300, 8
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for i := range consumers {
		wg.Go(func() {
			for ctx.Err() == nil {
				got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{N: 1 + i%2, Wait: 30, Delete: true})
				if err != nil {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.Body] = true
				}
				mu.Unlock()
			}
		})
	}
	for i := range messages {
		post(t, s, "q", strconv.Itoa(i))
		if i%10 == 0 {
			time.Sleep(time.Millisecond) // let the consumers park now and then
		}
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen) == messages
	}, 10*time.Second, 5*time.Millisecond, "every message is reserved long before a 30 s wait ends")
	cancel()
	wg.Wait()
}

func newWallClockService(t *testing.T) *Service {
	t.Helper()
	store := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(t, store.Open())
	t.Cleanup(func() { _ = store.Close() })
	return New(store, store, &idgen.Sequential{}, clock.Real{}, emulator.NewBus(), Config{})
}

// TestQueue_StateIsDropped: the in-memory state of a queue lives only while
// calls use it, so memory does not grow with the names ever touched.
func TestQueue_StateIsDropped(t *testing.T) {
	ctx := context.Background()
	s, _ := newTestService(t, Config{})
	for i := range 50 {
		name := fmt.Sprintf("churn-%d", i)
		createQueue(t, s, name, QueueSettings{DeadLetter: &DeadLetterUpdate{QueueName: "dlq", MaxReservations: ptr(3)}})
		post(t, s, name, "a", "b")
		got, err := s.Reserve(ctx, testProject, name, ReserveRequest{N: 2, Delete: true})
		require.NoError(t, err)
		require.Len(t, got, 2)
		left, cancel := context.WithTimeout(ctx, 5*time.Millisecond) // a long poll whose client leaves
		got, err = s.Reserve(left, testProject, name, ReserveRequest{Wait: 30})
		cancel()
		require.NoError(t, err)
		require.Empty(t, got)
		require.NoError(t, s.DeleteQueue(ctx, testProject, name))
	}
	require.Zero(t, s.queuesInUse(), "no call is running: no queue state is held")
	n := 0
	s.dlqHints.Range(func(any, any) bool { n++; return true })
	require.Zero(t, n, "deleted queues leave no dead-letter hint")
}

func TestQueue_Expiration(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestService(t, Config{})
	sub := s.events.(*emulator.Bus).Subscribe(100)
	defer sub.Close()
	createQueue(t, s, "q", QueueSettings{MessageExpiration: ptr(60)})
	var notified []time.Time
	s.SetExpiryNotifier(func(at time.Time) { notified = append(notified, at) })
	ids := post(t, s, "q", "a", "b")
	require.Equal(t, []time.Time{testStart.Add(time.Minute)}, notified, "a post tells when its messages expire")
	got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{Timeout: 3600})
	require.NoError(t, err)
	createQueue(t, s, "later", QueueSettings{MessageExpiration: ptr(120)})
	post(t, s, "later", "c")

	next, err := s.SweepExpired(ctx)
	require.NoError(t, err)
	require.Equal(t, testStart.Add(time.Minute), next, "the sweep says when the next message expires")
	clk.Advance(60 * time.Second)
	next, err = s.SweepExpired(ctx)
	require.NoError(t, err)
	require.Equal(t, testStart.Add(2*time.Minute), next, "q is empty; later's message is next")

	t.Run("gone whatever the state", func(t *testing.T) {
		for _, id := range ids {
			_, err := s.GetMessage(ctx, testProject, "q", id)
			require.ErrorIs(t, err, emulator.ErrNotFound)
		}
		require.ErrorIs(t, s.DeleteMessage(ctx, testProject, "q", DeleteRef{ID: ids[0], ReservationID: got[0].ReservationID}), emulator.ErrNotFound)
		require.Zero(t, queueSize(t, s, "q"))
	})
	t.Run("an expired event names them", func(t *testing.T) {
		var expired []string
		for len(sub.C) > 0 {
			if ev := <-sub.C; ev.Type == emulator.EventMessagesExpired {
				expired = append(expired, ev.IDs...)
			}
		}
		require.ElementsMatch(t, []string{ids[0].String(), ids[1].String()}, expired)
	})
}

func TestQueue_AlertOnExpiry(t *testing.T) {
	ctx := context.Background()
	s, clk := newTestService(t, Config{})
	createQueue(t, s, "q", QueueSettings{MessageExpiration: ptr(60),
		Alerts: []emulator.Alert{{Type: "fixed", Direction: "desc", Trigger: 1, Queue: "alerts"}}})
	post(t, s, "q", "a", "b")

	clk.Advance(60 * time.Second)
	_, err := s.SweepExpired(ctx)
	require.NoError(t, err)

	got, err := s.Peek(ctx, testProject, "alerts", 10)
	require.NoError(t, err, "the alert created its target queue")
	require.Len(t, got, 1, "the size fell from 2 to 0 across the trigger once")
	var notice struct {
		SourceQueue string `json:"source_queue"`
		QueueSize   int64  `json:"queue_size"`
	}
	require.NoError(t, json.Unmarshal([]byte(got[0].Body), &notice))
	require.Equal(t, "q", notice.SourceQueue)
	require.Zero(t, notice.QueueSize)
}

// TestQueue_ReserveOrder follows spec §2.5: a message whose reservation
// expires goes behind the messages waiting (iron_mq_ruby's v3 test_touch),
// a released one keeps its place.
func TestQueue_ReserveOrder(t *testing.T) {
	ctx := context.Background()
	reserveOne := func(t *testing.T, s *Service, timeout int) emulator.Message {
		t.Helper()
		got, err := s.Reserve(ctx, testProject, "q", ReserveRequest{N: 1, Timeout: timeout})
		require.NoError(t, err)
		require.Len(t, got, 1)
		return got[0]
	}
	bodies := func(t *testing.T, s *Service) []string {
		t.Helper()
		got, err := s.Peek(ctx, testProject, "q", 100)
		require.NoError(t, err)
		out := make([]string, len(got))
		for i, m := range got {
			out[i] = m.Body
		}
		return out
	}

	t.Run("expired reservation goes behind the waiting messages", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		post(t, s, "q", "first", "second", "third")
		require.Equal(t, "first", reserveOne(t, s, 10).Body)
		clk.Advance(11 * time.Second)
		require.Equal(t, "second", reserveOne(t, s, 10).Body, "test_touch expects the second message next")
		post(t, s, "q", "fourth")
		require.Equal(t, []string{"third", "first", "fourth"}, bodies(t, s))
	})

	t.Run("expired together: earliest expiry first", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		post(t, s, "q", "a", "b", "c")
		reserveOne(t, s, 20) // a until +20s
		reserveOne(t, s, 10) // b until +10s
		clk.Advance(30 * time.Second)
		require.Equal(t, []string{"c", "b", "a"}, bodies(t, s))
	})

	t.Run("released message keeps its place", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		post(t, s, "q", "first", "second")
		m := reserveOne(t, s, 60)
		require.NoError(t, s.Release(ctx, testProject, "q", m.ID, m.ReservationID, 0))
		require.Equal(t, []string{"first", "second"}, bodies(t, s))
		m = reserveOne(t, s, 60)
		require.NoError(t, s.Release(ctx, testProject, "q", m.ID, m.ReservationID, 5))
		clk.Advance(5 * time.Second)
		require.Equal(t, []string{"first", "second"}, bodies(t, s), "after a release delay too")
	})

	t.Run("moved back, then released: keeps its new place", func(t *testing.T) {
		s, clk := newTestService(t, Config{})
		post(t, s, "q", "first", "second")
		reserveOne(t, s, 10)
		clk.Advance(10 * time.Second)
		require.Equal(t, []string{"second", "first"}, bodies(t, s))
		m := reserveOne(t, s, 60)
		require.Equal(t, "second", m.Body)
		require.NoError(t, s.Release(ctx, testProject, "q", m.ID, m.ReservationID, 0))
		require.Equal(t, []string{"second", "first"}, bodies(t, s))
	})
}

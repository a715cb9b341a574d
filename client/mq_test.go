package client_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestQueues(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	q, err := c.PutQueue(ctx, "jobs", client.QueueSettings{MessageTimeout: client.Ptr(30),
		DeadLetter: &client.DeadLetter{QueueName: "jobs_dlq", MaxReservations: 3},
		Alerts:     []client.Alert{{Type: "fixed", Direction: "asc", Trigger: 10, Queue: "alerts"}}})
	require.NoError(t, err)
	require.Equal(t, client.QueuePull, q.Type)
	require.Equal(t, 30, q.MessageTimeout)
	require.Equal(t, "jobs_dlq", q.DeadLetter.QueueName)
	require.Len(t, q.Alerts, 1)
	require.NotEmpty(t, q.Alerts[0].ID)

	q, err = c.PutQueue(ctx, "jobs", client.QueueSettings{MessageExpiration: client.Ptr(60), Alerts: []client.Alert{}})
	require.NoError(t, err)
	require.Equal(t, 30, q.MessageTimeout, "unset settings stay")
	require.Equal(t, 60, q.MessageExpiration)
	require.Empty(t, q.Alerts, "an empty list removes the alerts")

	_, err = c.PutQueue(ctx, "jobs", client.QueueSettings{Type: client.Ptr(client.QueueUnicast),
		Push: &client.PushSettings{Subscribers: []client.Subscriber{{URL: "http://127.0.0.1:1/"}}}})
	require.Equal(t, http.StatusForbidden, client.StatusOf(err), "got %v", err)

	for _, name := range []string{"a1", "a2", "b1"} {
		_, err := c.PutQueue(ctx, name, client.QueueSettings{})
		require.NoError(t, err)
	}
	names, err := c.Queues(ctx, client.QueueQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{"a1", "a2", "b1", "jobs"}, names)
	names, err = c.Queues(ctx, client.QueueQuery{Prefix: "a", Previous: "a1", PerPage: 5})
	require.NoError(t, err)
	require.Equal(t, []string{"a2"}, names)

	require.NoError(t, c.DeleteQueue(ctx, "a1"))
	_, err = c.Queue(ctx, "a1")
	var e *client.Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "Queue not found", e.Msg)
}

func TestMessages(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	ids, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: "one"}, client.NewMessage{Body: "two"},
		client.NewMessage{Body: "later", Delay: 60})
	require.NoError(t, err)
	require.Len(t, ids, 3)
	q, err := c.Queue(ctx, "jobs")
	require.NoError(t, err)
	require.EqualValues(t, 3, q.Size)

	peeked, err := c.Peek(ctx, "jobs", 10)
	require.NoError(t, err)
	require.Len(t, peeked, 2, "the delayed message is not ready")
	require.Equal(t, "one", peeked[0].Body)

	got, err := c.Reserve(ctx, "jobs", client.Reservation{N: 2, Timeout: 30})
	require.NoError(t, err)
	require.Len(t, got, 2)
	one, two := got[0], got[1]
	require.NotEmpty(t, one.ReservationID)
	require.Equal(t, 1, one.ReservedCount)

	err = c.DeleteMessage(ctx, "jobs", one.ID, "")
	require.Equal(t, http.StatusForbidden, client.StatusOf(err), "a reserved message needs its reservation")
	touched, err := c.TouchMessage(ctx, "jobs", one.ID, one.ReservationID, 60)
	require.NoError(t, err)
	require.NotEmpty(t, touched)
	require.NoError(t, c.DeleteMessage(ctx, "jobs", one.ID, touched))
	require.NoError(t, c.ReleaseMessage(ctx, "jobs", two.ID, two.ReservationID, 0))

	m, err := c.GetMessage(ctx, "jobs", two.ID)
	require.NoError(t, err)
	require.Equal(t, "two", m.Body)
	_, err = c.GetMessage(ctx, "jobs", one.ID)
	require.True(t, client.IsNotFound(err))

	popped, err := c.Reserve(ctx, "jobs", client.Reservation{Delete: true})
	require.NoError(t, err)
	require.Len(t, popped, 1)
	require.Equal(t, "two", popped[0].Body)

	more, err := c.PostMessages(ctx, "jobs", client.NewMessage{Body: "x"}, client.NewMessage{Body: "y"})
	require.NoError(t, err)
	require.NoError(t, c.DeleteMessages(ctx, "jobs", []client.MessageRef{{ID: more[0]}, {ID: more[1]}}))
	require.NoError(t, c.DeleteMessages(ctx, "jobs", nil), "nothing to delete is not a clear")
	q, err = c.Queue(ctx, "jobs")
	require.NoError(t, err)
	require.EqualValues(t, 1, q.Size, "the delayed message is left")

	require.NoError(t, c.ClearQueue(ctx, "jobs"))
	q, err = c.Queue(ctx, "jobs")
	require.NoError(t, err)
	require.Zero(t, q.Size)
}

// TestPushStatuses: a local subscriber fails once, then succeeds; the
// statuses show the retry and then the delivery.
func TestPushStatuses(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	var calls atomic.Int32
	sub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(sub.Close)

	_, err := c.PutQueue(ctx, "hooks", client.QueueSettings{Type: client.Ptr(client.QueueUnicast),
		Push: &client.PushSettings{Subscribers: []client.Subscriber{{Name: "local", URL: sub.URL}},
			Retries: client.Ptr(3), RetriesDelay: client.Ptr(5)}})
	require.NoError(t, err)
	ids, err := c.PostMessages(ctx, "hooks", client.NewMessage{Body: "ping"})
	require.NoError(t, err)

	var first client.PushStatus
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		st, err := c.PushStatuses(ctx, "hooks", ids[0])
		if assert.NoError(ct, err) && assert.Len(ct, st, 1) {
			first = st[0]
			assert.Equal(ct, "retrying", first.Status)
		}
	}, wait, 5*time.Millisecond)
	require.Equal(t, http.StatusInternalServerError, first.StatusCode)
	require.Equal(t, 1, first.Tries)
	require.Equal(t, first.LastTryAt.Add(5*time.Second), first.NextTryAt.Time)

	srv.VirtualClock().Advance(5 * time.Second)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		st, err := c.PushStatuses(ctx, "hooks", ids[0])
		if assert.NoError(ct, err) && assert.Len(ct, st, 1) {
			assert.Equal(ct, "deleted", st[0].Status)
			assert.Equal(ct, http.StatusOK, st[0].StatusCode)
			assert.Equal(ct, 2, st[0].Tries)
		}
	}, wait, 5*time.Millisecond)
}

func TestCache(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)

	stored, err := c.PutItem(ctx, "sessions", "alice", client.ItemPut{Value: "hello", ExpiresIn: 60})
	require.NoError(t, err)
	require.True(t, stored)
	it, err := c.Item(ctx, "sessions", "alice")
	require.NoError(t, err)
	require.Equal(t, "hello", it.String())
	require.JSONEq(t, `"hello"`, string(it.Value))
	require.True(t, it.Expires.Equal(srv.VirtualClock().Now().Add(time.Minute).Truncate(time.Millisecond)), "expires %s", it.Expires)

	stored, err = c.PutItem(ctx, "sessions", "alice", client.ItemPut{Value: "other", Add: true})
	require.NoError(t, err)
	require.False(t, stored, "add refuses an existing key")
	stored, err = c.PutItem(ctx, "sessions", "alice", client.ItemPut{Value: 42, CAS: it.CAS})
	require.NoError(t, err)
	require.True(t, stored)
	it, err = c.Item(ctx, "sessions", "alice")
	require.NoError(t, err)
	require.Equal(t, "42", it.String())
	require.Equal(t, client.NeverExpires, it.Expires.Time)

	v, err := c.Increment(ctx, "sessions", "alice", -2)
	require.NoError(t, err)
	require.EqualValues(t, 40, v)
	v, err = c.Increment(ctx, "sessions", "hits", 5)
	require.NoError(t, err)
	require.EqualValues(t, 5, v)

	_, err = c.PutItem(ctx, "sessions", "bad", client.ItemPut{Value: map[string]int{"a": 1}})
	require.Equal(t, http.StatusBadRequest, client.StatusOf(err))

	info, err := c.Cache(ctx, "sessions")
	require.NoError(t, err)
	require.Equal(t, client.CacheInfo{ProjectID: c.Project(), Name: "sessions", Size: 2}, info)
	names, err := c.Caches(ctx, client.Page{})
	require.NoError(t, err)
	require.Equal(t, []string{"sessions"}, names)

	require.NoError(t, c.DeleteItem(ctx, "sessions", "hits"))
	_, err = c.Item(ctx, "sessions", "hits")
	require.True(t, client.IsNotFound(err))
	require.NoError(t, c.ClearCache(ctx, "sessions"))
	info, err = c.Cache(ctx, "sessions")
	require.NoError(t, err)
	require.Zero(t, info.Size)
	require.NoError(t, c.DeleteCache(ctx, "sessions"))
	_, err = c.Cache(ctx, "sessions")
	require.True(t, client.IsNotFound(err))
}

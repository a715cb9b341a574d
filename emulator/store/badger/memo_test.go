package badger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// memoQueues covers every kind of field a queue record has.
func memoQueues() []emulator.Queue {
	now := time.Now() // with a monotonic reading, in Local
	berlin := time.FixedZone("CET", 3600)
	return []emulator.Queue{
		{Project: project, Name: "pull", Type: emulator.QueuePull, MessageTimeout: 60, MessageExpiration: 3600,
			Size: 3, TotalMessages: 9, CreatedAt: now, UpdatedAt: now.UTC()},
		{Project: project, Name: "zero"},
		{Project: project, Name: "zones", CreatedAt: time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("UTC0", 0)),
			UpdatedAt: time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", -7*3600))},
		{Project: project, Name: "push", Type: emulator.QueueMulticast, CreatedAt: now.In(berlin), UpdatedAt: time.Unix(1700000000, 123456789),
			Push: &emulator.PushSettings{Retries: 3, RetriesDelay: 60, ErrorQueue: "errors", Subscribers: []emulator.Subscriber{
				{Name: "a", URL: "http://127.0.0.1:1/a", Headers: map[string]string{"X-Key": "v", "Ünï": "cödé"}},
				{Name: "b", URL: "ironmq:///other"},
				{Name: "c", URL: "http://h/c", Headers: map[string]string{}},
			}}},
		{Project: project, Name: "push-empty", Type: emulator.QueueUnicast, Push: &emulator.PushSettings{Subscribers: []emulator.Subscriber{}}},
		{Project: project, Name: "dead-letter", DeadLetter: &emulator.DeadLetter{QueueName: "dlq", MaxReservations: 4},
			Alerts: []emulator.Alert{
				{ID: "1", Type: "fixed", Direction: "asc", Trigger: 10, Queue: "alerts", Snooze: 5, LastFiredAt: now},
				{ID: "2", Type: "progressive", Direction: "desc", Trigger: 100, Queue: "alerts"},
			}},
		{Project: project, Name: "no-alerts", Alerts: []emulator.Alert{}},
	}
}

// decodedQueue must be exactly what the decoder gives back, or a memo hit
// after a write would differ from a read that decodes.
func TestQueueMemo_DecodedFormIsTheDecoding(t *testing.T) {
	for _, q := range memoQueues() {
		b, err := encodeStored(stored[emulator.Queue]{Rec: q, Gen: 7})
		require.NoError(t, err)
		var rec stored[emulator.Queue]
		require.NoError(t, decodeStored(b, &rec, true))
		require.Equal(t, rec.Rec, decodedQueue(q), "queue %s", q.Name)
	}
}

func TestQueueMemo_ReadsMatchTheStoreAndShareNothing(t *testing.T) {
	s := openStore(t, Options{InMemory: true})
	queues := memoQueues()
	for _, q := range queues {
		update(t, s, func(tx emulator.QueueTx) error { return tx.PutQueue(q) })
	}
	read := func(name string) emulator.Queue {
		var q emulator.Queue
		view(t, s, func(tx emulator.QueueTx) error {
			var err error
			q, err = tx.Queue(project, name)
			return err
		})
		return q
	}
	for _, want := range queues {
		var rec stored[emulator.Queue]
		view(t, s, func(tx emulator.QueueTx) error {
			item, err := tx.(*txn).txn.Get(nameKey(tagQueue, project, want.Name))
			require.NoError(t, err)
			return item.Value(func(b []byte) error { return decodeStored(b, &rec, true) })
		})
		first := read(want.Name) // a hit: the write remembered it
		require.Equal(t, rec.Rec, first, "queue %s: a memo hit reads as decoding does", want.Name)

		if first.Push != nil && len(first.Push.Subscribers) > 0 {
			first.Push.Subscribers[0].Name = "changed by a caller"
			if first.Push.Subscribers[0].Headers != nil {
				first.Push.Subscribers[0].Headers["X-Key"] = "changed"
			}
		}
		if first.DeadLetter != nil {
			first.DeadLetter.QueueName = "changed"
		}
		if len(first.Alerts) > 0 {
			first.Alerts[0].Trigger = -1
		}
		require.Equal(t, rec.Rec, read(want.Name), "queue %s: a caller's changes do not reach the memo", want.Name)
	}
	// Without the memo (a cold start), reads decode to the same.
	s.memos = newMemos()
	for _, want := range queues {
		require.Equal(t, decodedQueue(want), read(want.Name), "queue %s", want.Name)
	}
}

func TestCacheMemo_ReadsMatchTheStore(t *testing.T) {
	s := openStore(t, Options{InMemory: true})
	caches := []emulator.Cache{
		{Project: project, Name: "now", CreatedAt: time.Now()},
		{Project: project, Name: "zone", CreatedAt: time.Date(2026, 3, 1, 2, 3, 4, 5, time.FixedZone("", 5*3600))},
		{Project: project, Name: "zero"},
	}
	read := func(name string) emulator.Cache {
		var c emulator.Cache
		require.NoError(t, s.ViewCaches(t.Context(), func(tx emulator.CacheTx) error {
			var err error
			c, err = tx.Cache(project, name)
			return err
		}))
		return c
	}
	for _, c := range caches {
		require.NoError(t, s.UpdateCaches(t.Context(), func(tx emulator.CacheTx) error { return tx.PutCache(c) }))
		hit := read(c.Name)
		s.memos = newMemos()
		require.Equal(t, read(c.Name), hit, "cache %s: a memo hit reads as decoding does", c.Name)
	}
}

func TestCodeMemo_ReadsMatchTheStoreAndShareNothing(t *testing.T) {
	s := openStore(t, Options{InMemory: true})
	code := emulator.CodePackage{ID: "000000000000000000000c0d", Project: project, Name: "memo", Image: "img",
		Config: "{\"k\":1}", EnvVars: map[string]string{"A": "1"}, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	require.NoError(t, s.UpdateWorker(t.Context(), func(tx emulator.WorkerTx) error { return tx.PutCode(code) }))
	read := func() emulator.CodePackage {
		var c emulator.CodePackage
		require.NoError(t, s.ViewWorker(t.Context(), func(tx emulator.WorkerTx) error {
			var err error
			c, err = tx.CodeByName(project, "memo")
			return err
		}))
		return c
	}
	first := read() // decodes, and remembers
	require.NotEmpty(t, s.memos.codes.m, "the decoding is remembered")
	first.EnvVars["A"] = "changed by a caller"
	hit := read()
	require.Equal(t, "1", hit.EnvVars["A"], "a caller's changes do not reach the memo")
	s.memos = newMemos()
	require.Equal(t, read(), hit, "a memo hit reads as decoding does")

	code.Image, code.EnvVars = "other", nil
	require.NoError(t, s.UpdateWorker(t.Context(), func(tx emulator.WorkerTx) error { return tx.PutCode(code) }))
	got := read()
	require.Equal(t, "other", got.Image, "new bytes are decoded anew")
	require.Nil(t, got.EnvVars)
}

package badger

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// requireQueueJSON checks that appendQueueJSON writes what json.Marshal
// writes whenever it takes q, and reports whether it took it.
func requireQueueJSON(t *testing.T, q emulator.Queue) bool {
	t.Helper()
	got, ok := appendQueueJSON([]byte("prefix"), q)
	if !ok {
		return false
	}
	want, err := json.Marshal(q)
	require.NoError(t, err, "appendQueueJSON took %#v, which json.Marshal refuses", q)
	require.Equal(t, "prefix"+string(want), string(got))
	return true
}

func TestAppendQueueJSON_matchesJSONMarshal(t *testing.T) {
	at := time.Date(2026, 12, 7, 22, 45, 1, 123456789, time.UTC)
	plain := emulator.Queue{ID: "6926b1a2f0c8d5e4a1b2c3d4", Project: "p", Name: "orders-1", Type: emulator.QueuePull,
		MessageTimeout: 60, MessageExpiration: 604800, Size: 3, TotalMessages: 1 << 40, CreatedAt: at, UpdatedAt: at.Add(time.Second)}
	// with is plain changed by f.
	with := func(f func(q *emulator.Queue)) emulator.Queue {
		q := plain
		f(&q)
		return q
	}
	for name, q := range map[string]emulator.Queue{
		"plain":      plain,
		"zero":       {},
		"whole time": with(func(q *emulator.Queue) { q.CreatedAt = at.Truncate(time.Second) }),
		"negative":   with(func(q *emulator.Queue) { q.Size, q.MessageTimeout = -1, -5 }),
		"year 9999":  with(func(q *emulator.Queue) { q.UpdatedAt = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC) }),
	} {
		require.True(t, requireQueueJSON(t, q), "%s: refused", name)
	}
	for name, q := range map[string]emulator.Queue{
		"html":       with(func(q *emulator.Queue) { q.Name = "a<b" }),
		"quote":      with(func(q *emulator.Queue) { q.Project = `a"b` }),
		"unicode":    with(func(q *emulator.Queue) { q.Name = "é" }),
		"control":    with(func(q *emulator.Queue) { q.Name = "a\nb" }),
		"push":       with(func(q *emulator.Queue) { q.Push = &emulator.PushSettings{} }),
		"dead":       with(func(q *emulator.Queue) { q.DeadLetter = &emulator.DeadLetter{} }),
		"alerts":     with(func(q *emulator.Queue) { q.Alerts = []emulator.Alert{} }),
		"local time": with(func(q *emulator.Queue) { q.CreatedAt = at.In(time.FixedZone("x", 3600)) }),
		"year 10000": with(func(q *emulator.Queue) { q.UpdatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }),
	} {
		require.False(t, requireQueueJSON(t, q), "%s: taken, though json.Marshal writes it otherwise", name)
	}
}

// FuzzAppendQueueJSON: whatever record appendQueueJSON takes, it writes
// as json.Marshal does.
func FuzzAppendQueueJSON(f *testing.F) {
	f.Add("6926b1a2f0c8d5e4a1b2c3d4", "p", "q", "pull", 60, int64(3), int64(1767225600123456789), int64(-62135596800000000))
	f.Add("", "a<b", "é", "x", -1, int64(-9), int64(0), int64(253402300799999999999/1000))
	f.Fuzz(func(t *testing.T, id, project, name, typ string, timeout int, size, created, updated int64) {
		requireQueueJSON(t, emulator.Queue{ID: id, Project: project, Name: name, Type: emulator.QueueType(typ),
			MessageTimeout: timeout, MessageExpiration: timeout * 7, Size: size, TotalMessages: -size,
			CreatedAt: time.Unix(0, created).UTC(), UpdatedAt: time.Unix(created, updated).UTC()})
	})
}

// BenchmarkEncodeStoredQueue compares a queue record written by
// appendQueueJSON and by json.Marshal, as every post and delete writes it.
func BenchmarkEncodeStoredQueue(b *testing.B) {
	at := time.Date(2026, 12, 7, 22, 45, 1, 123456789, time.UTC)
	q := emulator.Queue{ID: "6926b1a2f0c8d5e4a1b2c3d4", Project: "000000000000000000000001", Name: "bench", Type: emulator.QueuePull,
		MessageTimeout: 60, MessageExpiration: 604800, Size: 3, TotalMessages: 123456, CreatedAt: at, UpdatedAt: at}
	b.Run("appendQueueJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := encodeStored(stored[emulator.Queue]{Rec: q, Gen: 7}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(q); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package badger

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func hk(s string) []byte { return []byte(s) }

// A scan's raise may not pass an entry a transaction committed after the
// scan began: it is clamped to that entry, and a raise no lowering
// overtook goes through whole.
func TestHints_RaiseClampedByLaterLowering(t *testing.T) {
	p := hk("p")
	t.Run("a lowering after the scan began clamps its raise", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		h.lower(p, hk("p5")) // committed after the scan's snapshot
		h.raise(p, hk("p9"), since)
		h.end(since)
		require.Equal(t, "p5", string(h.seek(p)))
	})
	t.Run("a lowering above the raise does not hold it back", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		h.lower(p, hk("pz"))
		h.raise(p, hk("p9"), since)
		h.end(since)
		require.Equal(t, "p9", string(h.seek(p)))
	})
	t.Run("the lowest of several lowerings clamps", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		for _, k := range []string{"p7", "p3", "p8", "p6"} {
			h.lower(p, hk(k))
		}
		h.raise(p, hk("p9"), since)
		h.end(since)
		require.Equal(t, "p3", string(h.seek(p)))
	})
	t.Run("lowerings before the scan began do not clamp", func(t *testing.T) {
		h := newHints()
		h.lower(p, hk("p1"))
		since := h.begin()
		h.raise(p, hk("p9"), since)
		h.end(since)
		require.Equal(t, "p9", string(h.seek(p)))
	})
	t.Run("a scan from before a reset is not raised", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		h.reset()
		h.raise(p, hk("p9"), since)
		h.end(since)
		require.Equal(t, "p", string(h.seek(p)))
	})
	t.Run("a scan older than the lowerings kept is not raised", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		for i := range maxLowerings + 1 {
			h.lower(p, append(hk("p"), byte(i>>8), byte(i))) // increasing: none supersedes
		}
		h.raise(p, hk("pz"), since)
		h.end(since)
		require.Equal(t, "p", string(h.seek(p)))
	})
	t.Run("with no transaction open, no lowering is kept", func(t *testing.T) {
		h := newHints()
		since := h.begin()
		h.lower(p, hk("p5"))
		require.Len(t, h.lowered[string(p)], 1)
		h.end(since)
		h.lower(p, hk("p6"))
		require.Empty(t, h.lowered, "nobody open needs them")
	})
}

// A read-only scan for a time index's first live entry (when a long poll
// wakes, when a push is next due) raises the hint past the tombstones it
// walked, so the next scan does not walk them again, even when writes to
// the same index above them commit in between (a reserve files its
// message at now + timeout).
func TestStore_ReadOnlyScanRaisesHint(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		const gone = 500
		leaveLeaseTombstones(t, s, "q", gone)
		live := readyMsg(gone + 1)
		live.State, live.AvailableAt = emulator.MessageReserved, t0.Add(2*time.Minute)
		insert(t, s, "q", live)

		firstDue := func() (uint64, int) {
			var id uint64
			var visited int
			require.NoError(t, s.view(context.Background(), func(tx *txn) error {
				got, err := tx.DueMessages(project, "q", time.Unix(0, math.MaxInt64), 1)
				require.NoError(t, err)
				require.Len(t, got, 1)
				id, visited = uint64(got[0].ID), tx.visited
				return nil
			}))
			return id, visited
		}
		id, visited := firstDue()
		require.Equal(t, uint64(gone+1), id)
		require.Greater(t, visited, gone, "the first scan walks the tombstones")

		later := readyMsg(gone + 2)
		later.State, later.AvailableAt = emulator.MessageReserved, t0.Add(3*time.Minute)
		insert(t, s, "q", later)
		id, visited = firstDue()
		require.Equal(t, uint64(gone+1), id)
		require.Less(t, visited, 10, "the next starts where the first found its entry")

		// An entry filed below the hint is found: lowering still works.
		early := readyMsg(gone + 3)
		early.State, early.AvailableAt = emulator.MessageDelayed, t0.Add(30*time.Second)
		insert(t, s, "q", early)
		id, _ = firstDue()
		require.Equal(t, uint64(gone+3), id)
	})
}

package badger

import (
	"bytes"
	"encoding/binary"
	"sync"
)

// hints remembers, per index prefix, a key below which the index holds no
// live entries. A queue drained of a million messages leaves a million
// tombstones at the head of its ready index until compaction; seeking past
// them keeps reserve O(batch) instead of O(history). A time index holds
// the tombstones of every reservation and push lease of the last minute
// past now; a scan for its first live entry (when a long poll should wake,
// when a push is next due) starts past those it already walked.
//
// Correctness rests on two rules:
//   - lowering (a transaction put an entry below the hint) is applied only
//     after that transaction committed, and bumps the epoch;
//   - raising (a scan found its first live entry at K) may not pass an
//     entry put by a transaction that committed after the scan's snapshot,
//     which the scan could not see. Every lowering of a prefix since the
//     scanning transaction began is kept until no transaction that began
//     before it is still open, and a raise is clamped to the lowest of
//     those after its own beginning. (Refusing every raise after any
//     lowering, as before, refused nearly all of them under steady load: a
//     long poll's scan for its wake-up time walked a minute of tombstones on
//     every empty reserve, 83 % of the daemon's CPU with eight long-polling
//     consumers of a busy queue.)
type hints struct {
	mu    sync.Mutex
	epoch uint64
	low   map[string][]byte
	// lowered holds, per prefix, the lowerings a transaction still open may
	// not have seen, epochs and keys both increasing: a lowering at or
	// below an earlier one's key supersedes it for every scan that saw
	// neither, so the first entry after a scan's epoch is the lowest key
	// put since.
	lowered map[string][]lowering
	// truncated is, per prefix, the epoch of the newest lowering dropped
	// to keep lowered under maxLowerings: a scan begun before it cannot be
	// clamped and is not raised.
	truncated map[string]uint64
	// open counts the transactions begun at each epoch and not yet ended.
	open map[uint64]int
	// resetAt is the epoch of the last reset: scans begun before it saw
	// a store that is gone.
	resetAt uint64
}

type lowering struct {
	epoch uint64
	key   []byte
}

// maxLowerings bounds the lowerings kept per prefix while transactions
// stay open.
const maxLowerings = 256

func newHints() *hints {
	return &hints{low: make(map[string][]byte), lowered: make(map[string][]lowering),
		truncated: make(map[string]uint64), open: make(map[uint64]int)}
}

// begin registers a transaction about to take its snapshot and returns its
// epoch; end must follow once its raises are applied (or dropped).
func (h *hints) begin() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open[h.epoch]++
	return h.epoch
}

func (h *hints) end(epoch uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open[epoch]--; h.open[epoch] <= 0 {
		delete(h.open, epoch)
	}
}

// seek returns where a scan of prefix may start.
func (h *hints) seek(prefix []byte) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	if k, ok := h.low[string(prefix)]; ok {
		return k
	}
	return prefix
}

// raise records that a scan whose transaction began at since found no live
// entry of prefix below key.
func (h *hints) raise(prefix, key []byte, since uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := string(prefix)
	if since < h.resetAt || since < h.truncated[p] {
		return
	}
	for _, l := range h.lowered[p] {
		if l.epoch > since {
			if bytes.Compare(l.key, key) < 0 {
				key = l.key
			}
			break
		}
	}
	if cur, ok := h.low[p]; !ok || bytes.Compare(key, cur) > 0 {
		h.low[p] = key
	}
}

func (h *hints) lower(prefix, key []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epoch++
	p := string(prefix)
	if cur, ok := h.low[p]; ok && bytes.Compare(key, cur) < 0 {
		h.low[p] = key
	}
	list := h.lowered[p]
	for len(list) > 0 && bytes.Compare(list[len(list)-1].key, key) >= 0 {
		list = list[:len(list)-1]
	}
	list = append(list, lowering{epoch: h.epoch, key: key})
	// Keep what an open transaction may need: lowerings after the oldest
	// open one's epoch. With none open, no scan needs any.
	oldest, any := uint64(0), false
	for e := range h.open {
		if !any || e < oldest {
			oldest, any = e, true
		}
	}
	drop := len(list)
	if any {
		drop = 0
		for drop < len(list) && list[drop].epoch <= oldest {
			drop++
		}
	}
	if over := len(list) - drop - maxLowerings; over > 0 {
		drop += over
		h.truncated[p] = list[drop-1].epoch
	}
	if drop == len(list) {
		delete(h.lowered, p)
		return
	}
	n := copy(list, list[drop:])
	h.lowered[p] = list[:n]
}

// forget drops the hints of a swept generation.
func (h *hints) forget(gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.low {
		if len(p) >= 9 && binary.BigEndian.Uint64([]byte(p[1:9])) == gen {
			delete(h.low, p)
		}
	}
	for p := range h.lowered {
		if len(p) >= 9 && binary.BigEndian.Uint64([]byte(p[1:9])) == gen {
			delete(h.lowered, p)
			delete(h.truncated, p)
		}
	}
}

func (h *hints) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epoch++
	h.resetAt = h.epoch
	h.low = make(map[string][]byte)
	h.lowered = make(map[string][]lowering)
	h.truncated = make(map[string]uint64)
}

package badger

import (
	"bytes"
	"encoding/binary"
	"sync"
)

// hints remembers, per index prefix, a key below which the index holds no
// live entries. A queue drained of a million messages leaves a million
// tombstones at the head of its ready index until compaction; seeking past
// them keeps reserve O(batch) instead of O(history).
//
// Correctness rests on two rules:
//   - lowering (a transaction put an entry below the hint) is applied only
//     after that transaction committed, and bumps the epoch;
//   - raising (a scan found its first live entry at K) is applied only if no
//     lowering happened since the scanning transaction began, because such a
//     transaction could have committed an entry the scan did not see.
type hints struct {
	mu    sync.Mutex
	epoch uint64
	low   map[string][]byte
}

func newHints() *hints { return &hints{low: make(map[string][]byte)} }

func (h *hints) currentEpoch() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.epoch
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

func (h *hints) raise(prefix, key []byte, since uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.epoch != since {
		return
	}
	if cur, ok := h.low[string(prefix)]; !ok || bytes.Compare(key, cur) > 0 {
		h.low[string(prefix)] = key
	}
}

func (h *hints) lower(prefix, key []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epoch++
	if cur, ok := h.low[string(prefix)]; ok && bytes.Compare(key, cur) < 0 {
		h.low[string(prefix)] = key
	}
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
}

func (h *hints) reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epoch++
	h.low = make(map[string][]byte)
}

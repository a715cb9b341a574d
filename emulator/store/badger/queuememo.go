package badger

import (
	"bytes"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// queueMemo saves decoding queue records. Every message request reads its
// queue's record (settings, size) and most write it back, and decoding its
// JSON cost more than the rest of the transaction's own work. The memo maps
// a record's exact bytes to its decoded form: a hit is by construction what
// decoding those bytes gives, whatever was committed or rolled back since,
// so nothing needs invalidating. Writers add the record they encode (see
// decodedForm), so the next request's read hits. Callers get deep copies.
type queueMemo struct {
	mu sync.Mutex
	m  map[string]memoEntry // record key → last bytes seen and their decoding
}

type memoEntry struct {
	raw []byte
	q   emulator.Queue
}

// queueMemoMax bounds the memo; past it, it starts over.
const queueMemoMax = 1024

// load sets *q to the decoding of raw, stored under key, if the memo has
// it.
func (m *queueMemo) load(key, raw []byte, q *emulator.Queue) bool {
	m.mu.Lock()
	e, ok := m.m[string(key)]
	m.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return false
	}
	*q = cloneQueue(e.q)
	return true
}

// store remembers that raw, the record under key, decodes to q. raw is
// copied; q must be what decoding raw gives (decodeStored, or decodedForm
// of the value encoded into raw).
func (m *queueMemo) store(key, raw []byte, q emulator.Queue) {
	e := memoEntry{raw: bytes.Clone(raw), q: cloneQueue(q)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= queueMemoMax {
		m.m = make(map[string]memoEntry)
	}
	m.m[string(key)] = e
}

// cloneQueue copies q with nothing shared: callers change queues they read.
func cloneQueue(q emulator.Queue) emulator.Queue {
	if q.Push != nil {
		p := *q.Push
		if p.Subscribers != nil {
			p.Subscribers = slices.Clone(p.Subscribers)
			for i := range p.Subscribers {
				if h := p.Subscribers[i].Headers; h != nil {
					p.Subscribers[i].Headers = maps.Clone(h)
				}
			}
		}
		q.Push = &p
	}
	if q.DeadLetter != nil {
		d := *q.DeadLetter
		q.DeadLetter = &d
	}
	if q.Alerts != nil {
		q.Alerts = slices.Clone(q.Alerts)
	}
	return q
}

// decodedForm returns q as decoding its JSON encoding gives it back: the
// one difference a JSON round trip makes to a queue is in its times, which
// lose their monotonic reading and come back in the location time.Parse
// gives their RFC 3339 text. Strings are valid UTF-8 (they came from JSON
// or validated names) and nil and empty slices and maps keep apart (no
// field is omitempty), so they come back as they are. TestQueueMemo checks
// this against the real decoder.
func decodedForm(q emulator.Queue) emulator.Queue {
	q = cloneQueue(q)
	q.CreatedAt, q.UpdatedAt = jsonTime(q.CreatedAt), jsonTime(q.UpdatedAt)
	for i := range q.Alerts {
		q.Alerts[i].LastFiredAt = jsonTime(q.Alerts[i].LastFiredAt)
	}
	return q
}

// jsonTime is t after a round trip through time.Time's JSON encoding.
func jsonTime(t time.Time) time.Time {
	if _, offset := t.Zone(); offset == 0 && t.Year() >= 0 && t.Year() <= 9999 {
		// Encoded with a Z, parsed back as UTC, the monotonic reading gone:
		// the common case (servers keep time in UTC) without the text.
		return t.Round(0).UTC()
	}
	b, err := t.MarshalJSON()
	if err != nil {
		return t // not encodable: the encoder fails the write anyway
	}
	var out time.Time
	if out.UnmarshalJSON(b) != nil {
		return t
	}
	return out
}

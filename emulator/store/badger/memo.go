package badger

import (
	"bytes"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// recordMemo saves decoding container records. Every message request reads
// its queue's record (settings, size) and most write it back, every cache
// put reads its cache's, and decoding their JSON cost more than the rest of
// the transaction's own work. The memo maps a record's exact bytes to its
// decoded form: a hit is by construction what decoding those bytes gives,
// whatever was committed or rolled back since, so nothing needs
// invalidating. Writers add the record they encode (see decodedQueue), so
// the next request's read hits. Callers get deep copies.
type recordMemo[T any] struct {
	clone func(T) T // a copy sharing nothing with its argument

	mu sync.Mutex
	m  map[string]memoEntry[T] // record key → last bytes seen and their decoding
}

type memoEntry[T any] struct {
	raw []byte
	rec T
}

// recordMemoMax bounds a memo; past it, it starts over.
const recordMemoMax = 1024

// load sets *rec to the decoding of raw, stored under key, if the memo
// has it.
func (m *recordMemo[T]) load(key, raw []byte, rec *T) bool {
	m.mu.Lock()
	e, ok := m.m[string(key)]
	m.mu.Unlock()
	if !ok || !bytes.Equal(e.raw, raw) {
		return false
	}
	*rec = m.clone(e.rec)
	return true
}

// store remembers that raw, the record under key, decodes to rec. raw is
// copied; rec must be what decoding raw gives (decodeStored, or the
// decoded form of the value encoded into raw).
func (m *recordMemo[T]) store(key, raw []byte, rec T) {
	e := memoEntry[T]{raw: bytes.Clone(raw), rec: m.clone(rec)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= recordMemoMax {
		m.m = make(map[string]memoEntry[T])
	}
	m.m[string(key)] = e
}

// memos are the store's record memos. Code packages are memoised too:
// every queued task reads its code's record.
type memos struct {
	queues recordMemo[emulator.Queue]
	caches recordMemo[emulator.Cache]
	codes  recordMemo[emulator.CodePackage]
}

func newMemos() *memos {
	return &memos{
		queues: recordMemo[emulator.Queue]{clone: cloneQueue},
		caches: recordMemo[emulator.Cache]{clone: func(c emulator.Cache) emulator.Cache { return c }},
		codes: recordMemo[emulator.CodePackage]{clone: func(c emulator.CodePackage) emulator.CodePackage {
			c.EnvVars = maps.Clone(c.EnvVars)
			return c
		}},
	}
}

// load fills rec, a *emulator.Queue, *emulator.Cache or
// *emulator.CodePackage, from the memo.
func (ms *memos) load(key, raw []byte, rec any) bool {
	switch r := rec.(type) {
	case *emulator.Queue:
		return ms.queues.load(key, raw, r)
	case *emulator.Cache:
		return ms.caches.load(key, raw, r)
	case *emulator.CodePackage:
		return ms.codes.load(key, raw, r)
	}
	return false
}

// decoded remembers a record just decoded from raw.
func (ms *memos) decoded(key, raw []byte, rec any) {
	switch r := rec.(type) {
	case *emulator.Queue:
		ms.queues.store(key, raw, *r)
	case *emulator.Cache:
		ms.caches.store(key, raw, *r)
	case *emulator.CodePackage:
		ms.codes.store(key, raw, *r)
	}
}

// encoded remembers a record about to be written as raw.
func (ms *memos) encoded(key, raw []byte, rec any) {
	switch r := rec.(type) {
	case emulator.Queue:
		ms.queues.store(key, raw, decodedQueue(r))
	case emulator.Cache:
		r.CreatedAt = jsonTime(r.CreatedAt)
		ms.caches.store(key, raw, r)
	}
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

// decodedQueue returns q as decoding its JSON encoding gives it back: the
// one difference a JSON round trip makes to a queue is in its times, which
// lose their monotonic reading and come back in the location time.Parse
// gives their RFC 3339 text. Strings are valid UTF-8 (they came from JSON
// or validated names) and nil and empty slices and maps keep apart (no
// field is omitempty), so they come back as they are. TestQueueMemo checks
// this against the real decoder.
func decodedQueue(q emulator.Queue) emulator.Queue {
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

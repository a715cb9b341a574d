// Package journal keeps the inputs an emulator received since it started
// (or was last reset) — every Iron API write and every move of its clock,
// in order, with the start of each answer — so a span of them can be
// turned into a regression test that replays them (client/exporttest).
// It is bounded: past its limits the oldest entries are dropped, and says
// so.
package journal

import (
	"bytes"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of one journal.
const (
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 4 << 20
	// MaxBody is the most of a request body kept; a longer one is kept
	// cut (Truncated) and cannot be replayed.
	MaxBody = 1 << 20
	// MaxAnswer is the largest answer kept whole: a fired trigger event's
	// (which says its project and task); of others only their ids are kept.
	MaxAnswer = 4 << 10
)

// Entry is one input.
type Entry struct {
	Seq         uint64
	At          time.Time // on the emulator's clock
	Method      string
	Path        string
	RawQuery    string
	ContentType string
	Body        []byte
	Truncated   bool // Body was longer than MaxBody
	Status      int
	Answer      []byte
	// IDs are the ids the answer names, in the order IDsOf lists them.
	// An entry added with IDsFrom has them listed when it is first read.
	IDs []string
	// idsFrom is the answer IDs are yet to be listed from (IDsFrom).
	idsFrom []byte
}

// lazyIDsMax is the longest answer IDsFrom keeps to list its ids when the
// entry is read; a longer one is listed at once rather than kept.
const lazyIDsMax = 1 << 10

// IDsFrom sets the ids the entry's answer names. Listing them (IDsOf)
// decodes the answer, which cost 4 % of the CPU of a message's post →
// reserve → delete cycle; the journal is read rarely, so a short answer
// is kept as it is and listed when the entry is first read.
func (e *Entry) IDsFrom(answer []byte) {
	if len(answer) > lazyIDsMax || !mayNameIDs(answer) {
		e.IDs, e.idsFrom = IDsOf(answer), nil
		return
	}
	e.IDs, e.idsFrom = nil, bytes.Clone(answer)
}

func (e Entry) size() int {
	n := len(e.Body) + len(e.Answer) + len(e.idsFrom) + len(e.Path) + len(e.RawQuery) + 160
	for _, id := range e.IDs {
		n += len(id) + 16
	}
	return n
}

// Info says what the journal covers.
type Info struct {
	// StartedAt is when the journal began: the emulator's start, reset or
	// snapshot import.
	StartedAt time.Time
	// Clean: the state was empty when the journal began, or held only the
	// seed file SeedFile — so the journal's entries rebuild it.
	Clean    bool
	SeedFile string
	// Dropped counts the oldest entries dropped past the limits.
	Dropped uint64
}

// Journal is safe for concurrent use.
type Journal struct {
	maxEntries, maxBytes int

	mu   sync.Mutex
	info Info
	// clean mirrors info.Clean for Recording, read on every write.
	clean atomic.Bool
	// ring holds the entries: n of them from head on, wrapping around; it
	// grows up to maxEntries, and past that the oldest is overwritten, so
	// an Add costs the same however full the journal is.
	ring  []Entry
	head  int
	n     int
	bytes int
	seq   uint64
}

// New returns a journal holding at most maxEntries entries and maxBytes
// bytes (0: the defaults; a negative maxEntries keeps nothing).
func New(maxEntries, maxBytes int) *Journal {
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Journal{maxEntries: maxEntries, maxBytes: maxBytes}
}

// Enabled reports whether the journal keeps anything.
func (j *Journal) Enabled() bool { return j != nil && j.maxEntries > 0 }

// Begin starts the journal afresh: the state at at was empty or the seed
// file seedFile (clean), or something it cannot rebuild (a durable store
// reopened, a snapshot imported).
func (j *Journal) Begin(at time.Time, clean bool, seedFile string) {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.info = Info{StartedAt: at, Clean: clean, SeedFile: seedFile}
	j.clean.Store(clean)
	j.ring, j.head, j.n, j.bytes = nil, 0, 0, 0
}

// Recording reports whether Add keeps entries now: the journal is enabled
// and began on a state it can rebuild (a journal that cannot be exported
// costs nothing).
func (j *Journal) Recording() bool {
	return j.Enabled() && j.clean.Load()
}

// Add appends an entry, dropping the oldest ones past the limits.
func (j *Journal) Add(e Entry) {
	if !j.Enabled() {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.info.Clean {
		return
	}
	j.seq++
	e.Seq = j.seq
	if j.n == j.maxEntries {
		j.dropOldest()
	}
	for j.n > 0 && j.bytes+e.size() > j.maxBytes {
		j.dropOldest()
	}
	if j.n == len(j.ring) { // room to grow: the ring is full but under maxEntries
		grown := make([]Entry, min(j.maxEntries, max(16, 2*len(j.ring))))
		for i := range j.n {
			grown[i] = j.ring[(j.head+i)%len(j.ring)]
		}
		j.ring, j.head = grown, 0
	}
	j.ring[(j.head+j.n)%len(j.ring)] = e
	j.n++
	j.bytes += e.size()
}

// dropOldest forgets the oldest entry. The caller holds mu.
func (j *Journal) dropOldest() {
	j.bytes -= j.ring[j.head].size()
	j.ring[j.head] = Entry{}
	j.head = (j.head + 1) % len(j.ring)
	j.n--
	j.info.Dropped++
}

// Read returns what the journal covers and its entries, oldest first. It
// lists the ids of the entries that kept their answer (IDsFrom), and if
// that takes the journal over its byte bound, drops the oldest first.
func (j *Journal) Read() (Info, []Entry) {
	if j == nil {
		return Info{}, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := range j.n {
		e := &j.ring[(j.head+i)%len(j.ring)]
		if e.idsFrom != nil { // listed once, here, under mu: see IDsFrom
			j.bytes -= e.size()
			e.IDs, e.idsFrom = IDsOf(e.idsFrom), nil
			j.bytes += e.size()
		}
	}
	// A listing can count for more than the answer it came from (many
	// short ids): the oldest entries make room, as on an Add.
	for j.n > 1 && j.bytes > j.maxBytes {
		j.dropOldest()
	}
	out := make([]Entry, j.n)
	for i := range j.n {
		out[i] = j.ring[(j.head+i)%len(j.ring)]
	}
	return j.info, out
}

package badger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// txn wraps one Badger transaction. It implements the emulator's QueueTx and
// CacheTx, caches generation lookups, and collects index-hint changes that
// may only be applied after commit.
type txn struct {
	s     *Store
	txn   *badger.Txn
	epoch uint64
	gens  map[string]uint64
	// queues caches the queue records this transaction read or wrote: one
	// request reads its queue several times (existence, settings, size).
	queues map[string]emulator.Queue
	lowers [][2][]byte // per index prefix, the lowest entry this transaction put
	raises [][2][]byte
	swept  bool
	// visited counts the index versions this transaction's scans stepped
	// on, dead ones included: what a scan costs, for tests.
	visited int
}

// newTxn begins a transaction; end must follow.
func (s *Store) newTxn(update bool) *txn {
	// Take the epoch before the snapshot: see hints.
	epoch := s.hints.begin()
	return &txn{s: s, txn: s.db.NewTransaction(update), epoch: epoch}
}

// end closes the transaction's account with the hints, after its raises
// (afterCommit) are applied or dropped.
func (t *txn) end() { t.s.hints.end(t.epoch) }

// rememberGen keeps a container's generation for the rest of the
// transaction. The map is made on first use: most transactions touch one
// container, and making it up front was 3 % of a cache put's CPU.
func (t *txn) rememberGen(key string, gen uint64) {
	if t.gens == nil {
		t.gens = make(map[string]uint64, 2)
	}
	t.gens[key] = gen
}

func (t *txn) afterCommit() {
	for _, r := range t.raises {
		t.s.hints.raise(r[0], r[1], t.epoch)
	}
	for _, l := range t.lowers {
		t.s.hints.lower(l[0], l[1])
	}
	if t.swept {
		t.s.kickSweeper()
	}
}

// getJSON reads a JSON record. A record that does not decode reads as
// absent (and is reported): see damage.go. Records of the kinds the memos
// keep are decoded once for the same bytes.
func (t *txn) getJSON(key []byte, v any) (bool, error) {
	item, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var derr error
	if err := item.Value(func(b []byte) error {
		if t.s.memos.load(key, b, v) {
			return nil
		}
		if derr = json.Unmarshal(b, v); derr == nil {
			t.s.memos.decoded(key, b, v)
		}
		return nil
	}); err != nil {
		return false, err
	}
	if derr != nil {
		t.s.skipped(key, derr)
		return false, nil
	}
	return true, nil
}

func (t *txn) setJSON(key []byte, v any) error {
	// Without HTML escaping a body of '<' takes 1 byte a character, not 6:
	// it matters for the in-memory store's value limit.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if t.s.opts.InMemory && len(b) > maxInMemoryValue {
		return emulator.TooLarge("Record of %d bytes is over the in-memory store's %d byte limit", len(b), maxInMemoryValue)
	}
	return t.txn.Set(key, b)
}

// getMessage reads a message record; one that does not decode reads as
// absent (and is reported).
func (t *txn) getMessage(key []byte, m *emulator.Message) (bool, error) {
	item, err := t.txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	var derr error
	if err := item.Value(func(b []byte) error {
		derr = decodeMessage(b, m)
		return nil
	}); err != nil {
		return false, err
	}
	if derr != nil {
		*m = emulator.Message{}
		t.s.skipped(key, fmt.Errorf("message record: %w", derr))
		return false, nil
	}
	return true, nil
}

func (t *txn) setMessage(key []byte, m emulator.Message) error {
	return t.txn.Set(key, encodeMessage(m))
}

// setIndex writes an index entry and remembers to lower the scan hint.
// Only the lowest entry of each index matters to the hint, so one is kept
// per prefix: a batch of posts puts thousands of entries into two indexes.
func (t *txn) setIndex(key []byte) error {
	if key == nil {
		return nil // a message state with no index entry
	}
	t.noteLower(indexPrefix(key), key)
	return t.txn.Set(key, nil)
}

// indexPrefix is the index an r, p or x key is in: its tag and generation,
// genPrefix's bytes, shared with the key rather than allocated again.
func indexPrefix(key []byte) []byte { return key[:9:9] }

func (t *txn) noteLower(prefix, key []byte) {
	for i := range t.lowers {
		if bytes.Equal(t.lowers[i][0], prefix) {
			if bytes.Compare(key, t.lowers[i][1]) < 0 {
				t.lowers[i][1] = key
			}
			return
		}
	}
	t.lowers = append(t.lowers, [2][]byte{prefix, key})
}

// buryGeneration marks gen for background sweeping.
func (t *txn) buryGeneration(gen uint64) error {
	t.swept = true
	return t.txn.Set(genPrefix(tagDead, gen), nil)
}

// scanIndex walks the live keys of an index from its hint, calling fn for
// each until fn returns false. It records how far the head of the index is
// dead so the next scan can skip it.
func (t *txn) scanIndex(prefix []byte, fn func(key []byte) (more bool, err error)) error {
	return t.scanIndexTo(prefix, nil, fn)
}

// scanIndexTo is scanIndex stopping at end (exclusive; nil: the end of
// the index), live or dead key alike. A time index needs the bound: fn
// sees only live keys, and behind the last due entry of a push queue lie
// the tombstones of every lease delivered in the last minute (claims
// file a message at now + lease, a delivery deletes it), which a scan
// without it walked in full on every claim.
func (t *txn) scanIndexTo(prefix, end []byte, fn func(key []byte) (more bool, err error)) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, AllVersions: true})
	defer it.Close()
	var prev []byte
	var lastDead []byte
	first := true
	for it.Seek(t.seek(prefix)); it.Valid(); it.Next() {
		item := it.Item()
		k := item.Key()
		t.visited++
		if end != nil && bytes.Compare(k, end) >= 0 {
			break
		}
		if prev != nil && bytes.Equal(k, prev) {
			continue // an older version of a key already decided
		}
		prev = append(prev[:0], k...)
		if item.IsDeletedOrExpired() {
			if first {
				lastDead = item.KeyCopy(lastDead[:0])
			}
			continue
		}
		if first {
			first = false
			t.raises = append(t.raises, [2][]byte{prefix, item.KeyCopy(nil)})
		}
		more, err := fn(k)
		if err != nil || !more {
			return err
		}
	}
	if first && lastDead != nil {
		// Nothing live at all: everything up to lastDead is dead.
		t.raises = append(t.raises, [2][]byte{prefix, append(lastDead, 0)})
	}
	return nil
}

// seek returns where a scan of prefix may start: the shared hint, or lower
// when this transaction itself put an entry below it, since its lowerings
// are published only after commit.
func (t *txn) seek(prefix []byte) []byte {
	start := t.s.hints.seek(prefix)
	for _, l := range t.lowers {
		if bytes.Equal(l[0], prefix) && bytes.Compare(l[1], start) < 0 {
			start = l[1]
		}
	}
	return start
}

func (t *txn) queueGen(project, name string) (uint64, error) {
	return t.generation(queues, project, name)
}

func (t *txn) Queue(project, name string) (emulator.Queue, error) {
	k := genCacheKey(queues, project, name)
	if q, ok := t.queues[k]; ok {
		return q, nil
	}
	rec, err := loadRecord[emulator.Queue](t, queues, project, name, true)
	if err != nil {
		return emulator.Queue{}, err
	}
	rec.Rec.Project, rec.Rec.Name = project, name
	t.cacheQueue(k, rec.Rec)
	return rec.Rec, nil
}

func (t *txn) cacheQueue(k string, q emulator.Queue) {
	if t.queues == nil {
		t.queues = map[string]emulator.Queue{}
	}
	t.queues[k] = q
}

func (t *txn) PutQueue(q emulator.Queue) error {
	if err := putRecord(t, queues, q.Project, q.Name, q); err != nil {
		return err
	}
	t.cacheQueue(genCacheKey(queues, q.Project, q.Name), q)
	return nil
}

func (t *txn) DeleteQueue(project, name string) error {
	delete(t.queues, genCacheKey(queues, project, name))
	return t.dropContainer(queues, project, name)
}

func (t *txn) ClearMessages(project, name string) error {
	return t.renewGeneration(queues, project, name)
}

func (t *txn) ListQueues(project, prefix, after string, limit int) ([]emulator.Queue, error) {
	base := projectPrefix(tagQueue, project)
	scan := append(append([]byte{}, base...), prefix...)
	var seek []byte
	if after != "" && after >= prefix {
		seek = append(append(append([]byte{}, base...), after...), 0)
	}
	var out []emulator.Queue
	err := scanRecords(t, queues, scan, seek, func(project, name string, q emulator.Queue) (bool, error) {
		q.Project, q.Name = project, name
		out = append(out, q)
		return len(out) < limit, nil
	})
	return out, err
}

func (t *txn) ListAllQueues(fn func(emulator.Queue) error) error {
	return scanRecords(t, queues, []byte{tagQueue}, nil, func(project, name string, q emulator.Queue) (bool, error) {
		q.Project, q.Name = project, name
		return true, fn(q)
	})
}

func (t *txn) Message(project, queue string, id emulator.MessageID) (emulator.Message, error) {
	var m emulator.Message
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return m, err
	}
	return t.messageByGen(gen, id)
}

func (t *txn) messageByGen(gen uint64, id emulator.MessageID) (emulator.Message, error) {
	var m emulator.Message
	ok, err := t.getMessage(genIDKey(tagMessage, gen, id), &m)
	if err != nil {
		return m, fmt.Errorf("read message %s: %w", id, err)
	}
	if !ok {
		return m, emulator.NotFound("Message not found")
	}
	return m, nil
}

// stateKey is the index entry a message's state puts it in; nil for a
// finished push message, which sits in no state index.
func stateKey(gen uint64, m emulator.Message) []byte {
	switch m.State {
	case emulator.MessageReady:
		return readyKey(gen, m)
	case emulator.MessagePushed:
		return nil
	}
	return genTimeIDKey(tagPending, gen, m.AvailableAt, m.ID)
}

func (t *txn) InsertMessage(project, queue string, m emulator.Message) error {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return err
	}
	if err := t.setMessage(genIDKey(tagMessage, gen, m.ID), m); err != nil {
		return err
	}
	if err := t.setIndex(stateKey(gen, m)); err != nil {
		return err
	}
	return t.setIndex(genTimeIDKey(tagExpiry, gen, m.ExpiresAt, m.ID))
}

func (t *txn) UpdateMessage(project, queue string, old, m emulator.Message) error {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return err
	}
	if err := t.setMessage(genIDKey(tagMessage, gen, m.ID), m); err != nil {
		return err
	}
	oldKey, newKey := stateKey(gen, old), stateKey(gen, m)
	if !bytes.Equal(oldKey, newKey) {
		if oldKey != nil {
			if err := t.txn.Delete(oldKey); err != nil {
				return err
			}
		}
		if err := t.setIndex(newKey); err != nil {
			return err
		}
	}
	if !old.ExpiresAt.Equal(m.ExpiresAt) {
		if err := t.txn.Delete(genTimeIDKey(tagExpiry, gen, old.ExpiresAt, old.ID)); err != nil {
			return err
		}
		return t.setIndex(genTimeIDKey(tagExpiry, gen, m.ExpiresAt, m.ID))
	}
	return nil
}

func (t *txn) DeleteMessage(project, queue string, m emulator.Message) error {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return err
	}
	key := stateKey(gen, m)
	for _, k := range [][]byte{genIDKey(tagMessage, gen, m.ID), key, genTimeIDKey(tagExpiry, gen, m.ExpiresAt, m.ID)} {
		if k == nil {
			continue
		}
		if err := t.txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ReadyMessages(project, queue string, limit int) ([]emulator.Message, error) {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return nil, err
	}
	var ids []emulator.MessageID
	err = t.scanIndex(genPrefix(tagReady, gen), func(k []byte) (bool, error) {
		id, ok := idFromKey(k)
		if !ok {
			t.s.skipped(k, errBadIndexKey)
			return true, nil
		}
		ids = append(ids, id)
		return len(ids) < limit, nil
	})
	if err != nil {
		return nil, err
	}
	return t.messagesByID(gen, ids)
}

func (t *txn) DueMessages(project, queue string, now time.Time, limit int) ([]emulator.Message, error) {
	return t.timeIndexed(tagPending, project, queue, now, limit)
}

func (t *txn) ExpiredMessages(project, queue string, now time.Time, limit int) ([]emulator.Message, error) {
	return t.timeIndexed(tagExpiry, project, queue, now, limit)
}

func (t *txn) timeIndexed(tag byte, project, queue string, now time.Time, limit int) ([]emulator.Message, error) {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return nil, err
	}
	prefix := genPrefix(tag, gen)
	// The scan starts at or below the earliest live entry. When the start
	// is itself an entry's key and that entry is due later, nothing is due:
	// skip the iterator (the common reserve, with nothing delayed or
	// expired, then costs no index scan).
	if at, ok := timeFromKey(t.seek(prefix)); ok && at.After(now) {
		return nil, nil
	}
	var ids []emulator.MessageID
	// Keys due after now, live or dead, sort at or after end.
	end := binary.BigEndian.AppendUint64(genPrefix(tag, gen), timeBits(now)+1)
	err = t.scanIndexTo(prefix, end, func(k []byte) (bool, error) {
		at, ok := timeFromKey(k)
		if !ok {
			t.s.skipped(k, errBadIndexKey)
			return true, nil
		}
		if at.After(now) {
			return false, nil
		}
		id, _ := idFromKey(k)
		ids = append(ids, id)
		return len(ids) < limit, nil
	})
	if err != nil {
		return nil, err
	}
	return t.messagesByID(gen, ids)
}

// messagesByID reads the messages index entries point at. An entry whose
// message is missing or damaged is skipped (and reported).
func (t *txn) messagesByID(gen uint64, ids []emulator.MessageID) ([]emulator.Message, error) {
	out := make([]emulator.Message, 0, len(ids))
	for _, id := range ids {
		m, err := t.messageByGen(gen, id)
		if errors.Is(err, emulator.ErrNotFound) {
			t.s.skipped(genIDKey(tagMessage, gen, id), errDanglingIndex)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

var (
	errBadIndexKey   = errors.New("index key is not as long as its kind prescribes")
	errDanglingIndex = errors.New("an index entry points at this message, which is missing or damaged")
)

package badger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/ironlocal/ironlocal/emulator"
)

// SchemaVersion is the on-disk layout version this build writes. A data dir
// written by a newer build is refused rather than misread; one of an older
// version is read as it is and marked with this version, so the builds that
// wrote it refuse it once it holds what they cannot read.
//
//	1  the first layout
//	2  push messages' subscribers in binary (message codec version 2, see
//	   codec.go); version 1 records are still read
const SchemaVersion uint32 = 2

// maxInMemoryValue is the largest value Badger accepts in in-memory mode
// (its maximum ValueThreshold). Larger records are refused as too large.
const maxInMemoryValue = 1 << 20

// Options configure the store.
type Options struct {
	// Dir is the data directory. Ignored when InMemory.
	Dir string
	// InMemory keeps everything in RAM (--ephemeral, tests).
	InMemory bool
	// SyncWrites fsyncs every commit: safe against power loss, not just
	// against a killed process, at the cost of one fsync per write request.
	SyncWrites bool
	// GCInterval is how often value-log GC runs; 0 means 5 minutes.
	GCInterval time.Duration
	// MaxBindingsPerProject refuses a snapshot holding more trigger
	// bindings for one project (the host checks creates and seeds); 0
	// means emulator.DefaultMaxBindings.
	MaxBindingsPerProject int
	Logger                *slog.Logger
}

// Store is the Badger-backed implementation of the emulator's stores.
type Store struct {
	opts  Options
	db    *badger.DB
	log   *slog.Logger
	msgID *badger.Sequence
	gen   *badger.Sequence
	seqMu sync.Mutex
	hints *hints
	// memos save decoding queue and cache records (memo.go).
	memos *memos
	// damage counts the records skipped because they do not decode.
	damage damage
	// traces knows the size of each binding's trace (trigger.go).
	traces traceSizes

	sweep  chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup
	closed sync.Once
	err    error
}

// New returns a store that is not yet open.
func New(opts Options) *Store {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.GCInterval == 0 {
		opts.GCInterval = 5 * time.Minute
	}
	return &Store{opts: opts, log: opts.Logger, hints: newHints(), memos: newMemos(), traces: traceSizes{size: map[string]int{}},
		sweep: make(chan struct{}, 1), stop: make(chan struct{})}
}

// BadgerOptions is how the store tunes Badger for o, without a logger.
// The benchmarks' store floor (internal/storefloor) opens Badger with the
// same options, so what it measures is this store's engine as configured.
func BadgerOptions(o Options) badger.Options {
	bo := badger.DefaultOptions(o.Dir).
		WithInMemory(o.InMemory).
		WithSyncWrites(o.SyncWrites).
		WithLogger(nil).
		// Desktop-sized memory: Badger's defaults hold ~90 MB of heap.
		// Each memtable is a Go-heap arena of MemTableSize; blocks are
		// stored uncompressed, so reads come straight from the mmapped
		// tables and no block cache (a second copy of hot blocks on the
		// heap) or Snappy work is needed: under sustained load this keeps
		// the live heap near 25 MB (docs/benchmarks.md, memload).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(6).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		// Bodies above 4 KiB live in the value log, which keeps large
		// batches under the transaction size limit of small memtables.
		WithValueThreshold(4 << 10).
		WithNumCompactors(2).
		// Snapshot export streams the store (Backup) with this many
		// producers, and each allocates, zeroes and fills 32 MiB buffers:
		// Badger's 8 made an export of 100k messages spend a third of its
		// CPU zeroing 256 MiB. Two match the cores a desktop spares.
		WithNumGoroutines(2).
		WithCompactL0OnClose(false)
	if o.InMemory {
		// Without a value log every value stays in the LSM tree, and Badger
		// refuses values over ValueThreshold: raise it to the most it allows.
		bo.Dir, bo.ValueDir = "", ""
		bo = bo.WithValueThreshold(maxInMemoryValue)
	}
	return bo
}

// Open opens (or creates) the database, checks the schema version and starts
// the background sweeper and value-log GC.
func (s *Store) Open() error {
	db, err := badger.Open(BadgerOptions(s.opts).WithLogger(badgerLogger{s.log}))
	if err != nil {
		return fmt.Errorf("open badger store at %q: %w", s.opts.Dir, err)
	}
	s.db = db
	if err := s.checkSchema(); err != nil {
		_ = db.Close()
		return err
	}
	if err := s.repairLeases(); err != nil {
		_ = db.Close()
		return err
	}
	if err := s.indexTaskStatuses(false); err != nil {
		_ = db.Close()
		return err
	}
	s.removeStaleImports()
	s.privateFiles()
	if s.msgID, err = db.GetSequence(keySeqMessage, 1000); err != nil {
		_ = db.Close()
		return fmt.Errorf("open message id sequence: %w", err)
	}
	if s.gen, err = db.GetSequence(keySeqGen, 100); err != nil {
		_ = db.Close()
		return fmt.Errorf("open generation sequence: %w", err)
	}
	s.wg.Add(2)
	go s.sweeper()
	go s.valueLogGC()
	s.kickSweeper() // resume sweeping interrupted by a previous stop
	return nil
}

func (s *Store) checkSchema() error {
	return s.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(keySchema)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return txn.Set(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion))
		}
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		v, err := item.ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if len(v) != 4 {
			// Without a readable version nothing says how to read the
			// records: refuse rather than guess.
			return fmt.Errorf("data dir %q is damaged: its schema version is %d bytes, not 4: use another --data-dir", s.opts.Dir, len(v))
		}
		switch got := binary.BigEndian.Uint32(v); {
		case got > SchemaVersion:
			return fmt.Errorf("data dir %q has schema version %d, newer than this build's %d: upgrade ironlocal or use another --data-dir", s.opts.Dir, got, SchemaVersion)
		case got < SchemaVersion:
			return txn.Set(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion))
		}
		return nil
	})
}

// Close stops background work, releases sequences and closes the database.
// It is idempotent.
func (s *Store) Close() error {
	s.closed.Do(func() {
		if s.db == nil {
			return
		}
		close(s.stop)
		s.wg.Wait()
		var errs []error
		for _, seq := range []*badger.Sequence{s.msgID, s.gen} {
			if seq != nil {
				errs = append(errs, seq.Release())
			}
		}
		errs = append(errs, s.db.Close())
		s.err = errors.Join(errs...)
	})
	return s.err
}

// Reset wipes all state (control plane /_ironlocal/reset). Id sequences keep
// counting so ids never repeat within a process.
func (s *Store) Reset(ctx context.Context) error {
	// DropAll also drops the sequences' leases; without them the sequences
	// would restart at zero once their lease ran out and hand out ids and
	// generations again. Carry the leases over, holding seqMu so no lease
	// is renewed meanwhile.
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	leases := make(map[string][]byte)
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{keySeqMessage, keySeqGen} {
			item, err := txn.Get(k)
			if err != nil {
				return err
			}
			if leases[string(k)], err = item.ValueCopy(nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("reset store: read sequences: %w", err)
	}
	if err := s.db.DropAll(); err != nil {
		return fmt.Errorf("reset store: %w", err)
	}
	s.hints.reset()
	s.traces.forget()
	s.forgetDamage()
	if err := s.db.Update(func(txn *badger.Txn) error {
		for k, v := range leases {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("reset store: restore sequences: %w", err)
	}
	return s.checkSchema()
}

// messageIDBase offsets the message id sequence so ids are 19 decimal
// digits on the wire.
const messageIDBase = 6_000_000_000_000_000_000

// NextMessageIDs allocates n message ids in increasing order.
func (s *Store) NextMessageIDs(n int) ([]emulator.MessageID, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	ids := make([]emulator.MessageID, n)
	for i := range ids {
		v, err := s.msgID.Next()
		if err != nil {
			return nil, fmt.Errorf("allocate message id: %w", err)
		}
		ids[i] = emulator.MessageID(messageIDBase + v)
	}
	return ids, nil
}

func (s *Store) nextGeneration() (uint64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	v, err := s.gen.Next()
	if err != nil {
		return 0, fmt.Errorf("allocate generation: %w", err)
	}
	return v + 1, nil // generation 0 is never used
}

// update runs fn in a read-write transaction, retrying on write conflicts,
// and applies the index hints only after a successful commit.
func (s *Store) update(ctx context.Context, fn func(*txn) error) error {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.updateOnce(fn)
		if errors.Is(err, badger.ErrConflict) && attempt < 20 {
			continue
		}
		if errors.Is(err, badger.ErrTxnTooBig) {
			return emulator.TooLarge("request too large for one transaction")
		}
		return err
	}
}

// updateOnce is one attempt of update.
func (s *Store) updateOnce(fn func(*txn) error) error {
	t := s.newTxn(true)
	defer t.end()
	defer t.txn.Discard() // after a commit, a no-op
	if err := fn(t); err != nil {
		return err
	}
	if err := t.txn.Commit(); err != nil {
		return err
	}
	t.afterCommit()
	return nil
}

func (s *Store) view(ctx context.Context, fn func(*txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t := s.newTxn(false)
	defer t.end()
	defer t.txn.Discard()
	if err := fn(t); err != nil {
		return err
	}
	// What its scans found dead stays dead for the next scan (hints).
	t.afterCommit()
	return nil
}

var errBadDeadKey = errors.New("dead-generation key is not 9 bytes long")

func (s *Store) kickSweeper() {
	select {
	case s.sweep <- struct{}{}:
	default:
	}
}

// sweeper deletes the keys of dead generations in bounded batches.
func (s *Store) sweeper() {
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.sweep:
		}
		if err := s.sweepOnce(); err != nil {
			s.log.Warn("sweep dead generations", "err", err)
		}
	}
}

// sweepOnce runs one sweep; a panic is logged with its stack and the
// sweeper carries on (the next kick retries).
func (s *Store) sweepOnce() (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("store sweeper panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("sweeper panicked: %v", p)
		}
	}()
	return s.sweepDead()
}

// recoverLoop logs a background loop's panic with its stack instead of
// crashing the process; the loop ends.
func (s *Store) recoverLoop(name string) {
	if p := recover(); p != nil {
		s.log.Error("store background loop panicked", "loop", name, "panic", p, "stack", string(debug.Stack()))
	}
}

func (s *Store) sweepDead() error {
	var dead []uint64
	var damaged [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagDead}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if len(k) != 9 {
				damaged = append(damaged, it.Item().KeyCopy(nil))
				continue
			}
			dead = append(dead, binary.BigEndian.Uint64(k[1:]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A dead-generation key of the wrong length names no generation: drop
	// it so it is not met again at every sweep.
	for _, k := range damaged {
		s.skipped(k, errBadDeadKey)
		if err := s.db.Update(func(txn *badger.Txn) error { return txn.Delete(k) }); err != nil {
			return err
		}
	}
	for _, gen := range dead {
		for _, tag := range generationTags {
			if err := s.deletePrefix(genPrefix(tag, gen)); err != nil {
				return err
			}
		}
		if err := s.db.Update(func(txn *badger.Txn) error {
			return txn.Delete(genPrefix(tagDead, gen))
		}); err != nil {
			return err
		}
		s.hints.forget(gen)
	}
	return nil
}

// deletePrefix removes keys under prefix a thousand at a time, so no single
// transaction grows too big and writers are never blocked for long.
func (s *Store) deletePrefix(prefix []byte) error {
	for {
		select {
		case <-s.stop:
			return errors.New("store closing")
		default:
		}
		var keys [][]byte
		err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid() && len(keys) < 1000; it.Next() {
				keys = append(keys, it.Item().KeyCopy(nil))
			}
			return nil
		})
		if err != nil || len(keys) == 0 {
			return err
		}
		wb := s.db.NewWriteBatch()
		for _, k := range keys {
			if err := wb.Delete(k); err != nil {
				wb.Cancel()
				return err
			}
		}
		if err := wb.Flush(); err != nil {
			return err
		}
	}
}

func (s *Store) valueLogGC() {
	defer s.wg.Done()
	defer s.recoverLoop("value-log GC")
	if s.opts.InMemory {
		return
	}
	t := time.NewTicker(s.opts.GCInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for s.db.RunValueLogGC(0.5) == nil {
			}
		}
	}
}

// badgerLogger routes Badger's logging to slog; Badger's info chatter is
// demoted to debug.
type badgerLogger struct{ l *slog.Logger }

func (b badgerLogger) Errorf(f string, a ...any) {
	b.l.Error(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Warningf(f string, a ...any) {
	b.l.Warn(fmt.Sprintf(f, a...), "component", "badger")
}
func (b badgerLogger) Infof(f string, a ...any) { b.debug(f, a) }

// Debugf is called on every commit (Badger's writer says it is writing):
// formatting that line when debug logging is off cost 2 % of the daemon's
// CPU under cache writes.
func (b badgerLogger) Debugf(f string, a ...any) { b.debug(f, a) }

func (b badgerLogger) debug(f string, a []any) {
	if b.l.Enabled(context.Background(), slog.LevelDebug) {
		b.l.Debug(fmt.Sprintf(f, a...), "component", "badger")
	}
}

// privateFiles makes the store's files readable by the user only (0600).
// Badger creates its tables and value logs with mode 0666 through
// ristretto, so under the usual umask 022 they were readable by every local
// user, also when the data directory is; the daemon sets umask 077 for new
// files (daemon.PrivateFiles), and this tightens a store written before
// that, or by a process that did not.
func (s *Store) privateFiles() {
	if s.opts.InMemory || s.opts.Dir == "" {
		return
	}
	entries, err := os.ReadDir(s.opts.Dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !badgerFile(e.Name()) {
			continue
		}
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		p := filepath.Join(s.opts.Dir, e.Name())
		if err := os.Chmod(p, 0o600); err != nil {
			s.log.Warn("make a store file private", "file", p, "err", err)
		}
	}
}

// badgerFile reports whether name is one of the files Badger keeps in its
// directory (the data directory also holds plugins/ and snapshots/).
func badgerFile(name string) bool {
	switch name {
	case "MANIFEST", "KEYREGISTRY", "DISCARD", "LOCK":
		return true
	}
	switch filepath.Ext(name) {
	case ".sst", ".vlog", ".mem":
		return true
	}
	return false
}

package badger

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// A record that does not decode — a damaged data dir, or a key or index
// entry that points nowhere — is skipped, not fatal: lists leave it out, a
// lookup treats it as absent, and the background loops carry on. Each one is
// logged once and counted, so /_ironlocal/health can say the store is
// damaged and where.

const (
	maxDamagedKeys     = 1024
	maxDamagedExamples = 5
	maxKeyInMessage    = 64
)

type damage struct {
	mu       sync.Mutex
	seen     map[string]struct{}
	count    int
	examples []string
}

// DecodeFailures reports the records skipped since the store opened (or
// was last reset or replaced by an import) because they did not decode.
// Past maxDamagedKeys distinct records, a record may be counted more than
// once.
func (s *Store) DecodeFailures() emulator.DecodeFailures {
	d := &s.damage
	d.mu.Lock()
	defer d.mu.Unlock()
	return emulator.DecodeFailures{Count: d.count, Examples: append([]string(nil), d.examples...)}
}

// skipped records that the record at key was skipped because of err. The
// first report of a key is logged; repeats (every list passes the same
// damaged record) are not counted again.
func (s *Store) skipped(key []byte, err error) {
	d := &s.damage
	d.mu.Lock()
	if _, ok := d.seen[string(key)]; ok {
		d.mu.Unlock()
		return
	}
	if d.seen == nil {
		d.seen = make(map[string]struct{})
	}
	if len(d.seen) < maxDamagedKeys {
		d.seen[string(key)] = struct{}{}
	}
	d.count++
	example := describeKey(key) + ": " + err.Error()
	if len(d.examples) < maxDamagedExamples {
		d.examples = append(d.examples, example)
	}
	d.mu.Unlock()
	s.log.Warn("skipping a damaged record in the store", "record", example)
}

// forgetDamage clears the report once the store's contents are replaced.
func (s *Store) forgetDamage() {
	d := &s.damage
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen, d.count, d.examples = nil, 0, nil
}

// describeKey quotes a key for messages, cut to maxKeyInMessage bytes:
// keys hold binary numbers and NUL separators.
func describeKey(k []byte) string {
	if len(k) > maxKeyInMessage {
		return "key " + strconv.Quote(string(k[:maxKeyInMessage])) + "…"
	}
	return "key " + strconv.Quote(string(k))
}

// repairLeases rewrites a sequence lease that is not 8 bytes (Badger's
// sequence reads it without a length check and would panic): the new
// lease is past every message id or generation the stored records use, so
// ids never repeat.
func (s *Store) repairLeases() error {
	var bad [][]byte
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{keySeqMessage, keySeqGen} {
			item, err := txn.Get(k)
			if errors.Is(err, badger.ErrKeyNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) error {
				if len(v) != 8 {
					bad = append(bad, k)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil || len(bad) == 0 {
		return err
	}
	leases, err := s.usedSequences()
	if err != nil {
		return fmt.Errorf("repair sequences: %w", err)
	}
	return s.db.Update(func(txn *badger.Txn) error {
		for _, k := range bad {
			lease := leases[string(k)]
			s.skipped(k, fmt.Errorf("sequence lease is not 8 bytes: rewritten as %d from the stored records", lease))
			if err := txn.Set(k, binary.BigEndian.AppendUint64(nil, lease)); err != nil {
				return err
			}
		}
		return nil
	})
}

// usedSequences returns the smallest sequence leases past every message id
// and generation the stored records use.
func (s *Store) usedSequences() (map[string]uint64, error) {
	var used usedIDs
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{}) // keys only
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			// Only what note can read: the keys are not checked here.
			switch {
			case len(k) == 0:
				continue
			case k[0] == tagMessage && len(k) != readyKeyLen:
				continue
			case k[0] == tagDead || slices.Contains(generationTags, k[0]):
				if len(k) < 9 {
					continue
				}
			case k[0] != tagQueue && k[0] != tagCache:
				continue
			}
			if err := it.Item().Value(func(v []byte) error {
				if (k[0] == tagQueue || k[0] == tagCache) && len(v) < 8 {
					return nil
				}
				_ = used.note(k, v) // an id past maxLease is left out
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return used.leases(), err
}

package badger

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// A snapshot is one JSON header line, a Badger backup stream of every key,
// and (since format 2) a trailer: the stream's SHA-256 and length and a
// magic word, so a truncated or damaged file is refused on import. The
// header carries the format version and the store schema, so an import from
// a newer ironlocal is refused instead of misread. Format 1 files (no
// trailer) still import.
const (
	snapshotFormat  = "ironlocal-snapshot"
	SnapshotVersion = 2
	trailerMagic    = "IRLSNAP2"
	trailerSize     = sha256.Size + 8 + len(trailerMagic)
)

type snapshotHeader struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Schema    uint32    `json:"schema"`
	CreatedAt time.Time `json:"created_at"`
}

// Export writes a consistent snapshot of the whole store to w: every record
// but the registry logins, unless opts asks for them.
func (s *Store) Export(ctx context.Context, w io.Writer, opts emulator.SnapshotOptions) error {
	h, err := json.Marshal(snapshotHeader{Format: snapshotFormat, Version: SnapshotVersion, Schema: SchemaVersion,
		CreatedAt: time.Now().UTC()})
	if err != nil {
		return err
	}
	if _, err := w.Write(append(h, '\n')); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	sum := sha256.New()
	n := &countingWriter{w: io.MultiWriter(w, sum)}
	stream := s.db.NewStream()
	stream.LogPrefix = "snapshot"
	if !opts.Credentials {
		stream.ChooseKey = func(item *badger.Item) bool { return item.Key()[0] != tagCredential }
	}
	if _, err := stream.Backup(n, 0); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	trailer := binary.BigEndian.AppendUint64(sum.Sum(nil), uint64(n.n))
	if _, err := w.Write(append(trailer, trailerMagic...)); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return ctx.Err()
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ExportFile writes a snapshot to path atomically: a temp file beside it,
// fsynced, then renamed over path.
func (s *Store) ExportFile(ctx context.Context, path string, opts emulator.SnapshotOptions) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".snapshot-*")
	if err != nil {
		return fmt.Errorf("export snapshot: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	bw := bufio.NewWriterSize(tmp, 1<<20)
	err = s.Export(ctx, bw, opts)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("export snapshot to %s: %w", path, err)
	}
	return nil
}

// replaceContents drops every key and runs load to fill the store again.
// Each sequence's lease ends up at the largest of ours, the loaded one and
// floor's (what the loaded records use), so ids and generations never repeat
// and never collide with loaded records, whatever the loaded leases say.
func (s *Store) replaceContents(load func() error, floor map[string]uint64) error {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	// Releasing stores each sequence's next value as its lease; the
	// sequences are reopened below from the merged leases.
	for _, seq := range []*badger.Sequence{s.msgID, s.gen} {
		if err := seq.Release(); err != nil {
			return fmt.Errorf("release sequence: %w", err)
		}
	}
	before, err := s.readLeases()
	if err != nil {
		return err
	}
	if err := s.db.DropAll(); err != nil {
		return fmt.Errorf("drop store: %w", err)
	}
	s.hints.reset()
	s.traces.forget()
	s.forgetDamage()
	if err := load(); err != nil {
		return fmt.Errorf("load store: %w", err)
	}
	after, err := s.readLeases()
	if err != nil {
		return err
	}
	if err := s.db.Update(func(txn *badger.Txn) error {
		for _, k := range []string{string(keySeqMessage), string(keySeqGen)} {
			v := max(before[k], after[k], floor[k])
			if err := txn.Set([]byte(k), binary.BigEndian.AppendUint64(nil, v)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("restore sequences: %w", err)
	}
	if s.msgID, err = s.db.GetSequence(keySeqMessage, 1000); err != nil {
		return fmt.Errorf("reopen message id sequence: %w", err)
	}
	if s.gen, err = s.db.GetSequence(keySeqGen, 100); err != nil {
		return fmt.Errorf("reopen generation sequence: %w", err)
	}
	return s.checkSchema()
}

// readLeases returns the stored lease of each sequence (0 when absent).
func (s *Store) readLeases() (map[string]uint64, error) {
	out := map[string]uint64{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, k := range [][]byte{keySeqMessage, keySeqGen} {
			item, err := txn.Get(k)
			if errors.Is(err, badger.ErrKeyNotFound) {
				out[string(k)] = 0
				continue
			}
			if err != nil {
				return err
			}
			if err := item.Value(func(v []byte) error {
				if len(v) == 8 {
					out[string(k)] = binary.BigEndian.Uint64(v)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read sequences: %w", err)
	}
	return out, nil
}

// Empty reports whether the store holds no user data (only its own
// metadata), e.g. to decide whether a seed applies.
func (s *Store) Empty() (bool, error) {
	empty := true
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{}) // keys only
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) > 0 && k[0] != '!' && k[0] != tagDead {
				empty = false
				return nil
			}
		}
		return nil
	})
	return empty, err
}

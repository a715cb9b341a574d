package badger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// A container is a named record that owns a generation of child keys:
// queues own messages, caches own items (see keys.go). This file holds what
// the two share: reading and writing the record with its generation,
// deleting it, renewing its generation (clear) and listing.
type container struct {
	tag      byte
	noun     string // for error wrapping
	notFound string // the user-facing 404 text
}

var (
	queues = container{tag: tagQueue, noun: "queue", notFound: "Queue not found"}
	caches = container{tag: tagCache, noun: "cache", notFound: "Cache not found"}
)

// stored is a container record: the domain record and the generation its
// children hang off. It is written as the generation (8 bytes, big-endian)
// followed by the record's JSON, so the hot path — finding the generation
// of a queue or cache — reads 8 bytes instead of decoding JSON. Project and
// name are part of the key and are restored from it on read (keys keep
// bytes JSON would mangle).
type stored[T any] struct {
	Rec T
	Gen uint64
}

func encodeStored[T any](rec stored[T]) ([]byte, error) {
	if q, ok := any(rec.Rec).(emulator.Queue); ok {
		if b, ok := appendQueueJSON(binary.BigEndian.AppendUint64(make([]byte, 0, 320), rec.Gen), q); ok {
			return b, nil
		}
	}
	b, err := json.Marshal(rec.Rec)
	if err != nil {
		return nil, err
	}
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(b)), rec.Gen), b...), nil
}

func decodeStored[T any](b []byte, rec *stored[T], withRecord bool) error {
	if len(b) < 8 {
		return errors.New("shorter than its 8-byte generation")
	}
	rec.Gen = binary.BigEndian.Uint64(b)
	if !withRecord {
		return nil
	}
	return json.Unmarshal(b[8:], &rec.Rec)
}

func genCacheKey(c container, project, name string) string {
	return string(nameKey(c.tag, project, name))
}

// loadRecord reads a container record (or, without withRecord, only its
// generation) and remembers the generation for the rest of the transaction.
func loadRecord[T any](t *txn, c container, project, name string, withRecord bool) (stored[T], error) {
	var rec stored[T]
	k := nameKey(c.tag, project, name)
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return rec, emulator.NotFound(c.notFound)
	}
	var derr error
	if err == nil {
		err = item.Value(func(b []byte) error {
			if withRecord && len(b) >= 8 && t.s.memos.load(k, b, &rec.Rec) {
				rec.Gen = binary.BigEndian.Uint64(b)
				return nil
			}
			if derr = decodeStored(b, &rec, withRecord); derr == nil && withRecord {
				t.s.memos.decoded(k, b, &rec.Rec)
			}
			return nil
		})
	}
	if err != nil {
		return rec, fmt.Errorf("read %s %s: %w", c.noun, name, err)
	}
	if derr != nil {
		// A damaged record reads as absent; writing the container again
		// replaces it.
		t.s.skipped(k, fmt.Errorf("%s record: %w", c.noun, derr))
		return stored[T]{}, emulator.NotFound(c.notFound)
	}
	t.rememberGen(genCacheKey(c, project, name), rec.Gen)
	return rec, nil
}

// generation returns the container's current generation.
func (t *txn) generation(c container, project, name string) (uint64, error) {
	if g, ok := t.gens[genCacheKey(c, project, name)]; ok {
		return g, nil
	}
	rec, err := loadRecord[json.RawMessage](t, c, project, name, false)
	return rec.Gen, err
}

// putRecord writes rec, keeping the container's generation or allocating
// one for a new container.
func putRecord[T any](t *txn, c container, project, name string, rec T) error {
	gen, err := t.generation(c, project, name)
	if errors.Is(err, emulator.ErrNotFound) {
		if gen, err = t.s.nextGeneration(); err != nil {
			return err
		}
		t.rememberGen(genCacheKey(c, project, name), gen)
	} else if err != nil {
		return err
	}
	return setStored(t, nameKey(c.tag, project, name), stored[T]{Rec: rec, Gen: gen})
}

// dropContainer deletes the record; its children are swept in the background.
func (t *txn) dropContainer(c container, project, name string) error {
	gen, err := t.generation(c, project, name)
	if err != nil {
		return err
	}
	delete(t.gens, genCacheKey(c, project, name))
	if err := t.txn.Delete(nameKey(c.tag, project, name)); err != nil {
		return err
	}
	return t.buryGeneration(gen)
}

// renewGeneration empties the container in O(1): its children stay under the
// old generation, which is buried and swept in the background.
func (t *txn) renewGeneration(c container, project, name string) error {
	rec, err := loadRecord[json.RawMessage](t, c, project, name, true)
	if err != nil {
		return err
	}
	if err := t.buryGeneration(rec.Gen); err != nil {
		return err
	}
	if rec.Gen, err = t.s.nextGeneration(); err != nil {
		return err
	}
	t.rememberGen(genCacheKey(c, project, name), rec.Gen)
	return setStored(t, nameKey(c.tag, project, name), rec)
}

func setStored[T any](t *txn, key []byte, rec stored[T]) error {
	b, err := encodeStored(rec)
	if err != nil {
		return err
	}
	t.s.memos.encoded(key, b, rec.Rec) // the next read of a queue or cache decodes nothing
	return t.txn.Set(key, b)
}

// scanRecords calls fn for each container record under prefix, in key order,
// from seek (nil = the start), with the project and name taken from the key.
func scanRecords[T any](t *txn, c container, prefix, seek []byte, fn func(project, name string, rec T) (more bool, err error)) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	if seek == nil {
		seek = prefix
	}
	for it.Seek(seek); it.Valid(); it.Next() {
		var rec stored[T]
		k := it.Item().Key()
		project, name, derr := namesFromKey(k)
		err := it.Item().Value(func(b []byte) error {
			if derr == nil {
				derr = decodeStored(b, &rec, true)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list %ss: %w", c.noun, err)
		}
		if derr != nil {
			t.s.skipped(k, fmt.Errorf("%s record: %w", c.noun, derr))
			continue
		}
		more, err := fn(project, name, rec.Rec)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

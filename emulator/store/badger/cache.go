package badger

import (
	"context"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// ViewQueues runs fn in a read-only transaction.
func (s *Store) ViewQueues(ctx context.Context, fn func(emulator.QueueTx) error) error {
	return s.view(ctx, func(t *txn) error { return fn(t) })
}

// UpdateQueues runs fn in a read-write transaction committed before it returns.
func (s *Store) UpdateQueues(ctx context.Context, fn func(emulator.QueueTx) error) error {
	return s.update(ctx, func(t *txn) error { return fn(t) })
}

// ViewCaches runs fn in a read-only transaction.
func (s *Store) ViewCaches(ctx context.Context, fn func(emulator.CacheTx) error) error {
	return s.view(ctx, func(t *txn) error { return fn(t) })
}

// UpdateCaches runs fn in a read-write transaction committed before it returns.
func (s *Store) UpdateCaches(ctx context.Context, fn func(emulator.CacheTx) error) error {
	return s.update(ctx, func(t *txn) error { return fn(t) })
}

func (t *txn) cacheGen(project, name string) (uint64, error) {
	return t.generation(caches, project, name)
}

func (t *txn) Cache(project, name string) (emulator.Cache, error) {
	rec, err := loadRecord[emulator.Cache](t, caches, project, name, true)
	rec.Rec.Project, rec.Rec.Name = project, name
	return rec.Rec, err
}

func (t *txn) PutCache(c emulator.Cache) error { return putRecord(t, caches, c.Project, c.Name, c) }

func (t *txn) DeleteCache(project, name string) error { return t.dropContainer(caches, project, name) }

func (t *txn) ClearCache(project, name string) error { return t.renewGeneration(caches, project, name) }

func (t *txn) ListCaches(project string, offset, limit int) ([]emulator.Cache, error) {
	var out []emulator.Cache
	skipped := 0
	err := scanRecords(t, caches, projectPrefix(tagCache, project), nil, func(project, name string, c emulator.Cache) (bool, error) {
		if skipped < offset {
			skipped++
			return true, nil
		}
		c.Project, c.Name = project, name
		out = append(out, c)
		return len(out) < limit, nil
	})
	return out, err
}

func (t *txn) Item(project, cache, key string) (emulator.Item, error) {
	var it emulator.Item
	gen, err := t.cacheGen(project, cache)
	if errors.Is(err, emulator.ErrNotFound) {
		return it, emulator.NotFound("Item not found")
	}
	if err != nil {
		return it, err
	}
	k := itemKey(gen, key)
	item, err := t.txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return it, emulator.NotFound("Item not found")
	}
	var derr error
	if err == nil {
		err = item.Value(func(b []byte) error {
			derr = decodeItem(b, &it)
			return nil
		})
	}
	if err != nil {
		return it, fmt.Errorf("read item %s: %w", key, err)
	}
	if derr != nil {
		// A damaged item reads as absent; a put replaces it.
		t.s.skipped(k, fmt.Errorf("cache item: %w", derr))
		return emulator.Item{}, emulator.NotFound("Item not found")
	}
	it.Project, it.Cache, it.Key = project, cache, key
	return it, nil
}

func (t *txn) PutItem(it emulator.Item) error {
	gen, err := t.cacheGen(it.Project, it.Cache)
	if err != nil {
		return err
	}
	return t.txn.Set(itemKey(gen, it.Key), encodeItem(it))
}

func (t *txn) DeleteItem(project, cache, key string) error {
	gen, err := t.cacheGen(project, cache)
	if err != nil {
		return err
	}
	return t.txn.Delete(itemKey(gen, key))
}

func (t *txn) Items(project, cache string, fn func(emulator.Item) error) error {
	gen, err := t.cacheGen(project, cache)
	if err != nil {
		return err
	}
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: genPrefix(tagItem, gen), PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var item emulator.Item
		var derr error
		if err := it.Item().Value(func(b []byte) error {
			derr = decodeItem(b, &item)
			return nil
		}); err != nil {
			return fmt.Errorf("read items: %w", err)
		}
		if derr != nil {
			t.s.skipped(it.Item().Key(), fmt.Errorf("cache item: %w", derr))
			continue
		}
		item.Project, item.Cache, item.Key = project, cache, string(it.Item().Key()[9:])
		if err := fn(item); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ emulator.QueueStore      = (*Store)(nil)
	_ emulator.CacheStore      = (*Store)(nil)
	_ emulator.MessageIDSource = (*Store)(nil)
	_ emulator.QueueTx         = (*txn)(nil)
	_ emulator.CacheTx         = (*txn)(nil)
)

package badger

import (
	"context"
	"encoding/json"
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

type cacheRecord struct {
	emulator.Cache
	Gen uint64 `json:"gen"`
}

func (t *txn) cacheRecord(project, name string) (cacheRecord, error) {
	var rec cacheRecord
	ok, err := t.getJSON(nameKey(tagCache, project, name), &rec)
	if err != nil {
		return rec, fmt.Errorf("read cache %s: %w", name, err)
	}
	if !ok {
		return rec, emulator.NotFound("Cache not found")
	}
	rec.Project, rec.Name = project, name
	t.gens[genCacheKey(tagCache, project, name)] = rec.Gen
	return rec, nil
}

func (t *txn) cacheGen(project, name string) (uint64, error) {
	if g, ok := t.gens[genCacheKey(tagCache, project, name)]; ok {
		return g, nil
	}
	rec, err := t.cacheRecord(project, name)
	return rec.Gen, err
}

func (t *txn) Cache(project, name string) (emulator.Cache, error) {
	rec, err := t.cacheRecord(project, name)
	return rec.Cache, err
}

func (t *txn) PutCache(c emulator.Cache) error {
	gen, err := t.cacheGen(c.Project, c.Name)
	if errors.Is(err, emulator.ErrNotFound) {
		if gen, err = t.s.nextGeneration(); err != nil {
			return err
		}
		t.gens[genCacheKey(tagCache, c.Project, c.Name)] = gen
	} else if err != nil {
		return err
	}
	return t.setJSON(nameKey(tagCache, c.Project, c.Name), cacheRecord{Cache: c, Gen: gen})
}

func (t *txn) DeleteCache(project, name string) error {
	gen, err := t.cacheGen(project, name)
	if err != nil {
		return err
	}
	delete(t.gens, genCacheKey(tagCache, project, name))
	if err := t.txn.Delete(nameKey(tagCache, project, name)); err != nil {
		return err
	}
	return t.buryGeneration(gen)
}

func (t *txn) ClearCache(project, name string) error {
	rec, err := t.cacheRecord(project, name)
	if err != nil {
		return err
	}
	if err := t.buryGeneration(rec.Gen); err != nil {
		return err
	}
	if rec.Gen, err = t.s.nextGeneration(); err != nil {
		return err
	}
	t.gens[genCacheKey(tagCache, project, name)] = rec.Gen
	return t.setJSON(nameKey(tagCache, project, name), rec)
}

func (t *txn) ListCaches(project string, offset, limit int) ([]emulator.Cache, error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: projectPrefix(tagCache, project), PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	var out []emulator.Cache
	i := 0
	for it.Rewind(); it.Valid() && len(out) < limit; it.Next() {
		if i++; i <= offset {
			continue
		}
		var rec cacheRecord
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &rec) }); err != nil {
			return nil, fmt.Errorf("list caches: %w", err)
		}
		rec.Project, rec.Name = namesFromKey(it.Item().Key())
		out = append(out, rec.Cache)
	}
	return out, nil
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
	ok, err := t.getJSON(itemKey(gen, key), &it)
	if err != nil {
		return it, fmt.Errorf("read item %s: %w", key, err)
	}
	if !ok {
		return it, emulator.NotFound("Item not found")
	}
	it.Project, it.Cache, it.Key = project, cache, key
	return it, nil
}

func (t *txn) PutItem(it emulator.Item) error {
	gen, err := t.cacheGen(it.Project, it.Cache)
	if err != nil {
		return err
	}
	return t.setJSON(itemKey(gen, it.Key), it)
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
		if err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &item) }); err != nil {
			return fmt.Errorf("read items: %w", err)
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

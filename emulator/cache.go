package emulator

import (
	"context"
	"encoding/json"
	"time"
)

// Cache is an IronCache v1 cache: a named bag of items in a project.
type Cache struct {
	Project   string
	Name      string
	CreatedAt time.Time
}

// Item is one cache entry. Value keeps the JSON type the client sent
// (string, number or bool) as raw JSON, because clients expect numbers back
// as numbers.
type Item struct {
	Project string
	Cache   string
	Key     string
	Value   json.RawMessage // a string, number or bool literal
	// CAS changes on every store; it never repeats for a key, even across
	// delete and re-create.
	CAS       uint64
	ExpiresAt time.Time // zero means never
}

// Expired reports whether the item is gone at now.
func (it Item) Expired(now time.Time) bool {
	return !it.ExpiresAt.IsZero() && !now.Before(it.ExpiresAt)
}

// CacheStore persists caches and items.
type CacheStore interface {
	ViewCaches(ctx context.Context, fn func(CacheTx) error) error
	UpdateCaches(ctx context.Context, fn func(CacheTx) error) error
}

// CacheTx is one transaction over caches and items.
type CacheTx interface {
	Cache(project, name string) (Cache, error)
	PutCache(c Cache) error
	// DeleteCache removes the cache and all its items.
	DeleteCache(project, name string) error
	// ClearCache removes all items, keeping the cache.
	ClearCache(project, name string) error
	// ListCaches returns caches of the project in name order, skipping offset.
	ListCaches(project string, offset, limit int) ([]Cache, error)
	Item(project, cache, key string) (Item, error)
	PutItem(it Item) error
	DeleteItem(project, cache, key string) error
	// Items calls fn for each item of the cache in key order.
	Items(project, cache string, fn func(Item) error) error
	// ItemsAfter calls fn for each stored item of the cache whose key sorts
	// after `after` ("" = from the first), in key order, until fn returns
	// false or an error. Expired items not yet removed are included.
	ItemsAfter(project, cache, after string, fn func(Item) (more bool, err error)) error
	// CacheProjects lists the projects that have a cache, in byte order.
	CacheProjects() ([]string, error)
}

// Package cache is the IronCache v1 service: caches, items with expiry,
// conditional puts (add, replace, cas) and atomic increments.
package cache

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
)

// Limits from spec §4.
const (
	MaxKeyLength   = 250
	MaxNameLength  = 255
	MaxExpiresIn   = 2592000
	MaxItemBytes   = 1 << 20
	DefaultPerPage = 30
	MaxPerPage     = 100
	MaxPage        = 100
)

// Never is the expiry the wire reports for items that do not expire.
var Never = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Service implements IronCache v1.
type Service struct {
	store  emulator.CacheStore
	clock  emulator.Clock
	events emulator.Publisher
}

// New returns a cache service over store.
func New(store emulator.CacheStore, clock emulator.Clock, events emulator.Publisher) *Service {
	return &Service{store: store, clock: clock, events: events}
}

func (s *Service) publish(e emulator.Event) {
	e.At = s.clock.Now()
	s.events.Publish(e)
}

func validateName(name string) error {
	switch {
	case name == "":
		return emulator.Invalid("Cache name is required")
	case len(name) > MaxNameLength:
		return emulator.Invalid("Cache name is longer than %d bytes", MaxNameLength)
	case strings.ContainsAny(name, "/\x00"):
		return emulator.Invalid("Cache name must not contain '/' or NUL")
	case !utf8.ValidString(name):
		// JSON cannot carry it: it would be listed as U+FFFD and be
		// unreachable by that name.
		return emulator.Invalid("Cache name must be valid UTF-8")
	}
	return nil
}

func validateKey(key string) error {
	switch {
	case key == "":
		return emulator.Invalid("Item key is required")
	case utf8.RuneCountInString(key) > MaxKeyLength:
		return emulator.Invalid("Item key is longer than %d characters", MaxKeyLength)
	case strings.ContainsRune(key, 0):
		return emulator.Invalid("Item key must not contain NUL")
	case !utf8.ValidString(key):
		return emulator.Invalid("Item key must be valid UTF-8")
	}
	return nil
}

// Info is a cache with its live item count.
type Info struct {
	emulator.Cache
	Size int
}

// ListCaches lists the project's caches by name; page is 0-based.
func (s *Service) ListCaches(ctx context.Context, project string, page, perPage int) ([]emulator.Cache, error) {
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	page = max(0, min(page, MaxPage))
	var out []emulator.Cache
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		var err error
		out, err = tx.ListCaches(project, page*perPage, perPage)
		return err
	})
	return out, err
}

// GetCache returns the cache and how many unexpired items it holds.
func (s *Service) GetCache(ctx context.Context, project, name string) (Info, error) {
	if err := validateName(name); err != nil {
		return Info{}, err
	}
	var info Info
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		c, err := tx.Cache(project, name)
		if err != nil {
			return err
		}
		info.Cache = c
		now := s.clock.Now()
		return tx.Items(project, name, func(it emulator.Item) error {
			if !it.Expired(now) {
				info.Size++
			}
			return nil
		})
	})
	return info, err
}

// DeleteCache removes the cache and its items.
func (s *Service) DeleteCache(ctx context.Context, project, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	if err := s.store.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		return tx.DeleteCache(project, name)
	}); err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventCacheDeleted, Project: project, Cache: name})
	return nil
}

// ClearCache removes every item of the cache.
func (s *Service) ClearCache(ctx context.Context, project, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	if err := s.store.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		return tx.ClearCache(project, name)
	}); err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventCacheCleared, Project: project, Cache: name})
	return nil
}

// Put is an item put request. Value is the raw JSON the client sent.
type Put struct {
	Value     json.RawMessage
	ExpiresIn int // seconds; 0 = never
	Replace   bool
	Add       bool
	CAS       *uint64
}

// ErrNotStored reports a conditional put whose condition did not hold. It is
// not a failure on the wire (spec §4): the handler answers "Not stored.".
var ErrNotStored = errors.New("not stored")

// validateValue accepts the JSON types IronCache keeps: strings, numbers
// and booleans.
func validateValue(v json.RawMessage) error {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return emulator.Invalid("value is required")
	}
	switch v[0] {
	case '{', '[':
		return emulator.Invalid("value must be a string, number or boolean, not an object or array")
	}
	return nil
}

// PutItem stores an item, creating the cache if needed. A conditional put
// whose condition fails returns ErrNotStored and changes nothing.
func (s *Service) PutItem(ctx context.Context, project, cache, key string, p Put) error {
	if err := validateName(cache); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	if err := validateValue(p.Value); err != nil {
		return err
	}
	if p.ExpiresIn < 0 {
		return emulator.Invalid("expires_in must not be negative")
	}
	if len(p.Value) > MaxItemBytes {
		return emulator.TooLarge("value is over the %d byte limit", MaxItemBytes)
	}
	err := s.store.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		now := s.clock.Now()
		if err := s.ensureCache(tx, project, cache, now); err != nil {
			return err
		}
		old, exists, err := s.liveItem(tx, project, cache, key, now)
		if err != nil {
			return err
		}
		switch {
		case p.Add && exists, p.Replace && !exists:
			return ErrNotStored
		case p.CAS != nil && (!exists || old.CAS != *p.CAS):
			return ErrNotStored
		}
		it := emulator.Item{Project: project, Cache: cache, Key: key,
			Value: bytes.TrimSpace(p.Value), CAS: nextCAS(old.CAS)}
		if p.ExpiresIn > 0 {
			it.ExpiresAt = now.Add(time.Duration(min(p.ExpiresIn, MaxExpiresIn)) * time.Second)
		}
		return tx.PutItem(it)
	})
	if err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventCacheItemStored, Project: project, Cache: cache, Key: key})
	return nil
}

func (s *Service) ensureCache(tx emulator.CacheTx, project, name string, now time.Time) error {
	_, err := tx.Cache(project, name)
	if errors.Is(err, emulator.ErrNotFound) {
		return tx.PutCache(emulator.Cache{Project: project, Name: name, CreatedAt: now})
	}
	return err
}

// liveItem reads an item, treating an expired one as absent.
func (s *Service) liveItem(tx emulator.CacheTx, project, cache, key string, now time.Time) (emulator.Item, bool, error) {
	it, err := tx.Item(project, cache, key)
	if errors.Is(err, emulator.ErrNotFound) {
		return emulator.Item{}, false, nil
	}
	if err != nil {
		return emulator.Item{}, false, err
	}
	if it.Expired(now) {
		return emulator.Item{CAS: it.CAS}, false, nil
	}
	return it, true, nil
}

// GetItem returns a live item.
func (s *Service) GetItem(ctx context.Context, project, cache, key string) (emulator.Item, error) {
	if err := validateName(cache); err != nil {
		return emulator.Item{}, err
	}
	if err := validateKey(key); err != nil {
		return emulator.Item{}, err
	}
	var it emulator.Item
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		var ok bool
		var err error
		it, ok, err = s.liveItem(tx, project, cache, key, s.clock.Now())
		if err == nil && !ok {
			err = emulator.NotFound("Item not found")
		}
		return err
	})
	return it, err
}

// DeleteItem removes a live item.
func (s *Service) DeleteItem(ctx context.Context, project, cache, key string) error {
	if err := validateName(cache); err != nil {
		return err
	}
	if err := validateKey(key); err != nil {
		return err
	}
	err := s.store.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		_, ok, err := s.liveItem(tx, project, cache, key, s.clock.Now())
		if err != nil {
			return err
		}
		if !ok {
			return emulator.NotFound("Item not found")
		}
		return tx.DeleteItem(project, cache, key)
	})
	if err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventCacheItemDeleted, Project: project, Cache: cache, Key: key})
	return nil
}

// Counting says how Count treats a missing key and a result below zero.
type Counting int

const (
	// CountREST is the REST API's increment (spec §4): a missing key is
	// created with the amount, and results may go negative.
	CountREST Counting = iota
	// CountMemcached is the memcached protocol's incr/decr: a missing key
	// is NotFound, and a decrement stops at zero.
	CountMemcached
)

// Increment adds amount to an integer item (or a string of decimal digits)
// and returns the new value. A missing key is created with value amount.
func (s *Service) Increment(ctx context.Context, project, cache, key string, amount int64) (int64, error) {
	return s.Count(ctx, project, cache, key, amount, CountREST)
}

// Count adds amount to an integer item (or a string of decimal digits)
// under the rules of how, and returns the new value.
func (s *Service) Count(ctx context.Context, project, cache, key string, amount int64, how Counting) (int64, error) {
	if err := validateName(cache); err != nil {
		return 0, err
	}
	if err := validateKey(key); err != nil {
		return 0, err
	}
	var result int64
	err := s.store.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		now := s.clock.Now()
		if err := s.ensureCache(tx, project, cache, now); err != nil {
			return err
		}
		it, ok, err := s.liveItem(tx, project, cache, key, now)
		if err != nil {
			return err
		}
		cur := int64(0)
		switch {
		case ok:
			if cur, err = integerValue(it.Value); err != nil {
				return err
			}
		case how == CountMemcached:
			return emulator.NotFound("Item not found")
		default:
			it = emulator.Item{Project: project, Cache: cache, Key: key, CAS: it.CAS}
		}
		if (amount > 0 && cur > math.MaxInt64-amount) || (amount < 0 && cur < math.MinInt64-amount) {
			return emulator.Invalid("Increment would overflow a 64-bit integer")
		}
		result = cur + amount
		if how == CountMemcached && amount < 0 && result < 0 {
			result = 0
		}
		it.Value = strconv.AppendInt(nil, result, 10)
		it.CAS = nextCAS(it.CAS)
		return tx.PutItem(it)
	})
	if err != nil {
		return 0, err
	}
	s.publish(emulator.Event{Type: emulator.EventCacheItemStored, Project: project, Cache: cache, Key: key,
		Attrs: map[string]any{"value": result}})
	return result, nil
}

// integerValue reads a JSON integer or a JSON string of base-10 digits.
func integerValue(raw []byte) (int64, error) {
	text := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &text); err != nil {
			return 0, errNonNumeric()
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, errNonNumeric()
	}
	return n, nil
}

func errNonNumeric() error {
	return emulator.Invalid("Cannot increment or decrement non-numeric value")
}

// nextCAS returns a cas above prev that also lies above every cas handed
// out before now, even to a deleted item of the same key: it follows the
// wall clock in microseconds.
func nextCAS(prev uint64) uint64 {
	return max(prev+1, uint64(time.Now().UnixMicro()))
}

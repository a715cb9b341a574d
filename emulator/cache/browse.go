package cache

import (
	"context"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// Browsing for the control plane: every live item of a cache, page by page.

// Browse limits: a page holds at most MaxBrowseLimit items, and one call
// examines at most BrowseScanBudget (a search with few matches returns a
// short page and a cursor to go on from).
const (
	DefaultBrowseLimit = 100
	MaxBrowseLimit     = 1000
	BrowseScanBudget   = 10000
)

// ItemPage is one page of a cache. When More is set, Next is the cursor
// of the next page (the last key examined).
type ItemPage struct {
	Items []emulator.Item
	Next  string
	More  bool
}

// BrowseItems returns up to limit unexpired items of the cache whose key
// sorts after `after`, in key order, keeping those whose key contains
// search (case-insensitive).
func (s *Service) BrowseItems(ctx context.Context, project, name, after string, limit int, search string) (ItemPage, error) {
	if err := validateName(name); err != nil {
		return ItemPage{}, err
	}
	if limit <= 0 {
		limit = DefaultBrowseLimit
	}
	limit = min(limit, MaxBrowseLimit)
	search = strings.ToLower(search)
	var page ItemPage
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		page = ItemPage{}
		if _, err := tx.Cache(project, name); err != nil {
			return err
		}
		now, scanned := s.clock.Now(), 0
		return tx.ItemsAfter(project, name, after, func(it emulator.Item) (bool, error) {
			if len(page.Items) == limit || scanned == BrowseScanBudget {
				page.More = true
				return false, nil
			}
			scanned++
			page.Next = it.Key
			if it.Expired(now) || search != "" && !strings.Contains(strings.ToLower(it.Key), search) {
				return true, nil
			}
			page.Items = append(page.Items, it)
			return true, nil
		})
	})
	if !page.More {
		page.Next = ""
	}
	return page, err
}

// Projects lists the projects that have a cache.
func (s *Service) Projects(ctx context.Context) ([]string, error) {
	var out []string
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		var err error
		out, err = tx.CacheProjects()
		return err
	})
	return out, err
}

// CountCaches counts the project's caches.
func (s *Service) CountCaches(ctx context.Context, project string) (int, error) {
	n := 0
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		cs, err := tx.ListCaches(project, 0, int(^uint(0)>>1))
		n = len(cs)
		return err
	})
	return n, err
}

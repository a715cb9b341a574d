package cache

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// UpcomingScanBudget bounds the items Upcoming examines: items have no
// expiry index, so a project with more items reports the expiries among
// the first ones (in cache and key order).
const UpcomingScanBudget = 100_000

// Upcoming lists, earliest first, the project's cache items that expire
// after now and up to until, at most limit of them.
func (s *Service) Upcoming(ctx context.Context, project string, until time.Time, limit int) ([]emulator.Upcoming, error) {
	var out []emulator.Upcoming
	err := s.store.ViewCaches(ctx, func(tx emulator.CacheTx) error {
		out = out[:0]
		now, scanned := s.clock.Now(), 0
		for offset := 0; scanned < UpcomingScanBudget; offset += MaxPerPage {
			caches, err := tx.ListCaches(project, offset, MaxPerPage)
			if err != nil {
				return err
			}
			for _, c := range caches {
				err := tx.ItemsAfter(project, c.Name, "", func(it emulator.Item) (bool, error) {
					scanned++
					if !it.ExpiresAt.IsZero() && it.ExpiresAt.After(now) && !it.ExpiresAt.After(until) {
						out = append(out, emulator.Upcoming{At: it.ExpiresAt, Kind: emulator.UpcomingItemExpires,
							Project: project, Cache: c.Name, Key: it.Key})
					}
					return scanned < UpcomingScanBudget, nil
				})
				if err != nil {
					return err
				}
			}
			out = emulator.MergeUpcoming(limit, out)
			if len(caches) < MaxPerPage {
				break
			}
		}
		return nil
	})
	return out, err
}

package worker

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Upcoming lists, earliest first, the project's active schedules whose
// next run falls up to until (a schedule already due is listed at its due
// time), at most limit of them. Each is listed once, at its next run.
func (s *Service) Upcoming(ctx context.Context, project string, until time.Time, limit int) ([]emulator.Upcoming, error) {
	var out []emulator.Upcoming
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		out = out[:0]
		return tx.ActiveSchedules(func(sc emulator.Schedule) error {
			if sc.Project != project || sc.NextStart.IsZero() || sc.NextStart.After(until) {
				return nil
			}
			out = append(out, emulator.Upcoming{At: sc.NextStart, Kind: emulator.UpcomingScheduleFires, Project: project,
				ScheduleID: sc.ID, CodeName: sc.CodeName})
			return nil
		})
	})
	return emulator.MergeUpcoming(limit, out), err
}

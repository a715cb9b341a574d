package worker

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Upcoming lists, earliest first, the project's active schedules whose
// next run falls up to until (a schedule already due is listed at its due
// time; each once, at its next run) and its queued tasks whose delay ends
// after now and up to until, at most limit of them.
func (s *Service) Upcoming(ctx context.Context, project string, until time.Time, limit int) ([]emulator.Upcoming, error) {
	var out []emulator.Upcoming
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		out = out[:0]
		err := tx.ActiveSchedules(func(sc emulator.Schedule) error {
			if sc.Project != project || sc.NextStart.IsZero() || sc.NextStart.After(until) {
				return nil
			}
			out = append(out, emulator.Upcoming{At: sc.NextStart, Kind: emulator.UpcomingScheduleFires, Project: project,
				ScheduleID: sc.ID, CodeName: sc.CodeName})
			return nil
		})
		if err != nil {
			return err
		}
		now := s.clock.Now()
		return tx.TasksInStatus(emulator.TaskQueued, func(t emulator.Task) error {
			if t.Project == project && t.RunnableAt.After(now) && !t.RunnableAt.After(until) {
				out = append(out, emulator.Upcoming{At: t.RunnableAt, Kind: emulator.UpcomingTaskRunnable, Project: project,
					TaskID: t.ID, CodeName: t.CodeName})
			}
			return nil
		})
	})
	return emulator.MergeUpcoming(limit, out), err
}

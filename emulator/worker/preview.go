package worker

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// MaxPreviewFires bounds PreviewSchedule's n.
const MaxPreviewFires = 100

// PreviewSchedule returns the next n times (at most MaxPreviewFires) a
// schedule would fire from now on, by the scheduler's own rules: ns is
// validated and applied as CreateSchedules would (id "") or as
// UpdateSchedule would to schedule id (its run count and last run count),
// and nothing is stored. A run already due fires now; fewer than n times
// mean the schedule completes after the last.
func (s *Service) PreviewSchedule(ctx context.Context, project, id string, ns NewSchedule, n int) ([]time.Time, error) {
	if n < 1 || n > MaxPreviewFires {
		return nil, emulator.Invalid("n must be between 1 and %d", MaxPreviewFires)
	}
	now := s.clock.Now()
	sc := emulator.Schedule{Status: emulator.ScheduleActive}
	if id != "" {
		stored, err := s.GetSchedule(ctx, project, id)
		if err != nil {
			return nil, err
		}
		if stored.Status != emulator.ScheduleActive {
			return nil, emulator.Invalid("Schedule is %s and will not fire again", stored.Status)
		}
		sc = stored
	}
	if err := ns.apply(&sc, now, id == ""); err != nil {
		return nil, err
	}
	return fires(sc, now, n), nil
}

// fires walks an active schedule through the runs fire would make from
// now on, as if each came exactly on time, and returns up to n of them.
func fires(sc emulator.Schedule, now time.Time, n int) []time.Time {
	var out []time.Time
	for len(out) < n && !sc.NextStart.IsZero() {
		at := sc.NextStart
		if at.Before(now) {
			at = now // due already: the scheduler fires it at once
		}
		if !sc.EndAt.IsZero() && at.After(sc.EndAt) {
			break
		}
		out = append(out, at)
		sc.RunCount++
		sc.LastRunTime = at
		sc.NextStart = following(sc, at)
		if finished(sc, false) {
			break
		}
	}
	return out
}

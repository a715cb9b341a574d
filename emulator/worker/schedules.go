package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ironlocal/ironlocal/emulator"
)

// NewSchedule is a schedule create or update request (spec §3.4). Nil and
// zero fields take defaults on create and are left unchanged on update.
type NewSchedule struct {
	CodeName       string
	Name           string
	Payload        *string
	StartAt        *time.Time
	EndAt          *time.Time
	Delay          *int
	RunEvery       *int
	RunTimes       *int
	Cron           *string
	Priority       *int
	Timeout        *int
	TaskDelay      *int
	Cluster        string
	Label          string
	MaxConcurrency *int
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// apply validates ns and writes it onto sc.
func (ns NewSchedule) apply(sc *emulator.Schedule, now time.Time, creating bool) error {
	if p := ns.Payload; p != nil {
		if len(*p) > MaxPayloadBytes {
			return emulator.TooLarge("payload is over the %d byte limit", MaxPayloadBytes)
		}
		sc.Payload = *p
	}
	if ns.Name != "" {
		sc.Name = ns.Name
	}
	if v := ns.RunEvery; v != nil {
		if *v != 0 && *v < MinRunEvery {
			return emulator.Invalid("run_every must be at least %d seconds", MinRunEvery)
		}
		if *v < 0 {
			return emulator.Invalid("run_every must not be negative")
		}
		sc.RunEvery = *v
	}
	if v := ns.RunTimes; v != nil {
		if *v < 0 {
			return emulator.Invalid("run_times must not be negative")
		}
		sc.RunTimes = *v
	}
	if v := ns.Cron; v != nil {
		if *v != "" {
			if _, err := cronParser.Parse(*v); err != nil {
				return emulator.Invalid("cron %q is not a valid 5-field cron expression: %v", *v, err)
			}
		}
		sc.Cron = *v
	}
	if sc.Cron != "" && sc.RunEvery > 0 {
		// Both would set the times of the runs: refused rather than one
		// silently ignored.
		return emulator.Invalid("cron and run_every cannot both be set: cron %q already says when to run; "+
			"drop run_every (now %d) or cron", sc.Cron, sc.RunEvery)
	}
	if p := ns.Priority; p != nil && *p >= 0 && *p <= 2 {
		sc.Priority = *p
	}
	if v := ns.Timeout; v != nil && *v > 0 {
		sc.Timeout = *v
	}
	if v := ns.TaskDelay; v != nil {
		if *v < 0 || *v > MaxDelay {
			return emulator.Invalid("task_delay must be between 0 and %d seconds", MaxDelay)
		}
		sc.TaskDelay = *v
	}
	if v := ns.Delay; v != nil && (*v < 0 || *v > MaxDelay) {
		return emulator.Invalid("delay must be between 0 and %d seconds", MaxDelay)
	}
	if ns.Cluster != "" {
		sc.Cluster = ns.Cluster
	}
	if ns.Label != "" {
		sc.Label = ns.Label
	}
	if v := ns.MaxConcurrency; v != nil {
		sc.MaxConcurrency = *v
	}
	switch {
	case ns.StartAt != nil && !ns.StartAt.IsZero():
		sc.StartAt = ns.StartAt.UTC()
	case creating:
		sc.StartAt = now
		if ns.Delay != nil {
			sc.StartAt = now.Add(time.Duration(*ns.Delay) * time.Second)
		}
	}
	if v := ns.EndAt; v != nil && !v.IsZero() {
		sc.EndAt = v.UTC()
	}
	if !sc.EndAt.IsZero() && sc.EndAt.Before(sc.StartAt) {
		return emulator.Invalid("end_at (%s) is before start_at (%s)", sc.EndAt.Format(time.RFC3339), sc.StartAt.Format(time.RFC3339))
	}
	if sc.Status == emulator.ScheduleActive {
		sc.NextStart = sc.StartAt
		if sc.Cron != "" {
			sc.NextStart = nextCron(sc.Cron, sc.StartAt.Add(-time.Nanosecond))
		}
		if sc.RunCount > 0 && !sc.LastRunTime.IsZero() && !sc.NextStart.After(sc.LastRunTime) {
			sc.NextStart = following(*sc, sc.LastRunTime)
		}
	}
	return nil
}

func nextCron(expr string, after time.Time) time.Time {
	sched, err := cronParser.Parse(expr)
	if err != nil {
		return time.Time{}
	}
	return sched.Next(after).UTC()
}

// following returns the first run time of sc strictly after now, so runs
// missed while ironlocal was down (or the clock jumped) collapse into the
// one that fires now. Zero means no further run.
func following(sc emulator.Schedule, now time.Time) time.Time {
	switch {
	case sc.Cron != "":
		return nextCron(sc.Cron, now)
	case sc.RunEvery > 0:
		every := time.Duration(sc.RunEvery) * time.Second
		next := sc.NextStart
		if next.IsZero() {
			next = sc.StartAt
		}
		if !next.After(now) {
			next = next.Add((now.Sub(next)/every + 1) * every)
		}
		return next
	}
	return time.Time{}
}

// finished reports whether a schedule that has just run is complete: it
// made its run_times, or its next run is past end_at or, unless the run was
// forced (run now, which leaves next_start alone), there is none.
func finished(sc emulator.Schedule, force bool) bool {
	return sc.RunTimes > 0 && sc.RunCount >= sc.RunTimes || sc.NextStart.IsZero() && !force ||
		!sc.EndAt.IsZero() && sc.NextStart.After(sc.EndAt)
}

// CreateSchedules creates a batch of schedules (all or nothing).
func (s *Service) CreateSchedules(ctx context.Context, project string, batch []NewSchedule) ([]emulator.Schedule, error) {
	if len(batch) == 0 {
		return nil, emulator.Invalid("schedules must be a non-empty array")
	}
	var out []emulator.Schedule
	s.sched.writes.Lock()
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		out = out[:0]
		now := s.clock.Now()
		for _, ns := range batch {
			if ns.CodeName == "" {
				return emulator.Invalid("code_name is required")
			}
			if _, err := tx.CodeByName(project, ns.CodeName); err != nil {
				return err
			}
			sc := emulator.Schedule{ID: s.ids.ObjectID(), Project: project, CodeName: ns.CodeName,
				Status: emulator.ScheduleActive, Timeout: DefaultTimeout, Cluster: "default", CreatedAt: now, UpdatedAt: now}
			if err := ns.apply(&sc, now, true); err != nil {
				return err
			}
			if err := tx.PutSchedule(sc); err != nil {
				return err
			}
			out = append(out, sc)
		}
		return nil
	})
	if err == nil {
		s.sched.record(out...)
	}
	s.sched.writes.Unlock()
	if err != nil {
		return nil, err
	}
	for _, sc := range out {
		s.publish(emulator.Event{Type: emulator.EventScheduleCreated, Project: project, Code: sc.CodeName,
			Attrs: map[string]any{"schedule_id": sc.ID}})
	}
	s.sched.poke()
	return out, nil
}

// GetSchedule returns a schedule.
func (s *Service) GetSchedule(ctx context.Context, project, id string) (emulator.Schedule, error) {
	var sc emulator.Schedule
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		sc, err = tx.Schedule(project, id)
		return err
	})
	return sc, err
}

// ListSchedules lists schedules newest first.
func (s *Service) ListSchedules(ctx context.Context, project string, p, perPage int) ([]emulator.Schedule, error) {
	offset, limit := page(p, perPage)
	var out []emulator.Schedule
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		out, err = tx.ListSchedules(project, offset, limit)
		return err
	})
	return out, err
}

// UpdateSchedule changes an active schedule's fields.
func (s *Service) UpdateSchedule(ctx context.Context, project, id string, ns NewSchedule) (emulator.Schedule, error) {
	return s.changeSchedule(ctx, project, id, func(tx emulator.WorkerTx, sc *emulator.Schedule) error {
		if sc.Status != emulator.ScheduleActive {
			return emulator.Invalid("Schedule is %s and can no longer be changed", sc.Status)
		}
		if ns.CodeName != "" && ns.CodeName != sc.CodeName {
			if _, err := tx.CodeByName(project, ns.CodeName); err != nil {
				return err
			}
			sc.CodeName = ns.CodeName
		}
		return ns.apply(sc, s.clock.Now(), false)
	})
}

// CancelSchedule stops a schedule; its tasks already queued are unaffected.
func (s *Service) CancelSchedule(ctx context.Context, project, id string) (emulator.Schedule, error) {
	return s.changeSchedule(ctx, project, id, func(_ emulator.WorkerTx, sc *emulator.Schedule) error {
		if sc.Status != emulator.ScheduleActive {
			return emulator.Invalid("Schedule is already %s", sc.Status)
		}
		sc.Status, sc.NextStart = emulator.ScheduleCancelled, time.Time{}
		return nil
	})
}

func (s *Service) changeSchedule(ctx context.Context, project, id string, fn func(emulator.WorkerTx, *emulator.Schedule) error) (emulator.Schedule, error) {
	var sc emulator.Schedule
	s.sched.writes.Lock()
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		if sc, err = tx.Schedule(project, id); err != nil {
			return err
		}
		if err := fn(tx, &sc); err != nil {
			return err
		}
		sc.UpdatedAt = s.clock.Now()
		return tx.PutSchedule(sc)
	})
	if err == nil {
		s.sched.record(sc)
	}
	s.sched.writes.Unlock()
	if err != nil {
		return sc, err
	}
	s.publish(emulator.Event{Type: emulator.EventScheduleUpdated, Project: project, Code: sc.CodeName,
		Attrs: map[string]any{"schedule_id": id, "status": string(sc.Status)}})
	s.sched.poke()
	return sc, nil
}

// RunSchedule queues one task of the schedule now (control plane "run
// now"), counting as a run but leaving next_start alone.
func (s *Service) RunSchedule(ctx context.Context, project, id string) (emulator.Task, error) {
	return s.fire(ctx, project, id, true)
}

// fire queues the schedule's task. Unless forced it fires only when due,
// and it advances next_start past now (missed runs collapse into one).
func (s *Service) fire(ctx context.Context, project, id string, force bool) (emulator.Task, error) {
	var task emulator.Task
	var stored emulator.Schedule // as the transaction leaves it
	fired, missing := false, false
	s.sched.writes.Lock()
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		fired = false
		sc, err := tx.Schedule(project, id)
		if missing = errors.Is(err, emulator.ErrNotFound); err != nil {
			return err
		}
		stored = sc
		now := s.clock.Now()
		if !force && (sc.Status != emulator.ScheduleActive || sc.NextStart.IsZero() || sc.NextStart.After(now)) {
			return nil
		}
		if !force && !sc.EndAt.IsZero() && now.After(sc.EndAt) {
			sc.Status, sc.NextStart, sc.UpdatedAt = emulator.ScheduleComplete, time.Time{}, now
			stored = sc
			return tx.PutSchedule(sc)
		}
		code, err := tx.CodeByName(project, sc.CodeName)
		if err != nil && force {
			return err // nothing to run now: the schedule stays as it was
		}
		if err != nil {
			sc.Msg = "Code " + sc.CodeName + " not found: run skipped"
		} else {
			prio, timeout, delay := sc.Priority, sc.Timeout, sc.TaskDelay
			task = s.newTask(code, NewTask{CodeName: sc.CodeName, Payload: sc.Payload, Priority: &prio,
				Timeout: &timeout, Delay: &delay, Cluster: sc.Cluster, Label: sc.Label, ScheduleID: sc.ID})
			if err := tx.PutTask(nil, task); err != nil {
				return err
			}
			s.disp.codeChanged(code)
			fired, sc.Msg = true, ""
		}
		sc.RunCount++
		sc.LastRunTime, sc.UpdatedAt = now, now
		if !force {
			sc.NextStart = following(sc, now)
		}
		// A run-now of a finished or cancelled schedule leaves its status.
		if sc.Status == emulator.ScheduleActive && finished(sc, force) {
			sc.Status, sc.NextStart = emulator.ScheduleComplete, time.Time{}
		}
		stored = sc
		return tx.PutSchedule(sc)
	})
	switch {
	case missing:
		s.sched.table.drop(id)
	case err == nil:
		s.sched.record(stored)
	}
	s.sched.writes.Unlock()
	if err != nil || !fired {
		return task, err
	}
	s.disp.enqueue(task)
	s.publish(taskEvent(emulator.EventTaskQueued, task))
	s.publish(emulator.Event{Type: emulator.EventScheduleFired, Project: project, Code: task.CodeName, TaskID: task.ID,
		Attrs: map[string]any{"schedule_id": id}})
	return task, nil
}

// scheduler fires due schedules: it sleeps until the earliest next_start
// or until poked (new schedule, clock moved). Its timetable says which
// schedules are due without reading them all from the store.
type scheduler struct {
	s      *Service
	tickMu sync.Mutex
	paused bool // under tickMu: Service.Pause
	// writes is held across every schedule write and its recording in
	// table, so the table never takes an older write over a newer one.
	writes sync.Mutex
	table  *timetable      // under writes
	stale  bool            // under writes: the store's contents were replaced; refill table before use
	alarm  *emulator.Alarm // wakes the loop: a poke, or the earliest next_start
	ctx    context.Context
	cancel context.CancelFunc
}

func newScheduler(s *Service) *scheduler {
	sc := &scheduler{s: s, table: newTimetable(), stale: true, alarm: emulator.NewAlarm(s.clock)}
	sc.ctx, sc.cancel = context.WithCancel(context.Background())
	return sc
}

// load fills the timetable from the store.
func (sc *scheduler) load(ctx context.Context) error {
	sc.writes.Lock()
	defer sc.writes.Unlock()
	sc.stale = true
	return sc.fresh(ctx)
}

// fresh refills the timetable if the store's contents were replaced since
// it was filled. The caller holds writes.
func (sc *scheduler) fresh(ctx context.Context) error {
	if !sc.stale {
		return nil
	}
	err := sc.s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		return sc.table.fill(tx.ActiveSchedules)
	})
	if err != nil {
		return fmt.Errorf("read schedules: %w", err)
	}
	sc.stale = false
	return nil
}

// record notes schedules as they were just written. The caller holds writes.
func (sc *scheduler) record(list ...emulator.Schedule) {
	for _, s := range list {
		sc.table.set(s)
	}
}

// invalidate makes the next look at the timetable read the store again
// (reset and snapshot import replaced its contents) and wakes the loop.
func (sc *scheduler) invalidate() {
	sc.writes.Lock()
	sc.stale = true
	sc.writes.Unlock()
	sc.poke()
}

func (sc *scheduler) poke() { sc.alarm.Poke() }

func (sc *scheduler) reset() { sc.invalidate() }

// pause waits for a tick in progress and makes later ticks do nothing
// until resume.
func (sc *scheduler) pause() {
	sc.tickMu.Lock()
	sc.paused = true
	sc.tickMu.Unlock()
}

// resume ends a pause. The store may hold other schedules now (reset,
// import), so the timetable is read again.
func (sc *scheduler) resume() {
	sc.tickMu.Lock()
	sc.paused = false
	sc.tickMu.Unlock()
	sc.invalidate()
}

// start runs the loop: it fires due schedules, then sleeps until the
// earliest next_start or a poke (a schedule changed, the clock moved). It
// does not poll.
func (sc *scheduler) start() {
	sc.s.bg.Loop("worker scheduler", func(ctx context.Context) {
		for {
			sc.alarm.Set(sc.tick())
			if !sc.alarm.Wait(ctx) || sc.ctx.Err() != nil {
				return
			}
		}
	})
}

// due reports whether some active schedule should have fired by now.
func (sc *scheduler) due() bool {
	sc.writes.Lock()
	defer sc.writes.Unlock()
	if sc.fresh(sc.ctx) != nil {
		return false
	}
	first, ok := sc.table.earliest()
	return ok && !first.at.After(sc.s.clock.Now())
}

// tick fires every due schedule and returns the earliest next_start. The
// loop and ClockMoved both call it; tickMu keeps one firing at a time.
func (sc *scheduler) tick() time.Time {
	sc.tickMu.Lock()
	defer sc.tickMu.Unlock()
	if sc.paused {
		return time.Time{}
	}
	now := sc.s.clock.Now()
	sc.writes.Lock()
	err := sc.fresh(sc.ctx)
	var due []slot
	if err == nil {
		due = sc.table.takeDue(now)
	}
	sc.writes.Unlock()
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			sc.s.log.Error("read schedules", "err", err)
		}
		return now.Add(time.Second) // try again shortly
	}
	for _, s := range due {
		_, err := sc.s.fire(sc.ctx, s.project, s.id, false)
		if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, emulator.ErrNotFound) {
			continue
		}
		sc.s.log.Error("fire schedule", "schedule_id", s.id, "err", err)
		sc.writes.Lock()
		sc.table.retry(s, now.Add(time.Second))
		sc.writes.Unlock()
	}
	if len(due) > 0 {
		sc.s.notifyIdle()
	}
	sc.writes.Lock()
	defer sc.writes.Unlock()
	first, _ := sc.table.earliest()
	return first.at
}

// close ends ticks in progress and to come; the owner stops the loop.
func (sc *scheduler) close() { sc.cancel() }

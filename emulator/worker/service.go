package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Service implements IronWorker v2.
type Service struct {
	store   emulator.WorkerStore
	runtime emulator.Runtime
	ids     emulator.IDs
	clock   emulator.Clock
	events  emulator.Publisher
	cfg     Config
	log     *slog.Logger

	seq   atomic.Uint64 // FIFO tiebreak for tasks created in one instant
	disp  *dispatcher
	sched *scheduler
	bg    *emulator.Goroutines // the dispatch and schedule loops, task runners, retry timers

	mu      sync.Mutex
	started bool

	idleNotify atomic.Pointer[func()]

	sinks sync.Map // task id → *logSink of each running task (LogSoFar)

	tokens   *taskTokens  // each running task's IRON_TOKEN
	activity *activityLog // what tasks did through their tokens
	watchers *watchers    // the folder watches of watched linked codes

	endedMu sync.Mutex
	ended   chan struct{} // closed (and replaced) whenever a task finishes: WaitTask
}

// New returns a service; Start begins dispatching and scheduling.
func New(store emulator.WorkerStore, rt emulator.Runtime, ids emulator.IDs, clock emulator.Clock, events emulator.Publisher, cfg Config, log *slog.Logger) *Service {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, runtime: rt, ids: ids, clock: clock, events: events, cfg: cfg, log: log,
		bg: emulator.NewGoroutines(log), tokens: newTaskTokens(clock), activity: newActivityLog(), ended: make(chan struct{})}
	// Seeded from the wall clock so FIFO order holds across restarts.
	s.seq.Store(uint64(time.Now().UnixNano()))
	s.disp = newDispatcher(s)
	s.sched = newScheduler(s)
	s.watchers = newWatchers(s)
	return s
}

// Runtime names the runtime tasks run on.
func (s *Service) Runtime() string { return s.runtime.Name() }

// Start recovers tasks interrupted by a previous stop (running ones are
// marked killed and retried per their code's retries; queued ones are
// dispatched), then starts the dispatcher and the scheduler.
func (s *Service) Start(ctx context.Context) error {
	if err := s.disp.recover(ctx); err != nil {
		return err
	}
	if err := s.sched.load(ctx); err != nil {
		return err
	}
	s.disp.start()
	s.sched.start()
	if err := s.watchers.load(ctx); err != nil {
		return fmt.Errorf("watch linked codes: %w", err)
	}
	return nil
}

// Close stops scheduling, stops running tasks (marking them killed, so they
// are retried per their code's retries at the next start) and waits for the
// runners to record their results.
func (s *Service) Close(ctx context.Context) error {
	s.sched.close()
	s.watchers.stopAll(true)
	s.disp.shutdown()
	if err := s.bg.Close(ctx); err != nil {
		return fmt.Errorf("worker: running tasks did not stop in time: %w", err)
	}
	return nil
}

// ClockMoved re-evaluates delays and schedules after the virtual clock
// moved.
//
// Due schedules fire before it returns, so a test that advances the clock
// and then waits for idleness sees their tasks.
func (s *Service) ClockMoved() {
	s.sched.tick()
}

// Reset forgets all in-memory state after the store was wiped. Running
// tasks are stopped.
func (s *Service) Reset(ctx context.Context) error {
	s.watchers.stopAll(false)
	err := s.disp.reset(ctx)
	s.sched.reset()
	s.tokens.reset()
	s.activity.reset()
	return err
}

// Reload rebuilds the in-memory queue from the store after its contents
// were replaced (snapshot import): tasks it holds as running are marked
// killed, queued ones are dispatched.
func (s *Service) Reload(ctx context.Context) error {
	if err := s.disp.recover(ctx); err != nil {
		return err
	}
	s.disp.poke()
	s.sched.invalidate()
	return s.watchers.load(ctx)
}

// Idle reports whether no task is queued or running and no schedule is due.
func (s *Service) Idle() bool { return s.disp.idle() && !s.sched.due() }

// SetIdleNotifier registers f to run whenever the worker may have become
// idle: a task run ended, or a schedule tick fired or skipped schedules.
// (Task events are on the bus too, but a run counts as running until just
// after its task.finished event.) f must not block.
func (s *Service) SetIdleNotifier(f func()) { s.idleNotify.Store(&f) }

func (s *Service) notifyIdle() {
	if f := s.idleNotify.Load(); f != nil {
		(*f)()
	}
}

// Pause holds the scheduler and the dispatcher still until Resume: it
// returns once a schedule tick in progress has ended, and meanwhile no
// schedule fires and no task starts. Running tasks carry on (Reset stops
// them). The control service pauses the worker while reset or a snapshot
// import replaces the store's contents.
func (s *Service) Pause(context.Context) error {
	s.sched.pause()
	s.disp.pause(true)
	return nil
}

// Resume ends a Pause: queued tasks and due schedules are looked at afresh.
func (s *Service) Resume() {
	s.disp.pause(false)
	s.sched.resume()
}

func (s *Service) publish(e emulator.Event) {
	e.At = s.clock.Now()
	s.events.Publish(e)
	if e.Type == emulator.EventTaskFinished {
		s.endedMu.Lock()
		close(s.ended)
		s.ended = make(chan struct{})
		s.endedMu.Unlock()
	}
}

// WaitTask waits until the task has finished (or ctx ends) and returns it
// as it then stands. It does not poll: every task's end wakes it.
func (s *Service) WaitTask(ctx context.Context, project, id string) (emulator.Task, error) {
	for {
		s.endedMu.Lock()
		ended := s.ended // before the read, so no end is missed
		s.endedMu.Unlock()
		t, err := s.GetTask(ctx, project, id)
		if err != nil || t.Status.Terminal() {
			return t, err
		}
		select {
		case <-ctx.Done():
			return t, ctx.Err()
		case <-ended:
		}
	}
}

func validateCodeName(name string) error {
	switch {
	case name == "":
		return emulator.Invalid("Code name is required")
	case len(name) > MaxCodeNameLength:
		return emulator.Invalid("Code name is longer than %d bytes", MaxCodeNameLength)
	case strings.ContainsRune(name, 0):
		return emulator.Invalid("Code name must not contain NUL")
	}
	return nil
}

// page converts page/per_page to offset/limit with the spec's clamps.
func page(p, perPage int) (offset, limit int) {
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	p = max(0, min(p, MaxPage))
	return p * perPage, perPage
}

package control

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/chaos"
	"github.com/ironlocal/ironlocal/emulator/fault"
	"github.com/ironlocal/ironlocal/emulator/journal"
)

// Store is what the control service needs from the store: wipe it, stream
// a snapshot out and in, and probe it for health.
type Store interface {
	// Reset wipes all state; id sequences keep counting.
	Reset(ctx context.Context) error
	// Export writes a consistent snapshot of the whole store to w.
	Export(ctx context.Context, w io.Writer, opts emulator.SnapshotOptions) error
	// Import replaces the whole store with the snapshot read from r; a
	// damaged or newer snapshot is refused before anything changes.
	Import(ctx context.Context, r io.Reader) error
	// Empty reports whether the store holds no user data; health uses it
	// as a read probe.
	Empty() (bool, error)
}

// Pausable is a background loop that reset and import hold still while the
// store's contents are replaced.
type Pausable interface {
	// Pause returns once the loop is between iterations and will begin no
	// new one until Resume (or with ctx's error, the loop then running on).
	Pause(ctx context.Context) error
	// Resume lets the loop carry on, looking at the state afresh.
	Resume()
}

// Worker is what the control service needs of the worker service: its
// idleness, its reaction to a moved clock, and a reset or reload of its
// queue around a wipe or an import.
type Worker interface {
	Pausable
	// Idle reports no task queued or running and no schedule due.
	Idle() bool
	// SetIdleNotifier makes f run whenever the worker may have become idle.
	SetIdleNotifier(f func())
	// ClockMoved fires what the moved clock made due before it returns.
	ClockMoved()
	// Runtime names where tasks run ("docker", "process").
	Runtime() string
	// Reset stops running tasks and forgets the queue; Reload rebuilds it
	// from the store.
	Reset(ctx context.Context) error
	Reload(ctx context.Context) error
}

// Pusher is what the control service needs of the push deliverer.
type Pusher interface {
	Pausable
	// Idle reports no delivery in flight or due; Settled also waits for
	// pending retries and acknowledgements, and says when the next is due.
	Idle() bool
	Settled() (settled bool, next time.Time)
	// SetIdleNotifier makes f run whenever deliveries may have settled.
	SetIdleNotifier(f func())
	// Poke makes the pusher look for due deliveries now.
	Poke()
}

// VirtualClock is a clock the control plane can move (package clock's
// Virtual). It never goes backwards.
type VirtualClock interface {
	emulator.Clock
	Advance(d time.Duration) time.Time
	Set(t time.Time) time.Time
	// OnShift registers f to run after every Advance or Set.
	OnShift(f func(now time.Time))
}

// Config wires the service to the parts it drives.
type Config struct {
	Store  Store
	Worker Worker
	Pusher Pusher
	// Loops are the other background loops to quiesce on reset and import
	// (the expiry sweeper); Worker and Pusher are quiesced anyway.
	Loops []Pausable
	// Faults holds the injected failures the HTTP layer applies.
	Faults *fault.Injector
	// Chaos is chaos mode (nil: none); a reset restarts it from its first
	// chance.
	Chaos *chaos.Engine
	// Journal is the journal of writes (nil: none); a reset starts it on
	// an empty state, an import on one it cannot rebuild.
	Journal *journal.Journal
	Bus     *emulator.Bus
	// Clock is the emulator's clock; Virtual is the same clock when it can
	// be moved, nil on the wall clock.
	Clock   emulator.Clock
	Virtual VirtualClock
	// SnapshotDir is the one directory SaveSnapshot writes into; "" refuses
	// saving (an ephemeral emulator with no --snapshot-dir).
	SnapshotDir string
	// Settings is how the emulator was started (reported by Settings).
	Settings Settings
	// ProjectSources are the services whose projects Projects lists.
	ProjectSources []ProjectSource
	// TestContainers finds the test suites' ironlocal containers on the
	// Docker engine; nil answers ErrUnavailable.
	TestContainers TestContainers
	Logger         *slog.Logger
}

// Service is the control service. Its methods are safe for concurrent use.
type Service struct {
	store   Store
	worker  Worker
	pusher  Pusher
	loops   []Pausable // quiesced in this order, resumed in reverse
	faults  *fault.Injector
	chaos   *chaos.Engine
	journal *journal.Journal
	bus     *emulator.Bus
	clock   emulator.Clock
	virtual VirtualClock
	snapDir string
	log     *slog.Logger

	settings       Settings
	projectSources []ProjectSource

	// state is held for writing while reset or import replace the store,
	// and for reading by idle checks, so no check reads a half-wiped store.
	state sync.RWMutex
	// snapMu makes one snapshot save at a time, so the overwrite check and
	// the write agree.
	snapMu sync.Mutex

	waiters *broadcast

	containers TestContainers
	pauses     pauses
}

// New returns the service and hooks it to the clock and the background
// parts it watches for idleness.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Faults == nil {
		cfg.Faults = &fault.Injector{}
	}
	s := &Service{store: cfg.Store, worker: cfg.Worker, pusher: cfg.Pusher, faults: cfg.Faults, chaos: cfg.Chaos, journal: cfg.Journal, bus: cfg.Bus,
		clock: cfg.Clock, virtual: cfg.Virtual, snapDir: cfg.SnapshotDir, log: cfg.Logger, waiters: newBroadcast(),
		settings: cfg.Settings, projectSources: cfg.ProjectSources, containers: cfg.TestContainers}
	s.loops = append([]Pausable{cfg.Worker, cfg.Pusher}, cfg.Loops...)
	s.worker.SetIdleNotifier(s.waiters.notify)
	s.pusher.SetIdleNotifier(s.waiters.notify)
	if s.virtual != nil {
		s.virtual.OnShift(s.clockShifted)
	}
	return s
}

// clockShifted runs after every move of the virtual clock (through the
// control plane or Server.VirtualClock in Go tests), once the move's timers
// have woken the loops they made due: due schedules fire before it
// returns, and waiters look again.
func (s *Service) clockShifted(now time.Time) {
	s.worker.ClockMoved()
	s.bus.Publish(emulator.Event{Type: emulator.EventClockChanged, At: now})
	s.waiters.notify()
}

// Health is the state of each part of the emulator.
type Health struct {
	// OK is false when some part cannot serve requests.
	OK bool
	// Services maps each part (store, mq, cache, worker) to "ok" or an
	// error text, and "runtime" to the task runtime in use.
	Services map[string]string
	// DecodeFailures are the stored records skipped because they do not
	// decode (a damaged data dir). The emulator serves on without them, so
	// they do not make OK false.
	DecodeFailures emulator.DecodeFailures
}

// DamageReporter is a store that skips the records it cannot decode and
// counts them (the Badger store does).
type DamageReporter interface {
	DecodeFailures() emulator.DecodeFailures
}

// SnapshotStager is a store that can read and check a whole snapshot
// before anything changes (the Badger store can).
type SnapshotStager interface {
	StageSnapshot(ctx context.Context, r io.Reader) (emulator.StagedSnapshot, error)
}

// Health reads the store (every service depends on it) and reports the
// task runtime in use and any damaged records the store skipped.
func (s *Service) Health(ctx context.Context) Health {
	state := "ok"
	if _, err := s.store.Empty(); err != nil {
		state = "error: " + err.Error()
	}
	h := Health{OK: state == "ok", Services: map[string]string{"store": state, "mq": state, "cache": state,
		"worker": state, "runtime": s.worker.Runtime()}}
	if d, ok := s.store.(DamageReporter); ok {
		h.DecodeFailures = d.DecodeFailures()
	}
	return h
}

// Reset wipes all state (queues, caches, codes, tasks, schedules) and the
// injected faults. Running tasks are stopped and record nothing.
func (s *Service) Reset(ctx context.Context) error {
	err := s.quiesced(ctx, func() error {
		if err := s.worker.Reset(ctx); err != nil {
			return err
		}
		return s.store.Reset(ctx)
	})
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	s.faults.Clear()
	if s.chaos != nil {
		s.chaos.Restart()
	}
	s.journal.Begin(s.clock.Now(), true, "") // empty again: what follows rebuilds it
	s.bus.Publish(emulator.Event{Type: emulator.EventStateReset, At: s.clock.Now()})
	return nil
}

// ExportSnapshot writes a snapshot of the whole state to w (the registry
// logins only when opts asks for them).
func (s *Service) ExportSnapshot(ctx context.Context, w io.Writer, opts emulator.SnapshotOptions) error {
	return s.store.Export(ctx, w, opts)
}

// ImportSnapshot replaces the whole state with the snapshot read from r.
// A store that stages snapshots reads and checks it all first, so a
// refused snapshot stops nothing. Then running tasks are stopped; the
// worker's queue is rebuilt from what the store holds afterwards (also
// when the import failed, since the tasks were stopped either way).
func (s *Service) ImportSnapshot(ctx context.Context, r io.Reader) error {
	replace := func() error { return s.store.Import(ctx, r) }
	if st, ok := s.store.(SnapshotStager); ok {
		staged, err := st.StageSnapshot(ctx, r)
		if err != nil {
			return err
		}
		defer staged.Close()
		replace = staged.Apply
	}
	err := s.quiesced(ctx, func() error {
		if err := s.worker.Reset(ctx); err != nil {
			return err
		}
		err := replace()
		// The reload must happen even when ctx ended (the client left):
		// the tasks were stopped either way.
		if rerr := s.worker.Reload(context.WithoutCancel(ctx)); err == nil {
			err = rerr
		}
		return err
	})
	if err != nil {
		return err
	}
	s.journal.Begin(s.clock.Now(), false, "") // a state the journal cannot rebuild
	s.bus.Publish(emulator.Event{Type: emulator.EventStateImported, At: s.clock.Now()})
	return nil
}

// quiesced runs fn with every background loop paused and idle checks held
// off, then resumes the loops and wakes the waiters.
func (s *Service) quiesced(ctx context.Context, fn func() error) error {
	s.state.Lock()
	defer s.state.Unlock()
	defer s.waiters.notify()
	paused := 0
	defer func() {
		for i := paused - 1; i >= 0; i-- {
			s.loops[i].Resume()
		}
	}()
	for _, l := range s.loops {
		if err := l.Pause(ctx); err != nil {
			return fmt.Errorf("pause background work: %w", err)
		}
		paused++
	}
	return fn()
}

// Now reads the emulator clock; virtual is true when it can be moved.
func (s *Service) Now() (now time.Time, virtual bool) { return s.clock.Now(), s.virtual != nil }

// ClockChange moves a virtual clock: forward by Advance, or to Set. Exactly
// one is given.
type ClockChange struct {
	Advance time.Duration
	Set     time.Time
}

// ChangeClock moves the virtual clock and returns the new time. Due
// schedules fire before it returns. The clock only moves forward, and the
// wall clock does not move at all.
func (s *Service) ChangeClock(c ClockChange) (time.Time, error) {
	switch {
	case s.virtual == nil:
		return time.Time{}, emulator.Invalid("The clock is the wall clock: start ironlocal with --virtual-clock to move it")
	case c.Advance != 0 && !c.Set.IsZero():
		return time.Time{}, emulator.Invalid(`Give either "advance" or "set", not both`)
	case c.Advance < 0:
		return time.Time{}, emulator.Invalid("The clock only moves forward: advance must be positive, got %s", c.Advance)
	case c.Advance > 0:
		return s.virtual.Advance(c.Advance), nil
	case c.Set.IsZero():
		return time.Time{}, emulator.Invalid(`Give "advance" (e.g. "90s"), "advance_seconds" or "set" (RFC 3339)`)
	}
	if now := s.virtual.Now(); c.Set.Before(now) {
		return time.Time{}, emulator.Invalid("The clock only moves forward: %s is before %s",
			c.Set.UTC().Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return s.virtual.Set(c.Set), nil
}

// AddFault validates and installs a fault rule, returning it with its id.
func (s *Service) AddFault(r fault.Rule) (fault.Rule, error) { return s.faults.Add(r) }

// StartChaos switches chaos mode on with seed and profile.
func (s *Service) StartChaos(seed int64, p chaos.Profile) error {
	if s.chaos == nil {
		return emulator.NotFound("chaos mode is not available here")
	}
	return s.chaos.Start(seed, p)
}

// ChaosChance takes chaos mode's next chance of kind (never, without one).
func (s *Service) ChaosChance(kind emulator.ChaosKind, detail string) (bool, time.Duration) {
	if s.chaos == nil {
		return false, 0
	}
	return s.chaos.Chance(kind, detail)
}

// StopChaos switches chaos mode off.
func (s *Service) StopChaos() {
	if s.chaos != nil {
		s.chaos.Stop()
	}
}

// Chaos is chaos mode's state.
func (s *Service) Chaos() chaos.State {
	if s.chaos == nil {
		return chaos.State{}
	}
	return s.chaos.State()
}

// Faults lists the fault rules with their hit counts.
func (s *Service) Faults() []fault.Rule { return s.faults.List() }

// RemoveFault removes one fault rule.
func (s *Service) RemoveFault(id string) error { return s.faults.Remove(id) }

// ClearFaults removes every fault rule.
func (s *Service) ClearFaults() { s.faults.Clear() }

// unavailable is a server-side failure told to the caller without its
// cause (which the service logs).
func unavailable(msg string) error { return &emulator.Error{Code: emulator.CodeUnavailable, Msg: msg} }

// ParseClockChange reads the control plane's clock request: advance is a
// Go duration ("90s", "1h30m"), advanceSeconds a number of seconds, set an
// instant; give one. ChangeClock applies the clock's own rules.
func ParseClockChange(advance string, advanceSeconds *int, set time.Time) (ClockChange, error) {
	given := 0
	for _, ok := range []bool{advance != "", advanceSeconds != nil, !set.IsZero()} {
		if ok {
			given++
		}
	}
	if given > 1 {
		return ClockChange{}, emulator.Invalid(`Give one of "advance", "advance_seconds" and "set", not several`)
	}
	c := ClockChange{Set: set}
	switch {
	case advance != "":
		d, err := time.ParseDuration(advance)
		if err != nil {
			return ClockChange{}, emulator.Invalid(`advance must be a duration such as "90s" or "1h30m", got %q`, advance)
		}
		c.Advance = d
	case advanceSeconds != nil:
		n, most := *advanceSeconds, int(maxAdvance/time.Second)
		if n > most || n < -most {
			return ClockChange{}, emulator.Invalid("advance_seconds must be at most %d", most)
		}
		c.Advance = time.Duration(n) * time.Second
	}
	return c, nil
}

// maxAdvance is the largest step a duration can express.
const maxAdvance = time.Duration(1<<63 - 1)

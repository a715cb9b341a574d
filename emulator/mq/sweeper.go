package mq

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// sweeper runs SweepExpired when the earliest message expires, not on a
// timer: the sweep says when the next expiry is, posts say when theirs are
// (notifyExpiry), the wait is an alarm on the emulator's clock (a virtual
// clock's move reaching the expiry fires it), and the end of a control
// pause (reset, snapshot import) sweeps at once. Control pauses it between
// sweeps through gate (Service.Pause).
type sweeper struct {
	gate  sync.Mutex // held by a control pause, and by each sweep
	mq    *Service
	clock emulator.Clock
	log   *slog.Logger
	alarm *emulator.Alarm

	mu       sync.Mutex
	next     time.Time // earliest expiry known; zero: none
	force    bool      // sweep at the next turn, due or not
	sweeping bool
	seen     time.Time // earliest expiry told while a sweep ran
}

func (w *sweeper) init(svc *Service, clock emulator.Clock, log *slog.Logger) {
	w.mq, w.clock, w.log = svc, clock, log
	w.alarm = emulator.NewAlarm(clock)
	w.force = true // the first turn sweeps what the store holds
	svc.SetExpiryNotifier(w.expires)
}

// Start runs the expiry sweeper until Close.
func (s *Service) Start() { s.bg.Loop("expiry sweeper", s.sweep.loop) }

// Close stops the expiry sweeper, bounded by ctx.
func (s *Service) Close(ctx context.Context) error { return s.bg.Close(ctx) }

// Pause holds the expiry sweeper still between sweeps (control's reset and
// snapshot import); Resume lets it go on with a sweep of what the store
// holds now.
func (s *Service) Pause(context.Context) error {
	s.sweep.gate.Lock()
	return nil
}

// Resume ends a Pause.
func (s *Service) Resume() {
	s.sweep.gate.Unlock()
	s.sweep.sweepNow()
}

// expires learns that a message expires at at.
func (w *sweeper) expires(at time.Time) {
	w.mu.Lock()
	earlier := w.next.IsZero() || at.Before(w.next)
	if earlier {
		w.next = at
	}
	if w.sweeping && (w.seen.IsZero() || at.Before(w.seen)) {
		w.seen = at
	}
	w.mu.Unlock()
	if earlier {
		w.signal()
	}
}

func (w *sweeper) sweepNow() {
	w.mu.Lock()
	w.force = true
	w.mu.Unlock()
	w.signal()
}

func (w *sweeper) signal() { w.alarm.Poke() }

// loop sweeps whenever the earliest known expiry has come (or a sweep is
// forced) and otherwise sleeps until then or until told of an earlier one.
func (w *sweeper) loop(ctx context.Context) {
	for {
		w.mu.Lock()
		now := w.clock.Now()
		due := w.force || !w.next.IsZero() && !w.next.After(now)
		if due {
			w.force, w.sweeping, w.seen = false, true, time.Time{}
		}
		w.mu.Unlock()
		if due {
			w.sweep(ctx)
		}
		w.mu.Lock()
		next := w.next
		w.mu.Unlock()
		w.alarm.Set(next)
		if !w.alarm.Wait(ctx) {
			return
		}
	}
}

// sweep runs one sweep (unless control pauses it meanwhile) and records
// the next expiry: the sweep's own, or an earlier one told meanwhile.
func (w *sweeper) sweep(ctx context.Context) {
	w.gate.Lock()
	next, err := w.mq.SweepExpired(ctx)
	w.gate.Unlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sweeping = false
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("sweep expired messages", "err", err)
		}
		next = w.clock.Now().Add(time.Second) // try again shortly
	}
	if !w.seen.IsZero() && (next.IsZero() || w.seen.Before(next)) {
		next = w.seen
	}
	w.next = next
}

package server

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
)

// maxSweepWait bounds the sleep until the next expiry: Go's timers follow
// the monotonic clock, which stands still while the machine sleeps, so a
// long sleep re-checks now and then.
const maxSweepWait = time.Minute

// sweeper runs mq.SweepExpired when the earliest message expires, not on a
// timer: the sweep says when the next expiry is, posts say when theirs are
// (mq.SetExpiryNotifier), and a virtual clock move or the end of a control
// pause (reset, snapshot import) sweeps at once. Control pauses it between
// sweeps through the embedded loopGate.
type sweeper struct {
	loopGate
	mq    *mq.Service
	clock emulator.Clock
	log   *slog.Logger
	kick  chan struct{}

	mu       sync.Mutex
	next     time.Time // earliest expiry known; zero: none
	force    bool      // sweep at the next turn, due or not
	sweeping bool
	seen     time.Time // earliest expiry told while a sweep ran
}

func (w *sweeper) init(svc *mq.Service, clock emulator.Clock, log *slog.Logger) {
	w.mq, w.clock, w.log = svc, clock, log
	w.kick = make(chan struct{}, 1)
	w.force = true // the first turn sweeps what the store holds
	svc.SetExpiryNotifier(w.expires)
	if n, ok := clock.(emulator.ShiftNotifier); ok {
		n.OnShift(func(time.Time) { w.sweepNow() })
	}
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

func (w *sweeper) signal() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Resume ends a control pause: the store's contents may have been replaced.
func (w *sweeper) Resume() {
	w.loopGate.Resume()
	w.sweepNow()
}

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
		var wait time.Duration
		w.mu.Lock()
		if !w.next.IsZero() {
			wait = min(maxSweepWait, max(time.Millisecond, w.next.Sub(w.clock.Now())))
		}
		w.mu.Unlock()
		var timer <-chan time.Time
		if wait > 0 {
			t := time.NewTimer(wait)
			timer = t.C
			select {
			case <-ctx.Done():
			case <-w.kick:
			case <-timer:
			}
			t.Stop()
		} else {
			select {
			case <-ctx.Done():
			case <-w.kick:
			}
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// sweep runs one sweep (unless control pauses it meanwhile) and records
// the next expiry: the sweep's own, or an earlier one told meanwhile.
func (w *sweeper) sweep(ctx context.Context) {
	var next time.Time
	err := w.run(func() error {
		var err error
		next, err = w.mq.SweepExpired(ctx)
		return err
	})
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

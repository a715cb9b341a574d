package control

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// WaitMode says what WaitIdle waits for.
type WaitMode int

const (
	// WaitIdle waits until no task is queued or running, no schedule is
	// due, and no push delivery is in flight or due now. A push retry (or
	// a 202 acknowledgement deadline) due later does not count.
	WaitIdle WaitMode = iota
	// WaitPushSettled waits for all that, and also until every push
	// message is settled: delivered to each subscriber, or given up on
	// (failures posted to the error queue). Pending retries and 202
	// reservations waiting for their acknowledgement are waited for.
	WaitPushSettled
)

func (m WaitMode) String() string {
	if m == WaitPushSettled {
		return "settled"
	}
	return "due"
}

// ParseWaitMode reads the wait-idle ?push= parameter: "" or "due" waits
// for deliveries due now, "settled" for every delivery to settle.
func ParseWaitMode(v string) (WaitMode, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "due":
		return WaitIdle, nil
	case "settled":
		return WaitPushSettled, nil
	}
	return 0, emulator.Invalid(`push must be "due" (the default: deliveries due now) or "settled" (also pending retries and acknowledgements), got %q`, v)
}

// DefaultWaitTimeout and MaxWaitTimeout bound one wait-idle request.
const (
	DefaultWaitTimeout = 30 * time.Second
	MaxWaitTimeout     = 10 * time.Minute
)

// ParseWaitTimeout reads a wait-idle timeout: a Go duration ("5s",
// "1m30s") or a number of seconds ("2.5"); "" is DefaultWaitTimeout. It
// must be between 0 and MaxWaitTimeout.
func ParseWaitTimeout(v string) (time.Duration, error) {
	if v = strings.TrimSpace(v); v == "" {
		return DefaultWaitTimeout, nil
	}
	bad := func() (time.Duration, error) {
		return 0, emulator.Invalid(`timeout must be a duration such as "5s" or a number of seconds, between 0 and %s, got %q`, MaxWaitTimeout, v)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		secs, ferr := strconv.ParseFloat(v, 64)
		// Compare in seconds before converting: 1e300 s does not fit in a
		// Duration, and NaN compares false to everything.
		if ferr != nil || math.IsNaN(secs) || secs < 0 || secs > MaxWaitTimeout.Seconds() {
			return bad()
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 || d > MaxWaitTimeout {
		return bad()
	}
	return d, nil
}

// NotIdleError is WaitIdle's answer when its context ends before the
// emulator is idle. It unwraps to the context's error.
type NotIdleError struct {
	// Busy says what was still going on.
	Busy string
	Err  error
}

func (e *NotIdleError) Error() string { return "not idle: " + e.Busy }
func (e *NotIdleError) Unwrap() error { return e.Err }

// WaitIdle blocks until the emulator is idle in the given mode, or until
// ctx ends (a *NotIdleError saying what is still busy).
//
// It does not poll: it looks again when an event that can end work is
// published on the bus, when the worker or the pusher report that work
// ended (a task run, a claim round, a delivery), when the clock moves, and
// at the time the next pending push delivery comes due.
func (s *Service) WaitIdle(ctx context.Context, mode WaitMode) error {
	sub := s.bus.Subscribe(256)
	defer sub.Close()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		// Take the broadcast channel before looking, so a change during the
		// look wakes the next wait.
		changed := s.waiters.wait()
		busy, next := s.busy(mode)
		if busy == "" {
			return nil
		}
		// A timer for the next delivery due later on the wall clock (one due
		// already is the pusher's to claim, which wakes us when it ends); a
		// virtual clock moves only when told to, which wakes every waiter.
		if s.virtual == nil && !next.IsZero() {
			if d := next.Sub(s.clock.Now()); d > 0 {
				timer.Reset(d)
			}
		}
		if err := s.awaitChange(ctx, sub, changed, timer); err != nil {
			return &NotIdleError{Busy: busy, Err: err}
		}
		timer.Stop()
		drain(sub.C)
	}
}

// awaitChange blocks until something that may end work happens: a relevant
// event, a notice from the worker or pusher, or the timer. It returns ctx's
// error if ctx ends first.
func (s *Service) awaitChange(ctx context.Context, sub *emulator.Subscription, changed <-chan struct{}, timer *time.Timer) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
			return nil
		case <-timer.C:
			return nil
		case e, ok := <-sub.C:
			if !ok || relevant(e.Type) {
				return nil
			}
		}
	}
}

// busy says what keeps the emulator from being idle ("" when idle), and
// when the next pending push delivery comes due (zero when none). Work flows
// both ways (a task posts to a push queue, a push queues a task), so the
// worker and the pusher must both be idle twice in a row.
func (s *Service) busy(mode WaitMode) (string, time.Time) {
	s.state.RLock()
	defer s.state.RUnlock()
	for range 2 {
		if !s.worker.Idle() {
			return "tasks are queued or running, or a schedule is due", time.Time{}
		}
		if mode == WaitPushSettled {
			if settled, next := s.pusher.Settled(); !settled {
				return "push deliveries are in flight, due, or waiting for a retry or an acknowledgement", next
			}
		} else if !s.pusher.Idle() {
			return "push deliveries are in flight or due", time.Time{}
		}
	}
	return "", time.Time{}
}

// relevant reports whether an event can mean that work ended. Logs,
// progress reports and cache changes never do.
func relevant(t emulator.EventType) bool {
	switch t {
	case emulator.EventTaskLog, emulator.EventTaskProgress, emulator.EventCacheItemStored,
		emulator.EventCacheItemDeleted, emulator.EventCacheCleared, emulator.EventCacheDeleted:
		return false
	}
	return true
}

// drain empties c without blocking: a burst of events needs one look.
func drain(c <-chan emulator.Event) {
	for {
		select {
		case _, ok := <-c:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// broadcast wakes every waiter at once: wait returns a channel that the
// next notify closes.
type broadcast struct {
	mu    sync.Mutex
	ch    chan struct{}
	taken bool // someone waits on ch: notify has work to do
}

func newBroadcast() *broadcast { return &broadcast{ch: make(chan struct{})} }

func (b *broadcast) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.taken = true
	return b.ch
}

func (b *broadcast) notify() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.taken {
		close(b.ch)
		b.ch, b.taken = make(chan struct{}), false
	}
}

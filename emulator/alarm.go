package emulator

import (
	"context"
	"sync"
	"time"
)

// Alarm wakes the one background loop that owns it: at once (Poke), or when
// its clock reaches the time it is set for (Set). It is how every loop
// waits — "until due, or until something changed" — on the clock it reads,
// so a virtual clock's move wakes exactly the loops it made due, in time
// order, and nothing polls.
type Alarm struct {
	clock Clock
	wake  chan struct{}

	mu    sync.Mutex
	at    time.Time // armed for; zero: not armed
	timer Timer
}

// NewAlarm returns an unarmed alarm on c.
func NewAlarm(c Clock) *Alarm { return &Alarm{clock: c, wake: make(chan struct{}, 1)} }

// Poke wakes the loop now (or at its next Wait, if it is busy).
func (a *Alarm) Poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// Set arms the alarm for at, replacing an earlier setting; the zero time
// disarms it. A time already reached wakes the loop at once.
func (a *Alarm) Set(at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.timer != nil && at.Equal(a.at) {
		return // armed for that already
	}
	if a.timer != nil {
		a.timer.Stop()
		a.timer = nil
	}
	a.at = at
	if at.IsZero() {
		return
	}
	d := at.Sub(a.clock.Now())
	if d <= 0 {
		a.at = time.Time{}
		a.Poke()
		return
	}
	var t Timer
	t = a.clock.AfterFunc(d, func() {
		a.mu.Lock()
		if a.timer == t {
			a.timer, a.at = nil, time.Time{}
		}
		a.mu.Unlock()
		a.Poke()
	})
	a.timer = t
}

// Wait blocks until the loop is woken; it reports false once ctx ended.
func (a *Alarm) Wait(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-a.wake:
		return true
	}
}

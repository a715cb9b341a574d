// Package clock provides the emulator's clocks: the wall clock, and a virtual
// clock that tests and the control plane can set and advance. Both arm
// timers (AfterFunc), so every background loop waits on the clock it reads:
// on the virtual clock a timer fires when a move reaches its time, in time
// order, before the move returns.
package clock

import (
	"container/heap"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

var (
	_ emulator.Clock         = Real{}
	_ emulator.Clock         = (*Virtual)(nil)
	_ emulator.ShiftNotifier = (*Virtual)(nil)
)

// Real is the wall clock.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// maxRealWait bounds one wait of a wall-clock timer: Go's timers follow the
// monotonic clock, which stands still while the machine sleeps, so a long
// wait is taken in steps that each look at the wall clock again.
const maxRealWait = time.Minute

// AfterFunc runs f on its own goroutine once the wall clock reads d later
// than now, also across a sleep of the machine.
func (Real) AfterFunc(d time.Duration, f func()) emulator.Timer {
	t := &realTimer{at: time.Now().Round(0).Add(d), f: f}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.arm()
	return t
}

// realTimer is Real's timer: a chain of Go timers of at most maxRealWait.
type realTimer struct {
	mu      sync.Mutex
	at      time.Time // wall time, no monotonic reading
	f       func()
	t       *time.Timer
	stopped bool
}

// arm waits for the rest of the time, or maxRealWait. The caller holds mu.
func (t *realTimer) arm() {
	t.t = time.AfterFunc(min(maxRealWait, time.Until(t.at)), t.step)
}

func (t *realTimer) step() {
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		return
	}
	if time.Until(t.at) > 0 {
		t.arm()
		t.mu.Unlock()
		return
	}
	t.stopped = true
	t.mu.Unlock()
	t.f()
}

func (t *realTimer) Stop() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	t.stopped = true
	t.t.Stop()
	return true
}

// Virtual is a clock that only moves when told to. It starts at the time it
// is created with, so ids and timestamps stay realistic.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	onShift []func(time.Time)
	timers  timerHeap
	seq     uint64 // orders timers due at the same instant: first armed, first fired
	// moving serialises moves, so the timers of one move have all fired
	// before the next move begins.
	moving sync.Mutex
}

// NewVirtual returns a virtual clock reading start.
func NewVirtual(start time.Time) *Virtual { return &Virtual{now: start.UTC()} }

// Now returns the virtual time.
func (v *Virtual) Now() time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.now
}

// OnShift registers f to run (outside the clock's lock) after every Advance
// or Set, once the move's timers have fired.
func (v *Virtual) OnShift(f func(time.Time)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.onShift = append(v.onShift, f)
}

// AfterFunc arms a timer that runs f when a move of the clock reaches
// now+d. A d of zero or less fires at the next move. f runs on the goroutine
// moving the clock, with Now reading the timer's time, so it must not block
// and must not move the clock itself.
func (v *Virtual) AfterFunc(d time.Duration, f func()) emulator.Timer {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.seq++
	t := &virtualTimer{v: v, at: v.now.Add(max(d, 0)), seq: v.seq, f: f, index: -1}
	heap.Push(&v.timers, t)
	return t
}

// Advance moves the clock forward by d (negative d is ignored) and returns
// the new time.
func (v *Virtual) Advance(d time.Duration) time.Time {
	v.mu.Lock()
	to := v.now.Add(max(d, 0))
	v.mu.Unlock()
	return v.moveTo(to)
}

// Set moves the clock to t; the clock never goes backwards, so an earlier t
// is ignored. It returns the new time.
func (v *Virtual) Set(t time.Time) time.Time { return v.moveTo(t.UTC()) }

// moveTo steps the clock through every timer due by to, in time order
// (ties in the order they were armed), each fired with the clock reading
// its time; timers armed meanwhile that are due by to fire too. Then the
// clock reads to (or stays, if to is earlier) and the shift hooks run.
func (v *Virtual) moveTo(to time.Time) time.Time {
	v.moving.Lock()
	defer v.moving.Unlock()
	v.mu.Lock()
	if to.Before(v.now) {
		to = v.now // never backwards
	}
	v.mu.Unlock()
	for {
		v.mu.Lock()
		if len(v.timers) == 0 || v.timers[0].at.After(to) {
			break // still locked
		}
		t := heap.Pop(&v.timers).(*virtualTimer)
		if t.at.After(v.now) {
			v.now = t.at
		}
		v.mu.Unlock()
		t.f()
	}
	if to.After(v.now) {
		v.now = to
	}
	now, fs := v.now, v.onShift
	v.mu.Unlock()
	for _, f := range fs {
		f(now)
	}
	return now
}

// virtualTimer is one armed AfterFunc of a Virtual clock.
type virtualTimer struct {
	v     *Virtual
	at    time.Time
	seq   uint64
	f     func()
	index int // in the heap; -1 once fired or stopped
}

func (t *virtualTimer) Stop() bool {
	t.v.mu.Lock()
	defer t.v.mu.Unlock()
	if t.index < 0 {
		return false
	}
	heap.Remove(&t.v.timers, t.index)
	return true
}

// timerHeap orders timers by time, then by when they were armed.
type timerHeap []*virtualTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*virtualTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}

// Package clock provides the emulator's clocks: the wall clock, and a virtual
// clock that tests and the control plane can set and advance.
package clock

import (
	"sync"
	"time"
)

// Real is the wall clock.
type Real struct{}

// Now returns the current UTC time.
func (Real) Now() time.Time { return time.Now().UTC() }

// Virtual is a clock that only moves when told to. It starts at the time it
// is created with, so ids and timestamps stay realistic.
type Virtual struct {
	mu      sync.Mutex
	now     time.Time
	onShift []func(time.Time)
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
// or Set, so time-driven services re-evaluate at once.
func (v *Virtual) OnShift(f func(time.Time)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.onShift = append(v.onShift, f)
}

// Advance moves the clock forward by d (negative d is ignored) and returns
// the new time.
func (v *Virtual) Advance(d time.Duration) time.Time {
	v.mu.Lock()
	if d > 0 {
		v.now = v.now.Add(d)
	}
	now, fs := v.now, v.onShift
	v.mu.Unlock()
	for _, f := range fs {
		f(now)
	}
	return now
}

// Set moves the clock to t; the clock never goes backwards, so an earlier t
// is ignored. It returns the new time.
func (v *Virtual) Set(t time.Time) time.Time {
	v.mu.Lock()
	if t.After(v.now) {
		v.now = t.UTC()
	}
	now, fs := v.now, v.onShift
	v.mu.Unlock()
	for _, f := range fs {
		f(now)
	}
	return now
}

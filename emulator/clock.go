package emulator

import "time"

// Clock is the only source of "now" for expiry, visibility, reservations and
// schedules, and the one owner of time for every background loop: loops
// wait on timers the clock arms, never on the wall clock, so tests and the
// control plane can swap in a virtual clock and move time without sleeping.
type Clock interface {
	Now() time.Time
	// AfterFunc runs f once the clock has moved d on. On the wall clock f
	// runs on a goroutine of its own after d; on the virtual clock it runs
	// when a move reaches its time, in time order, on the goroutine moving
	// the clock and with Now reading its time — so f must not block (it
	// pokes the loop that owns the work).
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is an armed Clock.AfterFunc; Stop disarms it and reports whether it
// had not fired yet.
type Timer interface {
	Stop() bool
}

// ShiftNotifier is implemented by clocks that move only when told to (the
// virtual clock). f runs after every move, once the move's timers have
// fired.
type ShiftNotifier interface {
	OnShift(f func(now time.Time))
}

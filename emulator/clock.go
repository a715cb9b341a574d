package emulator

import "time"

// Clock is the only source of "now" for expiry, visibility, reservations and
// schedules. Tests and the control plane swap in a virtual clock so time can
// be advanced without sleeping.
type Clock interface {
	Now() time.Time
}

// ShiftNotifier is implemented by clocks that move only when told to (the
// virtual clock). f runs after every move, so whatever waits for a time on
// such a clock re-evaluates at once instead of sleeping on a wall-clock
// timer.
type ShiftNotifier interface {
	OnShift(f func(now time.Time))
}

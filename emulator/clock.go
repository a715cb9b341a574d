package emulator

import "time"

// Clock is the only source of "now" for expiry, visibility, reservations and
// schedules. Tests and the control plane swap in a virtual clock so time can
// be advanced without sleeping.
type Clock interface {
	Now() time.Time
}

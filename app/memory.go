package app

import (
	"context"
	"runtime/debug"
)

// releaseMemory hands the heap a large operation left free back to the
// system at once. After a snapshot export or import the embedded emulator's
// streaming buffers (tens of MB) are garbage, but Go's scavenger returns
// such memory over minutes: the app held 380 MB after exporting a 16 MB
// snapshot. It runs off the UI goroutine (a full GC takes milliseconds) and
// calls nothing, so it is housekeeping, not a call.
func (u *UI) releaseMemory() {
	u.goInternal(func(context.Context) { debug.FreeOSMemory() })
}

//go:build !unix

package bench

import "time"

// SelfCPUTime is not measured on this platform.
func SelfCPUTime() time.Duration { return 0 }

// SelfContextSwitches is not measured on this platform.
func SelfContextSwitches() int64 { return 0 }

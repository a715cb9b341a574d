package daemon

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	gcBefore := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetMemoryLimit(before); debug.SetGCPercent(gcBefore) })

	debug.SetMemoryLimit(math.MaxInt64)
	SetMemoryLimit(func(string) string { return "" })
	require.Equal(t, int64(MemoryLimit), debug.SetMemoryLimit(-1), "no GOMEMLIMIT: the daemon's limit")
	require.Equal(t, GCPercent, debug.SetGCPercent(100), "no GOGC: the daemon's percent")

	debug.SetMemoryLimit(math.MaxInt64)
	SetMemoryLimit(func(k string) string {
		switch k {
		case "GOMEMLIMIT":
			return "1GiB"
		case "GOGC":
			return "100"
		}
		return ""
	})
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "GOMEMLIMIT set: the runtime's value is left alone")
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: the runtime's value is left alone")
}

package daemon

import (
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	SetMemoryLimit(func(string) string { return "" })
	require.Equal(t, GCPercent, debug.SetGCPercent(100), "no GOGC: the daemon's percent")

	SetMemoryLimit(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: the runtime's value is left alone")
}

package daemon

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })

	debug.SetMemoryLimit(math.MaxInt64)
	SetMemoryLimit(func(string) string { return "" })
	require.Equal(t, int64(MemoryLimit), debug.SetMemoryLimit(-1), "no GOMEMLIMIT: the daemon's limit")

	debug.SetMemoryLimit(math.MaxInt64)
	SetMemoryLimit(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "1GiB"
		}
		return ""
	})
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(-1), "GOMEMLIMIT set: the runtime's value is left alone")
}

package client_test

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// The settings say what the store allocated and what it uses: Badger
// reserves its value log and memtables ahead as sparse files, so an
// almost empty store is large in size and small on disk.
func TestSettings_AllocatedAndUsed(t *testing.T) {
	c, _ := newClient(t)
	s, err := c.Settings(ctxT(t))
	require.NoError(t, err)
	require.Positive(t, s.DataSize)
	require.Positive(t, s.DataUsed)
	require.LessOrEqual(t, s.DataUsed, s.DataSize+1<<20, "used is at most the allocated size (plus block rounding)")
	if runtime.GOOS == "linux" {
		require.Less(t, s.DataUsed, s.DataSize/2, "an empty store uses far less than it allocates: %d of %d", s.DataUsed, s.DataSize)
	}
}

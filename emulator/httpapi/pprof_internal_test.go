package httpapi

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRedactArgs(t *testing.T) {
	got := redactArgs([]string{"ironlocald", "--token", "a,b", "-token=c", "--listen", "127.0.0.1:1",
		"--redis-password", "p", "--pprof", "--", "--token", "x"})
	require.Equal(t, []string{"ironlocald", "--token", "REDACTED", "-token=REDACTED", "--listen", "127.0.0.1:1",
		"--redis-password", "REDACTED", "--pprof", "--", "--token", "x"}, got)
}

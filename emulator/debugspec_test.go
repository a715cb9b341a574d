package emulator_test

import (
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestTaskSpec_DebugOnHost(t *testing.T) {
	t.Run("$(DEBUG_PORT) gets a free port", func(t *testing.T) {
		spec := emulator.TaskSpec{Debug: true, DebugPort: 2345, Command: []string{"/dlv", "--listen=127.0.0.1:$(DEBUG_PORT)", "/w"}}
		got, addr, err := spec.DebugOnHost()
		require.NoError(t, err)
		host, port, err := net.SplitHostPort(addr)
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1", host)
		require.NotEqual(t, "2345", port)
		require.Equal(t, []string{"/dlv", "--listen=127.0.0.1:" + port, "/w"}, got.Command)
		require.Equal(t, port, got.Env[emulator.DebugPortVar])
		require.Equal(t, "$(DEBUG_PORT)", spec.Command[1][len("--listen=127.0.0.1:"):], "the caller's spec is unchanged")
	})
	t.Run("a fixed port is used when free", func(t *testing.T) {
		port, err := emulator.FreeLoopbackPort()
		require.NoError(t, err)
		_, addr, err := emulator.TaskSpec{Debug: true, DebugPort: port, Command: []string{"node", "--inspect=9229"}}.DebugOnHost()
		require.NoError(t, err)
		require.Equal(t, "127.0.0.1:"+strconv.Itoa(port), addr)
	})
	t.Run("a fixed port in use is the task's error", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		_, _, err = emulator.TaskSpec{Debug: true, DebugPort: l.Addr().(*net.TCPAddr).Port}.DebugOnHost()
		require.ErrorContains(t, err, "is in use")
	})
	t.Run("no port at all", func(t *testing.T) {
		_, _, err := emulator.TaskSpec{Debug: true}.DebugOnHost()
		require.ErrorContains(t, err, "no debug_port")
	})
}

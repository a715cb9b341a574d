package daemon

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestVersion(t *testing.T) {
	broken := func(k string) string { return map[string]string{"IRONLOCAL_LOG_LEVEL": "loud"}[k] }
	c, err := Parse("ironlocald", []string{"--version"}, broken)
	require.NoError(t, err, "--version answers whatever else is set")
	require.True(t, c.ShowVersion)
	_, err = Parse("ironlocald", nil, broken)
	require.Error(t, err, "without it the settings are checked")

	require.Equal(t, "ironlocald "+server.Version+" ("+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH+")", VersionLine("ironlocald"))
}

package tcironlocal_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestDefaults: tcironlocal and client import nothing of the emulator, so
// they repeat its default token and project; this keeps them equal.
func TestDefaults(t *testing.T) {
	require.Equal(t, emulator.DefaultToken, tcironlocal.DefaultToken, "token")
	require.Equal(t, emulator.DefaultProject, tcironlocal.DefaultProject, "tcironlocal project")
	require.Equal(t, emulator.DefaultProject, client.DefaultProject, "client project")
}

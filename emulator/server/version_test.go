package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestModuleVersion(t *testing.T) {
	for recorded, want := range map[string]string{
		"":            DevVersion,
		"(devel)":     DevVersion,
		"v1.2.3":      "1.2.3",
		"v0.2.0-rc.1": "0.2.0-rc.1",
		"v0.0.0-20261128224116-a70bded1c2f3+dirty": "0.0.0-20261128224116-a70bded1c2f3+dirty",
	} {
		require.Equal(t, want, moduleVersion(recorded, DevVersion), "recorded %q", recorded)
	}
}

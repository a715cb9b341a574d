package client_test

import (
	"go/build"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImports keeps the dependency direction: the client uses the standard
// library and the module's wire package (itself stdlib-only) only, and tcironlocal (whose users must gain nothing but
// testcontainers-go) reaches the repository only through the client.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	require.NoError(t, err)
	for _, imp := range pkg.Imports {
		if imp == "github.com/ironlocal/ironlocal/wire" {
			continue
		}
		first, _, _ := strings.Cut(imp, "/")
		require.NotContains(t, first, ".", "client imports %s: the standard library and wire only", imp)
	}

	tc, err := build.ImportDir("../tcironlocal", 0)
	require.NoError(t, err)
	for _, imp := range tc.Imports {
		if strings.HasPrefix(imp, "github.com/ironlocal/ironlocal/") {
			require.Equal(t, "github.com/ironlocal/ironlocal/client", imp, "tcironlocal imports %s", imp)
		}
	}
}

package client_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/doccheck"
)

// The complete program the package documentation starts with builds and
// runs against an ironlocal started as it says (--ephemeral --runtime
// process), here in-process on a free port instead of 127.0.0.1:4766.
func TestPackageDoc_ExampleRuns(t *testing.T) {
	code, err := doccheck.Example(".")
	require.NoError(t, err)
	const addr = `"http://127.0.0.1:4766"`
	require.Equal(t, 1, strings.Count(code, addr), "the example connects to ironlocald's default address:\n%s", code)

	srv := server.RunT(t, server.Options{Runtime: "process"})
	main := filepath.Join(t.TempDir(), "main.go")
	require.NoError(t, os.WriteFile(main, []byte(strings.Replace(code, addr, `"`+srv.URL()+`"`, 1)), 0o644))
	cmd := exec.Command("go", "run", main) // in this module: the client of this checkout
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go run the package documentation's example:\n%s", out)
	require.Equal(t, "reserved: hello\ntask: complete {\"n\":1}\n", string(out))
}

// Package testtool finds the programs some tests run (curl, bash, sh) on
// PATH. Only tests import it.
//
// A missing program skips the test on a developer's machine and fails it
// when CI=true: CI installs them, so a skip there would hide a test that
// never ran.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of name on PATH. Without it the test is skipped,
// or fails when CI=true.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("this test runs %s, which is not on PATH: %v", name, err)
	}
	t.Skipf("this test runs %s, which is not on PATH (CI=true fails instead)", name)
	return ""
}

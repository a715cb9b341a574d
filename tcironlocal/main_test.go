package tcironlocal_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ironlocal/ironlocal/internal/nestedengine"
)

// TestMain builds the images the examples (and the TestContainer tests) run (ironlocal's, with `make
// image`, and the fixture job image) from this checkout. Without a Docker
// engine the examples are skipped with a message, unless
// IRONLOCAL_REQUIRE_DOCKER=1, which makes that a failure. Ryuk cannot be
// pulled where ironlocal's tests run: it is off unless configured.
func TestMain(m *testing.M) {
	if os.Getenv("TESTCONTAINERS_RYUK_DISABLED") == "" {
		_ = os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	}
	flag.Parse()
	if err := prepareImages(); err != nil {
		if os.Getenv("IRONLOCAL_REQUIRE_DOCKER") == "1" {
			fmt.Fprintln(os.Stderr, "tcironlocal:", err, "(IRONLOCAL_REQUIRE_DOCKER=1)")
			os.Exit(1)
		}
		fmt.Println("tcironlocal: skipping the examples and TestContainer tests, which run containers:", err)
		if err := flag.Set("test.skip", "^(Example|TestContainer)"); err != nil {
			fmt.Fprintln(os.Stderr, "tcironlocal: skip the examples:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// prepareImages builds ironlocal/ironlocal:latest and the fixture worker
// image, or says why it cannot.
func prepareImages() error {
	if testing.Short() {
		return fmt.Errorf("-short")
	}
	if out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput(); err != nil {
		return fmt.Errorf("no Docker engine reachable: %v: %s", err, strings.TrimSpace(string(out)))
	}
	nestedengine.UseLocalhost()
	if out, err := exec.Command("make", "-C", "..", "--no-print-directory", "image").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "tcironlocal: make image: %v\n%s", err, out)
		os.Exit(1)
	}
	if out, err := exec.Command("../fixtures/build.sh").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "tcironlocal: fixtures/build.sh: %v\n%s", err, out)
		os.Exit(1)
	}
	return nil
}

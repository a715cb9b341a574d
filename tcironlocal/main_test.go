package tcironlocal_test

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMain builds the images the examples run (ironlocal's, with `make
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
		fmt.Println("tcironlocal: skipping the examples, which run containers:", err)
		if err := flag.Set("test.skip", "^Example"); err != nil {
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
	useLocalhostForNestedEngine()
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

// useLocalhostForNestedEngine handles tests that run in a container which
// also holds the Docker engine (its default bridge is one of our
// interfaces): published ports are then on localhost, but testcontainers,
// seeing /.dockerenv, looks for them at the default gateway. An explicit
// TESTCONTAINERS_HOST_OVERRIDE wins.
func useLocalhostForNestedEngine() {
	if _, ok := os.LookupEnv("TESTCONTAINERS_HOST_OVERRIDE"); ok {
		return
	}
	if _, err := os.Stat("/.dockerenv"); err != nil {
		return
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" && !strings.HasPrefix(h, "unix://") {
		return
	}
	out, err := exec.Command("docker", "network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}").Output()
	if err != nil {
		return
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return
	}
	for _, s := range strings.Fields(string(out)) {
		_, subnet, err := net.ParseCIDR(s)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && subnet.Contains(ip.IP) {
				_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
				return
			}
		}
	}
}

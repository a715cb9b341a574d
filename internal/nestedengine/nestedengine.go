// Package nestedengine handles processes that run in a container which also
// hosts the Docker engine (this project's CI machines): published ports are
// then on localhost, but testcontainers, seeing /.dockerenv, looks for them
// at the default gateway. The tests, the testcontainers module's tests and
// the benchmark harness share this check.
package nestedengine

import (
	"net"
	"os"
	"os/exec"
	"strings"
)

// UseLocalhost sets TESTCONTAINERS_HOST_OVERRIDE=localhost when this process
// runs in a container whose own interfaces include the engine's default
// bridge. An explicit TESTCONTAINERS_HOST_OVERRIDE wins.
func UseLocalhost() {
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
	if OnSubnets(strings.Fields(string(out)), addrs) {
		_ = os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
	}
}

// OnSubnets reports whether one of addrs lies in one of the CIDR subnets.
func OnSubnets(subnets []string, addrs []net.Addr) bool {
	for _, s := range subnets {
		_, subnet, err := net.ParseCIDR(s)
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if ip, ok := a.(*net.IPNet); ok && subnet.Contains(ip.IP) {
				return true
			}
		}
	}
	return false
}

package dockertest

import (
	"net"
	"os"
	"os/exec"
	"strings"
)

// UseLocalhostForNestedEngine handles tests that run in a container which
// also holds the Docker engine (the engine's default bridge is one of our
// interfaces): published ports are then on localhost, but testcontainers,
// seeing /.dockerenv, looks for them at the default gateway. An explicit
// TESTCONTAINERS_HOST_OVERRIDE wins.
func UseLocalhostForNestedEngine() {
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

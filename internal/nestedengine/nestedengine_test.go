package nestedengine

import (
	"net"
	"testing"
)

func TestOnSubnets(t *testing.T) {
	addr := func(cidr string) net.Addr {
		ip, n, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		n.IP = ip
		return n
	}
	ours := []net.Addr{addr("127.0.0.1/8"), addr("172.17.0.1/16")}
	tests := []struct {
		name    string
		subnets []string
		want    bool
	}{
		{"the engine's bridge is ours", []string{"172.17.0.0/16"}, true},
		{"another bridge", []string{"172.18.0.0/16"}, false},
		{"garbage skipped", []string{"nope", "172.17.0.0/16"}, true},
		{"none", nil, false},
	}
	for _, tt := range tests {
		if got := OnSubnets(tt.subnets, ours); got != tt.want {
			t.Errorf("%s: OnSubnets(%v) = %v, want %v", tt.name, tt.subnets, got, tt.want)
		}
	}
}

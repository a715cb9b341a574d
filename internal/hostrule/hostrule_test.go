package hostrule_test

import (
	"net"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/hostrule"
)

func TestRule_Allows(t *testing.T) {
	named := hostrule.Rule{Hosts: []string{"ironlocal.internal", ".svc.test", "192.168.1.7", "[fd00::7]"}}
	for _, tc := range []struct {
		name string
		rule hostrule.Rule
		host string
		want bool
	}{
		{"loopback IPv4", hostrule.Rule{}, "127.0.0.1:4766", true},
		{"other loopback IPv4", hostrule.Rule{}, "127.0.0.2", true},
		{"loopback IPv6", hostrule.Rule{}, "[::1]:4766", true},
		{"localhost", hostrule.Rule{}, "LOCALHOST", true},
		{"localhost with a dot", hostrule.Rule{}, "localhost.:80", true},
		{"a .localhost name", hostrule.Rule{}, "app.localhost:3000", true},
		{"empty", hostrule.Rule{}, "", false},
		{"a rebound name", hostrule.Rule{}, "rebound.attacker.example:4766", false},
		{"localhost as a label", hostrule.Rule{}, "localhost.attacker.example", false},
		{"a LAN address", hostrule.Rule{}, "192.168.1.20:4766", false},
		{"a LAN address, AnyIP", hostrule.Rule{AnyIP: true}, "192.168.1.20:4766", true},
		{"a name, AnyIP", hostrule.Rule{AnyIP: true}, "devbox.lan", false},
		{"a named host", named, "ironlocal.internal:4766", true},
		{"a subdomain", named, "api.svc.test", true},
		{"the domain of a subdomain entry", named, "svc.test", false},
		{"a suffix that is no subdomain", named, "svc.test.attacker.example", false},
		{"a named IP", named, "192.168.1.7:8080", true},
		{"a named IPv6", named, "[fd00::7]:8080", true},
		{"an IPv4-mapped named IP", named, "[::ffff:192.168.1.7]", true},
		{"star", hostrule.Rule{Hosts: []string{"*"}}, "rebound.attacker.example", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.rule.Allows(tc.host), "Allows(%q)", tc.host)
		})
	}
}

func TestRule_WithListener(t *testing.T) {
	base := hostrule.Rule{Hosts: []string{"extra.test"}}
	for _, tc := range []struct {
		name, configured string
		bound            net.Addr
		allowed, refused []string
	}{
		{"loopback", "127.0.0.1:0", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000},
			[]string{"127.0.0.1:4000", "extra.test"}, []string{"192.168.1.20", "devbox.lan"}},
		{"a LAN address", "192.168.1.20:8080", &net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8080},
			[]string{"192.168.1.20:8080"}, []string{"192.168.1.21", "devbox.lan"}},
		{"a name", "devbox.lan:8080", &net.TCPAddr{IP: net.IPv4(192, 168, 1, 20), Port: 8080},
			[]string{"devbox.lan:8080", "192.168.1.20"}, []string{"other.lan"}},
		{"a wildcard", ":8080", &net.TCPAddr{IP: net.IPv6unspecified, Port: 8080},
			[]string{"192.168.1.20:8080", "[fd00::1]"}, []string{"devbox.lan", "rebound.attacker.example"}},
		{"0.0.0.0", "0.0.0.0:8080", &net.TCPAddr{IP: net.IPv4zero, Port: 8080},
			[]string{"10.0.0.5:8080"}, []string{"devbox.lan"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := base.WithListener(tc.configured, tc.bound)
			for _, h := range tc.allowed {
				require.True(t, r.Allows(h), "Allows(%q)", h)
			}
			for _, h := range tc.refused {
				require.False(t, r.Allows(h), "Allows(%q)", h)
			}
		})
	}
	require.Equal(t, []string{"extra.test"}, base.Hosts, "the receiver is not changed")
}

// Package hostrule decides which names a local HTTP listener answers to:
// the defence against DNS rebinding shared by ironlocal's API and its http
// trigger plugin (the API gateway).
//
// In a rebinding attack, a page on the attacker's site makes the
// attacker's own host name resolve to 127.0.0.1: the browser then treats
// the local listener as the page's own origin and lets the page read its
// answers. The Host header still carries the attacker's name, so a listener
// that answers only to names it knows is safe from it. Loopback names and
// IP literals cannot be rebound (RFC 6761 keeps *.localhost off DNS), so
// they are always accepted.
package hostrule

import (
	"net"
	"net/netip"
	"strings"
)

// Rule is the set of Host header values a listener accepts beside the
// loopback names. The zero Rule accepts the loopback names only.
type Rule struct {
	// Hosts are extra host names or IP literals. An entry ".example.test"
	// accepts every subdomain of example.test; "*" accepts any host name
	// (switches the rule off).
	Hosts []string
	// AnyIP accepts every IP-literal Host. It suits a listener on a
	// wildcard address (0.0.0.0, [::]): peers reach it at one of the
	// machine's addresses, and an IP literal cannot be rebound.
	AnyIP bool
}

// WithListener returns r extended with what a listener is reached at: its
// bound IP (or, for a wildcard address, AnyIP) and the host of the address
// it was configured with, which may be a name ("devbox.lan:8080").
func (r Rule) WithListener(configured string, bound net.Addr) Rule {
	r.Hosts = append([]string(nil), r.Hosts...)
	if addr, ok := bound.(*net.TCPAddr); ok {
		if addr.IP.IsUnspecified() {
			r.AnyIP = true
		} else {
			r.Hosts = append(r.Hosts, addr.IP.String())
		}
	}
	if host, _, err := net.SplitHostPort(configured); err == nil && host != "" {
		r.Hosts = append(r.Hosts, host)
	}
	return r
}

// Allows reports whether a Host header value (a name or IP literal, with
// an optional port) is accepted.
func (r Rule) Allows(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return false // HTTP/1.1 requires Host; an empty one names nothing we know
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.IsLoopback() || r.AnyIP {
			return true
		}
	} else if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		// RFC 6761: *.localhost always resolves to loopback, never through DNS.
		return true
	}
	for _, h := range r.Hosts {
		h = strings.ToLower(strings.Trim(h, "[]"))
		switch {
		case h == "*", h == host:
			return true
		case strings.HasPrefix(h, ".") && strings.HasSuffix(host, h):
			return true
		}
		if a, err := netip.ParseAddr(h); err == nil {
			if b, err := netip.ParseAddr(host); err == nil && a.Unmap() == b.Unmap() {
				return true
			}
		}
	}
	return false
}

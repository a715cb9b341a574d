package server

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator/httpapi"
)

// guard is the one gate in front of every route: the loopback names, the
// listen address, the host tasks reach ironlocal at (IRON_HOST) and the
// --allow-host names are accepted; browsers' cross-site requests are not.
func (s *Server) guard() httpapi.Guard {
	g := httpapi.Guard{Hosts: append([]string(nil), s.opts.AllowHosts...), Origins: s.opts.AllowOrigins}
	if addr, ok := s.ln.Addr().(*net.TCPAddr); ok {
		if addr.IP.IsUnspecified() {
			g.AnyIP = true
		} else {
			g.Hosts = append(g.Hosts, addr.IP.String())
		}
	}
	if host, _, err := net.SplitHostPort(s.opts.Listen); err == nil && host != "" {
		g.Hosts = append(g.Hosts, host) // a listen address given by name
	}
	if h := s.ironEnv()["IRON_HOST"]; h != "" {
		g.Hosts = append(g.Hosts, h)
	}
	return g
}

// maxConnections is the connection cap: the option (or the default),
// lowered to leave file descriptors for the store, the runtime and tasks.
func maxConnections(opt int) int {
	n := opt
	if n <= 0 {
		n = DefaultMaxConnections
	}
	if limit := fdLimit(); limit > 0 {
		n = min(n, max(limit-256, 64))
	}
	return n
}

// connRefused logs, at most every 10 s, that the connection cap turned a
// connection away.
func (s *Server) connRefused() func() {
	var last atomic.Int64
	return func() {
		now := time.Now().UnixNano()
		if prev := last.Load(); now-prev > int64(10*time.Second) && last.CompareAndSwap(prev, now) {
			s.log.Warn("connection refused: every connection is busy (raise --max-connections or the open-files limit)",
				"max_connections", s.conns.max)
		}
	}
}

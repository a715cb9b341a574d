package server

import (
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator/httpapi"
	"github.com/ironlocal/ironlocal/internal/hostrule"
	"github.com/ironlocal/ironlocal/internal/httplimit"
)

// guard is the one gate in front of every route: the loopback names, the
// listen address, the host tasks reach ironlocal at (IRON_HOST) and the
// --allow-host names are accepted; browsers' cross-site requests are not.
func (s *Server) guard() httpapi.Guard {
	rule := hostrule.Rule{Hosts: s.opts.AllowHosts}.WithListener(s.opts.Listen, s.ln.Addr())
	if h := s.ironEnv()["IRON_HOST"]; h != "" {
		rule.Hosts = append(rule.Hosts, h)
	}
	return httpapi.Guard{Rule: rule, Origins: s.opts.AllowOrigins}
}

// maxConnections is the connection cap: the option (or the default),
// lowered to leave file descriptors for the store, the runtime and tasks.
func maxConnections(opt int) int {
	n := opt
	if n <= 0 {
		n = DefaultMaxConnections
	}
	return httplimit.FitFDs(n, 256)
}

// connRefused logs, at most every 10 s, that the connection cap turned a
// connection away.
func (s *Server) connRefused() func() {
	var last atomic.Int64
	return func() {
		now := time.Now().UnixNano()
		if prev := last.Load(); now-prev > int64(10*time.Second) && last.CompareAndSwap(prev, now) {
			s.log.Warn("connection refused: every connection is busy (raise --max-connections or the open-files limit)",
				"max_connections", s.conns.Max())
		}
	}
}

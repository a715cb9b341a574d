package httptrigger

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// front is what every request meets before the routes: the Host rule,
// then CORS. The gateway answers with tasks' output, so it defends its
// listener as the API does (docs/security.md): a DNS-rebinding page, whose
// own name resolves to 127.0.0.1, must not read a sync route's answer.
func (g *gateway) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !g.hosts.Allows(req.Host) {
			g.refuse(w, req)
			return
		}
		if c := g.cfg.CORS; c != nil {
			if isPreflight(req) {
				c.preflight(w, req)
				return
			}
			w = &corsWriter{ResponseWriter: w, cors: c, origin: req.Header.Get("Origin")}
		}
		next.ServeHTTP(w, req)
	})
}

// refuse answers a request for a host name the gateway does not know, and
// records it as a filtered event so the trace says what to configure.
func (g *gateway) refuse(w http.ResponseWriter, req *http.Request) {
	reason := fmt.Sprintf("host name %s is not accepted: the gateway answers only to loopback names, its listen address and allow_hosts",
		quoteHost(req.Host))
	payload, _ := json.Marshal(map[string]string{"method": req.Method, "path": req.URL.Path, "host": req.Host})
	_, _ = g.emit.Emit(req.Context(), sdk.Event{Type: g.eventType(), Payload: payload,
		Attrs:    map[string]string{"method": req.Method, "path": req.URL.Path, "host": quoteHost(req.Host)},
		Filtered: reason})
	writeJSON(w, http.StatusForbidden, nil, map[string]string{"message": "Forbidden: " + reason + " (this protects it from DNS rebinding)"})
}

// quoteHost keeps a client-chosen value readable and short in a message.
func quoteHost(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// refusedLog logs, at most every 10 s, that the connection cap turned a
// connection away.
func refusedLog(bindingID string, max int) func() {
	var last atomic.Int64
	return func() {
		now := time.Now().UnixNano()
		if prev := last.Load(); now-prev > int64(10*time.Second) && last.CompareAndSwap(prev, now) {
			sdk.Log.Warn("connection refused: every connection is busy (raise max_connections or the open-files limit)",
				"binding", bindingID, "max_connections", max)
		}
	}
}

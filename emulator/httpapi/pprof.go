package httpapi

import (
	"net/http"
	"net/http/pprof"
)

// pprofRoutes serves Go's runtime profiles under /_ironlocal/debug/pprof/
// when Config.Pprof is set (--pprof). They are control-plane routes: the
// Guard applies, and in strict mode they need one of the tokens. Off by
// default: a CPU profile costs the daemon while it runs, and heap and
// goroutine dumps can show request data.
//
//	go tool pprof 'http://127.0.0.1:4766/_ironlocal/debug/pprof/profile?seconds=10'
//	go tool pprof http://127.0.0.1:4766/_ironlocal/debug/pprof/allocs
func (a *API) pprofRoutes(m router) {
	if !a.cfg.Pprof {
		return
	}
	const p = "/_ironlocal/debug/pprof/"
	// pprof.Index finds a named profile (heap, allocs, goroutine, block,
	// mutex, threadcreate) after "/debug/pprof/" in the path.
	m.HandleFunc("GET "+p, http.StripPrefix("/_ironlocal", http.HandlerFunc(pprof.Index)).ServeHTTP)
	m.HandleFunc("GET "+p+"cmdline", pprof.Cmdline)
	m.HandleFunc("GET "+p+"profile", pprof.Profile)
	m.HandleFunc("GET "+p+"symbol", pprof.Symbol)
	m.HandleFunc("POST "+p+"symbol", pprof.Symbol)
	m.HandleFunc("GET "+p+"trace", pprof.Trace)
}

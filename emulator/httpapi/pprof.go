package httpapi

import (
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
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
	m.HandleFunc("GET "+p+"cmdline", handleCmdline)
	m.HandleFunc("GET "+p+"profile", pprof.Profile)
	m.HandleFunc("GET "+p+"symbol", pprof.Symbol)
	m.HandleFunc("POST "+p+"symbol", pprof.Symbol)
	m.HandleFunc("GET "+p+"trace", pprof.Trace)
}

// handleCmdline is pprof's cmdline page with the values of secret flags
// (--token) replaced: anyone holding one token must not read the others.
// IRONLOCAL_TOKEN passes tokens without putting them on the command line
// at all (where every local user's ps shows them).
func handleCmdline(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(strings.Join(redactArgs(os.Args), "\x00")))
}

// redactArgs returns args with the value of every flag whose name holds
// "token", "password" or "secret" replaced by REDACTED, in each form the
// flag package takes (-f v, --f v, -f=v, --f=v).
func redactArgs(args []string) []string {
	out := append([]string(nil), args...)
	secret := func(name string) bool {
		name = strings.ToLower(strings.TrimLeft(name, "-"))
		return strings.Contains(name, "token") || strings.Contains(name, "password") || strings.Contains(name, "secret")
	}
	for i := 1; i < len(out); i++ {
		a := out[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") {
			continue
		}
		if name, _, ok := strings.Cut(a, "="); ok {
			if secret(name) {
				out[i] = name + "=REDACTED"
			}
			continue
		}
		if secret(a) && i+1 < len(out) {
			out[i+1] = "REDACTED"
			i++
		}
	}
	return out
}

package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestPprof_OffByDefault(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, http.MethodGet, "/_ironlocal/debug/pprof/", "")
	r.expectError(t, http.StatusNotFound)
}

func TestPprof_ServesProfiles(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, Pprof: true})
	for _, path := range []string{
		"/_ironlocal/debug/pprof/",
		"/_ironlocal/debug/pprof/heap?debug=1",
		"/_ironlocal/debug/pprof/goroutine?debug=1",
		"/_ironlocal/debug/pprof/allocs",
		"/_ironlocal/debug/pprof/cmdline",
	} {
		r, err := e.roundTrip(e.request(t, http.MethodGet, path, ""))
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		require.NotEmpty(t, r.body, "%v", r)
	}
	r, err := e.roundTrip(e.request(t, http.MethodGet, "/_ironlocal/debug/pprof/heap?debug=1", ""))
	require.NoError(t, err)
	require.Contains(t, string(r.body), "heap profile", "the named profile, not the index")
}

func TestPprof_StrictModeNeedsToken(t *testing.T) {
	e := newEnvWith(t, server.Options{Tokens: []string{token}, Pprof: true})
	req := e.request(t, http.MethodGet, "/_ironlocal/debug/pprof/heap?debug=1", "")
	req.Header.Del("Authorization")
	r, err := e.roundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, r.status, "%v", r)

	r, err = e.roundTrip(e.request(t, http.MethodGet, "/_ironlocal/debug/pprof/heap?debug=1", ""))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
}

func TestPprof_BehindTheGuard(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, Pprof: true})
	req := e.request(t, http.MethodGet, "/_ironlocal/debug/pprof/heap?debug=1", "")
	req.Host = "attacker.example"
	r, err := e.roundTrip(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusForbidden, r.status, "%v", r)
}

package httpapi_test

import (
	"context"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// fakeContainers is an engine holding a fixed set of containers; only
// those carrying the test label may be removed.
type fakeContainers struct {
	mu      sync.Mutex
	list    []emulator.TestContainer
	foreign map[string]bool
}

func (f *fakeContainers) List(context.Context) ([]emulator.TestContainer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]emulator.TestContainer(nil), f.list...), nil
}

func (f *fakeContainers) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.foreign[id] {
		return emulator.Forbidden("Container " + id + " is not an ironlocal test container: not removed")
	}
	for i, c := range f.list {
		if c.ID == id {
			f.list = append(f.list[:i], f.list[i+1:]...)
			return nil
		}
	}
	return emulator.NotFound("No container " + id)
}

func TestTestContainers_ListAndRemove(t *testing.T) {
	started := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	kept := started.Add(time.Minute)
	fake := &fakeContainers{foreign: map[string]bool{"postgres": true}, list: []emulator.TestContainer{
		{ID: "c2", Name: "busy_kepler", Test: "TestOrders/fails", StartedAt: started, State: "running",
			URL: "http://127.0.0.1:32768", Token: "secret", KeepOnFailure: true, Kept: true, KeptAt: kept},
		{ID: "c1", Name: "calm_euler", StartedAt: started, State: "running", URL: "http://127.0.0.1:32769"},
	}}
	e := newEnvWith(t, server.Options{VirtualClock: true, TestContainers: fake})

	e.do(t, http.MethodGet, "/_ironlocal/containers", "").expect(t, http.StatusOK, `{"containers":[
		{"id":"c2","name":"busy_kepler","test":"TestOrders/fails","started_at":"2025-03-01T10:00:00Z","state":"running",
		 "url":"http://127.0.0.1:32768","token":"secret","keep_on_failure":true,"kept":true,"kept_at":"2025-03-01T10:01:00Z"},
		{"id":"c1","name":"calm_euler","started_at":"2025-03-01T10:00:00Z","state":"running",
		 "url":"http://127.0.0.1:32769","token":"","keep_on_failure":false,"kept":false}]}`)

	t.Run("remove", func(t *testing.T) {
		e.do(t, http.MethodDelete, "/_ironlocal/containers/c2", "").expectMsg(t, http.StatusOK, "Removed")
		e.do(t, http.MethodDelete, "/_ironlocal/containers/c2", "").expectMsg(t, http.StatusNotFound, "No container c2")
		e.do(t, http.MethodGet, "/_ironlocal/containers", "").expect(t, http.StatusOK, `{"containers":[
			{"id":"c1","name":"calm_euler","started_at":"2025-03-01T10:00:00Z","state":"running",
			 "url":"http://127.0.0.1:32769","token":"","keep_on_failure":false,"kept":false}]}`)
	})
	t.Run("other containers are refused", func(t *testing.T) {
		e.do(t, http.MethodDelete, "/_ironlocal/containers/postgres", "").expectMsg(t, http.StatusForbidden,
			"Container postgres is not an ironlocal test container: not removed")
	})
}

// Without an engine the route says so (503) instead of an empty list.
func TestTestContainers_NoEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	e := newEnvWith(t, server.Options{VirtualClock: true, Runtime: "process"})
	r := e.do(t, http.MethodGet, "/_ironlocal/containers", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%v", r)
	require.Contains(t, string(r.body), "No Docker engine answered at unix://")
	r = e.do(t, http.MethodDelete, "/_ironlocal/containers/abc", "")
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%v", r)
}

// Strict mode covers these routes like every control-plane route.
func TestTestContainers_Strict(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, Tokens: []string{token}, TestContainers: &fakeContainers{}})
	for _, rt := range []struct{ method, path string }{
		{http.MethodGet, "/_ironlocal/containers"},
		{http.MethodDelete, "/_ironlocal/containers/c1"},
		{http.MethodGet, "/_ironlocal/inspect"},
		{http.MethodPost, "/_ironlocal/inspect"},
		{http.MethodPost, "/_ironlocal/inspect/resume"},
		{http.MethodPost, "/_ironlocal/inspect/1/resume"},
		{http.MethodGet, "/_ironlocal/inspect/1/wait"},
	} {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			req := e.request(t, rt.method, rt.path, "")
			req.Header.Set("Authorization", "OAuth wrong")
			r := e.send(t, req)
			require.Equal(t, http.StatusUnauthorized, r.status, "%v", r)
		})
	}
	e.do(t, http.MethodGet, "/_ironlocal/containers", "").expect(t, http.StatusOK, `{"containers":[]}`)
}

func TestInspect_PauseResumeWait(t *testing.T) {
	e := newEnv(t)
	e.do(t, http.MethodGet, "/_ironlocal/inspect", "").expect(t, http.StatusOK, `{"paused":[]}`)

	r := e.do(t, http.MethodPost, "/_ironlocal/inspect", `{"test":"TestOrders"}`)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.Regexp(t, `^\{"pause":\{"id":"1","test":"TestOrders","since":"[^"]+"\}\}\s*$`, string(r.body))
	e.do(t, http.MethodPost, "/_ironlocal/inspect", `{"test":"TestOther"}`)

	r = e.do(t, http.MethodGet, "/_ironlocal/inspect", "")
	require.Regexp(t, `^\{"paused":\[\{"id":"1","test":"TestOrders",[^}]+\},\{"id":"2","test":"TestOther",[^}]+\}\]\}\s*$`, string(r.body))

	e.do(t, http.MethodGet, "/_ironlocal/inspect/1/wait?timeout=0", "").expectMsg(t, http.StatusRequestTimeout, "Still paused after 0s")
	e.do(t, http.MethodGet, "/_ironlocal/inspect/9/wait?timeout=0", "").expectMsg(t, http.StatusNotFound, `No paused test "9"`)
	e.do(t, http.MethodGet, "/_ironlocal/inspect/1/wait?timeout=soon", "").expectMsg(t, http.StatusBadRequest,
		`timeout must be a duration such as "5s" or a number of seconds, between 0 and 10m0s, got "soon"`)

	// A wait returns once the pause is resumed (whether its request came
	// before or after the resume).
	done := make(chan reply, 1)
	go func() {
		r, err := e.roundTrip(e.request(t, http.MethodGet, "/_ironlocal/inspect/1/wait?timeout=1m", ""))
		if err != nil {
			r.status = -1
		}
		done <- r
	}()
	r = e.do(t, http.MethodPost, "/_ironlocal/inspect/1/resume", "")
	require.Regexp(t, `^\{"resumed":\[\{"id":"1","test":"TestOrders",[^}]+\}\]\}\s*$`, string(r.body))
	w := <-done
	w.expect(t, http.StatusOK, `{"msg":"Resumed","resumed":true}`)

	// A later wait (the test's poll was between requests) still learns it.
	e.do(t, http.MethodGet, "/_ironlocal/inspect/1/wait?timeout=0", "").expect(t, http.StatusOK, `{"msg":"Resumed","resumed":true}`)
	e.do(t, http.MethodPost, "/_ironlocal/inspect/1/resume", "").expect(t, http.StatusOK, `{"resumed":[]}`)
	e.do(t, http.MethodPost, "/_ironlocal/inspect/7/resume", "").expectMsg(t, http.StatusNotFound, `No paused test "7"`)

	// Resume with no id resumes every paused test.
	r = e.do(t, http.MethodPost, "/_ironlocal/inspect/resume", "")
	require.Regexp(t, `^\{"resumed":\[\{"id":"2","test":"TestOther",[^}]+\}\]\}\s*$`, string(r.body))
	e.do(t, http.MethodGet, "/_ironlocal/inspect", "").expect(t, http.StatusOK, `{"paused":[]}`)
}

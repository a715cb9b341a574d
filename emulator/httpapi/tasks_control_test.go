package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestControlAPI_TaskLogSoFar(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "gated", wkGated)
	id := e.queueOne(t, "gated", "lsf")
	e.waitStarted(t, "lsf")

	// The Iron route answers 404 until the task ends (no --live-logs)…
	e.call(t, http.MethodGet, wkPath("/tasks/"+id+"/log"), "").msg(t, http.StatusNotFound, "Log not found")
	// …the control plane gives the log so far, at once.
	var got struct {
		Log    string `json:"log"`
		Size   int    `json:"size"`
		Status string `json:"status"`
	}
	e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/"+id+"/log", "").ok(t, &got)
	require.Equal(t, "", got.Log, "the gated command prints only once let through")
	require.Equal(t, 0, got.Size)
	require.Equal(t, "running", got.Status)

	e.open(t, "lsf")
	e.waitStatus(t, id, "complete")
	e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/"+id+"/log", "").ok(t, &got)
	require.Equal(t, "ran lsf\n", got.Log)
	require.Equal(t, "complete", got.Status)

	e.call(t, http.MethodGet, "/_ironlocal/tasks/"+wkProject+"/000000000000000000000000/log", "").fails(t, http.StatusNotFound)
}

func TestControlAPI_TaskBulk(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "fails", `echo nope; exit 3`)
	e.code(t, "ok", wkEcho)
	var failed []string
	for _, p := range []string{"alpha", "bravo"} {
		id := e.queueOne(t, "fails", p)
		e.waitStatus(t, id, "error")
		failed = append(failed, id)
	}
	e.waitStatus(t, e.queueOne(t, "ok", "fine"), "complete")
	path := "/_ironlocal/tasks/" + wkProject + "/bulk"

	type result struct {
		Matched, Eligible, Done, Remaining int
		DryRun                             bool `json:"dry_run"`
	}
	var got result
	e.call(t, http.MethodPost, path, `{"action":"retry","filter":{},"dry_run":true}`).ok(t, &got)
	require.Equal(t, result{Matched: 3, Eligible: 2, DryRun: true}, got)
	e.call(t, http.MethodPost, path, `{"action":"retry","filter":{"code_name":"fails","status":["error"],"q":"BRAVO"}}`).ok(t, &got)
	require.Equal(t, result{Matched: 1, Eligible: 1, Done: 1}, got, "the search finds the payload bravo")
	retried := e.task(t, failed[1])
	require.NotEmpty(t, retried["retry_task_id"])
	require.Equal(t, "api", retried["source"])
	retry := e.task(t, retried["retry_task_id"].(string))
	require.Equal(t, "retry", retry["source"], "what queued it")
	require.Equal(t, failed[1], retry["source_id"])
	require.Empty(t, e.task(t, failed[0])["retry_task_id"])

	e.call(t, http.MethodPost, path, `{"action":"cancel","filter":{"status":["queued","running"]},"dry_run":true}`).ok(t, &got)
	require.Equal(t, got.Matched, got.Eligible)

	e.call(t, http.MethodPost, path, `{"action":"delete","filter":{}}`).fails(t, http.StatusBadRequest)
	e.call(t, http.MethodPost, path, `{"action":"retry","filter":{"status":["finished"]}}`).fails(t, http.StatusBadRequest)
	e.call(t, http.MethodPost, path, `{"action":"retry","filter":{"from_time":"yesterday"}}`).fails(t, http.StatusBadRequest)
	e.call(t, http.MethodPost, path, `not json`).fails(t, http.StatusBadRequest)
}

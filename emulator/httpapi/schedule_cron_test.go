package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// cron and run_every together are refused with a 400 naming both fields,
// on create, update and preview; nothing is stored.
func TestWorkerAPI_ScheduleCronAndRunEveryRefused(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "echo", wkEcho)

	msg := e.call(t, http.MethodPost, wkPath("/schedules"),
		`{"schedules":[{"code_name":"echo","cron":"*/5 * * * *","run_every":3600}]}`).fails(t, http.StatusBadRequest)
	require.Contains(t, msg, "cron")
	require.Contains(t, msg, "run_every")
	list := e.call(t, http.MethodGet, wkPath("/schedules"), "").object(t)
	require.Empty(t, list["schedules"])

	var out struct {
		Schedules []struct {
			ID string `json:"id"`
		} `json:"schedules"`
	}
	e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","run_every":3600}]}`).ok(t, &out)
	id := out.Schedules[0].ID
	msg = e.call(t, http.MethodPut, wkPath("/schedules/"+id), `{"cron":"0 * * * *"}`).fails(t, http.StatusBadRequest)
	require.Contains(t, msg, "run_every")
	got := e.call(t, http.MethodGet, wkPath("/schedules/"+id), "").object(t)
	require.Empty(t, got["cron"])

	e.call(t, http.MethodPost, previewPath, `{"cron":"*/5 * * * *","run_every":60}`).fails(t, http.StatusBadRequest)
}

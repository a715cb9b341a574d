package httpapi

import (
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/wire"
)

const defaultPreviewFires = 5

// handleSchedulePreview answers when a schedule would fire, without
// storing anything: the body holds the schedule fields of a create
// (start_at, end_at, delay, run_every, run_times, cron, …), or of an
// update of the schedule named by schedule_id; ?n= (default 5, at most
// 100) bounds the answer. Invalid fields are 400s with the create's msg.
// POST /_ironlocal/schedules/{pid}/preview
func (a *API) handleSchedulePreview(w http.ResponseWriter, r *http.Request) {
	var body wire.ScheduleBody
	if err := decodeBody(r, limitSmall+worker.MaxPayloadBytes, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	n, err := queryInt(r, "n", defaultPreviewFires)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	now, _ := a.cfg.Control.Now()
	fires, err := a.cfg.Worker.PreviewSchedule(r.Context(), r.PathValue("pid"), body.ScheduleID, newSchedule(body), n)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]time.Time, len(fires))
	for i, t := range fires {
		out[i] = t.UTC()
	}
	writeJSON(w, http.StatusOK, wire.SchedulePreview{Fires: out, Now: now.UTC()})
}

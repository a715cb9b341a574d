package httpapi

import (
	"net/http"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/wire"
)

// limitRedrive bounds a redrive body: up to mq.MaxRedriveIDs ids.
const limitRedrive = 1 << 20

// handleRedrive moves the ready messages of a dead-letter or error queue
// (all, or the ids named, at most max) back to their source queue, or to
// "to": POST /_ironlocal/queues/{pid}/{queue}/redrive → {"moved":n,"to":…}.
func (a *API) handleRedrive(w http.ResponseWriter, r *http.Request) {
	var in wire.RedriveBody
	if err := decodeBody(r, limitRedrive, &in); err != nil {
		a.writeError(w, r, err)
		return
	}
	req := mq.RedriveRequest{To: in.To, Max: in.Max}
	for _, s := range in.IDs {
		id, ok := emulator.ParseMessageID(s)
		if !ok {
			a.writeError(w, r, badRequest("ids must be message ids"))
			return
		}
		req.IDs = append(req.IDs, id)
	}
	res, err := a.cfg.MQ.Redrive(r.Context(), r.PathValue("pid"), r.PathValue("queue"), req)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.RedriveResult{Moved: res.Moved, To: res.To})
}

package httpapi

import (
	"net/http"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/wire"
)

// Control-plane task routes for the desktop app and test suites: a
// running task's log so far, and bulk repair (docs/control-plane.md).

// handleTaskLogSoFar returns a task's log so far in any state, whether or
// not ironlocal runs with --live-logs (the Iron route keeps its 404 until
// the task ends): GET /_ironlocal/tasks/{pid}/{task_id}/log.
func (a *API) handleTaskLogSoFar(w http.ResponseWriter, r *http.Request) {
	l, err := a.cfg.Worker.LogSoFar(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.LiveLog{Log: string(l.Data), Size: l.Size, Status: wire.TaskStatus(l.Status)})
}

// handleTaskBulk retries (failed, not yet retried) or cancels (queued or
// running) every task the filter selects; dry_run only counts them:
// POST /_ironlocal/tasks/{pid}/bulk
// {"action":"retry"|"cancel","filter":{…},"dry_run":true}.
func (a *API) handleTaskBulk(w http.ResponseWriter, r *http.Request) {
	var body wire.BulkBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	f := worker.BulkFilter{CodeName: body.Filter.CodeName, Label: body.Filter.Label, Search: body.Filter.Q}
	for _, st := range body.Filter.Status {
		f.Statuses = append(f.Statuses, emulator.TaskStatus(st))
	}
	if t := body.Filter.FromTime.Ptr(); t != nil {
		f.From = *t
	}
	if t := body.Filter.ToTime.Ptr(); t != nil {
		f.To = *t
	}
	res, err := a.cfg.Worker.Bulk(r.Context(), r.PathValue("pid"), worker.BulkAction(body.Action), f, body.DryRun)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.BulkResult{Matched: res.Matched, Eligible: res.Eligible, Done: res.Done,
		Remaining: res.Remaining, DryRun: body.DryRun})
}

// handleTaskActivity lists what a task did through its token's requests
// (messages posted, tasks queued, cache keys written…), oldest first:
// GET /_ironlocal/tasks/{pid}/{task_id}/activity. A request that queued
// several tasks is one entry per task.
// handleTaskDebugAgain queues a debug run of a task exactly as it ran:
// POST /_ironlocal/tasks/{pid}/{task_id}/debug.
func (a *API) handleTaskDebugAgain(w http.ResponseWriter, r *http.Request) {
	t, err := a.cfg.Worker.DebugAgain(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueuedTasks{Msg: "Queued up", Tasks: []wire.ID{{ID: t.ID}}})
}

func (a *API) handleTaskActivity(w http.ResponseWriter, r *http.Request) {
	list, err := a.cfg.Worker.Activity(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.ActivityList{Activity: []wire.Activity{}}
	for _, x := range list {
		e := wire.Activity{At: x.At, Method: x.Method, Path: x.Path, Status: x.Status, Kind: wire.ActivityKind(x.Kind),
			Queue: x.Queue, Cache: x.Cache, Key: x.Key, MessageIDs: x.MessageIDs}
		if e.MessageIDs == nil {
			e.MessageIDs = []string{}
		}
		if len(x.TaskIDs) == 0 {
			out.Activity = append(out.Activity, e)
		}
		for _, id := range x.TaskIDs {
			e.TaskID = id
			out.Activity = append(out.Activity, e)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

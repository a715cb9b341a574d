package httpapi

import (
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// Control-plane task routes for the desktop app and test suites: a
// running task's log so far, and bulk repair (docs/control-plane.md).

// wireLogSoFar is a task's output so far: log holds its first size bytes
// (stdout and stderr interleaved); task.log events whose attrs.offset is
// at or past size carry what follows.
type wireLogSoFar struct {
	Log    string `json:"log"`
	Size   int64  `json:"size"`
	Status string `json:"status"`
}

// handleTaskLogSoFar returns a task's log so far in any state, whether or
// not ironlocal runs with --live-logs (the Iron route keeps its 404 until
// the task ends): GET /_ironlocal/tasks/{pid}/{task_id}/log.
func (a *API) handleTaskLogSoFar(w http.ResponseWriter, r *http.Request) {
	l, err := a.cfg.Worker.LogSoFar(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireLogSoFar{Log: string(l.Data), Size: l.Size, Status: string(l.Status)})
}

type wireBulkFilter struct {
	CodeName string   `json:"code_name"`
	Status   []string `json:"status"`
	Label    string   `json:"label"`
	Q        string   `json:"q"`
	FromTime flexTime `json:"from_time"`
	ToTime   flexTime `json:"to_time"`
}

type wireBulkResult struct {
	Matched   int  `json:"matched"`
	Eligible  int  `json:"eligible"`
	Done      int  `json:"done"`
	Remaining int  `json:"remaining"`
	DryRun    bool `json:"dry_run"`
}

// handleTaskBulk retries (failed, not yet retried) or cancels (queued or
// running) every task the filter selects; dry_run only counts them:
// POST /_ironlocal/tasks/{pid}/bulk
// {"action":"retry"|"cancel","filter":{…},"dry_run":true}.
func (a *API) handleTaskBulk(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Action string         `json:"action"`
		Filter wireBulkFilter `json:"filter"`
		DryRun bool           `json:"dry_run"`
	}
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	f := worker.BulkFilter{CodeName: body.Filter.CodeName, Label: body.Filter.Label, Search: body.Filter.Q}
	for _, st := range body.Filter.Status {
		f.Statuses = append(f.Statuses, emulator.TaskStatus(st))
	}
	if t := body.Filter.FromTime.ptr(); t != nil {
		f.From = *t
	}
	if t := body.Filter.ToTime.ptr(); t != nil {
		f.To = *t
	}
	res, err := a.cfg.Worker.Bulk(r.Context(), r.PathValue("pid"), worker.BulkAction(body.Action), f, body.DryRun)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wireBulkResult{Matched: res.Matched, Eligible: res.Eligible, Done: res.Done,
		Remaining: res.Remaining, DryRun: body.DryRun})
}

// wireActivity is one request a task made with its token.
type wireActivity struct {
	At         time.Time `json:"at"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	Kind       string    `json:"kind"`
	Queue      string    `json:"queue"`
	Cache      string    `json:"cache"`
	Key        string    `json:"key"`
	TaskID     string    `json:"task_id"`
	MessageIDs []string  `json:"message_ids"`
}

// handleTaskActivity lists what a task did through its token's requests
// (messages posted, tasks queued, cache keys written…), oldest first:
// GET /_ironlocal/tasks/{pid}/{task_id}/activity. A request that queued
// several tasks is one entry per task.
func (a *API) handleTaskActivity(w http.ResponseWriter, r *http.Request) {
	list, err := a.cfg.Worker.Activity(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := struct {
		Activity []wireActivity `json:"activity"`
	}{Activity: []wireActivity{}}
	for _, x := range list {
		e := wireActivity{At: x.At, Method: x.Method, Path: x.Path, Status: x.Status, Kind: string(x.Kind),
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

package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/wire"
)

// Control-plane routes for the desktop app and test suites: what the Iron
// API lacks to see and edit everything (docs/control-plane.md).

// handleCodeSettings changes a code package's settings in place (no new
// revision): PATCH /_ironlocal/codes/{pid}/{code_id}.
func (a *API) handleCodeSettings(w http.ResponseWriter, r *http.Request) {
	var body wire.CodeSettingsBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	cs := worker.CodeSettings{MaxConcurrency: body.MaxConcurrency.Ptr(), Retries: body.Retries.Ptr(),
		RetriesDelay: body.RetriesDelay.Ptr(), DefaultPriority: body.DefaultPriority.Ptr(), EnvVars: body.EnvVars,
		CPUs: body.CPUs, DebugPort: body.DebugPort.Ptr(), DebugCommand: body.DebugCommand}
	if m := body.Memory.Ptr(); m != nil {
		mb := int64(*m)
		cs.MemoryMB = &mb
	}
	code, err := a.cfg.Worker.UpdateCodeSettings(r.Context(), r.PathValue("pid"), r.PathValue("code_id"), cs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireCode(code))
}

// handleCodeLink links a code package to a folder, creating it when the
// project has none of that name: PUT /_ironlocal/codes/{pid}/{name}/link.
func (a *API) handleCodeLink(w http.ResponseWriter, r *http.Request) {
	var body wire.CodeLinkBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	code, err := a.cfg.Worker.LinkCode(r.Context(), r.PathValue("pid"), worker.CodeLink{Name: r.PathValue("name"),
		Dir: body.Dir, Image: body.Image, Command: body.Command, Watch: body.Watch, Payload: body.Payload})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireCode(code))
}

// handleCodeUnlink ends a code's link to its folder (and its watch):
// DELETE /_ironlocal/codes/{pid}/{name}/link.
func (a *API) handleCodeUnlink(w http.ResponseWriter, r *http.Request) {
	code, err := a.cfg.Worker.UnlinkCode(r.Context(), r.PathValue("pid"), r.PathValue("name"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireCode(code))
}

// handleProjects lists every project that holds a queue, cache, code, task
// or schedule, the default project first (listed even when empty), the
// others in byte order: GET /_ironlocal/projects.
func (a *API) handleProjects(w http.ResponseWriter, r *http.Request) {
	projects, def, err := a.cfg.Control.Projects(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Projects{Default: def, Projects: projects})
}

// handleStats counts a project's resources (?project=, default the default
// project): queues, messages held, caches, codes, schedules and tasks by
// status. GET /_ironlocal/stats
func (a *API) handleStats(w http.ResponseWriter, r *http.Request) {
	pid := r.URL.Query().Get("project")
	if pid == "" {
		pid = a.cfg.Control.DefaultProject()
	}
	ctx := r.Context()
	mqc, err := a.cfg.MQ.ProjectCounts(ctx, pid)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	caches, err := a.cfg.Cache.CountCaches(ctx, pid)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	wc, err := a.cfg.Worker.ProjectCounts(ctx, pid)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := wire.Stats{ProjectID: pid, Queues: mqc.Queues, Messages: mqc.Messages, Caches: caches, Codes: wc.Codes,
		Schedules: wc.Schedules, Tasks: map[wire.TaskStatus]int{}}
	for _, st := range emulator.TaskStatuses {
		out.Tasks[wire.TaskStatus(st)] = wc.Tasks[st]
	}
	writeJSON(w, http.StatusOK, out)
}

// browseLimit reads ?limit= (0 = the service's default).
func browseLimit(r *http.Request) (int, error) {
	n, err := queryInt(r, "limit", 0)
	if err == nil && n < 0 {
		err = badRequest("Query parameter limit must not be negative")
	}
	return n, err
}

// handleQueueBrowse lists full queue objects by name, after ?cursor= (a
// queue name) and starting with ?prefix=: GET /_ironlocal/queues/{pid}.
func (a *API) handleQueueBrowse(w http.ResponseWriter, r *http.Request) {
	limit, err := browseLimit(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if limit == 0 {
		limit = mq.DefaultBrowseLimit
	}
	q := r.URL.Query()
	queues, err := a.cfg.MQ.ListQueues(r.Context(), r.PathValue("pid"), q.Get("prefix"), q.Get("cursor"), limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := map[string]any{}
	list := make([]wire.Queue, len(queues))
	for i, qu := range queues {
		list[i] = toWireQueue(qu)
	}
	out["queues"] = list
	if len(queues) > 0 && len(queues) == min(limit, mq.MaxPerPage) {
		out["cursor"] = queues[len(queues)-1].Name
	}
	writeJSON(w, http.StatusOK, out)
}

// handleMessageBrowse pages through every message of a queue in id order
// with the state each is in (ready, delayed, reserved; pushing or pushed
// on push queues), after ?cursor= (a message id), at most ?limit=, with
// ?q= searching bodies: GET /_ironlocal/queues/{pid}/{queue}/messages.
func (a *API) handleMessageBrowse(w http.ResponseWriter, r *http.Request) {
	limit, err := browseLimit(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	bq := mq.BrowseQuery{Limit: limit, Search: q.Get("q")}
	if c := q.Get("cursor"); c != "" {
		id, ok := emulator.ParseMessageID(c)
		if !ok {
			a.writeError(w, r, badRequest("cursor must be a message id (the cursor of the previous page)"))
			return
		}
		bq.After = id
	}
	page, err := a.cfg.MQ.BrowseMessages(r.Context(), r.PathValue("pid"), r.PathValue("queue"), bq)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	list := make([]wire.BrowsedMessage, len(page.Messages))
	for i, m := range page.Messages {
		list[i] = wire.BrowsedMessage{ID: m.ID.String(), Body: m.Body, Status: wire.MessageStatus(m.Status), ReservedCount: m.ReservedCount,
			ReservationID: m.ReservationID, PostedAt: wt(m.PostedAt), AvailableAt: wt(m.AvailableAt),
			ExpiresAt: wt(m.ExpiresAt), PushHeaders: m.PushHeaders, Subscribers: toWirePushStatuses(m.Subscribers)}
	}
	out := map[string]any{"messages": list}
	if page.More {
		out["cursor"] = page.Next.String()
	}
	writeJSON(w, http.StatusOK, out)
}

func toWirePushStatuses(subs []emulator.SubscriberState) []wire.PushStatus {
	if len(subs) == 0 {
		return nil
	}
	out := make([]wire.PushStatus, len(subs))
	for i, s := range subs {
		out[i] = wire.PushStatus{Name: s.Name, URL: s.URL, Status: string(s.Status), StatusCode: s.StatusCode,
			Tries: s.Tries, RetriesRemaining: s.RetriesRemaining, LastTryAt: wt(s.LastTryAt),
			NextTryAt: wt(s.NextTryAt), Msg: s.Msg, LastResponse: s.LastResponse}
	}
	return out
}

// handleItemBrowse pages through the live items of a cache in key order,
// after ?cursor= (a key), at most ?limit=, with ?q= searching keys:
// GET /_ironlocal/caches/{pid}/{cache}/items.
func (a *API) handleItemBrowse(w http.ResponseWriter, r *http.Request) {
	limit, err := browseLimit(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	page, err := a.cfg.Cache.BrowseItems(r.Context(), r.PathValue("pid"), r.PathValue("cache"), q.Get("cursor"), limit, q.Get("q"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	list := make([]wire.Item, len(page.Items))
	for i, it := range page.Items {
		list[i] = toWireItem(it)
	}
	out := map[string]any{"items": list}
	if page.More {
		out["cursor"] = page.Next
	}
	writeJSON(w, http.StatusOK, out)
}

// handleTaskBrowse pages through a project's tasks newest first, past the
// Iron list's 100 pages: after ?cursor= (a task id), at most ?limit=,
// filtered by ?code_name=, ?status= (comma-separated) and ?q= (id, code,
// label, msg or payload): GET /_ironlocal/tasks/{pid}.
func (a *API) handleTaskBrowse(w http.ResponseWriter, r *http.Request) {
	limit, err := browseLimit(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	tb := worker.TaskBrowse{Before: q.Get("cursor"), Limit: limit, CodeName: q.Get("code_name"), Search: q.Get("q")}
	for v := range strings.SplitSeq(q.Get("status"), ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		st := emulator.TaskStatus(v)
		if !slices.Contains(emulator.TaskStatuses, st) {
			a.writeError(w, r, badRequest(fmt.Sprintf("Unknown task status %q", v)))
			return
		}
		tb.Statuses = append(tb.Statuses, st)
	}
	page, err := a.cfg.Worker.BrowseTasks(r.Context(), r.PathValue("pid"), tb)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	list := make([]wire.Task, len(page.Tasks))
	for i, t := range page.Tasks {
		list[i] = toWireTask(t)
	}
	out := map[string]any{"tasks": list}
	if page.More {
		out["cursor"] = page.Next
	}
	writeJSON(w, http.StatusOK, out)
}

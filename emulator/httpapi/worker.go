package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/wire"
)

const (
	limitCodeUpload = 256 << 20 // zips (spec §3.2, emulator limit)
	limitTasks      = 8 << 20   // 100 tasks of up to 64 KiB payload, JSON-escaped
	limitWebhook    = worker.MaxPayloadBytes
)

// codeUpload is the domain's upload of d, with the zip when one came.
func codeUpload(d wire.CodeBody, zip []byte) (worker.CodeUpload, error) {
	u := worker.CodeUpload{Name: d.Name, Image: d.Image, Command: d.Command, Runtime: d.Runtime, FileName: d.FileName,
		Stack: d.Stack, EnvVars: d.EnvVars, MaxConcurrency: d.MaxConcurrency.Ptr(), Retries: d.Retries.Ptr(),
		RetriesDelay: d.RetriesDelay.Ptr(), DefaultPriority: d.DefaultPriority.Ptr(), CPUs: d.CPUs, Zip: zip,
		DebugPort: d.DebugPort.Ptr(), DebugCommand: d.DebugCommand}
	if m := d.Memory.Ptr(); m != nil {
		mb := int64(*m)
		u.MemoryMB = &mb
	}
	// config is a string; Ruby serialises hashes to JSON itself, but accept
	// an object too and keep its JSON text.
	if present(d.Config) {
		if d.Config[0] == '"' {
			if err := json.Unmarshal(d.Config, &u.Config); err != nil {
				return u, badRequest("Invalid JSON: config must be a string")
			}
		} else {
			u.Config = string(d.Config)
		}
	}
	return u, nil
}

// handleCodeUpload accepts multipart (field `data` + optional file `file`,
// as every client sends) or a plain JSON body.
func (a *API) handleCodeUpload(w http.ResponseWriter, r *http.Request) {
	upload, err := decodeCodeUpload(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	code, err := a.cfg.Worker.UploadCode(r.Context(), r.PathValue("pid"), upload)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := toWireCode(code)
	out.Msg = "Upload successful."
	writeJSON(w, http.StatusOK, out)
}

func decodeCodeUpload(r *http.Request) (worker.CodeUpload, error) {
	var d wire.CodeBody
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		if err := decodeBody(r, limitSmall+worker.MaxConfigBytes, &d); err != nil {
			return worker.CodeUpload{}, err
		}
		return codeUpload(d, nil)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, limitCodeUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return worker.CodeUpload{}, &requestError{status: http.StatusRequestEntityTooLarge,
				msg: "Code upload is over the " + strconv.Itoa(limitCodeUpload) + " byte limit"}
		}
		return worker.CodeUpload{}, badRequest("Invalid multipart body: " + err.Error())
	}
	defer r.MultipartForm.RemoveAll()
	data := r.FormValue("data")
	if data == "" {
		return worker.CodeUpload{}, badRequest("The multipart field \"data\" (the code's JSON description) is required")
	}
	if err := decodeJSON([]byte(data), &d); err != nil {
		return worker.CodeUpload{}, err
	}
	var zip []byte
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		if zip, err = io.ReadAll(f); err != nil {
			return worker.CodeUpload{}, badRequest("Could not read the uploaded file")
		}
	}
	return codeUpload(d, zip)
}

func (a *API) handleCodeList(w http.ResponseWriter, r *http.Request) {
	p, perPage, err := pageParams(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	codes, err := a.cfg.Worker.ListCodes(r.Context(), r.PathValue("pid"), p, perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Code, len(codes))
	for i, c := range codes {
		out[i] = toWireCode(c)
	}
	writeJSON(w, http.StatusOK, wire.CodeList{Codes: out})
}

func pageParams(r *http.Request) (page, perPage int, err error) {
	if page, err = queryInt(r, "page", 0); err != nil {
		return 0, 0, err
	}
	perPage, err = queryInt(r, "per_page", 0)
	return page, perPage, err
}

func (a *API) handleCodeGet(w http.ResponseWriter, r *http.Request) {
	code, err := a.cfg.Worker.GetCode(r.Context(), r.PathValue("pid"), r.PathValue("code_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireCode(code))
}

func (a *API) handleCodeDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Worker.DeleteCode(r.Context(), r.PathValue("pid"), r.PathValue("code_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

func (a *API) handleCodeRevisions(w http.ResponseWriter, r *http.Request) {
	p, perPage, err := pageParams(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	revs, err := a.cfg.Worker.Revisions(r.Context(), r.PathValue("pid"), r.PathValue("code_id"), p, perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.CodeRevision, len(revs))
	for i, rev := range revs {
		out[i] = toWireRevision(rev)
	}
	writeJSON(w, http.StatusOK, wire.RevisionList{Revisions: out})
}

func (a *API) handleCodeDownload(w http.ResponseWriter, r *http.Request) {
	rev, err := queryInt(r, "revision", 0)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	name, data, err := a.cfg.Worker.Download(r.Context(), r.PathValue("pid"), r.PathValue("code_id"), rev)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (a *API) handleCodeStats(w http.ResponseWriter, r *http.Request) {
	from, to, err := unixRange(r, "start_date", "end_date")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	stats, err := a.cfg.Worker.Stats(r.Context(), r.PathValue("pid"), r.PathValue("code_id"), from, to)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := map[string]int{"preparing": 0}
	for st, n := range stats {
		out[string(st)] = n
	}
	writeJSON(w, http.StatusOK, out)
}

// unixRange reads two optional unix-seconds query parameters.
func unixRange(r *http.Request, fromName, toName string) (from, to time.Time, err error) {
	var f, t int
	if f, err = queryInt(r, fromName, 0); err != nil {
		return
	}
	if t, err = queryInt(r, toName, 0); err != nil {
		return
	}
	if f > 0 {
		from = time.Unix(int64(f), 0).UTC()
	}
	if t > 0 {
		to = time.Unix(int64(t), 0).UTC()
	}
	return from, to, nil
}

func (a *API) handleCodePause(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Worker.PauseTaskQueue(r.Context(), r.PathValue("pid"), r.PathValue("code_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Paused")
}

func (a *API) handleCodeResume(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Worker.ResumeTaskQueue(r.Context(), r.PathValue("pid"), r.PathValue("code_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Resumed")
}

func (a *API) handleCodeCancelAll(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Worker.CancelAll(r.Context(), r.PathValue("pid"), r.PathValue("code_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Cancelled")
}

// taskFlags are the status filters of GET /tasks; a flag is on when present
// with any value but 0/false (iron_go3 sends "%!d(bool=true)", spec §5.14).
var taskFlags = []emulator.TaskStatus{emulator.TaskQueued, "preparing", emulator.TaskRunning, emulator.TaskComplete,
	emulator.TaskError, emulator.TaskCancelled, emulator.TaskKilled, emulator.TaskTimeout}

func (a *API) handleTaskList(w http.ResponseWriter, r *http.Request) {
	p, perPage, err := pageParams(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := emulator.TaskFilter{CodeName: q.Get("code_name"), Label: q.Get("label"), Cluster: q.Get("cluster")}
	if f.From, f.To, err = unixRange(r, "from_time", "to_time"); err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, st := range taskFlags {
		if v, ok := q[string(st)]; ok && v[0] != "0" && !strings.EqualFold(v[0], "false") {
			if st == "preparing" {
				st = emulator.TaskRunning // never exposed; nearest real status
			}
			f.Statuses = append(f.Statuses, st)
		}
	}
	tasks, err := a.cfg.Worker.ListTasks(r.Context(), r.PathValue("pid"), f, p, perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Task, len(tasks))
	for i, t := range tasks {
		out[i] = toWireTask(t)
	}
	writeJSON(w, http.StatusOK, wire.TaskList{Tasks: out})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func newTask(t wire.TaskBody) worker.NewTask {
	return worker.NewTask{CodeName: t.CodeName, Payload: deref(t.Payload), Priority: t.Priority.Ptr(),
		Timeout: t.Timeout.Ptr(), Delay: t.Delay.Ptr(), Cluster: deref(t.Cluster), Label: deref(t.Label), Debug: t.Debug}
}

func (a *API) handleTasksQueue(w http.ResponseWriter, r *http.Request) {
	var body wire.TasksBody
	if err := decodeBody(r, limitTasks, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	batch := make([]worker.NewTask, len(body.Tasks))
	for i, t := range body.Tasks {
		batch[i] = newTask(t)
	}
	tasks, err := a.cfg.Worker.QueueTasks(r.Context(), r.PathValue("pid"), batch)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ids := make([]wire.ID, len(tasks))
	for i, t := range tasks {
		ids[i] = wire.ID{ID: t.ID}
	}
	writeJSON(w, http.StatusOK, wire.QueuedTasks{Msg: "Queued up", Tasks: ids})
}

// handleTaskWebhook queues one task whose payload is the raw request body
// (spec §3.5).
func (a *API) handleTaskWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r, limitWebhook)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	nt := worker.NewTask{CodeName: q.Get("code_name"), Payload: string(body), Cluster: q.Get("cluster"), Label: q.Get("label"),
		Source: emulator.SourceWebhook}
	for name, dst := range map[string]**int{"priority": &nt.Priority, "timeout": &nt.Timeout, "delay": &nt.Delay} {
		if q.Has(name) {
			v, err := queryInt(r, name, 0)
			if err != nil {
				a.writeError(w, r, err)
				return
			}
			*dst = &v
		}
	}
	tasks, err := a.cfg.Worker.QueueTasks(r.Context(), r.PathValue("pid"), []worker.NewTask{nt})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueuedWebhookTask{ID: tasks[0].ID, Msg: "Queued up."})
}

func (a *API) handleTaskGet(w http.ResponseWriter, r *http.Request) {
	t, err := a.cfg.Worker.GetTask(r.Context(), r.PathValue("pid"), r.PathValue("task_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireTask(t))
}

func (a *API) handleTaskLog(w http.ResponseWriter, r *http.Request) {
	a.writeLog(w, r, false)
}

func (a *API) handleTaskOutlog(w http.ResponseWriter, r *http.Request) {
	a.writeLog(w, r, true)
}

func (a *API) writeLog(w http.ResponseWriter, r *http.Request, stdoutOnly bool) {
	log, err := a.cfg.Worker.Log(r.Context(), r.PathValue("pid"), r.PathValue("task_id"), stdoutOnly)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(log)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(log)
}

func (a *API) handleTaskCancel(w http.ResponseWriter, r *http.Request) {
	if err := a.cfg.Worker.CancelTask(r.Context(), r.PathValue("pid"), r.PathValue("task_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Cancelled")
}

func (a *API) handleTaskProgress(w http.ResponseWriter, r *http.Request) {
	var body wire.ProgressBody
	if err := decodeBody(r, limitSmall+worker.MaxPayloadBytes, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.cfg.Worker.SetProgress(r.Context(), r.PathValue("pid"), r.PathValue("task_id"), body.Percent.V, body.Msg); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Progress set")
}

func (a *API) handleTaskRetry(w http.ResponseWriter, r *http.Request) {
	var body wire.RetryBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	t, err := a.cfg.Worker.RetryTask(r.Context(), r.PathValue("pid"), r.PathValue("task_id"), body.Delay.V)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueuedTasks{Msg: "Queued up", Tasks: []wire.ID{{ID: t.ID}}})
}

// handleCredentials stores a registry login for the project's tasks:
// POST /2/projects/{pid}/credentials, what `iron docker login` sends.
func (a *API) handleCredentials(w http.ResponseWriter, r *http.Request) {
	var body wire.CredentialsBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.cfg.Worker.AddCredentials(r.Context(), r.PathValue("pid"), body.Auth); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.Msg{Msg: "Credentials added"})
}

func newSchedule(s wire.ScheduleBody) worker.NewSchedule {
	return worker.NewSchedule{CodeName: s.CodeName, Name: deref(s.Name), Payload: s.Payload, StartAt: s.StartAt.Ptr(),
		EndAt: s.EndAt.Ptr(), Delay: s.Delay.Ptr(), RunEvery: s.RunEvery.Ptr(), RunTimes: s.RunTimes.Ptr(), Cron: s.Cron,
		Priority: s.Priority.Ptr(), Timeout: s.Timeout.Ptr(), TaskDelay: s.TaskDelay.Ptr(), Cluster: deref(s.Cluster),
		Label: deref(s.Label), MaxConcurrency: s.MaxConcurrency.Ptr()}
}

func (a *API) handleSchedulesCreate(w http.ResponseWriter, r *http.Request) {
	var body wire.SchedulesBody
	if err := decodeBody(r, limitTasks, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	batch := make([]worker.NewSchedule, len(body.Schedules))
	for i, s := range body.Schedules {
		batch[i] = newSchedule(s)
	}
	out, err := a.cfg.Worker.CreateSchedules(r.Context(), r.PathValue("pid"), batch)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ids := make([]wire.ID, len(out))
	for i, s := range out {
		ids[i] = wire.ID{ID: s.ID}
	}
	writeJSON(w, http.StatusOK, wire.CreatedSchedules{Msg: "Scheduled", Schedules: ids})
}

func (a *API) handleScheduleList(w http.ResponseWriter, r *http.Request) {
	p, perPage, err := pageParams(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	list, err := a.cfg.Worker.ListSchedules(r.Context(), r.PathValue("pid"), p, perPage)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.Schedule, len(list))
	for i, s := range list {
		out[i] = toWireSchedule(s)
	}
	writeJSON(w, http.StatusOK, wire.ScheduleList{Schedules: out})
}

func (a *API) handleScheduleGet(w http.ResponseWriter, r *http.Request) {
	s, err := a.cfg.Worker.GetSchedule(r.Context(), r.PathValue("pid"), r.PathValue("schedule_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireSchedule(s))
}

func (a *API) handleScheduleUpdate(w http.ResponseWriter, r *http.Request) {
	var body wire.ScheduleBody
	if err := decodeBody(r, limitSmall+worker.MaxPayloadBytes, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	if _, err := a.cfg.Worker.UpdateSchedule(r.Context(), r.PathValue("pid"), r.PathValue("schedule_id"), newSchedule(body)); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Updated")
}

func (a *API) handleScheduleCancel(w http.ResponseWriter, r *http.Request) {
	if _, err := a.cfg.Worker.CancelSchedule(r.Context(), r.PathValue("pid"), r.PathValue("schedule_id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Cancelled")
}

// handleScheduleRun is the control plane's "run now".
func (a *API) handleScheduleRun(w http.ResponseWriter, r *http.Request) {
	t, err := a.cfg.Worker.RunSchedule(r.Context(), r.PathValue("pid"), r.PathValue("schedule_id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, wire.QueuedTasks{Msg: "Queued up", Tasks: []wire.ID{{ID: t.ID}}})
}

func (a *API) handleWorkerProject(w http.ResponseWriter, r *http.Request) {
	pid := r.PathValue("pid")
	writeJSON(w, http.StatusOK, wire.Project{ID: pid, Name: pid})
}

func (a *API) handleStacks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.cfg.Worker.Stacks())
}

package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// IronWorker v2: code packages, tasks and schedules of the client's project.

// Code is a registered code package (a worker).
type Code = wire.Code

// NewCode registers an image-based code package (or a new revision of the
// one with the same name). Nil pointers keep the server's defaults.
type NewCode = wire.NewCode

// CodeSettings changes a code package's settings without a new revision.
// Nil fields are left as they are; EnvVars, when not nil, replaces every
// variable (an empty map removes them all).
type CodeSettings = wire.CodeSettings

// Page selects a page of a worker list: Page is 0-based, PerPage 1–100
// (0 = the server's 30).
type Page struct {
	Page, PerPage int
}

func (p Page) query(q url.Values) {
	if p.Page > 0 {
		q.Set("page", strconv.Itoa(p.Page))
	}
	if p.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(p.PerPage))
	}
}

// withQuery appends q to path when it is not empty.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// Codes lists code packages by name. GET /2/projects/{pid}/codes
func (c *Client) Codes(ctx context.Context, p Page) ([]Code, error) {
	q := url.Values{}
	p.query(q)
	var out wire.CodeList
	err := c.call(ctx, http.MethodGet, withQuery(c.pp("2")+"/codes", q), nil, &out)
	return out.Codes, err
}

// Code returns a code package by id. GET /2/projects/{pid}/codes/{id}
func (c *Client) Code(ctx context.Context, id string) (Code, error) {
	var out Code
	err := c.call(ctx, http.MethodGet, c.pp("2")+"/codes/"+esc(id), nil, &out)
	return out, err
}

// RegisterCode registers an image-based code package, or a new revision of
// the package with that name, as JSON (no zip). POST /2/projects/{pid}/codes
func (c *Client) RegisterCode(ctx context.Context, nc NewCode) (Code, error) {
	var out Code
	err := c.call(ctx, http.MethodPost, c.pp("2")+"/codes", nc, &out)
	return out, err
}

// UpdateCode changes a code package's settings in place (same revision)
// and returns it. PATCH /_ironlocal/codes/{pid}/{id}
func (c *Client) UpdateCode(ctx context.Context, id string, s CodeSettings) (Code, error) {
	var out Code
	err := c.call(ctx, http.MethodPatch, "/_ironlocal/codes/"+esc(c.project)+"/"+esc(id), s, &out)
	return out, err
}

// CodeLink links a code package to a folder on the emulator's machine.
type CodeLink = wire.CodeLink

// LinkCode links code name to a folder, creating the code when the project
// has none of that name, and returns it: each of its tasks runs the
// folder's files as they are when it starts, and a change makes no
// revision; with l.Watch, a change re-runs its last task. What a
// `code link NAME DIR [--image IMG | --command CMD] [--watch]` command
// calls. PUT /_ironlocal/codes/{pid}/{name}/link
func (c *Client) LinkCode(ctx context.Context, name string, l CodeLink) (Code, error) {
	var out Code
	err := c.call(ctx, http.MethodPut, "/_ironlocal/codes/"+esc(c.project)+"/"+esc(name)+"/link", l, &out)
	return out, err
}

// UnlinkCode ends code name's link to its folder and its watch; the code
// stays. DELETE /_ironlocal/codes/{pid}/{name}/link
func (c *Client) UnlinkCode(ctx context.Context, name string) (Code, error) {
	var out Code
	err := c.call(ctx, http.MethodDelete, "/_ironlocal/codes/"+esc(c.project)+"/"+esc(name)+"/link", nil, &out)
	return out, err
}

// DeleteCode removes a code package (its tasks stay listed).
// DELETE /2/projects/{pid}/codes/{id}
func (c *Client) DeleteCode(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, c.pp("2")+"/codes/"+esc(id), nil, nil)
}

// PauseCode stops dispatching the code's tasks; queued ones stay queued.
// POST /2/projects/{pid}/codes/{id}/pause_task_queue
func (c *Client) PauseCode(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, c.pp("2")+"/codes/"+esc(id)+"/pause_task_queue", nil, nil)
}

// ResumeCode restarts dispatching the code's tasks.
// POST /2/projects/{pid}/codes/{id}/resume_task_queue
func (c *Client) ResumeCode(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, c.pp("2")+"/codes/"+esc(id)+"/resume_task_queue", nil, nil)
}

// CodeStats counts a code package's tasks by status (every status, and
// "preparing", is present). GET /2/projects/{pid}/codes/{id}/stats
func (c *Client) CodeStats(ctx context.Context, id string) (map[TaskStatus]int, error) {
	var out map[TaskStatus]int
	err := c.call(ctx, http.MethodGet, c.pp("2")+"/codes/"+esc(id)+"/stats", nil, &out)
	return out, err
}

// CodeRevision is one upload of a code package.
type CodeRevision = wire.CodeRevision

// CodeRevisions lists a code package's revisions, newest first.
// GET /2/projects/{pid}/codes/{id}/revisions
func (c *Client) CodeRevisions(ctx context.Context, id string, p Page) ([]CodeRevision, error) {
	q := url.Values{}
	p.query(q)
	var out wire.RevisionList
	err := c.call(ctx, http.MethodGet, withQuery(c.pp("2")+"/codes/"+esc(id)+"/revisions", q), nil, &out)
	return out.Revisions, err
}

// TaskStatus is a task's state: queued, running, complete, error,
// cancelled, killed or timeout.
type TaskStatus = wire.TaskStatus

const (
	TaskQueued    TaskStatus = "queued"
	TaskRunning   TaskStatus = "running"
	TaskComplete  TaskStatus = "complete"
	TaskError     TaskStatus = "error"
	TaskCancelled TaskStatus = "cancelled"
	TaskKilled    TaskStatus = "killed"
	TaskTimeout   TaskStatus = "timeout"
)

// TaskStatuses lists every status.
var TaskStatuses = []TaskStatus{TaskQueued, TaskRunning, TaskComplete, TaskError, TaskCancelled, TaskKilled, TaskTimeout}

// Task is one run of a code package.
type Task = wire.Task

// TaskQuery filters a task list. Empty fields match everything; several
// statuses match any of them.
type TaskQuery struct {
	CodeName string
	Statuses []TaskStatus
	Label    string
	Cluster  string
	// From and To bound created_at (whole seconds); zero = open.
	From, To time.Time
	Page
}

// Tasks lists tasks newest first. The Iron API pages at most 100 × 100
// tasks deep; TasksAfter walks any number. GET /2/projects/{pid}/tasks
func (c *Client) Tasks(ctx context.Context, tq TaskQuery) ([]Task, error) {
	q := url.Values{}
	tq.Page.query(q)
	if tq.CodeName != "" {
		q.Set("code_name", tq.CodeName)
	}
	if tq.Label != "" {
		q.Set("label", tq.Label)
	}
	if tq.Cluster != "" {
		q.Set("cluster", tq.Cluster)
	}
	if !tq.From.IsZero() {
		q.Set("from_time", strconv.FormatInt(tq.From.Unix(), 10))
	}
	if !tq.To.IsZero() {
		q.Set("to_time", strconv.FormatInt(tq.To.Unix(), 10))
	}
	for _, s := range tq.Statuses {
		q.Set(string(s), "1")
	}
	var out wire.TaskList
	err := c.call(ctx, http.MethodGet, withQuery(c.pp("2")+"/tasks", q), nil, &out)
	return out.Tasks, err
}

// Task returns a task by id. GET /2/projects/{pid}/tasks/{id}
func (c *Client) Task(ctx context.Context, id string) (Task, error) {
	var out Task
	err := c.call(ctx, http.MethodGet, c.pp("2")+"/tasks/"+esc(id), nil, &out)
	return out, err
}

// NewTask queues a task of a code package. Zero Delay and Timeout mean none
// and the default (3600 s); a nil Priority takes the code's default.
type NewTask = wire.NewTask

func firstID(list []wire.ID) (string, error) {
	if len(list) == 0 {
		return "", errors.New("ironlocal answered without an id")
	}
	return list[0].ID, nil
}

// QueueTask queues one task and returns its id. POST /2/projects/{pid}/tasks
func (c *Client) QueueTask(ctx context.Context, t NewTask) (string, error) {
	ids, err := c.QueueTasks(ctx, []NewTask{t})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// QueueTasks queues up to 100 tasks at once (all or none) and returns
// their ids in order. POST /2/projects/{pid}/tasks
func (c *Client) QueueTasks(ctx context.Context, ts []NewTask) ([]string, error) {
	var out wire.QueuedTasks
	if err := c.call(ctx, http.MethodPost, c.pp("2")+"/tasks", tasksBody(ts), &out); err != nil {
		return nil, err
	}
	if len(out.Tasks) != len(ts) {
		return nil, errors.New("ironlocal answered with a different number of task ids")
	}
	ids := make([]string, len(out.Tasks))
	for i, t := range out.Tasks {
		ids[i] = t.ID
	}
	return ids, nil
}

// CancelTask cancels a queued or running task (a finished one keeps its
// status). POST /2/projects/{pid}/tasks/{id}/cancel
func (c *Client) CancelTask(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, c.pp("2")+"/tasks/"+esc(id)+"/cancel", nil, nil)
}

// RetryTask queues a copy of a task (in any state) after delay seconds and
// returns the new task's id. POST /2/projects/{pid}/tasks/{id}/retry
func (c *Client) RetryTask(ctx context.Context, id string, delay int) (string, error) {
	var out wire.QueuedTasks
	if err := c.call(ctx, http.MethodPost, c.pp("2")+"/tasks/"+esc(id)+"/retry", wire.RetryBody{Delay: wire.Int(delay)}, &out); err != nil {
		return "", err
	}
	return firstID(out.Tasks)
}

// DebugAgain queues a debug run of a task exactly as it ran (its revision,
// payload, priority, timeout, image, command, config and env vars) and
// returns the new task's id. POST /_ironlocal/tasks/{pid}/{id}/debug
func (c *Client) DebugAgain(ctx context.Context, id string) (string, error) {
	var out wire.QueuedTasks
	if err := c.call(ctx, http.MethodPost, "/_ironlocal/tasks/"+esc(c.project)+"/"+esc(id)+"/debug", nil, &out); err != nil {
		return "", err
	}
	return firstID(out.Tasks)
}

// AddCredentials stores a registry login for the project's tasks, as
// `iron docker login` does: their images from serverAddress's registry are
// pulled with it. POST /2/projects/{pid}/credentials
func (c *Client) AddCredentials(ctx context.Context, username, password, serverAddress string) error {
	login, err := json.Marshal(map[string]string{"username": username, "password": password, "serveraddress": serverAddress})
	if err != nil {
		return err
	}
	body := wire.CredentialsBody{Auth: base64.StdEncoding.EncodeToString(login)}
	return c.call(ctx, http.MethodPost, c.pp("2")+"/credentials", body, nil)
}

// TaskLog returns a task's stdout and stderr. Unless ironlocal runs with
// --live-logs, a task that has not finished answers 404.
// GET /2/projects/{pid}/tasks/{id}/log
func (c *Client) TaskLog(ctx context.Context, id string) (string, error) {
	return c.taskText(ctx, id, "log")
}

// TaskOutput returns a finished task's stdout alone.
// GET /2/projects/{pid}/tasks/{id}/outlog
func (c *Client) TaskOutput(ctx context.Context, id string) (string, error) {
	return c.taskText(ctx, id, "outlog")
}

func (c *Client) taskText(ctx context.Context, id, which string) (string, error) {
	path := c.pp("2") + "/tasks/" + esc(id) + "/" + which
	resp, err := c.send(ctx, c.hc, http.MethodGet, path, nil, "")
	if err != nil {
		return "", err
	}
	defer drain(resp.Body)
	var b strings.Builder
	if _, err := io.Copy(&b, resp.Body); err != nil {
		return "", errors.Join(errors.New("GET "+path+": read log"), err)
	}
	return b.String(), nil
}

// SetTaskProgress records a task's progress (percent 0–100 and a message).
// POST /2/projects/{pid}/tasks/{id}/progress
func (c *Client) SetTaskProgress(ctx context.Context, id string, percent int, msg string) error {
	return c.call(ctx, http.MethodPost, c.pp("2")+"/tasks/"+esc(id)+"/progress",
		wire.ProgressBody{Percent: wire.Int(percent), Msg: msg}, nil)
}

// ScheduleStatus is a schedule's state: scheduled, complete or cancelled.
type ScheduleStatus = wire.ScheduleStatus

const (
	ScheduleActive    ScheduleStatus = "scheduled"
	ScheduleComplete  ScheduleStatus = "complete"
	ScheduleCancelled ScheduleStatus = "cancelled"
)

// Schedule queues tasks of a code package over time.
type Schedule = wire.Schedule

// NewSchedule creates a schedule. Zero fields take the server's defaults:
// start now (or after Delay), run once unless RunEvery or Cron is set,
// unlimited runs, no end, the code's default priority, timeout 3600 s.
type NewSchedule = wire.NewSchedule

// ScheduleUpdate changes a schedule: nil fields stay as they are. RunEvery
// 0 makes it run once, RunTimes 0 unlimited, Cron "" removes the cron
// expression. An end time cannot be removed.
type ScheduleUpdate = wire.ScheduleUpdate

// Ptr returns a pointer to v: Ptr(0) sets an optional field to zero.
func Ptr[T any](v T) *T { return &v }

// Schedules lists schedules, newest first. GET /2/projects/{pid}/schedules
func (c *Client) Schedules(ctx context.Context, p Page) ([]Schedule, error) {
	q := url.Values{}
	p.query(q)
	var out wire.ScheduleList
	err := c.call(ctx, http.MethodGet, withQuery(c.pp("2")+"/schedules", q), nil, &out)
	return out.Schedules, err
}

// Schedule returns a schedule by id. GET /2/projects/{pid}/schedules/{id}
func (c *Client) Schedule(ctx context.Context, id string) (Schedule, error) {
	var out Schedule
	err := c.call(ctx, http.MethodGet, c.pp("2")+"/schedules/"+esc(id), nil, &out)
	return out, err
}

// CreateSchedule creates a schedule and returns its id.
// POST /2/projects/{pid}/schedules
func (c *Client) CreateSchedule(ctx context.Context, s NewSchedule) (string, error) {
	ids, err := c.CreateSchedules(ctx, []NewSchedule{s})
	if err != nil {
		return "", err
	}
	return ids[0], nil
}

// CreateSchedules creates up to 100 schedules at once (all or none) and
// returns their ids in order. POST /2/projects/{pid}/schedules
func (c *Client) CreateSchedules(ctx context.Context, ss []NewSchedule) ([]string, error) {
	var out wire.CreatedSchedules
	if err := c.call(ctx, http.MethodPost, c.pp("2")+"/schedules", schedulesBody(ss), &out); err != nil {
		return nil, err
	}
	if len(out.Schedules) != len(ss) {
		return nil, errors.New("ironlocal answered with a different number of schedule ids")
	}
	ids := make([]string, len(out.Schedules))
	for i, s := range out.Schedules {
		ids[i] = s.ID
	}
	return ids, nil
}

// UpdateSchedule changes the set fields of u on a schedule.
// PUT /2/projects/{pid}/schedules/{id}
func (c *Client) UpdateSchedule(ctx context.Context, id string, u ScheduleUpdate) error {
	return c.call(ctx, http.MethodPut, c.pp("2")+"/schedules/"+esc(id), u, nil)
}

// CancelSchedule stops a schedule. POST /2/projects/{pid}/schedules/{id}/cancel
func (c *Client) CancelSchedule(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodPost, c.pp("2")+"/schedules/"+esc(id)+"/cancel", nil, nil)
}

// RunSchedule queues a task of the schedule now, whatever its timing, and
// returns the task's id. POST /_ironlocal/schedules/{pid}/{id}/run
func (c *Client) RunSchedule(ctx context.Context, id string) (string, error) {
	var out wire.QueuedTasks
	if err := c.call(ctx, http.MethodPost, "/_ironlocal/schedules/"+esc(c.project)+"/"+esc(id)+"/run", nil, &out); err != nil {
		return "", err
	}
	return firstID(out.Tasks)
}

func tasksBody(ts []NewTask) wire.TasksBody {
	b := wire.TasksBody{Tasks: make([]wire.TaskBody, len(ts))}
	for i, t := range ts {
		b.Tasks[i] = t.Wire()
	}
	return b
}

func schedulesBody(ss []NewSchedule) wire.SchedulesBody {
	b := wire.SchedulesBody{Schedules: make([]wire.ScheduleBody, len(ss))}
	for i, s := range ss {
		b.Schedules[i] = s.Wire()
	}
	return b
}

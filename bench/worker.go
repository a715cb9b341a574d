package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The IronWorker v2 (spec §3) and control-plane (/_ironlocal) calls the
// worker, push and test-suite figures use. Their bodies are small and rare,
// so they are encoded with encoding/json rather than by hand.

// Code is the JSON description of a code package upload.
type Code struct {
	Name           string            `json:"name"`
	Image          string            `json:"image,omitempty"`
	Command        string            `json:"command,omitempty"`
	EnvVars        map[string]string `json:"env_vars,omitempty"`
	Config         string            `json:"config,omitempty"`
	MaxConcurrency int               `json:"max_concurrency,omitempty"` // 0: unlimited
}

// NewTask is one task of a queue request.
type NewTask struct {
	CodeName string `json:"code_name"`
	Payload  string `json:"payload"`
	Priority int    `json:"priority"`
}

// NewSchedule is one schedule of a create request.
type NewSchedule struct {
	CodeName string    `json:"code_name"`
	Payload  string    `json:"payload"`
	StartAt  time.Time `json:"start_at"`
	RunTimes int       `json:"run_times,omitempty"`
}

// Task is what GET /tasks and GET /tasks/{id} report of a task. Times the
// emulator has not set are zero.
type Task struct {
	ID         string    `json:"id"`
	CodeName   string    `json:"code_name"`
	Status     string    `json:"status"`
	Msg        string    `json:"msg"`
	Priority   int       `json:"priority"`
	ScheduleID string    `json:"schedule_id"`
	CreatedAt  time.Time `json:"created_at"`
	StartTime  time.Time `json:"start_time"`
	EndTime    time.Time `json:"end_time"`
}

type idList []struct {
	ID string `json:"id"`
}

func (l idList) ids() []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.ID
	}
	return out
}

func (c *Client) workerPath(rest string) string { return "/2/projects/" + c.Project + rest }

// doJSON is do with in encoded as the request body.
func (c *Client) doJSON(ctx context.Context, method, path string, in any, want int, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: encode request: %w", method, path, err)
	}
	return c.do(ctx, method, path, body, want, out)
}

// UploadCode registers a code package (a JSON upload, no zip) and returns its id.
func (c *Client) UploadCode(ctx context.Context, code Code) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	err := c.doJSON(ctx, http.MethodPost, c.workerPath("/codes"), code, http.StatusOK, &out)
	return out.ID, err
}

// QueueTasks queues up to 100 tasks and returns their ids in request order.
func (c *Client) QueueTasks(ctx context.Context, tasks []NewTask) ([]string, error) {
	var out struct {
		Tasks idList `json:"tasks"`
	}
	err := c.doJSON(ctx, http.MethodPost, c.workerPath("/tasks"), map[string]any{"tasks": tasks}, http.StatusOK, &out)
	if err == nil && len(out.Tasks) != len(tasks) {
		err = fmt.Errorf("queue %d tasks: %d ids returned", len(tasks), len(out.Tasks))
	}
	return out.Tasks.ids(), err
}

// CreateSchedules creates up to 100 schedules and returns their ids in
// request order.
func (c *Client) CreateSchedules(ctx context.Context, schedules []NewSchedule) ([]string, error) {
	var out struct {
		Schedules idList `json:"schedules"`
	}
	err := c.doJSON(ctx, http.MethodPost, c.workerPath("/schedules"), map[string]any{"schedules": schedules}, http.StatusOK, &out)
	if err == nil && len(out.Schedules) != len(schedules) {
		err = fmt.Errorf("create %d schedules: %d ids returned", len(schedules), len(out.Schedules))
	}
	return out.Schedules.ids(), err
}

// GetTask returns one task.
func (c *Client) GetTask(ctx context.Context, id string) (Task, error) {
	var t Task
	err := c.do(ctx, http.MethodGet, c.workerPath("/tasks/"+url.PathEscape(id)), nil, http.StatusOK, &t)
	return t, err
}

// ListTasks calls GET /tasks with query (e.g. code_name=x&per_page=100).
func (c *Client) ListTasks(ctx context.Context, query url.Values) ([]Task, error) {
	var out struct {
		Tasks []Task `json:"tasks"`
	}
	err := c.do(ctx, http.MethodGet, c.workerPath("/tasks?"+query.Encode()), nil, http.StatusOK, &out)
	return out.Tasks, err
}

// PauseTaskQueue stops dispatching a code's tasks.
func (c *Client) PauseTaskQueue(ctx context.Context, codeID string) error {
	return c.do(ctx, http.MethodPost, c.workerPath("/codes/"+url.PathEscape(codeID)+"/pause_task_queue"), []byte(`{}`), http.StatusOK, nil)
}

// ResumeTaskQueue restores the max_concurrency a code had when paused.
func (c *Client) ResumeTaskQueue(ctx context.Context, codeID string) error {
	return c.do(ctx, http.MethodPost, c.workerPath("/codes/"+url.PathEscape(codeID)+"/resume_task_queue"), []byte(`{}`), http.StatusOK, nil)
}

// CodeStats returns the number of tasks of a code package by status.
func (c *Client) CodeStats(ctx context.Context, codeID string) (map[string]int, error) {
	var out map[string]int
	err := c.do(ctx, http.MethodGet, c.workerPath("/codes/"+url.PathEscape(codeID)+"/stats"), nil, http.StatusOK, &out)
	return out, err
}

// PutQueue creates or replaces a queue's settings; settings is the body,
// e.g. from PushQueueBody.
func (c *Client) PutQueue(ctx context.Context, queue string, settings []byte) error {
	return c.do(ctx, http.MethodPut, c.queuePath(queue), settings, http.StatusOK, nil)
}

// PushQueueBody encodes the settings of a push queue of kind "multicast" or
// "unicast" with one HTTP subscriber named "bench".
func PushQueueBody(kind, subscriberURL string) []byte {
	b, _ := json.Marshal(map[string]any{"queue": map[string]any{
		"type": kind,
		"push": map[string]any{
			"subscribers":   []map[string]string{{"name": "bench", "url": subscriberURL}},
			"retries":       3,
			"retries_delay": 60,
		},
	}})
	return b
}

// WaitIdle blocks until no task is queued or running, no schedule is due
// and no push delivery is in flight or due (GET /_ironlocal/wait-idle); a
// 408 after timeout is a *StatusError.
func (c *Client) WaitIdle(ctx context.Context, timeout time.Duration) error {
	path := "/_ironlocal/wait-idle?timeout=" + url.QueryEscape(timeout.String())
	return c.do(ctx, http.MethodGet, path, nil, http.StatusOK, nil)
}

// Reset wipes the emulator's whole state.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/_ironlocal/reset", nil, http.StatusOK, nil)
}

// ExportSnapshot downloads a snapshot of the whole state.
func (c *Client) ExportSnapshot(ctx context.Context) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.BaseURL+"/_ironlocal/snapshot", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &StatusError{Method: http.MethodGet, Path: "/_ironlocal/snapshot", Status: resp.StatusCode, Body: string(bytes.TrimSpace(b))}
	}
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 {
		buf.Grow(int(n))
	}
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, fmt.Errorf("download snapshot: %w", err)
	}
	return buf.Bytes(), nil
}

// ImportSnapshot replaces the whole state with snapshot.
func (c *Client) ImportSnapshot(ctx context.Context, snapshot []byte) error {
	return c.do(ctx, http.MethodPut, "/_ironlocal/snapshot", snapshot, http.StatusOK, nil)
}

// TaskPage returns the query of one page of GET /tasks for a code package.
func TaskPage(codeName string, page, perPage int) url.Values {
	return url.Values{"code_name": {codeName}, "page": {strconv.Itoa(page)}, "per_page": {strconv.Itoa(perPage)}}
}

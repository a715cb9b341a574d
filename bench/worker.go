package bench

import (
	"bytes"
	"context"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// The IronWorker v2 (spec §3) and control-plane (/_ironlocal) calls the
// worker, push and test-suite figures use go through client, as any
// application's would: they are rare, so its decoding costs nothing the
// figures measure. Only the load generator's hot calls (client.go) are
// written by hand.

// API is the typed client of the same ironlocal, sharing c.HTTP's
// connections (a Client made by NewClient).
func (c *Client) API() *client.Client { return c.api }

// UploadCode registers a code package (a JSON upload, no zip) and returns its id.
func (c *Client) UploadCode(ctx context.Context, code client.NewCode) (string, error) {
	out, err := c.API().RegisterCode(ctx, code)
	return out.ID, err
}

// QueueTasks queues up to 100 tasks and returns their ids in request order.
func (c *Client) QueueTasks(ctx context.Context, tasks []client.NewTask) ([]string, error) {
	return c.API().QueueTasks(ctx, tasks)
}

// CreateSchedules creates up to 100 schedules and returns their ids in
// request order.
func (c *Client) CreateSchedules(ctx context.Context, schedules []client.NewSchedule) ([]string, error) {
	return c.API().CreateSchedules(ctx, schedules)
}

// GetTask returns one task.
func (c *Client) GetTask(ctx context.Context, id string) (client.Task, error) {
	return c.API().Task(ctx, id)
}

// ListTasks lists a page of tasks (GET /tasks), e.g. from TaskPage.
func (c *Client) ListTasks(ctx context.Context, q client.TaskQuery) ([]client.Task, error) {
	return c.API().Tasks(ctx, q)
}

// PauseTaskQueue stops dispatching a code's tasks.
func (c *Client) PauseTaskQueue(ctx context.Context, codeID string) error {
	return c.API().PauseCode(ctx, codeID)
}

// ResumeTaskQueue restores the max_concurrency a code had when paused.
func (c *Client) ResumeTaskQueue(ctx context.Context, codeID string) error {
	return c.API().ResumeCode(ctx, codeID)
}

// CodeStats returns the number of tasks of a code package by status.
func (c *Client) CodeStats(ctx context.Context, codeID string) (map[client.TaskStatus]int, error) {
	return c.API().CodeStats(ctx, codeID)
}

// PutQueue creates or replaces a queue's settings, e.g. from
// PushQueueSettings.
func (c *Client) PutQueue(ctx context.Context, queue string, settings client.QueueSettings) error {
	_, err := c.API().PutQueue(ctx, queue, settings)
	return err
}

// PushQueueSettings are the settings of a push queue of kind "multicast"
// or "unicast" with one HTTP subscriber named "bench".
func PushQueueSettings(kind, subscriberURL string) client.QueueSettings {
	t := client.QueueType(kind)
	return client.QueueSettings{Type: &t, Push: &client.PushSettings{
		Subscribers: []client.Subscriber{{Name: "bench", URL: subscriberURL}},
		Retries:     client.Ptr(3), RetriesDelay: client.Ptr(60)}}
}

// WaitIdle blocks until no task is queued or running, no schedule is due
// and no push delivery is in flight or due (GET /_ironlocal/wait-idle); it
// wraps client.ErrNotIdle after timeout.
func (c *Client) WaitIdle(ctx context.Context, timeout time.Duration) error {
	return c.API().WaitIdle(ctx, timeout)
}

// Reset wipes the emulator's whole state.
func (c *Client) Reset(ctx context.Context) error {
	return c.API().Reset(ctx)
}

// ExportSnapshot downloads a snapshot of the whole state.
func (c *Client) ExportSnapshot(ctx context.Context) ([]byte, error) {
	var buf bytes.Buffer
	_, err := c.API().ExportSnapshot(ctx, &buf)
	return buf.Bytes(), err
}

// ImportSnapshot replaces the whole state with snapshot.
func (c *Client) ImportSnapshot(ctx context.Context, snapshot []byte) error {
	return c.API().ImportSnapshot(ctx, bytes.NewReader(snapshot), int64(len(snapshot)))
}

// Version returns the version GET /version reports.
func (c *Client) Version(ctx context.Context) (string, error) {
	return c.API().Version(ctx)
}

// QueueSize returns the size GET /queues/{q} reports.
func (c *Client) QueueSize(ctx context.Context, queue string) (int64, error) {
	q, err := c.API().Queue(ctx, queue)
	return q.Size, err
}

// DeleteQueue deletes a queue and its messages.
func (c *Client) DeleteQueue(ctx context.Context, queue string) error {
	return c.API().DeleteQueue(ctx, queue)
}

// DeleteCache deletes a cache and its items.
func (c *Client) DeleteCache(ctx context.Context, cache string) error {
	return c.API().DeleteCache(ctx, cache)
}

// TaskPage is the query of one page of GET /tasks for a code package.
func TaskPage(codeName string, page, perPage int) client.TaskQuery {
	return client.TaskQuery{CodeName: codeName, Page: client.Page{Page: page, PerPage: perPage}}
}

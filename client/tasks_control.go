package client

import (
	"context"
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// LiveLog is a task's output so far: Log holds its first Size bytes
// (stdout and stderr interleaved); task.log events whose attrs "offset"
// is at or past Size carry what follows.
type LiveLog = wire.LiveLog

// LiveTaskLog returns a task's output so far, in any state, whether or
// not ironlocal runs with --live-logs (TaskLog answers 404 until the task
// ends, as the Iron clients expect).
// GET /_ironlocal/tasks/{pid}/{id}/log
func (c *Client) LiveTaskLog(ctx context.Context, id string) (LiveLog, error) {
	var out LiveLog
	err := c.call(ctx, http.MethodGet, "/_ironlocal/tasks/"+esc(c.project)+"/"+esc(id)+"/log", nil, &out)
	return out, err
}

// BulkAction is what BulkTasks does to each selected task.
type BulkAction string

const (
	// BulkRetry retries each task that failed (error, timeout, killed)
	// and was not retried yet.
	BulkRetry BulkAction = "retry"
	// BulkCancel cancels each queued or running task.
	BulkCancel BulkAction = "cancel"
)

// BulkFilter selects tasks; zero fields match everything, several
// statuses any of them. Query searches ids, code names, labels, msgs and
// payloads (case-insensitive); From and To bound created_at.
type BulkFilter struct {
	CodeName string
	Statuses []TaskStatus
	Label    string
	Query    string
	From     *time.Time
	To       *time.Time
}

// Wire is the filter as sent.
func (f BulkFilter) Wire() wire.BulkFilterBody {
	b := wire.BulkFilterBody{CodeName: f.CodeName, Label: f.Label, Q: f.Query,
		FromTime: wire.TimePtr(f.From), ToTime: wire.TimePtr(f.To)}
	for _, s := range f.Statuses {
		b.Status = append(b.Status, string(s))
	}
	return b
}

// BulkResult counts what BulkTasks found and did: Matched tasks pass the
// filter, Eligible of them the action applies to, Done were acted on (0
// in a dry run), Remaining were left for another call (over 10,000).
type BulkResult = wire.BulkResult

// BulkTasks retries or cancels every task of the project that f selects
// and the action applies to; dryRun only counts them (ask, then act).
// POST /_ironlocal/tasks/{pid}/bulk
func (c *Client) BulkTasks(ctx context.Context, action BulkAction, f BulkFilter, dryRun bool) (BulkResult, error) {
	var out BulkResult
	body := wire.BulkBody{Action: string(action), Filter: f.Wire(), DryRun: dryRun}
	err := c.call(ctx, http.MethodPost, "/_ironlocal/tasks/"+esc(c.project)+"/bulk", body, &out)
	return out, err
}

// ActivityKind names what a task's request touched.
type ActivityKind = wire.ActivityKind

// What a task's requests may touch; "" for reads and failures.
const (
	ActivityMessagePost    = wire.ActivityMessagePost
	ActivityMessageDelete  = wire.ActivityMessageDelete
	ActivityMessageReserve = wire.ActivityMessageReserve
	ActivityTaskQueue      = wire.ActivityTaskQueue
	ActivityCachePut       = wire.ActivityCachePut
	ActivityCacheDelete    = wire.ActivityCacheDelete
	ActivityCacheIncrement = wire.ActivityCacheIncrement
)

// Activity is one request a task made with its own IRON_TOKEN: when, what
// was asked, the answer's status and, when Kind is set, what it touched
// (Queue and MessageIDs; Cache and Key; TaskID, the task it queued).
type Activity = wire.Activity

// TaskActivity lists what a task did through its token's requests,
// oldest first: the last 200 requests, kept in memory while ironlocal
// runs (a reset clears them). A request that queued several tasks is one
// entry per task.
// GET /_ironlocal/tasks/{pid}/{id}/activity
func (c *Client) TaskActivity(ctx context.Context, id string) ([]Activity, error) {
	var out wire.ActivityList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/tasks/"+esc(c.project)+"/"+esc(id)+"/activity", nil, &out)
	return out.Activity, err
}

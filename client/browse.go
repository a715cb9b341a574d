package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ironlocal/ironlocal/wire"
)

// Control-plane listings for screens and test suites: projects, counts,
// and cursor paging through every queue, message, cache item and task.

// Projects lists every project that holds anything, the default project
// (the first configured one in strict mode) first. GET /_ironlocal/projects
func (c *Client) Projects(ctx context.Context) ([]string, error) {
	var out wire.Projects
	err := c.call(ctx, http.MethodGet, "/_ironlocal/projects", nil, &out)
	return out.Projects, err
}

// Stats counts a project's resources.
type Stats = wire.Stats

// Stats counts the client's project's queues, messages, caches, codes,
// schedules and tasks by status; cheap enough to poll every second.
// GET /_ironlocal/stats?project=
func (c *Client) Stats(ctx context.Context) (Stats, error) {
	var out Stats
	err := c.call(ctx, http.MethodGet, "/_ironlocal/stats?project="+url.QueryEscape(c.project), nil, &out)
	return out, err
}

// Browse selects a page of a cursor listing: Cursor is the previous page's
// ("" = the first page), Limit at most 1000 (0 = 100), Query a
// case-insensitive search (message bodies, item keys, queue name prefixes).
// One call examines at most 10,000 entries, so a search with few matches
// may return a short (even empty) page with a cursor: go on while the
// cursor is not empty.
type Browse struct {
	Cursor string
	Limit  int
	Query  string
}

func (b Browse) query(search string) url.Values {
	q := url.Values{}
	if b.Cursor != "" {
		q.Set("cursor", b.Cursor)
	}
	if b.Limit > 0 {
		q.Set("limit", strconv.Itoa(b.Limit))
	}
	if b.Query != "" {
		q.Set(search, b.Query)
	}
	return q
}

// QueuePage is a page of queues; Cursor is "" on the last page.
type QueuePage = wire.QueuePage

// BrowseQueues lists queues with their settings and sizes by name (at most
// 100 a page; Query is a name prefix). GET /_ironlocal/queues/{pid}
func (c *Client) BrowseQueues(ctx context.Context, b Browse) (QueuePage, error) {
	var out QueuePage
	err := c.call(ctx, http.MethodGet, withQuery("/_ironlocal/queues/"+esc(c.project), b.query("prefix")), nil, &out)
	return out, err
}

// MessageStatus is where a browsed message stands: ready, delayed,
// reserved, or on push queues pushing and pushed.
type MessageStatus = wire.MessageStatus

const (
	MessageReady    MessageStatus = "ready"
	MessageDelayed  MessageStatus = "delayed"
	MessageReserved MessageStatus = "reserved"
	MessagePushing  MessageStatus = "pushing"
	MessagePushed   MessageStatus = "pushed"
)

// BrowsedMessage is a message as the browser sees it.
type BrowsedMessage = wire.BrowsedMessage

// MessagePage is a page of messages; Cursor is "" on the last page.
type MessagePage = wire.MessagePage

// BrowseMessages pages through every message of a queue in posting order,
// in every state (Query searches bodies, or matches an id).
// GET /_ironlocal/queues/{pid}/{queue}/messages?cursor=&limit=&q=
func (c *Client) BrowseMessages(ctx context.Context, queue string, b Browse) (MessagePage, error) {
	var out MessagePage
	path := "/_ironlocal/queues/" + esc(c.project) + "/" + esc(queue) + "/messages"
	err := c.call(ctx, http.MethodGet, withQuery(path, b.query("q")), nil, &out)
	return out, err
}

// ItemPage is a page of cache items; Cursor is "" on the last page.
type ItemPage = wire.ItemPage

// BrowseItems pages through the live items of a cache in key order (Query
// searches keys). GET /_ironlocal/caches/{pid}/{cache}/items?cursor=&limit=&q=
func (c *Client) BrowseItems(ctx context.Context, cache string, b Browse) (ItemPage, error) {
	var out ItemPage
	path := "/_ironlocal/caches/" + esc(c.project) + "/" + esc(cache) + "/items"
	err := c.call(ctx, http.MethodGet, withQuery(path, b.query("q")), nil, &out)
	return out, err
}

// TaskPage is a page of tasks; Cursor is "" on the last page.
type TaskPage = wire.TaskPage

// BrowseTasks pages through every task of the project newest first, as
// deep as it goes (the Iron list stops at 100 pages), of code codeName
// (any when "") in one of statuses (any when none); Query searches ids,
// code names, labels, msgs and payloads.
// GET /_ironlocal/tasks/{pid}?cursor=&limit=&code_name=&status=&q=
func (c *Client) BrowseTasks(ctx context.Context, codeName string, statuses []TaskStatus, b Browse) (TaskPage, error) {
	q := b.query("q")
	if codeName != "" {
		q.Set("code_name", codeName)
	}
	if len(statuses) > 0 {
		s := make([]string, len(statuses))
		for i, st := range statuses {
			s[i] = string(st)
		}
		q.Set("status", strings.Join(s, ","))
	}
	var out TaskPage
	err := c.call(ctx, http.MethodGet, withQuery("/_ironlocal/tasks/"+esc(c.project), q), nil, &out)
	return out, err
}

// RedriveOptions selects what Redrive moves: IDs (every ready message when
// empty), at most Max (0 = no bound), to To ("" = the queue whose
// dead_letter or push error_queue names the queue, when exactly one does).
type RedriveOptions = wire.RedriveBody

// RedriveResult says how many messages moved, and to which queue.
type RedriveResult = wire.RedriveResult

// Redrive moves the ready messages of a dead-letter or error queue back to
// the queue they came from (SQS's DLQ redrive): each is posted there as a
// new message, then deleted here (at-least-once). An error-queue notice
// posts the original body and push headers back. Reserved and delayed
// messages stay. POST /_ironlocal/queues/{pid}/{queue}/redrive
func (c *Client) Redrive(ctx context.Context, queue string, o RedriveOptions) (RedriveResult, error) {
	var out RedriveResult
	path := "/_ironlocal/queues/" + esc(c.project) + "/" + esc(queue) + "/redrive"
	err := c.call(ctx, http.MethodPost, path, o, &out)
	return out, err
}

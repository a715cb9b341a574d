package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// What the desktop app's Time and Data & settings screens read from the
// control plane.

// UpcomingKind says what happens at an Upcoming's time.
type UpcomingKind string

const (
	UpcomingScheduleFires      UpcomingKind = "schedule.fires"
	UpcomingTaskRunnable       UpcomingKind = "task.runnable"
	UpcomingMessageReady       UpcomingKind = "message.ready"
	UpcomingReservationExpires UpcomingKind = "reservation.expires"
	UpcomingPushDue            UpcomingKind = "push.due"
	UpcomingMessageExpires     UpcomingKind = "message.expires"
	UpcomingItemExpires        UpcomingKind = "item.expires"
)

// Upcoming is something the clock will make happen; the fields naming
// its resource are set.
type Upcoming struct {
	At         time.Time    `json:"at"`
	Kind       UpcomingKind `json:"kind"`
	ProjectID  string       `json:"project_id"`
	Queue      string       `json:"queue"`
	MessageID  string       `json:"message_id"`
	Cache      string       `json:"cache"`
	Key        string       `json:"key"`
	ScheduleID string       `json:"schedule_id"`
	TaskID     string       `json:"task_id"`
	CodeName   string       `json:"code_name"`
}

// UpcomingList is what will fire or expire between Now and Until.
type UpcomingList struct {
	Now      time.Time  `json:"now"`
	Until    time.Time  `json:"until"`
	Upcoming []Upcoming `json:"upcoming"`
}

// Upcoming lists, earliest first, what the clock will make happen in the
// client's project within the next `within` (0 = 24h): schedules firing,
// delayed tasks becoming runnable, delayed messages becoming ready,
// reservations and push deliveries coming due, messages and cache items
// expiring; at most limit (0 = 100, ≤ 1000).
// GET /_ironlocal/upcoming?project=&within=&limit=
func (c *Client) Upcoming(ctx context.Context, within time.Duration, limit int) (UpcomingList, error) {
	q := url.Values{"project": {c.project}}
	if within > 0 {
		q.Set("within", within.String())
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out UpcomingList
	err := c.call(ctx, http.MethodGet, withQuery("/_ironlocal/upcoming", q), nil, &out)
	return out, err
}

// Settings is how ironlocal was started.
type Settings struct {
	Version string `json:"version"`
	Listen  string `json:"listen"`
	// DataDir is where the store lives (a temporary directory when
	// Ephemeral). DataSize is the bytes allocated there (the files'
	// sizes, with the space Badger reserves ahead); DataUsed the bytes
	// they take on the disk (less: the reserved tail of a sparse file
	// takes none).
	DataDir     string `json:"data_dir"`
	DataSize    int64  `json:"data_size"`
	DataUsed    int64  `json:"data_used"`
	Ephemeral   bool   `json:"ephemeral"`
	SnapshotDir string `json:"snapshot_dir"`
	// Runtime is "docker" (an engine answered) or "process".
	Runtime string `json:"runtime"`
	// StrictAuth is on when tokens were configured (Tokens counts them;
	// their values are never reported).
	StrictAuth   bool     `json:"strict_auth"`
	Tokens       int      `json:"tokens"`
	Projects     []string `json:"projects"`
	VirtualClock bool     `json:"virtual_clock"`
	LogLevel     string   `json:"log_level"`
}

// Settings reports how ironlocal was started. GET /_ironlocal/settings
func (c *Client) Settings(ctx context.Context) (Settings, error) {
	var out Settings
	err := c.call(ctx, http.MethodGet, "/_ironlocal/settings", nil, &out)
	return out, err
}

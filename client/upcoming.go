package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// What the desktop app's Time and Data & settings screens read from the
// control plane.

// UpcomingKind says what happens at an Upcoming's time.
type UpcomingKind = wire.UpcomingKind

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
type Upcoming = wire.Upcoming

// UpcomingList is what will fire or expire between Now and Until.
type UpcomingList = wire.UpcomingList

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
type Settings = wire.Settings

// Settings reports how ironlocal was started. GET /_ironlocal/settings
func (c *Client) Settings(ctx context.Context) (Settings, error) {
	var out Settings
	err := c.call(ctx, http.MethodGet, "/_ironlocal/settings", nil, &out)
	return out, err
}

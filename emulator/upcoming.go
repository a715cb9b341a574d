package emulator

import (
	"cmp"
	"slices"
	"time"
)

// UpcomingKind says what happens at an Upcoming's time.
type UpcomingKind string

const (
	// UpcomingScheduleFires: a schedule queues a task.
	UpcomingScheduleFires UpcomingKind = "schedule.fires"
	// UpcomingTaskRunnable: a delayed task (or a retry waiting for its
	// retries_delay) may start.
	UpcomingTaskRunnable UpcomingKind = "task.runnable"
	// UpcomingMessageReady: a delayed message becomes ready.
	UpcomingMessageReady UpcomingKind = "message.ready"
	// UpcomingReservationExpires: a reserved message goes back to ready.
	UpcomingReservationExpires UpcomingKind = "reservation.expires"
	// UpcomingPushDue: a push delivery (first try or retry) is due.
	UpcomingPushDue UpcomingKind = "push.due"
	// UpcomingMessageExpires: a message passes its expiration and is
	// removed.
	UpcomingMessageExpires UpcomingKind = "message.expires"
	// UpcomingItemExpires: a cache item expires.
	UpcomingItemExpires UpcomingKind = "item.expires"
)

// Upcoming is something the clock will make happen: a schedule firing, a
// delay or reservation running out, a message or cache item expiring.
// Only the fields naming its resource are set.
type Upcoming struct {
	At         time.Time
	Kind       UpcomingKind
	Project    string
	Queue      string
	MessageID  MessageID
	Cache      string
	Key        string
	ScheduleID string
	TaskID     string
	CodeName   string
}

// MergeUpcoming merges lists into one, earliest first, keeping at most
// limit entries (limit ≤ 0 keeps all).
func MergeUpcoming(limit int, lists ...[]Upcoming) []Upcoming {
	var out []Upcoming
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.SortStableFunc(out, func(a, b Upcoming) int { return cmp.Compare(a.At.UnixNano(), b.At.UnixNano()) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

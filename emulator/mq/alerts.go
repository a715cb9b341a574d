package mq

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// alertPost is an alert notice to post once the transaction that changed
// the queue size has committed.
type alertPost struct {
	queue, body string
	alert       emulator.Alert
	source      string
	size        int64
}

// fireAlerts evaluates q's alerts for a size change from old to q.Size
// (spec §2.7): a fixed alert fires when the size crosses its trigger in its
// direction, a progressive one when it crosses any multiple of it. An alert
// that fired less than snooze seconds ago stays quiet. Fired alerts record
// the time in q, which the caller saves.
func (s *Service) fireAlerts(q *emulator.Queue, old int64, now time.Time) []alertPost {
	if old == q.Size || len(q.Alerts) == 0 {
		return nil
	}
	var posts []alertPost
	for i := range q.Alerts {
		a := &q.Alerts[i]
		if !crossed(*a, old, q.Size) {
			continue
		}
		if a.Snooze > 0 && !a.LastFiredAt.IsZero() && now.Sub(a.LastFiredAt) < time.Duration(a.Snooze)*time.Second {
			continue
		}
		a.LastFiredAt = now
		body, _ := json.Marshal(map[string]any{"source_queue": q.Name, "queue_size": q.Size, "alert_id": a.ID,
			"alert_type": a.Type, "alert_direction": a.Direction, "alert_trigger": a.Trigger,
			"created_at": emulator.FormatWireTime(now)})
		posts = append(posts, alertPost{queue: a.Queue, body: string(body), alert: *a, source: q.Name, size: q.Size})
	}
	return posts
}

// crossed reports whether a size change from old to cur crosses the alert's
// threshold (or, for progressive alerts, any multiple of it) in its direction.
func crossed(a emulator.Alert, old, cur int64) bool {
	t := int64(a.Trigger)
	asc := a.Direction != "desc"
	if a.Type == "fixed" {
		if asc {
			return old < t && cur >= t
		}
		return old > t && cur <= t
	}
	if asc {
		return cur > old && cur/t > old/t && cur >= t
	}
	// Downward: some k·t with k ≥ 1 lies in [cur, old).
	return cur < old && (old-1)/t >= max(cur+t-1, t)/t
}

// postAlerts posts alert notices to their target queues. A failure is
// logged as an event rather than failing the request that changed the size.
func (s *Service) postAlerts(ctx context.Context, project string, posts []alertPost) {
	for _, p := range posts {
		_, err := s.PostMessages(ctx, project, p.queue, []NewMessage{{Body: p.body}})
		attrs := map[string]any{"alert_id": p.alert.ID, "alert_type": p.alert.Type, "target": p.queue, "queue_size": p.size}
		if err != nil {
			attrs["error"] = err.Error()
		}
		s.publish(emulator.Event{Type: emulator.EventAlertFired, Project: project, Queue: p.source, Attrs: attrs})
	}
}

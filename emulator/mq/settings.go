package mq

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Limits of queue settings (spec §2.1, §2.7).
const (
	DefaultPushRetries      = 3
	MaxPushRetries          = 100
	DefaultPushRetriesDelay = 60
	MinPushRetriesDelay     = 3
	MaxPushRetriesDelay     = 86400
	MaxSubscribers          = 100
	DefaultMaxReservations  = 10
	MaxMaxReservations      = 1000
	MaxAlerts               = 5
)

// QueueSettings is a create/update request; nil fields are left unchanged
// (or take their defaults on create). So are zero values of the settings
// that cannot be zero (message_timeout, message_expiration,
// push.retries_delay, dead_letter.max_reservations): official clients send
// 0 for whatever their caller left unset (iron_go3's QueueInfo has no
// omitempty), so 0 means "not given" (spec §2.3). push.retries may be 0.
type QueueSettings struct {
	Type              *emulator.QueueType
	MessageTimeout    *int
	MessageExpiration *int
	Push              *PushUpdate
	DeadLetter        *DeadLetterUpdate
	// Alerts, when non-nil, are appended (Merge) or replace the queue's.
	Alerts []emulator.Alert
	// Merge is PATCH semantics: alerts are appended rather than replaced.
	Merge bool
}

// PushUpdate changes push settings; nil fields are left unchanged. A given
// subscriber list replaces the current one.
type PushUpdate struct {
	Subscribers  *[]emulator.Subscriber
	Retries      *int
	RetriesDelay *int
	ErrorQueue   *string
}

// DeadLetterUpdate sets the dead-letter queue; an empty QueueName removes it.
type DeadLetterUpdate struct {
	QueueName       string
	MaxReservations *int
}

// UpsertQueue creates the queue or updates its settings (PUT and PATCH both
// upsert, spec §5.4). Changing the type of an existing queue is forbidden.
func (s *Service) UpsertQueue(ctx context.Context, project, name string, set QueueSettings) (emulator.Queue, error) {
	set = set.withoutZeros()
	if err := validateSettings(set); err != nil {
		return emulator.Queue{}, err
	}
	var q emulator.Queue
	created := false
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		var err error
		created = false
		q, err = tx.Queue(project, name)
		switch {
		case isNotFound(err):
			created = true
			q = s.newQueue(project, name)
			switch {
			case set.Type != nil:
				q.Type = *set.Type
			case set.Push != nil:
				q.Type = emulator.QueueMulticast // push without type (spec §5.9)
			}
		case err != nil:
			return err
		case set.Type != nil && *set.Type != q.Type:
			return emulator.Forbidden("Queue type cannot be changed")
		}
		if err := s.applySettings(tx, &q, set, created); err != nil {
			return err
		}
		q.UpdatedAt = s.clock.Now()
		return tx.PutQueue(q)
	})
	if err != nil {
		return emulator.Queue{}, err
	}
	ev := emulator.EventQueueUpdated
	if created {
		ev = emulator.EventQueueCreated
	}
	s.publish(emulator.Event{Type: ev, Project: project, Queue: name})
	if q.Type.IsPush() {
		s.notifyPush(project, name, time.Time{})
	}
	return q, nil
}

// withoutZeros drops the zero values that mean "not given" (see
// QueueSettings), without changing the caller's copy.
func (set QueueSettings) withoutZeros() QueueSettings {
	set.MessageTimeout = nonZero(set.MessageTimeout)
	set.MessageExpiration = nonZero(set.MessageExpiration)
	if p := set.Push; p != nil {
		pc := *p
		pc.RetriesDelay = nonZero(pc.RetriesDelay)
		set.Push = &pc
	}
	if d := set.DeadLetter; d != nil {
		dc := *d
		dc.MaxReservations = nonZero(dc.MaxReservations)
		set.DeadLetter = &dc
	}
	return set
}

func nonZero(v *int) *int {
	if v != nil && *v == 0 {
		return nil
	}
	return v
}

// validateSettings checks each value on its own.
func validateSettings(set QueueSettings) error {
	if set.Type != nil {
		switch *set.Type {
		case emulator.QueuePull, emulator.QueueUnicast, emulator.QueueMulticast:
		default:
			return emulator.Invalid("Invalid queue type %q: must be pull, unicast or multicast", *set.Type)
		}
	}
	if v := set.MessageTimeout; v != nil && (*v < 1 || *v > MaxMessageTimeout) {
		return emulator.Invalid("message_timeout must be between 1 and %d seconds", MaxMessageTimeout)
	}
	if v := set.MessageExpiration; v != nil && (*v < 1 || *v > MaxMessageExpiration) {
		return emulator.Invalid("message_expiration must be between 1 and %d seconds", MaxMessageExpiration)
	}
	if p := set.Push; p != nil {
		if v := p.Retries; v != nil && (*v < 0 || *v > MaxPushRetries) {
			return emulator.Invalid("push.retries must be between 0 and %d", MaxPushRetries)
		}
		if v := p.RetriesDelay; v != nil && (*v < MinPushRetriesDelay || *v > MaxPushRetriesDelay) {
			return emulator.Invalid("push.retries_delay must be between %d and %d seconds", MinPushRetriesDelay, MaxPushRetriesDelay)
		}
		if p.Subscribers != nil {
			if err := validateSubscribers(*p.Subscribers); err != nil {
				return err
			}
		}
	}
	if d := set.DeadLetter; d != nil && d.MaxReservations != nil && (*d.MaxReservations < 1 || *d.MaxReservations > MaxMaxReservations) {
		return emulator.Invalid("dead_letter.max_reservations must be between 1 and %d", MaxMaxReservations)
	}
	for i, a := range set.Alerts {
		if err := validateAlert(a); err != nil {
			return emulator.Invalid("alerts[%d]: %s", i, err.Error())
		}
	}
	return nil
}

// validateSubscribers checks a complete subscriber list: URLs use a scheme
// of spec §2.6 and names default to the URL. Names need not be unique:
// iron_mq_ruby's own test creates two subscribers with the same URL and no
// name and expects both kept (spec §2.1); deliveries tell them apart by
// their reservation ids.
func validateSubscribers(subs []emulator.Subscriber) error {
	if len(subs) > MaxSubscribers {
		return emulator.Invalid("Too many subscribers: at most %d", MaxSubscribers)
	}
	for i := range subs {
		sub := &subs[i]
		if sub.URL == "" {
			return emulator.Invalid("subscribers[%d]: url is required", i)
		}
		u, err := url.Parse(sub.URL)
		if err != nil {
			return emulator.Invalid("subscribers[%d]: invalid url %q: %v", i, sub.URL, err)
		}
		switch u.Scheme {
		case "http", "https":
			if u.Host == "" {
				return emulator.Invalid("subscribers[%d]: url %q has no host", i, sub.URL)
			}
		case "ironmq", "ironworker":
			if len(u.Path) < 2 {
				return emulator.Invalid("subscribers[%d]: url %q names no %s", i, sub.URL, map[string]string{"ironmq": "queue", "ironworker": "code package"}[u.Scheme])
			}
		default:
			return emulator.Invalid("subscribers[%d]: url scheme must be http, https, ironmq or ironworker, not %q", i, u.Scheme)
		}
		if sub.Name == "" {
			sub.Name = sub.URL
		}
	}
	return nil
}

func validateAlert(a emulator.Alert) error {
	switch {
	case a.Type != "fixed" && a.Type != "progressive":
		return emulator.Invalid("type must be fixed or progressive")
	case a.Trigger <= 0:
		return emulator.Invalid("trigger must be a positive integer")
	case a.Queue == "":
		return emulator.Invalid("queue (the queue alerts are posted to) is required")
	case a.Direction != "" && a.Direction != "asc" && a.Direction != "desc":
		return emulator.Invalid("direction must be asc or desc")
	case a.Snooze < 0:
		return emulator.Invalid("snooze must not be negative")
	}
	return ValidateQueueName(a.Queue)
}

// applySettings writes set onto q under the rules of spec §2.3.
func (s *Service) applySettings(tx emulator.QueueTx, q *emulator.Queue, set QueueSettings, created bool) error {
	if set.MessageTimeout != nil {
		q.MessageTimeout = *set.MessageTimeout
	}
	if set.MessageExpiration != nil {
		q.MessageExpiration = *set.MessageExpiration
	}
	if q.Type.IsPush() {
		if set.Alerts != nil && len(set.Alerts) > 0 {
			return emulator.Invalid("Push queues do not support alerts.")
		}
		if set.DeadLetter != nil {
			return emulator.Invalid("Push queues do not support dead-letter queues.")
		}
		if err := applyPush(q, set.Push, created); err != nil {
			return err
		}
		return checkPushCycle(tx, *q)
	}
	if set.Push != nil {
		return emulator.Invalid("Push settings need a unicast or multicast queue; %q is a pull queue", q.Name)
	}
	if d := set.DeadLetter; d != nil {
		switch {
		case d.QueueName == "":
			q.DeadLetter = nil
		case d.QueueName == q.Name:
			return emulator.Invalid("A queue cannot be its own dead-letter queue")
		default:
			if err := ValidateQueueName(d.QueueName); err != nil {
				return err
			}
			dl := emulator.DeadLetter{QueueName: d.QueueName, MaxReservations: DefaultMaxReservations}
			if q.DeadLetter != nil {
				dl.MaxReservations = q.DeadLetter.MaxReservations
			}
			if d.MaxReservations != nil {
				dl.MaxReservations = *d.MaxReservations
			}
			q.DeadLetter = &dl
		}
	}
	if set.Alerts != nil {
		return s.applyAlerts(tx, q, set.Alerts, set.Merge && !created)
	}
	return nil
}

func applyPush(q *emulator.Queue, u *PushUpdate, created bool) error {
	if q.Push == nil {
		q.Push = &emulator.PushSettings{Retries: DefaultPushRetries, RetriesDelay: DefaultPushRetriesDelay}
	}
	if u != nil {
		if u.Subscribers != nil {
			q.Push.Subscribers = slices.Clone(*u.Subscribers)
		}
		if u.Retries != nil {
			q.Push.Retries = *u.Retries
		}
		if u.RetriesDelay != nil {
			q.Push.RetriesDelay = *u.RetriesDelay
		}
		if u.ErrorQueue != nil {
			if *u.ErrorQueue == q.Name {
				return emulator.Invalid("A push queue cannot be its own error_queue")
			}
			q.Push.ErrorQueue = *u.ErrorQueue
		}
	}
	if len(q.Push.Subscribers) == 0 {
		if created {
			return emulator.Invalid("A push queue needs at least one subscriber: give push.subscribers")
		}
		return emulator.Invalid("A push queue must keep at least one subscriber")
	}
	return nil
}

// applyAlerts appends (merge) or replaces the queue's alerts, refusing
// duplicates, more than five, and progressive alerts on their own queue or
// on a queue whose progressive alerts post back to this one.
func (s *Service) applyAlerts(tx emulator.QueueTx, q *emulator.Queue, alerts []emulator.Alert, merge bool) error {
	next := []emulator.Alert{}
	if merge {
		next = slices.Clone(q.Alerts)
	}
	for _, a := range alerts {
		if a.Direction == "" {
			a.Direction = "asc"
		}
		if a.Type == "progressive" && a.Queue == q.Name {
			return emulator.Invalid("A progressive alert cannot post to its own queue")
		}
		if a.Type == "progressive" {
			target, err := tx.Queue(q.Project, a.Queue)
			if err != nil && !isNotFound(err) {
				return err
			}
			if slices.ContainsFunc(target.Alerts, func(b emulator.Alert) bool { return b.Type == "progressive" && b.Queue == q.Name }) {
				return emulator.Invalid("Progressive alerts of %q and %q would post to each other", q.Name, a.Queue)
			}
		}
		for _, cur := range next {
			if cur.Type == a.Type && cur.Direction == a.Direction && cur.Trigger == a.Trigger {
				return emulator.Invalid("At least one new alert duplicates current queue alerts.")
			}
		}
		a.ID = s.ids.ObjectID()
		next = append(next, a)
	}
	if len(next) > MaxAlerts {
		return emulator.Invalid("Too many alerts: a queue has at most %d", MaxAlerts)
	}
	q.Alerts = next
	return nil
}

// RemoveAlerts deletes alerts by id (404 when one is unknown).
func (s *Service) RemoveAlerts(ctx context.Context, project, name string, ids []string) error {
	return s.changeQueue(ctx, project, name, func(_ emulator.QueueTx, q *emulator.Queue) error {
		for _, id := range ids {
			i := slices.IndexFunc(q.Alerts, func(a emulator.Alert) bool { return a.ID == id })
			if i < 0 {
				return emulator.NotFound(fmt.Sprintf("Alert %s not found", id))
			}
			q.Alerts = slices.Delete(q.Alerts, i, i+1)
		}
		return nil
	})
}

// SetAlerts adds (replace=false) or replaces the queue's alerts.
func (s *Service) SetAlerts(ctx context.Context, project, name string, alerts []emulator.Alert, replace bool) error {
	if !replace && len(alerts) == 0 {
		return emulator.Invalid("alerts must be a non-empty array")
	}
	for i, a := range alerts {
		if err := validateAlert(a); err != nil {
			return emulator.Invalid("alerts[%d]: %s", i, err.Error())
		}
	}
	return s.changeQueue(ctx, project, name, func(tx emulator.QueueTx, q *emulator.Queue) error {
		if q.Type.IsPush() {
			return emulator.Invalid("Push queues do not support alerts.")
		}
		return s.applyAlerts(tx, q, alerts, !replace)
	})
}

// SubscriberChange says how ChangeSubscribers edits the list.
type SubscriberChange int

const (
	SubscribersAdd     SubscriberChange = iota // upsert by name (POST)
	SubscribersReplace                         // replace all (PUT)
	SubscribersRemove                          // remove by name (DELETE)
)

// ChangeSubscribers edits a push queue's subscribers.
func (s *Service) ChangeSubscribers(ctx context.Context, project, name string, subs []emulator.Subscriber, how SubscriberChange) error {
	if len(subs) == 0 {
		return emulator.Invalid("subscribers must be a non-empty array")
	}
	err := s.changeQueue(ctx, project, name, func(tx emulator.QueueTx, q *emulator.Queue) error {
		if !q.Type.IsPush() {
			return emulator.Invalid("Subscribers need a push queue; %q is a pull queue", q.Name)
		}
		cur := q.Push.Subscribers
		switch how {
		case SubscribersReplace:
			cur = slices.Clone(subs)
		case SubscribersAdd:
			cur = slices.Clone(cur)
			for _, sub := range subs {
				if sub.Name == "" {
					sub.Name = sub.URL
				}
				if i := slices.IndexFunc(cur, func(c emulator.Subscriber) bool { return c.Name == sub.Name }); i >= 0 {
					cur[i] = sub
				} else {
					cur = append(cur, sub)
				}
			}
		case SubscribersRemove:
			cur = slices.DeleteFunc(slices.Clone(cur), func(c emulator.Subscriber) bool {
				return slices.ContainsFunc(subs, func(r emulator.Subscriber) bool { return r.Name == c.Name || r.Name == "" && r.URL == c.Name })
			})
		}
		if len(cur) == 0 {
			return emulator.Invalid("A push queue must keep at least one subscriber")
		}
		if err := validateSubscribers(cur); err != nil {
			return err
		}
		q.Push.Subscribers = cur
		return checkPushCycle(tx, *q)
	})
	if err == nil {
		s.notifyPush(project, name, time.Time{})
	}
	return err
}

// changeQueue applies fn to an existing queue's settings.
func (s *Service) changeQueue(ctx context.Context, project, name string, fn func(emulator.QueueTx, *emulator.Queue) error) error {
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if err := fn(tx, &q); err != nil {
			return err
		}
		q.UpdatedAt = s.clock.Now()
		return tx.PutQueue(q)
	})
	if err == nil {
		s.publish(emulator.Event{Type: emulator.EventQueueUpdated, Project: project, Queue: name})
	}
	return err
}

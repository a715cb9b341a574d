package mq

import (
	"context"
	"errors"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// NewMessage is one message of a post request.
type NewMessage struct {
	Body        string
	Delay       int
	PushHeaders map[string]string
}

// reservedHeaders may not be set through push_headers (spec §2.4).
var reservedHeaders = []string{"Content-Type", "User-Agent", "Iron-Message-Id", "Iron-Reservation-Id",
	"Iron-Subscriber-Name", "Iron-Subscriber-Message-Url"}

func (s *Service) validateNew(msgs []NewMessage) error {
	if len(msgs) == 0 {
		return emulator.Invalid("messages must be a non-empty array")
	}
	if len(msgs) > MaxMessagesPerRequest {
		return emulator.Invalid("Too many messages: at most %d per request", MaxMessagesPerRequest)
	}
	for i, m := range msgs {
		if len(m.Body) > s.cfg.BodyLimit {
			return emulator.TooLarge("Message %d body is %d bytes, over the %d byte limit", i, len(m.Body), s.cfg.BodyLimit)
		}
		if m.Delay < 0 || m.Delay > MaxDelay {
			return emulator.Invalid("Message %d delay must be between 0 and %d seconds", i, MaxDelay)
		}
		if err := ValidatePushHeaders(m.PushHeaders); err != nil {
			return emulator.Invalid("Message %d: %s", i, err.Error())
		}
	}
	return nil
}

// ValidatePushHeaders checks push_headers against spec §2.4.
func ValidatePushHeaders(h map[string]string) error {
	if len(h) > MaxPushHeaders {
		return emulator.Invalid("push_headers has %d entries, at most %d allowed", len(h), MaxPushHeaders)
	}
	for k, v := range h {
		if len(k) < 1 || len(k) > 64 {
			return emulator.Invalid("push_headers name %q must be 1-64 bytes", k)
		}
		if len(v) < 1 || len(v) > 1024 {
			return emulator.Invalid("push_headers value of %q must be 1-1024 bytes", k)
		}
		for _, r := range reservedHeaders {
			if strings.EqualFold(k, r) {
				return emulator.Invalid("push_headers may not set %s", r)
			}
		}
	}
	return nil
}

// PostMessages appends messages to the queue, creating it if needed, and
// returns their ids in request order.
func (s *Service) PostMessages(ctx context.Context, project, name string, msgs []NewMessage) ([]emulator.MessageID, error) {
	return s.postMessages(ctx, project, name, msgs, nil)
}

// postMessages is PostMessages; guard, when given, runs first in the
// transaction and may call the post off (skip: nothing changes, no ids).
func (s *Service) postMessages(ctx context.Context, project, name string, msgs []NewMessage, guard func(emulator.QueueTx) (skip bool, err error)) ([]emulator.MessageID, error) {
	if err := s.validateNew(msgs); err != nil {
		return nil, err
	}
	var ids []emulator.MessageID
	var alerts []alertPost
	var expires, later time.Time // later: the earliest delayed push message's due time
	created, push, skipped := false, false, false
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		ids, alerts, skipped, later = nil, nil, false, time.Time{}
		if guard != nil {
			var err error
			if skipped, err = guard(tx); skipped || err != nil {
				return err
			}
		}
		q, isNew, err := s.queueOrCreate(tx, project, name)
		if err != nil {
			return err
		}
		created, push = isNew, q.Type.IsPush()
		expires = s.clock.Now().Add(time.Duration(q.MessageExpiration) * time.Second)
		// Ids are allocated under the queue lock so they are FIFO order.
		if ids, err = s.msgIDs.NextMessageIDs(len(msgs)); err != nil {
			return err
		}
		now := s.clock.Now()
		for i, nm := range msgs {
			m := emulator.Message{
				ID: ids[i], Body: nm.Body, PushHeaders: nm.PushHeaders, State: emulator.MessageReady,
				PostedAt: now, ExpiresAt: now.Add(time.Duration(q.MessageExpiration) * time.Second),
			}
			if nm.Delay > 0 {
				m.State, m.AvailableAt = emulator.MessageDelayed, now.Add(time.Duration(nm.Delay)*time.Second)
			}
			if push {
				// Push messages wait in the pending index for their first
				// delivery and never count in size (spec §2.6).
				m.State, m.Subscribers = emulator.MessagePushing, newSubscriberStates(q.Push)
				m.AvailableAt = now.Add(time.Duration(nm.Delay) * time.Second)
				if nm.Delay > 0 && (later.IsZero() || m.AvailableAt.Before(later)) {
					later = m.AvailableAt
				}
			}
			if err := tx.InsertMessage(project, name, m); err != nil {
				return err
			}
		}
		old := q.Size
		if !push {
			q.Size += int64(len(msgs))
		}
		q.TotalMessages += int64(len(msgs))
		alerts = s.fireAlerts(&q, old, now)
		return tx.PutQueue(q)
	})
	if err != nil || skipped {
		return nil, err
	}
	if created {
		s.publish(emulator.Event{Type: emulator.EventQueueCreated, Project: project, Queue: name})
	}
	s.notifyExpiry(expires)
	s.publish(emulator.Event{Type: emulator.EventMessagesPosted, Project: project, Queue: name, IDs: idStrings(ids)})
	s.postAlerts(ctx, project, alerts)
	switch {
	case push:
		s.notifyPush(project, name, later)
	case slices.ContainsFunc(msgs, func(m NewMessage) bool { return m.Delay > 0 }):
		s.wakeAll(project, name) // their timers learn the new delay
	default:
		s.wake(project, name, len(msgs))
	}
	return ids, nil
}

// PostWebhook posts a webhook's raw body as one message (spec §2.4). Of the
// offered push headers, those that break the push_headers rules are
// dropped, one by one, rather than failing the webhook.
func (s *Service) PostWebhook(ctx context.Context, project, name, body string, headers map[string]string) (emulator.MessageID, error) {
	kept := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		candidate := map[string]string{k: headers[k]}
		if len(kept) < MaxPushHeaders && ValidatePushHeaders(candidate) == nil {
			kept[k] = headers[k]
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	ids, err := s.PostMessages(ctx, project, name, []NewMessage{{Body: body, PushHeaders: kept}})
	if err != nil {
		return 0, err
	}
	return ids[0], nil
}

func idStrings(ids []emulator.MessageID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// ReserveRequest is a reserve call (spec §2.4). Zero values take defaults.
type ReserveRequest struct {
	N       int
	Timeout int // seconds; 0 = the queue's message_timeout
	Wait    int // long-poll seconds, clamped to 0..30
	Delete  bool
}

// Reserve returns up to N ready messages in FIFO order, each with a fresh
// reservation (or deleted at once when Delete). With Wait it long-polls until
// at least one message is available or the wait ends.
func (s *Service) Reserve(ctx context.Context, project, name string, req ReserveRequest) ([]emulator.Message, error) {
	if req.N <= 0 {
		req.N = 1
	}
	req.N = min(req.N, MaxMessagesPerRequest)
	if req.Timeout < 0 || req.Timeout > MaxMessageTimeout {
		return nil, emulator.Invalid("timeout must be between 1 and %d seconds", MaxMessageTimeout)
	}
	if req.Wait < 0 {
		return nil, emulator.Invalid("wait must be between 0 and %d seconds", MaxWait)
	}
	req.Wait = min(req.Wait, MaxWait)
	var got []emulator.Message
	var err error
	if req.Wait > 0 {
		got, err = s.longPoll(ctx, project, name, req)
	} else if got, err = s.reserveOnce(ctx, project, name, req); err != nil && ctx.Err() != nil {
		return nil, nil // the caller left: nothing was reserved for it
	}
	if err == nil && !req.Delete {
		s.chaosRedeliver(ctx, project, name, got)
	}
	return got, err
}

// chaosRedeliver lets the reservations chaos mode picks lapse at once:
// the next reserve gets those messages again while their first consumer
// still holds them, as an at-least-once queue may do.
func (s *Service) chaosRedeliver(ctx context.Context, project, name string, got []emulator.Message) {
	if s.cfg.Chaos == nil {
		return
	}
	for _, m := range got {
		if inject, _ := s.cfg.Chaos.Chance(emulator.ChaosRedeliver, name+"/"+m.ID.String()); inject {
			// A failure means the message moved on meanwhile (deleted,
			// released): nothing is left to redeliver.
			_ = s.Release(ctx, project, name, m.ID, m.ReservationID, 0)
		}
	}
}

// longPoll waits, without polling, until the queue may have a message for
// the reserve (a post, a release, a dead-lettered message, or the earliest
// delay or reservation of the queue ending on the emulator's clock — a
// virtual clock's move fires that), then tries again, until one is
// reserved or the wait ends (the wait is the client's: wall-clock seconds).
func (s *Service) longPoll(ctx context.Context, project, name string, req ReserveRequest) ([]emulator.Message, error) {
	st := s.acquire(project, name) // wakes find the queue's state while we wait
	defer s.release(project, name, st)
	deadline := time.NewTimer(time.Duration(req.Wait) * time.Second)
	defer deadline.Stop()
	for {
		w := s.enlist(st) // before the attempt, so no post is missed
		got, err := s.reserveOnce(ctx, project, name, req)
		if err != nil || len(got) > 0 {
			s.leave(st, w, false)
			if err != nil && ctx.Err() != nil {
				return nil, nil
			}
			return got, err
		}
		// The earliest delay or reservation of the queue ending, on the
		// emulator's clock: a virtual clock's move fires it.
		due := make(chan struct{}, 1)
		var timer emulator.Timer
		if at, ok := s.nextDue(ctx, project, name); ok {
			timer = s.clock.AfterFunc(at.Sub(s.clock.Now()), func() { due <- struct{}{} })
		}
		ended, woken := false, false
		select {
		case <-ctx.Done():
			// The client left or the server is stopping: end the long
			// poll empty-handed, as if the wait had run out.
			ended = true
		case <-deadline.C:
			ended = true
		case <-w.ch:
			woken = true
		case <-due:
		}
		if timer != nil {
			timer.Stop()
		}
		if !woken { // a woken w is off the list already
			s.leave(st, w, !ended)
		}
		if ended {
			return nil, nil
		}
	}
}

// farFuture is after every AvailableAt the store can index.
var farFuture = time.Unix(0, math.MaxInt64)

// nextDue returns when the queue's earliest delayed or reserved message is
// ready again, on the emulator's clock.
func (s *Service) nextDue(ctx context.Context, project, name string) (time.Time, bool) {
	var at time.Time
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		ms, err := tx.DueMessages(project, name, farFuture, 1)
		if err == nil && len(ms) > 0 {
			at = ms[0].AvailableAt
		}
		return err
	})
	return at, err == nil && !at.IsZero()
}

func (s *Service) reserveOnce(ctx context.Context, project, name string, req ReserveRequest) ([]emulator.Message, error) {
	// The dead-letter queue is written in the same transaction, so both
	// queues are locked (in a fixed order) before it starts. Which queue
	// that is comes from a hint; a stale hint is caught inside the
	// transaction and the reserve runs again with the right locks.
	for {
		dlq := s.deadLetterHint(project, name)
		out, err := s.reserveLocked(ctx, project, name, dlq, req)
		var stale staleDeadLetterHint
		if errors.As(err, &stale) {
			s.setDeadLetterHint(project, name, string(stale))
			continue
		}
		return out, err
	}
}

func (s *Service) reserveLocked(ctx context.Context, project, name, dlq string, req ReserveRequest) ([]emulator.Message, error) {
	var out []emulator.Message
	var expired, deadLettered []string
	var alerts []alertPost
	var dlExpires time.Time // when the messages moved to the dead-letter queue expire
	// Without a dead-letter queue, reserves share commits with other
	// writers of the queue (see combine.go).
	run := func(fn func(emulator.QueueTx) error) error { return s.withQueue(ctx, project, name, fn) }
	if dlq != "" {
		run = func(fn func(emulator.QueueTx) error) error {
			return s.withQueues(ctx, project, []string{name, dlq}, fn)
		}
	}
	err := run(func(tx emulator.QueueTx) error {
		out, expired, deadLettered, alerts = nil, nil, nil, nil
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if actual := deadLetterOf(q); actual != dlq {
			return staleDeadLetterHint(actual)
		}
		if q.Type.IsPush() {
			return emulator.Invalid("Messages of push queues cannot be reserved")
		}
		oldSize := q.Size
		mover := s.newDeadLetterMover(tx, q, dlq)
		now := s.clock.Now()
		if expired, err = s.promoteDue(tx, &q, now); err != nil {
			return err
		}
		timeout := req.Timeout
		if timeout == 0 {
			timeout = q.MessageTimeout
		}
		for len(out) < req.N {
			want := req.N - len(out)
			ready, err := tx.ReadyMessages(project, name, want)
			if err != nil {
				return err
			}
			for _, m := range ready {
				if !now.Before(m.ExpiresAt) {
					if err := tx.DeleteMessage(project, name, m); err != nil {
						return err
					}
					q.Size--
					expired = append(expired, m.ID.String())
					continue
				}
				if mover.due(m) {
					if err := mover.move(m, now); err != nil {
						return err
					}
					q.Size--
					deadLettered = append(deadLettered, m.ID.String())
					continue
				}
				old := m
				m.ReservedCount++
				m.ReservationID = s.ids.ReservationID()
				if req.Delete {
					err = tx.DeleteMessage(project, name, old)
					q.Size--
				} else {
					m.State, m.AvailableAt = emulator.MessageReserved, now.Add(time.Duration(timeout)*time.Second)
					err = tx.UpdateMessage(project, name, old, m)
				}
				if err != nil {
					return err
				}
				out = append(out, m)
			}
			if len(ready) < want {
				break // the ready index is exhausted
			}
		}
		if mover.target != nil {
			dlExpires = now.Add(time.Duration(mover.target.MessageExpiration) * time.Second)
		}
		if alerts, err = mover.finish(now); err != nil {
			return err
		}
		if q.Size != oldSize {
			q.Size = max(q.Size, 0)
			alerts = append(alerts, s.fireAlerts(&q, oldSize, now)...)
			return tx.PutQueue(q)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.publishExpired(project, name, expired)
	if len(deadLettered) > 0 {
		s.publish(emulator.Event{Type: emulator.EventMessagesDeadLettered, Project: project, Queue: name, IDs: deadLettered,
			Attrs: map[string]any{"dead_letter_queue": dlq}})
		s.wake(project, dlq, len(deadLettered))
		s.notifyExpiry(dlExpires)
	}
	s.postAlerts(ctx, project, alerts)
	if len(out) > 0 {
		ids := make([]string, len(out))
		for i, m := range out {
			ids[i] = m.ID.String()
		}
		s.publish(emulator.Event{Type: emulator.EventMessagesReserved, Project: project, Queue: name, IDs: ids,
			Attrs: map[string]any{"deleted": req.Delete}})
	}
	return out, nil
}

// promoteDue makes ready again delayed (and released) messages whose delay
// ended, in their own position, and reserved messages whose reservation
// expired, behind the messages waiting (spec §2.5: iron_mq_ruby's test_touch
// expects the next message, not the expired one, on the next reserve).
// Expired messages found on the way are deleted; their ids are returned.
func (s *Service) promoteDue(tx emulator.QueueTx, q *emulator.Queue, now time.Time) ([]string, error) {
	var expired []string
	for {
		due, err := tx.DueMessages(q.Project, q.Name, now, 1000)
		if err != nil {
			return nil, err
		}
		var moved int
		for _, m := range due {
			if m.State == emulator.MessageReserved && now.Before(m.ExpiresAt) {
				moved++
			}
		}
		// Positions come from the id sequence, so they sort after every
		// message posted so far; the due ones keep their order among
		// themselves (earliest expiry first).
		var positions []emulator.MessageID
		if moved > 0 {
			if positions, err = s.msgIDs.NextMessageIDs(moved); err != nil {
				return nil, err
			}
		}
		for _, m := range due {
			if !now.Before(m.ExpiresAt) {
				if err := tx.DeleteMessage(q.Project, q.Name, m); err != nil {
					return nil, err
				}
				q.Size--
				expired = append(expired, m.ID.String())
				continue
			}
			old := m
			if m.State == emulator.MessageReserved {
				m.Position, positions = positions[0], positions[1:]
			}
			m.State, m.AvailableAt, m.ReservationID = emulator.MessageReady, time.Time{}, ""
			if err := tx.UpdateMessage(q.Project, q.Name, old, m); err != nil {
				return nil, err
			}
		}
		if len(due) < 1000 {
			return expired, nil
		}
	}
}

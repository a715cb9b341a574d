package mq

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// errReservation is the 403 for a missing, wrong or expired reservation.
func errReservation() error { return emulator.Forbidden("Reservation timed out") }

// liveReservation reports whether m is reserved and the reservation has not
// expired at now.
func liveReservation(m emulator.Message, now time.Time) bool {
	return m.State == emulator.MessageReserved && now.Before(m.AvailableAt)
}

// Peek returns up to n ready messages without changing them.
func (s *Service) Peek(ctx context.Context, project, name string, n int) ([]emulator.Message, error) {
	if n <= 0 {
		n = 1
	}
	n = min(n, MaxMessagesPerRequest)
	var out []emulator.Message
	var expired []string
	var alerts []alertPost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if q.Type.IsPush() {
			return emulator.Invalid("Messages of push queues cannot be peeked")
		}
		old, now := q.Size, s.clock.Now()
		if expired, err = s.promoteDue(tx, &q, now); err != nil {
			return err
		}
		more, err := s.purgeExpired(tx, &q, now)
		if err != nil {
			return err
		}
		expired = append(expired, more...)
		if alerts, err = s.saveSize(tx, &q, old, now); err != nil {
			return err
		}
		ready, err := tx.ReadyMessages(project, name, n)
		for i := range ready {
			ready[i].ReservationID = ""
		}
		out = ready
		return err
	})
	if err != nil {
		return nil, err
	}
	s.publishExpired(project, name, expired)
	s.postAlerts(ctx, project, alerts)
	return out, nil
}

// GetMessage returns one message by id; ReservationID is set only while a
// reservation is live.
func (s *Service) GetMessage(ctx context.Context, project, name string, id emulator.MessageID) (emulator.Message, error) {
	var m emulator.Message
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		if err := ValidateQueueName(name); err != nil {
			return err
		}
		var err error
		m, err = s.liveMessage(tx, project, name, id, s.clock.Now())
		return err
	})
	if !liveReservation(m, s.clock.Now()) {
		m.ReservationID = ""
	}
	return m, err
}

// liveMessage reads a message, treating an expired one as absent.
func (s *Service) liveMessage(tx emulator.QueueTx, project, name string, id emulator.MessageID, now time.Time) (emulator.Message, error) {
	if _, err := tx.Queue(project, name); err != nil {
		return emulator.Message{}, err
	}
	m, err := tx.Message(project, name, id)
	if err != nil {
		return m, err
	}
	if !now.Before(m.ExpiresAt) {
		return emulator.Message{}, emulator.NotFound("Message not found")
	}
	return m, nil
}

// DeleteRef names a message to delete and the reservation that allows it.
type DeleteRef struct {
	ID            emulator.MessageID
	ReservationID string
	// SubscriberName acknowledges a push delivery that was answered 202
	// instead of deleting the message (spec §2.6).
	SubscriberName string
}

// checkDeletable applies the reservation rules of spec §2.4: a reserved
// message needs its current reservation; a reservation id that is not
// current (wrong, expired, or the message is no longer reserved) is refused.
func checkDeletable(m emulator.Message, reservationID string, now time.Time) error {
	live := liveReservation(m, now)
	if reservationID == "" {
		if live {
			return errReservation()
		}
		return nil
	}
	if !live || m.ReservationID != reservationID {
		return errReservation()
	}
	return nil
}

// DeleteMessage deletes one message under the reservation rules.
func (s *Service) DeleteMessage(ctx context.Context, project, name string, ref DeleteRef) error {
	return s.DeleteMessages(ctx, project, name, []DeleteRef{ref})
}

// DeleteMessages deletes a batch atomically: every message is checked first,
// and any unknown id (404) or reservation failure (403) deletes nothing.
func (s *Service) DeleteMessages(ctx context.Context, project, name string, refs []DeleteRef) error {
	if len(refs) == 0 {
		return emulator.Invalid("ids must be a non-empty array")
	}
	if len(refs) > MaxMessagesPerRequest {
		return emulator.Invalid("Too many ids: at most %d per request", MaxMessagesPerRequest)
	}
	var ids, acked []string
	var alerts []alertPost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		ids, acked, alerts = nil, nil, nil
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		msgs := make([]emulator.Message, 0, len(refs))
		seen := make(map[emulator.MessageID]bool, len(refs))
		for _, ref := range refs {
			if seen[ref.ID] {
				continue
			}
			seen[ref.ID] = true
			m, err := s.liveMessage(tx, project, name, ref.ID, now)
			if err != nil {
				return err
			}
			if q.Type.IsPush() && ref.SubscriberName != "" {
				if _, err := s.ackPush(tx, q, m, ref.ReservationID, ref.SubscriberName); err != nil {
					return err
				}
				acked = append(acked, m.ID.String())
				continue
			}
			if !q.Type.IsPush() {
				if err := checkDeletable(m, ref.ReservationID, now); err != nil {
					return err
				}
			}
			msgs = append(msgs, m)
		}
		for _, m := range msgs {
			if err := tx.DeleteMessage(project, name, m); err != nil {
				return err
			}
			ids = append(ids, m.ID.String())
		}
		if q.Type.IsPush() || len(msgs) == 0 {
			return nil // push messages do not count in size
		}
		old := q.Size
		q.Size = max(0, q.Size-int64(len(msgs)))
		alerts = s.fireAlerts(&q, old, now)
		return tx.PutQueue(q)
	})
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		s.publish(emulator.Event{Type: emulator.EventMessagesDeleted, Project: project, Queue: name, IDs: ids})
	}
	if len(acked) > 0 {
		s.publish(emulator.Event{Type: emulator.EventPushAcknowledged, Project: project, Queue: name, IDs: acked})
	}
	s.postAlerts(ctx, project, alerts)
	return nil
}

// Touch extends a live reservation by timeout seconds (0 = the queue's
// message_timeout) from now, under a new reservation id.
func (s *Service) Touch(ctx context.Context, project, name string, id emulator.MessageID, reservationID string, timeout int) (string, error) {
	if timeout < 0 || timeout > MaxMessageTimeout {
		return "", emulator.Invalid("timeout must be between 1 and %d seconds", MaxMessageTimeout)
	}
	var rid string
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		m, err := s.liveMessage(tx, project, name, id, now)
		if err != nil {
			return err
		}
		if reservationID == "" || !liveReservation(m, now) || m.ReservationID != reservationID {
			return errReservation()
		}
		if timeout == 0 {
			timeout = q.MessageTimeout
		}
		old := m
		m.ReservationID = s.ids.ReservationID()
		m.AvailableAt = now.Add(time.Duration(timeout) * time.Second)
		m.ReservedCount++
		rid = m.ReservationID
		return tx.UpdateMessage(project, name, old, m)
	})
	if err != nil {
		return "", err
	}
	s.publish(emulator.Event{Type: emulator.EventMessageTouched, Project: project, Queue: name, IDs: []string{id.String()}})
	return rid, nil
}

// Release ends a live reservation; the message is ready again after delay
// seconds, in its original position.
func (s *Service) Release(ctx context.Context, project, name string, id emulator.MessageID, reservationID string, delay int) error {
	if delay < 0 || delay > MaxDelay {
		return emulator.Invalid("delay must be between 0 and %d seconds", MaxDelay)
	}
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		if _, err := tx.Queue(project, name); err != nil {
			return err
		}
		now := s.clock.Now()
		m, err := s.liveMessage(tx, project, name, id, now)
		if err != nil {
			return err
		}
		if reservationID == "" || !liveReservation(m, now) || m.ReservationID != reservationID {
			return errReservation()
		}
		old := m
		m.ReservationID = ""
		if delay > 0 {
			m.State, m.AvailableAt = emulator.MessageDelayed, now.Add(time.Duration(delay)*time.Second)
		} else {
			m.State, m.AvailableAt = emulator.MessageReady, time.Time{}
		}
		return tx.UpdateMessage(project, name, old, m)
	})
	if err != nil {
		return err
	}
	if delay > 0 {
		s.wakeAll(project, name) // their timers learn the new delay
	} else {
		s.wake(project, name, 1)
	}
	s.publish(emulator.Event{Type: emulator.EventMessageReleased, Project: project, Queue: name, IDs: []string{id.String()}})
	return nil
}

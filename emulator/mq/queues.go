package mq

import (
	"context"
	"errors"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

func (s *Service) newQueue(project, name string) emulator.Queue {
	now := s.clock.Now()
	return emulator.Queue{
		ID: s.ids.ObjectID(), Project: project, Name: name, Type: emulator.QueuePull,
		MessageTimeout: DefaultMessageTimeout, MessageExpiration: DefaultMessageExpiration,
		CreatedAt: now, UpdatedAt: now,
	}
}

// queueOrCreate returns the queue, creating a default pull queue if absent
// (posting auto-creates, spec §2.4).
func (s *Service) queueOrCreate(tx emulator.QueueTx, project, name string) (emulator.Queue, bool, error) {
	q, err := tx.Queue(project, name)
	if isNotFound(err) {
		q = s.newQueue(project, name)
		return q, true, tx.PutQueue(q)
	}
	return q, false, err
}

// GetQueue returns the queue with its size net of expired messages.
func (s *Service) GetQueue(ctx context.Context, project, name string) (emulator.Queue, error) {
	var q emulator.Queue
	var expired []string
	var alerts []alertPost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		var err error
		if q, err = tx.Queue(project, name); err != nil {
			return err
		}
		old, now := q.Size, s.clock.Now()
		if expired, err = s.purgeExpired(tx, &q, now); err != nil {
			return err
		}
		alerts, err = s.saveSize(tx, &q, old, now)
		return err
	})
	if err == nil {
		s.publishExpired(project, name, expired)
		s.postAlerts(ctx, project, alerts)
	}
	return q, err
}

// ListQueues lists queue names in byte order after `previous`, filtered by
// prefix; perPage is clamped to 1..100 (spec §1.6).
func (s *Service) ListQueues(ctx context.Context, project, prefix, previous string, perPage int) ([]emulator.Queue, error) {
	if perPage <= 0 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	var out []emulator.Queue
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		var err error
		out, err = tx.ListQueues(project, prefix, previous, perPage)
		return err
	})
	return out, err
}

// DeleteQueue removes the queue and its messages.
func (s *Service) DeleteQueue(ctx context.Context, project, name string) error {
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		return tx.DeleteQueue(project, name)
	})
	if err != nil {
		return err
	}
	s.setDeadLetterHint(project, name, "")
	s.wakeAll(project, name) // each finds the queue gone
	s.publish(emulator.Event{Type: emulator.EventQueueDeleted, Project: project, Queue: name})
	return nil
}

// ClearQueue removes every message (ready, delayed, reserved).
func (s *Service) ClearQueue(ctx context.Context, project, name string) error {
	var alerts []alertPost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if err := tx.ClearMessages(project, name); err != nil {
			return err
		}
		old := q.Size
		q.Size = 0
		alerts = s.fireAlerts(&q, old, s.clock.Now())
		return tx.PutQueue(q)
	})
	if err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventQueueCleared, Project: project, Queue: name})
	s.postAlerts(ctx, project, alerts)
	return nil
}

// SweepExpired removes expired messages from every queue so sizes stay
// true (and alerts fire) without traffic, and returns when the earliest
// message left expires (zero: none). Only queues holding an expired message
// are written. The server runs it when that time comes, when the virtual
// clock moves, and when a post expires before it (SetExpiryNotifier).
func (s *Service) SweepExpired(ctx context.Context) (time.Time, error) {
	now := s.clock.Now()
	var queues []emulator.Queue
	var next time.Time
	later := func(at time.Time) {
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		return tx.ListAllQueues(func(q emulator.Queue) error {
			first, err := tx.ExpiredMessages(q.Project, q.Name, farFuture, 1)
			switch {
			case err != nil:
				return err
			case len(first) == 0:
			case first[0].ExpiresAt.After(now):
				later(first[0].ExpiresAt)
			default:
				queues = append(queues, q)
			}
			return nil
		})
	}); err != nil {
		return time.Time{}, err
	}
	var errs []error
	for _, q := range queues {
		var after time.Time // the queue's earliest expiry left

		var expired []string
		var alerts []alertPost
		err := s.withQueue(ctx, q.Project, q.Name, func(tx emulator.QueueTx) error {
			cur, err := tx.Queue(q.Project, q.Name)
			if err != nil {
				return err
			}
			old := cur.Size
			if expired, err = s.purgeExpired(tx, &cur, now); err != nil {
				return err
			}
			if alerts, err = s.saveSize(tx, &cur, old, now); err != nil {
				return err
			}
			left, err := tx.ExpiredMessages(q.Project, q.Name, farFuture, 1)
			if after = (time.Time{}); err == nil && len(left) > 0 {
				after = left[0].ExpiresAt
			}
			return err
		})
		switch {
		case err == nil:
			if !after.IsZero() {
				later(after)
			}
			s.publishExpired(q.Project, q.Name, expired)
			s.postAlerts(ctx, q.Project, alerts)
		case !isNotFound(err):
			errs = append(errs, err)
		}
	}
	return next, errors.Join(errs...)
}

// SetExpiryNotifier registers f to run with the expiry of messages as they
// are stored (posts, dead-lettering), so the expiry sweep can wake in time
// instead of polling.
func (s *Service) SetExpiryNotifier(f func(at time.Time)) { s.expiryNotify.Store(&f) }

func (s *Service) notifyExpiry(at time.Time) {
	if f := s.expiryNotify.Load(); f != nil && !at.IsZero() {
		(*f)(at)
	}
}

// purgeExpired deletes messages past their expiration and lowers q.Size to
// match (push messages do not count); saveSize records the change.
func (s *Service) purgeExpired(tx emulator.QueueTx, q *emulator.Queue, now time.Time) ([]string, error) {
	var ids []string
	for {
		expired, err := tx.ExpiredMessages(q.Project, q.Name, now, 1000)
		if err != nil {
			return nil, err
		}
		for _, m := range expired {
			if err := tx.DeleteMessage(q.Project, q.Name, m); err != nil {
				return nil, err
			}
			ids = append(ids, m.ID.String())
		}
		if len(expired) < 1000 {
			break
		}
	}
	if !q.Type.IsPush() {
		q.Size = max(0, q.Size-int64(len(ids)))
	}
	return ids, nil
}

// saveSize stores q when its size moved from old, and returns the alerts
// the move fires (posted after commit by postAlerts).
func (s *Service) saveSize(tx emulator.QueueTx, q *emulator.Queue, old int64, now time.Time) ([]alertPost, error) {
	if q.Size == old {
		return nil, nil
	}
	alerts := s.fireAlerts(q, old, now)
	return alerts, tx.PutQueue(*q)
}

func (s *Service) publishExpired(project, name string, ids []string) {
	if len(ids) > 0 {
		s.publish(emulator.Event{Type: emulator.EventMessagesExpired, Project: project, Queue: name, IDs: ids})
	}
}

package mq

import (
	"context"
	"errors"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// QueueSettings is a create/update request; nil fields are left unchanged
// (or take their defaults on create).
type QueueSettings struct {
	Type              *emulator.QueueType
	MessageTimeout    *int
	MessageExpiration *int
	// Push, DeadLetter and Alerts are accepted by the wire layer so that
	// requests carrying them get a precise answer.
	Push       *emulator.PushSettings
	DeadLetter *emulator.DeadLetter
	Alerts     []emulator.Alert
}

// UpsertQueue creates the queue or updates its settings (PUT and PATCH both
// upsert, spec §5.4). Changing the type of an existing queue is forbidden.
func (s *Service) UpsertQueue(ctx context.Context, project, name string, set QueueSettings) (emulator.Queue, error) {
	if err := validateSettings(set); err != nil {
		return emulator.Queue{}, err
	}
	var q emulator.Queue
	created := false
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		var err error
		q, err = tx.Queue(project, name)
		switch {
		case isNotFound(err):
			created = true
			q = s.newQueue(project, name)
		case err != nil:
			return err
		case set.Type != nil && *set.Type != q.Type:
			return emulator.Forbidden("Queue type cannot be changed")
		}
		if err := unsupported(set); err != nil {
			return err
		}
		if set.MessageTimeout != nil {
			q.MessageTimeout = *set.MessageTimeout
		}
		if set.MessageExpiration != nil {
			q.MessageExpiration = *set.MessageExpiration
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
	return q, nil
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
	return nil
}

// unsupported refuses what this version cannot do yet. UpsertQueue checks it
// after the type-change rule, so changing a queue's type is 403 (spec §2.3)
// whatever the new type.
func unsupported(set QueueSettings) error {
	if set.Type != nil && set.Type.IsPush() {
		return emulator.Invalid("Push queues (type %q) are not supported by this version of ironlocal yet", *set.Type)
	}
	if set.Push != nil {
		return emulator.Invalid("Push queues are not supported by this version of ironlocal yet")
	}
	if set.DeadLetter != nil {
		return emulator.Invalid("Dead-letter queues are not supported by this version of ironlocal yet")
	}
	if set.Alerts != nil {
		return emulator.Invalid("Queue alerts are not supported by this version of ironlocal yet")
	}
	return nil
}

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
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		var err error
		if q, err = tx.Queue(project, name); err != nil {
			return err
		}
		expired, err = s.purgeExpired(tx, &q, s.clock.Now())
		return err
	})
	if err == nil {
		s.publishExpired(project, name, expired)
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
	s.wake(project, name)
	s.publish(emulator.Event{Type: emulator.EventQueueDeleted, Project: project, Queue: name})
	return nil
}

// ClearQueue removes every message (ready, delayed, reserved).
func (s *Service) ClearQueue(ctx context.Context, project, name string) error {
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if err := tx.ClearMessages(project, name); err != nil {
			return err
		}
		q.Size = 0
		return tx.PutQueue(q)
	})
	if err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventQueueCleared, Project: project, Queue: name})
	return nil
}

// SweepExpired removes expired messages from every queue so sizes stay
// true without traffic. The server runs it periodically and whenever the
// virtual clock moves.
func (s *Service) SweepExpired(ctx context.Context) error {
	var queues []emulator.Queue
	if err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		return tx.ListAllQueues(func(q emulator.Queue) error {
			queues = append(queues, q)
			return nil
		})
	}); err != nil {
		return err
	}
	now := s.clock.Now()
	var errs []error
	for _, q := range queues {
		var expired []string
		err := s.withQueue(ctx, q.Project, q.Name, func(tx emulator.QueueTx) error {
			cur, err := tx.Queue(q.Project, q.Name)
			if err != nil {
				return err
			}
			expired, err = s.purgeExpired(tx, &cur, now)
			return err
		})
		switch {
		case err == nil:
			s.publishExpired(q.Project, q.Name, expired)
		case !isNotFound(err):
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// purgeExpired deletes messages past their expiration, saves q's new size
// when anything went, and returns the ids removed.
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
	if len(ids) == 0 {
		return nil, nil
	}
	q.Size = max(0, q.Size-int64(len(ids)))
	return ids, tx.PutQueue(*q)
}

func (s *Service) publishExpired(project, name string, ids []string) {
	if len(ids) > 0 {
		s.publish(emulator.Event{Type: emulator.EventMessagesExpired, Project: project, Queue: name, IDs: ids})
	}
}

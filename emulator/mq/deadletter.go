package mq

import (
	"context"
	"slices"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// deadLetterHint returns the queue's dead-letter queue as last seen, ""
// when none is known. Only queues with one are remembered: a reserve that
// guessed wrong finds out inside its transaction (staleDeadLetterHint) and
// runs again with the right locks, so a queue without a dead-letter queue
// costs nothing here.
func (s *Service) deadLetterHint(project, name string) string {
	if v, ok := s.dlqHints.Load(queueKey{project, name}); ok {
		return v.(string)
	}
	return ""
}

// setDeadLetterHint remembers (or, for "", forgets) the queue's
// dead-letter queue.
func (s *Service) setDeadLetterHint(project, name, dlq string) {
	if dlq == "" {
		s.dlqHints.Delete(queueKey{project, name})
		return
	}
	s.dlqHints.Store(queueKey{project, name}, dlq)
}

func deadLetterOf(q emulator.Queue) string {
	if q.DeadLetter == nil {
		return ""
	}
	return q.DeadLetter.QueueName
}

// staleDeadLetterHint aborts a reserve whose locks were chosen from an
// outdated dead-letter setting; it carries the current one.
type staleDeadLetterHint string

func (e staleDeadLetterHint) Error() string { return "dead-letter queue changed to " + string(e) }

// withQueues runs fn in one write transaction holding the locks of every
// named queue, taken in sorted order so two such calls cannot deadlock.
func (s *Service) withQueues(ctx context.Context, project string, names []string, fn func(tx emulator.QueueTx) error) error {
	names = slices.Compact(slices.Sorted(slices.Values(slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == "" }))))
	for _, n := range names {
		if err := ValidateQueueName(n); err != nil {
			return err
		}
	}
	for _, n := range names {
		st := s.acquire(project, n)
		defer s.release(project, n, st)
		st.mu.Lock()
		defer st.mu.Unlock()
	}
	return s.store.UpdateQueues(ctx, fn)
}

// deadLetterMover moves messages reserved too often into the dead-letter
// queue inside the reserve transaction (spec §2.5): same id, body and
// reserved_count, a fresh expiration.
type deadLetterMover struct {
	s      *Service
	tx     emulator.QueueTx
	source emulator.Queue
	name   string
	target *emulator.Queue
	old    int64
}

func (s *Service) newDeadLetterMover(tx emulator.QueueTx, q emulator.Queue, locked string) *deadLetterMover {
	mv := &deadLetterMover{s: s, tx: tx, source: q}
	// Only the queue whose lock is held may be written: if the setting
	// changed since it was read, nothing moves this time.
	if q.DeadLetter != nil && q.DeadLetter.QueueName == locked {
		mv.name = locked
	}
	return mv
}

// due reports whether m must be dead-lettered instead of reserved.
func (mv *deadLetterMover) due(m emulator.Message) bool {
	return mv.name != "" && m.ReservedCount >= mv.source.DeadLetter.MaxReservations
}

func (mv *deadLetterMover) move(m emulator.Message, now time.Time) error {
	if mv.target == nil {
		q, _, err := mv.s.queueOrCreate(mv.tx, mv.source.Project, mv.name)
		if err != nil {
			return err
		}
		if q.Type.IsPush() {
			return emulator.Invalid("Dead-letter queue %q is a push queue", mv.name)
		}
		mv.target, mv.old = &q, q.Size
	}
	if err := mv.tx.DeleteMessage(mv.source.Project, mv.source.Name, m); err != nil {
		return err
	}
	m.State, m.AvailableAt, m.ReservationID = emulator.MessageReady, time.Time{}, ""
	m.PostedAt, m.ExpiresAt = now, now.Add(time.Duration(mv.target.MessageExpiration)*time.Second)
	if err := mv.tx.InsertMessage(mv.source.Project, mv.name, m); err != nil {
		return err
	}
	mv.target.Size++
	mv.target.TotalMessages++
	return nil
}

// finish saves the dead-letter queue's counters and returns its alerts.
func (mv *deadLetterMover) finish(now time.Time) ([]alertPost, error) {
	if mv.target == nil {
		return nil, nil
	}
	alerts := mv.s.fireAlerts(mv.target, mv.old, now)
	return alerts, mv.tx.PutQueue(*mv.target)
}

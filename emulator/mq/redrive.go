package mq

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// Redrive (an ironlocal extension, after SQS's dead-letter queue redrive):
// move the messages of a dead-letter or error queue back to the queue they
// came from, so they are processed again once the cause is fixed.

// MaxRedriveIDs bounds the ids one redrive names.
const MaxRedriveIDs = 10_000

// redriveBatch is how many messages move per post and delete.
const redriveBatch = MaxMessagesPerRequest

// RedriveRequest selects what a redrive moves, and where.
type RedriveRequest struct {
	// To is the queue the messages go to; "" = the queue whose dead_letter
	// or push error_queue names the source, when exactly one does.
	To string
	// IDs names the messages to move; nil or empty = every ready one.
	IDs []emulator.MessageID
	// Max bounds how many move; 0 = no bound.
	Max int
}

// RedriveResult says how many messages moved, and where to.
type RedriveResult struct {
	Moved int
	To    string
}

// RedriveSources lists the queues of the project whose dead_letter or push
// error_queue names the queue: where its messages came from, in name order.
func (s *Service) RedriveSources(ctx context.Context, project, name string) ([]string, error) {
	var sources []string
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		var err error
		sources, _, err = redriveSources(tx, project, name)
		return err
	})
	return sources, err
}

// redriveSources finds the queues that send their failures to name;
// notices reports whether one of them does so as push error-queue notices.
func redriveSources(tx emulator.QueueTx, project, name string) (sources []string, notices bool, err error) {
	after := ""
	for {
		page, err := tx.ListQueues(project, "", after, MaxPerPage)
		if err != nil {
			return nil, false, err
		}
		for _, q := range page {
			dead := q.DeadLetter != nil && q.DeadLetter.QueueName == name
			errq := q.Push != nil && q.Push.ErrorQueue == name
			if dead || errq {
				sources = append(sources, q.Name)
			}
			notices = notices || errq
		}
		if len(page) < MaxPerPage {
			return sources, notices, nil
		}
		after = page[len(page)-1].Name
	}
}

// Redrive moves ready messages (not reserved or delayed ones) from the
// queue to req.To, or to the queue it is the dead-letter or error queue
// of. Each message is posted to the target as a new message (new id,
// reserved_count 0, the body and push headers it had) and then deleted
// from the source: a crash in between leaves it in both, never in
// neither (at-least-once). A message reserved by a consumer between the
// two steps stays in the source too. An error-queue notice
// ({"source_msg_id", "body", "headers", …}, spec §2.6) posts the original
// body and push headers back, as SQS's redrive restores the original
// message.
//
// Named ids must all exist (404 otherwise, before anything moves); those
// not ready are skipped.
func (s *Service) Redrive(ctx context.Context, project, name string, req RedriveRequest) (RedriveResult, error) {
	if err := ValidateQueueName(name); err != nil {
		return RedriveResult{}, err
	}
	if req.Max < 0 {
		return RedriveResult{}, emulator.Invalid("max must not be negative")
	}
	if len(req.IDs) > MaxRedriveIDs {
		return RedriveResult{}, emulator.Invalid("Too many ids: at most %d per redrive", MaxRedriveIDs)
	}
	var notices bool
	to := req.To
	ids := slices.Compact(slices.Sorted(slices.Values(req.IDs)))
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		if q.Type.IsPush() {
			return emulator.Invalid("Queue %q is a push queue: only a pull queue's messages can be redriven", name)
		}
		var sources []string
		if sources, notices, err = redriveSources(tx, project, name); err != nil {
			return err
		}
		if to == "" {
			switch len(sources) {
			case 0:
				return emulator.Invalid("Queue %q is no queue's dead-letter or error queue: say where its messages go in \"to\"", name)
			case 1:
				to = sources[0]
			default:
				return emulator.Invalid("Queue %q is the dead-letter or error queue of %s: say which one its messages go to in \"to\"",
					name, strings.Join(sources, ", "))
			}
		}
		now := s.clock.Now()
		for _, id := range ids {
			if _, err := s.liveMessage(tx, project, name, id, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return RedriveResult{}, err
	}
	if err := ValidateQueueName(to); err != nil {
		return RedriveResult{}, err
	}
	if to == name {
		return RedriveResult{}, emulator.Invalid("A queue cannot be redriven into itself")
	}

	res := RedriveResult{To: to}
	room := func() int {
		if req.Max == 0 {
			return redriveBatch
		}
		return min(redriveBatch, req.Max-res.Moved)
	}
	var after emulator.MessageID
	for room() > 0 {
		var batch []emulator.Message
		var more bool
		if len(req.IDs) > 0 {
			if len(ids) == 0 {
				break
			}
			chunk := ids[:min(len(ids), room())]
			ids = ids[len(chunk):]
			batch, err = s.readyByID(ctx, project, name, chunk)
			more = len(ids) > 0
		} else {
			batch, after, more, err = s.readyAfter(ctx, project, name, after, room())
		}
		if err != nil {
			return res, err
		}
		if len(batch) > 0 {
			msgs := make([]NewMessage, len(batch))
			for i, m := range batch {
				msgs[i] = redriven(m, notices)
			}
			if _, err := s.PostMessages(ctx, project, to, msgs); err != nil {
				return res, err
			}
			if err := s.deleteRedriven(ctx, project, name, batch); err != nil {
				return res, err
			}
			res.Moved += len(batch)
		}
		if !more {
			break
		}
	}
	return res, nil
}

// readyByID reads the named messages that are ready now.
func (s *Service) readyByID(ctx context.Context, project, name string, ids []emulator.MessageID) ([]emulator.Message, error) {
	var out []emulator.Message
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		out = nil
		now := s.clock.Now()
		for _, id := range ids {
			m, err := s.liveMessage(tx, project, name, id, now)
			if isNotFound(err) {
				continue // deleted or expired meanwhile
			}
			if err != nil {
				return err
			}
			if browsed(m, false, now).Status == BrowseReady {
				out = append(out, m)
			}
		}
		return nil
	})
	return out, err
}

// readyAfter reads up to limit ready messages with ids above after, in id
// order; next is where to go on from, more whether messages remain.
func (s *Service) readyAfter(ctx context.Context, project, name string, after emulator.MessageID, limit int) (out []emulator.Message, next emulator.MessageID, more bool, err error) {
	err = s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		out, next, more = nil, after, false
		if _, err := tx.Queue(project, name); err != nil {
			return err
		}
		now, scanned := s.clock.Now(), 0
		return tx.MessagesAfter(project, name, after, func(m emulator.Message) (bool, error) {
			if len(out) == limit || scanned == BrowseScanBudget {
				more = true
				return false, nil
			}
			scanned++
			next = m.ID
			if now.Before(m.ExpiresAt) && browsed(m, false, now).Status == BrowseReady {
				out = append(out, m)
			}
			return true, nil
		})
	})
	return out, next, more, err
}

// redriven is what a moved message is posted as: an error-queue notice's
// original body and push headers, else the message's own.
func redriven(m emulator.Message, notices bool) NewMessage {
	nm := NewMessage{Body: m.Body, PushHeaders: m.PushHeaders}
	if !notices {
		return nm
	}
	var notice struct {
		SourceMsgID *string           `json:"source_msg_id"`
		Body        *string           `json:"body"`
		Headers     map[string]string `json:"headers"`
	}
	if json.Unmarshal([]byte(m.Body), &notice) != nil || notice.SourceMsgID == nil || notice.Body == nil {
		return nm // not a notice: moved as it is
	}
	nm = NewMessage{Body: *notice.Body}
	for _, k := range slices.Sorted(maps.Keys(notice.Headers)) {
		h := map[string]string{k: notice.Headers[k]}
		if len(nm.PushHeaders) < MaxPushHeaders && ValidatePushHeaders(h) == nil { // User-Agent and the like drop out
			if nm.PushHeaders == nil {
				nm.PushHeaders = map[string]string{}
			}
			nm.PushHeaders[k] = notice.Headers[k]
		}
	}
	return nm
}

// deleteRedriven deletes moved messages from the source, except those a
// consumer reserved since they were read (they stay: at-least-once) and
// those gone meanwhile.
func (s *Service) deleteRedriven(ctx context.Context, project, name string, msgs []emulator.Message) error {
	var ids []string
	var alerts []alertPost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		ids, alerts = nil, nil
		q, err := tx.Queue(project, name)
		if err != nil {
			return ignoreNotFound(err) // deleted meanwhile: nothing to delete
		}
		now := s.clock.Now()
		for _, read := range msgs {
			m, err := tx.Message(project, name, read.ID)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if liveReservation(m, now) {
				continue
			}
			if err := tx.DeleteMessage(project, name, m); err != nil {
				return err
			}
			ids = append(ids, m.ID.String())
		}
		old := q.Size
		q.Size = max(0, q.Size-int64(len(ids)))
		alerts, err = s.saveSize(tx, &q, old, now)
		return err
	})
	if err != nil {
		return err
	}
	if len(ids) > 0 {
		s.publish(emulator.Event{Type: emulator.EventMessagesDeleted, Project: project, Queue: name, IDs: ids})
	}
	s.postAlerts(ctx, project, alerts)
	return nil
}

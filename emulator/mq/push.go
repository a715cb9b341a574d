package mq

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
)

// Push delivery (spec §2.6). The rules live here: which subscribers an
// attempt goes to, what each outcome means, retries, the error queue. The
// push package only performs the deliveries and reports the outcomes.

// PushJob is a leased delivery: the message and the subscribers to try. For
// a unicast queue Sequential is set: try them in order and stop at the first
// success.
type PushJob struct {
	Project    string
	Queue      string
	Message    emulator.Message
	Targets    []emulator.SubscriberState
	Sequential bool
	// QueueID is the push queue's id at claim time; targetIDs the ids its
	// ironmq:// targets had then (see DeliverToQueue).
	QueueID   string
	targetIDs map[queueKey]string
}

// Attempt is the outcome of one delivery to one subscriber.
type Attempt struct {
	Subscriber string
	// ReservationID is the target's reservation id from the job: it tells
	// apart subscribers that share a name.
	ReservationID string
	// StatusCode is the HTTP status; 0 when no response came.
	StatusCode int
	// Err explains a failure without a response (connection refused,
	// timeout, unknown code package…).
	Err string
	// Response is the start of the answer's body (the service keeps the
	// first emulator.LastResponseLimit bytes of it).
	Response string
	At       time.Time
	Latency  time.Duration
}

func (a Attempt) delivered() bool {
	return a.StatusCode >= 200 && a.StatusCode < 300 && a.StatusCode != 202
}

// newSubscriberStates is the initial push state of a message.
func newSubscriberStates(p *emulator.PushSettings) []emulator.SubscriberState {
	out := make([]emulator.SubscriberState, len(p.Subscribers))
	for i, sub := range p.Subscribers {
		out[i] = emulator.SubscriberState{Name: sub.Name, URL: sub.URL, Headers: sub.Headers,
			Status: emulator.PushQueued, RetriesRemaining: p.Retries}
	}
	return out
}

// PushQueues lists every push queue (the pusher's work list).
func (s *Service) PushQueues(ctx context.Context) ([]emulator.Queue, error) {
	var out []emulator.Queue
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		return tx.ListAllQueues(func(q emulator.Queue) error {
			if q.Type.IsPush() {
				out = append(out, q)
			}
			return nil
		})
	})
	return out, err
}

// ClaimPushes leases up to limit due deliveries of a push queue: until the
// lease ends no other claim returns them, and if the process dies the lease
// simply runs out and they are claimed again (at-least-once delivery).
// Messages finished here (a 202 reservation expired with no retries left)
// get their error-queue notice; if posting one fails, the claimed jobs are
// still returned with the error.
//
// A lease covers one attempt of attemptTimeout per subscriber tried in turn
// (all of a unicast queue's, one for multicast), plus a margin.
func (s *Service) ClaimPushes(ctx context.Context, project, name string, limit int, attemptTimeout time.Duration) ([]PushJob, error) {
	var jobs []PushJob
	var failures []*errorQueuePost
	err := s.withQueue(ctx, project, name, func(tx emulator.QueueTx) error {
		jobs, failures = nil, nil
		q, err := tx.Queue(project, name)
		if err != nil || !q.Type.IsPush() {
			return err
		}
		now := s.clock.Now()
		lease := attemptTimeout + 5*time.Second
		if q.Type == emulator.QueueUnicast {
			lease = time.Duration(len(q.Push.Subscribers))*attemptTimeout + 5*time.Second
		}
		due, err := tx.DueMessages(project, name, now, limit)
		if err != nil {
			return err
		}
		for _, m := range due {
			if m.State != emulator.MessagePushing || !now.Before(m.ExpiresAt) {
				continue // expired ones are left to the expiry sweep
			}
			job := PushJob{Project: project, Queue: name, Sequential: q.Type == emulator.QueueUnicast}
			for i := range m.Subscribers {
				sub := &m.Subscribers[i]
				if sub.Status.Final() || sub.NextTryAt.After(now) {
					continue
				}
				if sub.Status == emulator.PushReserved { // no acknowledgement in time: a failed try
					if sub.RetriesRemaining == 0 {
						sub.Status, sub.Msg, sub.ReservationID = emulator.PushError, "No acknowledgement before the reservation expired", ""
						continue
					}
					sub.RetriesRemaining--
				}
				// The reservation id travels in the delivery's headers; a 202
				// answer keeps it as the acknowledgement capability.
				sub.ReservationID = s.ids.ReservationID()
				job.Targets = append(job.Targets, *sub)
			}
			old := m
			if len(job.Targets) == 0 {
				// Every reservation left ran out of retries: the message
				// may be finished, with failures to report.
				if m = s.settle(m, q, now); m.State == emulator.MessagePushed {
					if f := errorQueueMessage(q, m, job.Sequential); f != nil {
						failures = append(failures, f)
					}
				}
			} else {
				m.AvailableAt = now.Add(lease)
			}
			if err := tx.UpdateMessage(project, name, old, m); err != nil {
				return err
			}
			if len(job.Targets) > 0 {
				job.Message = m
				jobs = append(jobs, job)
			}
		}
		return s.stampJobs(ctx, q, jobs)
	})
	if err != nil {
		return nil, err
	}
	for _, f := range failures {
		if _, err := s.PostMessages(ctx, project, f.queue, []NewMessage{{Body: f.body}}); err != nil {
			return jobs, err
		}
	}
	return jobs, nil
}

// RecordPush applies the outcomes of a job's attempts: delivered, reserved
// (202), retry after retries_delay, or error once retries are used up. When
// the message is finished and a subscriber failed for good, the failure is
// posted to the queue's error_queue. It returns when the message is due
// again (a retry, a 202 reservation running out), zero once it is finished
// or gone: the pusher, its only caller, keeps that instead of reading the
// queue's pending deliveries again.
func (s *Service) RecordPush(ctx context.Context, job PushJob, attempts []Attempt) (next time.Time, err error) {
	var failure *errorQueuePost
	var events []emulator.Event
	err = s.withQueue(ctx, job.Project, job.Queue, func(tx emulator.QueueTx) error {
		failure, events, next = nil, nil, time.Time{}
		q, err := tx.Queue(job.Project, job.Queue)
		if err != nil || !q.Type.IsPush() {
			return ignoreNotFound(err) // deleted (or reset) meanwhile
		}
		m, err := tx.Message(job.Project, job.Queue, job.Message.ID)
		if err != nil || m.State != emulator.MessagePushing {
			return ignoreNotFound(err) // deleted or expired meanwhile
		}
		old := m
		delay := time.Duration(q.Push.RetriesDelay) * time.Second
		anyDelivered := false
		for _, a := range attempts {
			sub := findSubscriber(m.Subscribers, a.Subscriber, a.ReservationID)
			if sub == nil || sub.Status.Final() || a.ReservationID != "" && sub.ReservationID != a.ReservationID {
				continue // gone, finished, or claimed again since (a stale outcome)
			}
			sub.Tries++
			sub.LastTryAt, sub.StatusCode = a.At, a.StatusCode
			if a.StatusCode != http.StatusAccepted {
				sub.ReservationID = ""
			}
			sub.Msg, sub.LastResponse = a.Err, responseHead(a.Response)
			if sub.Msg == "" {
				sub.Msg = http.StatusText(a.StatusCode)
			}
			switch {
			case a.delivered():
				sub.Status, sub.NextTryAt = emulator.PushDeleted, time.Time{}
				anyDelivered = true
			case a.StatusCode == http.StatusAccepted:
				sub.Status, sub.NextTryAt = emulator.PushReserved, a.At.Add(delay)
			case sub.RetriesRemaining > 0:
				sub.RetriesRemaining--
				sub.Status, sub.NextTryAt = emulator.PushRetrying, a.At.Add(delay)
			default:
				sub.Status, sub.NextTryAt = emulator.PushError, time.Time{}
			}
			events = append(events, emulator.Event{Type: emulator.EventPushAttempt, Project: job.Project, Queue: job.Queue,
				IDs: []string{m.ID.String()}, Attrs: map[string]any{"subscriber": sub.Name, "url": sub.URL,
					"status_code": a.StatusCode, "status": string(sub.Status), "try": sub.Tries,
					"latency_ms": a.Latency.Milliseconds(), "error": a.Err}})
		}
		if job.Sequential {
			if anyDelivered {
				m.Subscribers = finishUnicast(m.Subscribers)
			} else {
				holdForReservation(m.Subscribers)
			}
		}
		m = s.settle(m, q, s.clock.Now())
		if m.State == emulator.MessagePushed {
			failure = errorQueueMessage(q, m, job.Sequential)
		} else {
			next = m.AvailableAt
		}
		return tx.UpdateMessage(job.Project, job.Queue, old, m)
	})
	if err != nil {
		return time.Time{}, err
	}
	for _, e := range events {
		s.publish(e)
	}
	if failure != nil {
		if _, err := s.PostMessages(ctx, job.Project, failure.queue, []NewMessage{{Body: failure.body}}); err != nil {
			return next, err
		}
	}
	return next, nil
}

// responseHead is the first emulator.LastResponseLimit bytes of a
// subscriber's answer, cut at a rune boundary, invalid UTF-8 replaced (it
// is stored and shown as text).
func responseHead(body string) string {
	if len(body) > 4*emulator.LastResponseLimit {
		body = body[:4*emulator.LastResponseLimit] // what can matter below
	}
	body = strings.ToValidUTF8(body, "\uFFFD")
	if len(body) > emulator.LastResponseLimit {
		cut := emulator.LastResponseLimit
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
	}
	return body
}

// finishUnicast ends a unicast message once one subscriber has it: one
// delivery is the delivery, so untried subscribers drop out of the status
// list and tried ones still waiting for a retry are done.
func finishUnicast(subs []emulator.SubscriberState) []emulator.SubscriberState {
	kept := subs[:0]
	for _, sub := range subs {
		if sub.Tries > 0 {
			if !sub.Status.Final() {
				sub.Status, sub.NextTryAt = emulator.PushDeleted, time.Time{}
			}
			kept = append(kept, sub)
		}
	}
	return kept
}

// holdForReservation keeps the other subscribers of a unicast message
// waiting while one holds a 202 reservation: they are tried only if it
// expires unacknowledged.
func holdForReservation(subs []emulator.SubscriberState) {
	var until time.Time
	for _, sub := range subs {
		if sub.Status == emulator.PushReserved && sub.NextTryAt.After(until) {
			until = sub.NextTryAt
		}
	}
	if until.IsZero() {
		return
	}
	for i := range subs {
		if sub := &subs[i]; !sub.Status.Final() && sub.Status != emulator.PushReserved && sub.NextTryAt.Before(until) {
			sub.NextTryAt = until
		}
	}
}

func ignoreNotFound(err error) error {
	if isNotFound(err) {
		return nil
	}
	return err
}

// findSubscriber finds a message's subscriber by name. Names need not be
// unique, so a reservation id, when given, picks the one holding it; without
// one the first of that name holding a reservation wins, else the first of
// that name.
func findSubscriber(subs []emulator.SubscriberState, name, reservationID string) *emulator.SubscriberState {
	var first, reserved *emulator.SubscriberState
	for i := range subs {
		sub := &subs[i]
		if sub.Name != name {
			continue
		}
		if reservationID != "" && sub.ReservationID == reservationID {
			return sub
		}
		if first == nil {
			first = sub
		}
		if reserved == nil && sub.Status == emulator.PushReserved {
			reserved = sub
		}
	}
	if reservationID != "" {
		// A stale outcome or acknowledgement: its reservation is gone.
		// Report the first of that name so the caller can refuse it.
		return first
	}
	if reserved != nil {
		return reserved
	}
	return first
}

// settle sets the message's next attempt time, or marks it pushed when every
// subscriber is finished.
func (s *Service) settle(m emulator.Message, q emulator.Queue, now time.Time) emulator.Message {
	var next time.Time
	for _, sub := range m.Subscribers {
		if sub.Status.Final() {
			continue
		}
		at := sub.NextTryAt
		if at.IsZero() {
			at = now
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if next.IsZero() {
		m.State, m.AvailableAt = emulator.MessagePushed, time.Time{}
		return m
	}
	m.State, m.AvailableAt = emulator.MessagePushing, next
	return m
}

type errorQueuePost struct{ queue, body string }

// errorQueueMessage builds the error-queue notice (spec §2.6) for a finished
// message, or nil when there is none to send: no error_queue, nothing
// failed, or (unicast) some subscriber got it.
func errorQueueMessage(q emulator.Queue, m emulator.Message, unicast bool) *errorQueuePost {
	if q.Push == nil || q.Push.ErrorQueue == "" {
		return nil
	}
	type failed struct {
		Name string `json:"name"`
		URL  string `json:"url"`
		Code int    `json:"code"`
		Msg  string `json:"msg"`
	}
	var subs []failed
	for _, sub := range m.Subscribers {
		if sub.Status == emulator.PushError {
			subs = append(subs, failed{Name: sub.Name, URL: sub.URL, Code: sub.StatusCode, Msg: sub.Msg})
		} else if unicast {
			return nil
		}
	}
	if len(subs) == 0 {
		return nil
	}
	headers := map[string]string{"User-Agent": "IronMQ Pusherd"}
	for k, v := range m.PushHeaders {
		headers[k] = v
	}
	body, _ := json.Marshal(map[string]any{"source_msg_id": m.ID.String(), "body": m.Body, "headers": headers, "subscribers": subs})
	return &errorQueuePost{queue: q.Push.ErrorQueue, body: string(body)}
}

// PushStatuses returns the per-subscriber delivery state of a message; a
// pull-queue message has none.
func (s *Service) PushStatuses(ctx context.Context, project, name string, id emulator.MessageID) ([]emulator.SubscriberState, error) {
	m, err := s.GetMessage(ctx, project, name, id)
	if err != nil {
		return nil, err
	}
	return m.Subscribers, nil
}

// ackPush acknowledges a 202 delivery: the subscriber named (and holding
// reservationID, when one is given) is marked delivered.
func (s *Service) ackPush(tx emulator.QueueTx, q emulator.Queue, m emulator.Message, reservationID, subscriber string) (bool, error) {
	sub := findSubscriber(m.Subscribers, subscriber, reservationID)
	if sub == nil {
		return false, emulator.NotFound("Subscriber not found")
	}
	if sub.Status != emulator.PushReserved || reservationID != "" && sub.ReservationID != reservationID {
		return false, errReservation()
	}
	old := m
	sub.Status, sub.ReservationID, sub.NextTryAt = emulator.PushDeleted, "", time.Time{}
	if q.Type == emulator.QueueUnicast {
		m.Subscribers = finishUnicast(m.Subscribers)
	}
	m = s.settle(m, q, s.clock.Now())
	return true, tx.UpdateMessage(q.Project, q.Name, old, m)
}

// SetPushNotifier registers f to run whenever push work on a queue may be
// due (a post, new settings), so the pusher need not poll every queue.
// later, when not zero, is the earliest time work the write added comes
// due that is not due now (a delayed post): the pusher cannot learn it from
// a claim, which takes only what is due.
func (s *Service) SetPushNotifier(f func(project, queue string, later time.Time)) {
	s.pushNotify.Store(&f)
}

func (s *Service) notifyPush(project, queue string, later time.Time) {
	if f := s.pushNotify.Load(); f != nil {
		(*f)(project, queue, later)
	}
}

// UnsettledPushes reports whether some push message is not settled yet:
// neither delivered to each subscriber nor given up on (its failures posted
// to the error queue). That covers deliveries due now or in flight, retries
// waiting for retries_delay, and 202 reservations waiting for their
// acknowledgement; an expired message counts until the expiry sweep removes
// it. next is when the earliest of them comes due (wait-idle's timer).
func (s *Service) UnsettledPushes(ctx context.Context) (unsettled bool, next time.Time, err error) {
	queues, err := s.PushQueues(ctx)
	if err != nil {
		return false, time.Time{}, err
	}
	end := time.Unix(0, math.MaxInt64) // the index's last representable instant
	err = s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		for _, q := range queues {
			ms, err := tx.DueMessages(q.Project, q.Name, end, 1)
			if err != nil {
				return err
			}
			if len(ms) > 0 && ms[0].State == emulator.MessagePushing {
				unsettled = true
				if next.IsZero() || ms[0].AvailableAt.Before(next) {
					next = ms[0].AvailableAt
				}
			}
		}
		return nil
	})
	return unsettled, next, err
}

// NextPushDue returns when the queue's earliest push delivery is due: a
// first try, a retry, a 202 reservation or a lease running out. Zero means
// none is pending. Messages past their expiration are skipped (the expiry
// sweep removes them); if the first few pending ones all are, a second from
// now is returned, to look again then.
func (s *Service) NextPushDue(ctx context.Context, project, name string) (time.Time, error) {
	const look = 64
	var next time.Time
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		ms, err := tx.DueMessages(project, name, farFuture, look)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		for _, m := range ms {
			if m.State == emulator.MessagePushing && now.Before(m.ExpiresAt) {
				next = m.AvailableAt
				return nil
			}
		}
		if len(ms) == look {
			next = now.Add(time.Second)
		}
		return nil
	})
	return next, err
}

// HasDuePushes reports whether any push delivery is due now (wait-idle).
func (s *Service) HasDuePushes(ctx context.Context) (bool, error) {
	queues, err := s.PushQueues(ctx)
	if err != nil {
		return false, err
	}
	now := s.clock.Now()
	due := false
	err = s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		for _, q := range queues {
			ms, err := tx.DueMessages(q.Project, q.Name, now, 1)
			if err != nil {
				return err
			}
			if len(ms) > 0 && ms[0].State == emulator.MessagePushing && now.Before(ms[0].ExpiresAt) {
				due = true
				return nil
			}
		}
		return nil
	})
	return due, err
}

package mq

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// Where push messages go between queues: ironmq:// subscribers post every
// message into another queue, which may itself be a push queue. Two rules
// keep that finite: no queue may reach itself through ironmq:// subscribers
// (a self-subscribed queue grew by 95k messages in 5 s), and a delivery in
// flight never re-creates a queue deleted meanwhile.

// SubscriberTarget reads an ironmq:// or ironworker:// subscriber URL
// (spec §2.6): {pid}:{token}@host/{name}, the project defaulting to the
// pushing queue's own. name is "" when the URL names none.
func SubscriberTarget(project string, u *url.URL) (targetProject, name string) {
	targetProject = project
	if u.User != nil && u.User.Username() != "" {
		targetProject = u.User.Username()
	}
	return targetProject, strings.Trim(u.Path, "/")
}

// ironmqTarget is the queue an ironmq:// subscriber URL posts into; ok is
// false for other schemes and for a URL that names no queue.
func ironmqTarget(project, rawURL string) (k queueKey, ok bool) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "ironmq" {
		return queueKey{}, false
	}
	k.project, k.name = SubscriberTarget(project, u)
	return k, k.name != ""
}

// queueTargets lists the queues q's ironmq:// subscribers post into, in
// subscriber order, without repeats.
func queueTargets(q emulator.Queue) []queueKey {
	if q.Push == nil {
		return nil
	}
	var out []queueKey
	seen := map[queueKey]bool{}
	for _, sub := range q.Push.Subscribers {
		if k, ok := ironmqTarget(q.Project, sub.URL); ok && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// checkPushCycle refuses push settings through which q would reach itself:
// its ironmq:// subscribers post into queues whose own ironmq:// subscribers
// (when they are push queues) post on, and a path back to q would deliver
// every message forever. The error names the cycle.
func checkPushCycle(tx emulator.QueueTx, q emulator.Queue) error {
	self := queueKey{q.Project, q.Name}
	visited := map[queueKey]bool{self: true}
	// Depth-first, carrying the path for the message.
	var walk func(from emulator.Queue, path []queueKey) ([]queueKey, error)
	walk = func(from emulator.Queue, path []queueKey) ([]queueKey, error) {
		for _, k := range queueTargets(from) {
			if k == self {
				return append(path, k), nil
			}
			if visited[k] {
				continue
			}
			visited[k] = true
			next, err := tx.Queue(k.project, k.name)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if !next.Type.IsPush() {
				continue
			}
			if cycle, err := walk(next, append(path, k)); cycle != nil || err != nil {
				return cycle, err
			}
		}
		return nil, nil
	}
	cycle, err := walk(q, []queueKey{self})
	if err != nil || cycle == nil {
		return err
	}
	names := make([]string, len(cycle))
	for i, k := range cycle {
		names[i] = fmt.Sprintf("%q", k.name)
		if k.project != q.Project {
			names[i] = fmt.Sprintf("%q (project %s)", k.name, k.project)
		}
	}
	return emulator.Invalid("Push subscribers would deliver queue %q's messages back to itself, forever: %s. ironmq:// subscribers must not form a cycle",
		q.Name, strings.Join(names, " → "))
}

// stampJobs records in each job of one claim the push queue's id and the
// ids that the queues its ironmq:// targets name have now ("" for one that
// does not exist), so DeliverToQueue can tell a queue deleted since. The
// targets are read in a view of their own: read in the claim's transaction
// they would make every post to them a conflict for the claim.
func (s *Service) stampJobs(ctx context.Context, q emulator.Queue, jobs []PushJob) error {
	ids := map[queueKey]string{}
	for _, job := range jobs {
		for _, sub := range job.Targets {
			if k, ok := ironmqTarget(q.Project, sub.URL); ok {
				ids[k] = ""
			}
		}
	}
	if len(ids) > 0 { // HTTP targets, the most, need no read
		err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
			for k := range ids {
				t, err := tx.Queue(k.project, k.name)
				switch {
				case err == nil:
					ids[k] = t.ID
				case isNotFound(err):
					ids[k] = ""
				default:
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range jobs {
		jobs[i].QueueID, jobs[i].targetIDs = q.ID, ids
	}
	return nil
}

// DeliverToQueue delivers a push job's message to an ironmq:// subscriber:
// it posts the body into project/name, creating the queue if absent, as a
// post does. A delivery that has become moot while in flight is dropped
// (reported delivered) and changes nothing: the push queue it comes from
// was deleted (its messages went with it), or the target queue was deleted
// since the job was claimed — a delete is never undone by a delivery.
//
// A subscriber posting into its own queue is refused (settings refuse such
// cycles; a snapshot from before that rule may still hold one).
func (s *Service) DeliverToQueue(ctx context.Context, job PushJob, project, name string) error {
	if project == job.Project && name == job.Queue {
		return emulator.Invalid("An ironmq:// subscriber may not post into its own queue %q: every message would be delivered forever", name)
	}
	// The source is looked at in a view before the post: read in the
	// target's transaction, every post to the source would conflict with
	// the delivery. A delete of the target, the one a post could undo, is
	// checked in the post's own transaction, under the target's lock.
	gone := false
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		src, err := tx.Queue(job.Project, job.Queue)
		switch {
		case isNotFound(err):
			gone = true
		case err != nil:
			return err
		default:
			gone = src.ID != job.QueueID // deleted and created afresh
		}
		return nil
	})
	if err != nil || gone {
		return err
	}
	claimedID := job.targetIDs[queueKey{project, name}]
	_, err = s.postMessages(ctx, project, name, []NewMessage{{Body: job.Message.Body}}, func(tx emulator.QueueTx) (bool, error) {
		if claimedID == "" {
			return false, nil // absent at claim time: created, as a post would
		}
		_, err := tx.Queue(project, name)
		if isNotFound(err) {
			return true, nil // deleted while the delivery was in flight
		}
		return false, err
	})
	return err
}

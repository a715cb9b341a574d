package mq

import (
	"context"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Browsing for the control plane: every message of a queue, page by page,
// with the state each is in now. Reading changes nothing.

// BrowseState is where a browsed message stands now.
type BrowseState string

const (
	BrowseReady    BrowseState = "ready"    // reservable now
	BrowseDelayed  BrowseState = "delayed"  // posted with a delay that has not passed
	BrowseReserved BrowseState = "reserved" // under a live reservation
	BrowsePushing  BrowseState = "pushing"  // push queue: deliveries not finished
	BrowsePushed   BrowseState = "pushed"   // push queue: every subscriber is done
)

// Browse limits: a page holds at most MaxBrowseLimit messages, and one
// call examines at most BrowseScanBudget of them (a search with few
// matches returns a short page and a cursor to go on from).
const (
	DefaultBrowseLimit = 100
	MaxBrowseLimit     = 1000
	BrowseScanBudget   = 10000
)

// BrowsedMessage is a stored message and its state now. ReservationID is
// set only while the reservation is live.
type BrowsedMessage struct {
	emulator.Message
	Status BrowseState
}

// BrowseQuery selects a page: messages after id After (0 = from the
// first), at most Limit, whose body contains Search (case-insensitive) or
// whose id is Search.
type BrowseQuery struct {
	After  emulator.MessageID
	Limit  int
	Search string
}

// MessagePage is one page of a queue. When More is set, Next is the
// cursor of the next page (the last message examined).
type MessagePage struct {
	Messages []BrowsedMessage
	Next     emulator.MessageID
	More     bool
}

// BrowseMessages returns a page of the queue's messages in id order, in
// every state (expired messages excluded).
func (s *Service) BrowseMessages(ctx context.Context, project, name string, bq BrowseQuery) (MessagePage, error) {
	if err := ValidateQueueName(name); err != nil {
		return MessagePage{}, err
	}
	limit := bq.Limit
	if limit <= 0 {
		limit = DefaultBrowseLimit
	}
	limit = min(limit, MaxBrowseLimit)
	search := strings.ToLower(bq.Search)
	var page MessagePage
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		page = MessagePage{}
		q, err := tx.Queue(project, name)
		if err != nil {
			return err
		}
		now, scanned := s.clock.Now(), 0
		return tx.MessagesAfter(project, name, bq.After, func(m emulator.Message) (bool, error) {
			if len(page.Messages) == limit || scanned == BrowseScanBudget {
				page.More = true
				return false, nil
			}
			scanned++
			page.Next = m.ID
			if !now.Before(m.ExpiresAt) || search != "" && m.ID.String() != bq.Search && !strings.Contains(strings.ToLower(m.Body), search) {
				return true, nil
			}
			page.Messages = append(page.Messages, browsed(m, q.Type.IsPush(), now))
			return true, nil
		})
	})
	if !page.More {
		page.Next = 0
	}
	return page, err
}

// browsed works out a message's state at now: a delay or reservation
// whose time has passed is ready, even before a reserve files it so.
func browsed(m emulator.Message, push bool, now time.Time) BrowsedMessage {
	b := BrowsedMessage{Message: m, Status: BrowseReady}
	switch {
	case push && m.State == emulator.MessagePushed:
		b.Status = BrowsePushed
	case push:
		b.Status = BrowsePushing
	case m.State == emulator.MessageDelayed && now.Before(m.AvailableAt):
		b.Status = BrowseDelayed
	case liveReservation(m, now):
		b.Status = BrowseReserved
	}
	if b.Status != BrowseReserved {
		b.ReservationID = ""
	}
	if b.Status == BrowseReady {
		b.AvailableAt = time.Time{}
	}
	return b
}

// Projects lists the projects that have a queue.
func (s *Service) Projects(ctx context.Context) ([]string, error) {
	var out []string
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		var err error
		out, err = tx.QueueProjects()
		return err
	})
	return out, err
}

// Counts are the sizes of a project's IronMQ state.
type Counts struct {
	Queues int
	// Messages is the sum of the queues' sizes.
	Messages int64
}

// ProjectCounts counts the project's queues and the messages they hold.
func (s *Service) ProjectCounts(ctx context.Context, project string) (Counts, error) {
	var c Counts
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		c = Counts{}
		qs, err := tx.ListQueues(project, "", "", int(^uint(0)>>1))
		for _, q := range qs {
			c.Queues++
			c.Messages += q.Size
		}
		return err
	})
	return c, err
}

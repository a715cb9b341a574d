package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ironlocal/ironlocal/wire"
)

// IronMQ v3: queues and messages of the client's project.

// QueueType is pull, unicast or multicast (push queues).
type QueueType = wire.QueueType

const (
	QueuePull      QueueType = "pull"
	QueueUnicast   QueueType = "unicast"
	QueueMulticast QueueType = "multicast"
)

// Subscriber is a push queue's destination.
type Subscriber = wire.Subscriber

// Push is a push queue's delivery settings.
type Push = wire.Push

// DeadLetter moves a message reserved MaxReservations times to QueueName.
type DeadLetter = wire.DeadLetter

// Alert posts to Queue when the size crosses Trigger (type fixed or
// progressive, direction asc or desc).
type Alert = wire.Alert

// Queue is a queue's settings and counts.
type Queue = wire.Queue

// QueueSettings creates or changes a queue: nil fields keep their value
// (or the default for a new queue). The type of an existing queue cannot
// change (403).
type QueueSettings = wire.QueueSettings

// PushSettings changes a push queue's delivery: nil fields stay.
type PushSettings = wire.PushSettings

// QueueQuery selects queue names: those after Previous (exclusive),
// starting with Prefix, at most PerPage (1–100, 0 = 30).
type QueueQuery struct {
	Prefix, Previous string
	PerPage          int
}

// Queues lists queue names in byte order. GET /3/projects/{pid}/queues
func (c *Client) Queues(ctx context.Context, qq QueueQuery) ([]string, error) {
	q := url.Values{}
	if qq.Prefix != "" {
		q.Set("prefix", qq.Prefix)
	}
	if qq.Previous != "" {
		q.Set("previous", qq.Previous)
	}
	if qq.PerPage > 0 {
		q.Set("per_page", strconv.Itoa(qq.PerPage))
	}
	var out wire.QueueNameList
	if err := c.call(ctx, http.MethodGet, withQuery(c.pp("3")+"/queues", q), nil, &out); err != nil {
		return nil, err
	}
	names := make([]string, len(out.Queues))
	for i, q := range out.Queues {
		names[i] = q.Name
	}
	return names, nil
}

func (c *Client) queuePath(name string) string { return c.pp("3") + "/queues/" + esc(name) }

// Queue returns a queue. GET /3/projects/{pid}/queues/{name}
func (c *Client) Queue(ctx context.Context, name string) (Queue, error) {
	var out wire.QueueAnswer
	err := c.call(ctx, http.MethodGet, c.queuePath(name), nil, &out)
	return out.Queue, err
}

// PutQueue creates a queue or changes its settings, and returns it.
// PUT /3/projects/{pid}/queues/{name}
func (c *Client) PutQueue(ctx context.Context, name string, s QueueSettings) (Queue, error) {
	var out wire.QueueAnswer
	err := c.call(ctx, http.MethodPut, c.queuePath(name), queueBody(s), &out)
	return out.Queue, err
}

// DeleteQueue deletes a queue and its messages.
// DELETE /3/projects/{pid}/queues/{name}
func (c *Client) DeleteQueue(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, c.queuePath(name), nil, nil)
}

// ClearQueue deletes every message of a queue.
// DELETE /3/projects/{pid}/queues/{name}/messages (no ids)
func (c *Client) ClearQueue(ctx context.Context, name string) error {
	return c.call(ctx, http.MethodDelete, c.queuePath(name)+"/messages", wire.MessageRefs{}, nil)
}

// Message is a queue message as the Iron API returns it.
type Message = wire.Message

// NewMessage is a message to post.
type NewMessage = wire.NewMessage

// PostMessages posts up to 100 messages (all or none; the queue is created
// if missing) and returns their ids. POST /3/projects/{pid}/queues/{name}/messages
func (c *Client) PostMessages(ctx context.Context, queue string, msgs ...NewMessage) ([]string, error) {
	var out wire.PostedMessages
	err := c.call(ctx, http.MethodPost, c.queuePath(queue)+"/messages", messagesBody(msgs), &out)
	return out.IDs, err
}

// Reservation asks for messages: N (1–100, 0 = 1) for Timeout seconds
// (0 = the queue's), waiting up to Wait seconds (≤ 30) for them to
// arrive; Delete removes them at once (pop).
type Reservation = wire.Reservation

// Reserve reserves ready messages (possibly none).
// POST /3/projects/{pid}/queues/{name}/reservations
func (c *Client) Reserve(ctx context.Context, queue string, r Reservation) ([]Message, error) {
	var out wire.MessageList
	err := c.call(ctx, http.MethodPost, c.queuePath(queue)+"/reservations", r, &out)
	return out.Messages, err
}

// Peek returns up to n (1–100) ready messages without reserving them.
// BrowseMessages sees every message. GET /3/projects/{pid}/queues/{name}/messages?n=
func (c *Client) Peek(ctx context.Context, queue string, n int) ([]Message, error) {
	var out wire.MessageList
	err := c.call(ctx, http.MethodGet, c.queuePath(queue)+"/messages?n="+strconv.Itoa(n), nil, &out)
	return out.Messages, err
}

// GetMessage returns a message by id.
// GET /3/projects/{pid}/queues/{name}/messages/{id}
func (c *Client) GetMessage(ctx context.Context, queue, id string) (Message, error) {
	var out wire.MessageAnswer
	err := c.call(ctx, http.MethodGet, c.queuePath(queue)+"/messages/"+esc(id), nil, &out)
	return out.Message, err
}

// DeleteMessage deletes a message; a reserved one needs its reservation
// id. DELETE /3/projects/{pid}/queues/{name}/messages/{id}
func (c *Client) DeleteMessage(ctx context.Context, queue, id, reservationID string) error {
	return c.call(ctx, http.MethodDelete, c.queuePath(queue)+"/messages/"+esc(id),
		wire.ReservationRef{ReservationID: reservationID}, nil)
}

// MessageRef names a message to delete in a batch.
type MessageRef = wire.MessageRef

// DeleteMessages deletes several messages, all or none.
// DELETE /3/projects/{pid}/queues/{name}/messages {"ids":[…]}
func (c *Client) DeleteMessages(ctx context.Context, queue string, refs []MessageRef) error {
	if len(refs) == 0 {
		return nil // an empty list would clear the queue
	}
	return c.call(ctx, http.MethodDelete, c.queuePath(queue)+"/messages", wire.MessageRefs{IDs: refs}, nil)
}

// ReleaseMessage puts a reserved message back, ready after delay seconds.
// POST /3/projects/{pid}/queues/{name}/messages/{id}/release
func (c *Client) ReleaseMessage(ctx context.Context, queue, id, reservationID string, delay int) error {
	return c.call(ctx, http.MethodPost, c.queuePath(queue)+"/messages/"+esc(id)+"/release",
		wire.ReservationRef{ReservationID: reservationID, Delay: wire.Int(delay)}, nil)
}

// TouchMessage extends a reservation by timeout seconds (0 = the queue's
// timeout) and returns the new reservation id.
// POST /3/projects/{pid}/queues/{name}/messages/{id}/touch
func (c *Client) TouchMessage(ctx context.Context, queue, id, reservationID string, timeout int) (string, error) {
	body := wire.ReservationRef{ReservationID: reservationID}
	if timeout > 0 {
		body.Timeout = wire.Int(timeout)
	}
	var out wire.Touched
	err := c.call(ctx, http.MethodPost, c.queuePath(queue)+"/messages/"+esc(id)+"/touch", body, &out)
	return out.ReservationID, err
}

// PushStatus is one subscriber's delivery state for a message of a push
// queue. Status is queued, retrying, reserved (answered 202, waiting for
// the acknowledgement), deleted (delivered) or error (retries used up).
type PushStatus = wire.PushStatus

// PushStatuses reports each subscriber's delivery state of a push queue's
// message. GET /3/projects/{pid}/queues/{name}/messages/{id}/subscribers
func (c *Client) PushStatuses(ctx context.Context, queue, id string) ([]PushStatus, error) {
	var out wire.PushStatusList
	err := c.call(ctx, http.MethodGet, c.queuePath(queue)+"/messages/"+esc(id)+"/subscribers", nil, &out)
	return out.Subscribers, err
}

func queueBody(s QueueSettings) wire.QueueBody {
	b := s.Wire()
	return wire.QueueBody{Queue: &b}
}

func messagesBody(msgs []NewMessage) wire.MessagesBody {
	b := wire.MessagesBody{Messages: make([]wire.MessageBody, len(msgs))}
	for i, m := range msgs {
		b.Messages[i] = m.Wire()
	}
	return b
}

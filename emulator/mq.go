package emulator

import (
	"context"
	"strconv"
	"time"
)

// QueueType is the IronMQ queue type; values are the wire values.
type QueueType string

const (
	QueuePull      QueueType = "pull"
	QueueUnicast   QueueType = "unicast"
	QueueMulticast QueueType = "multicast"
)

// IsPush reports whether messages of this queue are pushed to subscribers.
func (t QueueType) IsPush() bool { return t == QueueUnicast || t == QueueMulticast }

// Queue is an IronMQ v3 queue and its settings.
type Queue struct {
	ID                string
	Project           string
	Name              string
	Type              QueueType
	MessageTimeout    int // seconds a reservation lasts by default
	MessageExpiration int // seconds a message lives after it is posted
	Push              *PushSettings
	DeadLetter        *DeadLetter
	Alerts            []Alert
	Size              int64 // messages held: ready, delayed and reserved
	TotalMessages     int64 // messages ever posted; clear does not reset it
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// PushSettings configure delivery for unicast and multicast queues.
type PushSettings struct {
	Subscribers  []Subscriber
	Retries      int
	RetriesDelay int
	ErrorQueue   string
}

// Subscriber is one push target.
type Subscriber struct {
	Name    string
	URL     string
	Headers map[string]string
}

// DeadLetter moves messages reserved too often to another queue.
type DeadLetter struct {
	QueueName       string
	MaxReservations int
}

// Alert posts a notice to a queue when the size crosses a trigger.
type Alert struct {
	ID        string
	Type      string // fixed | progressive
	Direction string // asc | desc
	Trigger   int
	Queue     string
	Snooze    int
	// LastFiredAt enforces Snooze.
	LastFiredAt time.Time
}

// MessageID is an IronMQ message id. On the wire it is a string of 19
// decimal digits; ids grow monotonically, so their order is FIFO order.
type MessageID uint64

// String renders the wire form.
func (id MessageID) String() string { return strconv.FormatUint(uint64(id), 10) }

// ParseMessageID parses the wire form; ok is false for anything that is not
// a decimal uint64.
func ParseMessageID(s string) (MessageID, bool) {
	v, err := strconv.ParseUint(s, 10, 64)
	return MessageID(v), err == nil
}

// MessageState says which index a stored message sits in.
type MessageState uint8

const (
	// MessageReady messages can be reserved now, in id order.
	MessageReady MessageState = iota + 1
	// MessageDelayed messages become ready at AvailableAt.
	MessageDelayed
	// MessageReserved messages return to ready at AvailableAt unless
	// deleted, touched or released first.
	MessageReserved
	// MessagePushing: a push-queue message with a delivery attempt due at
	// AvailableAt.
	MessagePushing
	// MessagePushed: a push-queue message every subscriber is finished with;
	// kept (outside every index but expiry) so its statuses stay readable.
	MessagePushed
)

// PushStatus is a subscriber's delivery state for one message; values are
// the wire values.
type PushStatus string

const (
	PushQueued   PushStatus = "queued"
	PushRetrying PushStatus = "retrying"
	PushReserved PushStatus = "reserved" // answered 202: waiting for an acknowledgement
	PushDeleted  PushStatus = "deleted"  // delivered (or acknowledged)
	PushError    PushStatus = "error"    // retries exhausted
)

// Final reports whether no more attempts will be made.
func (s PushStatus) Final() bool { return s == PushDeleted || s == PushError }

// SubscriberState is one subscriber's delivery state for one message.
type SubscriberState struct {
	Name             string
	URL              string
	Headers          map[string]string
	Status           PushStatus
	StatusCode       int
	Tries            int
	RetriesRemaining int
	LastTryAt        time.Time
	NextTryAt        time.Time
	Msg              string
	// LastResponse is the body of the subscriber's last answer, its first
	// KiB (LastResponseLimit) cut at a rune boundary; empty when the last
	// try got no answer or an empty one.
	LastResponse  string `json:",omitempty"` // stores keep records without it as before
	ReservationID string
}

// LastResponseLimit bounds SubscriberState.LastResponse, in bytes.
const LastResponseLimit = 1024

// Message is one message in a queue.
type Message struct {
	ID            MessageID
	Body          string
	PushHeaders   map[string]string
	State         MessageState
	AvailableAt   time.Time // when a delayed or reserved message becomes ready
	ReservationID string    // set while State == MessageReserved
	ReservedCount int
	// Position is the message's place in the queue's ready order; zero
	// means its ID (FIFO). A message whose reservation expires gets a new
	// position behind the messages waiting (spec §2.5); a released one
	// keeps its own.
	Position  MessageID
	PostedAt  time.Time
	ExpiresAt time.Time
	// Subscribers holds the push state of a push-queue message.
	Subscribers []SubscriberState
}

// QueueStore persists queues and their messages. All access goes through a
// transaction; a returned error from fn rolls it back. Implementations retry
// internal write conflicts themselves.
type QueueStore interface {
	ViewQueues(ctx context.Context, fn func(QueueTx) error) error
	UpdateQueues(ctx context.Context, fn func(QueueTx) error) error
}

// QueueTx is one transaction over queues and messages. The store keeps the
// indexes (ready by id, pending by AvailableAt, expiry by ExpiresAt) in step
// with each message's State, so the service decides state and the store only
// files it.
type QueueTx interface {
	// Queue returns ErrNotFound-class error when absent.
	Queue(project, name string) (Queue, error)
	// PutQueue creates or replaces the queue record, keeping its messages.
	PutQueue(q Queue) error
	// DeleteQueue removes the queue and (atomically, from the reader's view)
	// all its messages.
	DeleteQueue(project, name string) error
	// ClearMessages removes every message of the queue in O(1).
	ClearMessages(project, name string) error
	// ListQueues returns up to limit queues of the project whose names start
	// with prefix and sort strictly after `after`, in byte order.
	ListQueues(project, prefix, after string, limit int) ([]Queue, error)
	// ListAllQueues calls fn for every queue of every project.
	ListAllQueues(fn func(Queue) error) error

	Message(project, queue string, id MessageID) (Message, error)
	InsertMessage(project, queue string, m Message) error
	// UpdateMessage replaces old with m; old must be the stored version so
	// its index entries can be removed.
	UpdateMessage(project, queue string, old, m Message) error
	DeleteMessage(project, queue string, m Message) error
	// ReadyMessages returns up to limit ready messages in id order.
	ReadyMessages(project, queue string, limit int) ([]Message, error)
	// DueMessages returns up to limit delayed or reserved messages whose
	// AvailableAt is not after now, earliest first.
	DueMessages(project, queue string, now time.Time, limit int) ([]Message, error)
	// ExpiredMessages returns up to limit messages whose ExpiresAt is not
	// after now.
	ExpiredMessages(project, queue string, now time.Time, limit int) ([]Message, error)
	// MessagesAfter calls fn for each stored message of the queue whose id
	// is greater than after, in id order and whatever its state, until fn
	// returns false or an error. It starts with a seek: a page deep in the
	// queue costs what the first does.
	MessagesAfter(project, queue string, after MessageID, fn func(Message) (more bool, err error)) error
	// QueueProjects lists the projects that have a queue, in byte order.
	QueueProjects() ([]string, error)
}

// ReadyPosition is the message's place in the ready order.
func (m Message) ReadyPosition() MessageID {
	if m.Position == 0 {
		return m.ID
	}
	return m.Position
}

// MessageIDSource allocates message ids that keep growing across restarts.
type MessageIDSource interface {
	NextMessageIDs(n int) ([]MessageID, error)
}

package wire

// IronMQ v3 (spec §2): queues, messages and push deliveries. Ids are
// always JSON strings.

// QueueType is pull, unicast or multicast (push queues).
type QueueType string

// Subscriber is a push queue's destination.
type Subscriber struct {
	Name    string            `json:"name"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Push is a push queue's delivery settings.
type Push struct {
	Subscribers  []Subscriber `json:"subscribers"`
	Retries      int          `json:"retries"`
	RetriesDelay int          `json:"retries_delay"` // seconds
	ErrorQueue   string       `json:"error_queue,omitempty"`
}

// DeadLetter moves a message reserved MaxReservations times to QueueName.
type DeadLetter struct {
	QueueName       string `json:"queue_name"`
	MaxReservations int    `json:"max_reservations"`
}

// Alert posts to Queue when the size crosses Trigger (type fixed or
// progressive, direction asc or desc).
type Alert struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Direction string `json:"direction"`
	Trigger   int    `json:"trigger"`
	Queue     string `json:"queue"`
	Snooze    int    `json:"snooze"` // seconds
}

// Queue is a queue's settings and counts.
type Queue struct {
	ID        string `json:"id"`
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	// Size is the messages held now (ready, delayed and reserved; 0 for
	// push queues); TotalMessages the messages ever posted.
	Size              int64       `json:"size"`
	TotalMessages     int64       `json:"total_messages"`
	MessageTimeout    int         `json:"message_timeout"`    // seconds
	MessageExpiration int         `json:"message_expiration"` // seconds
	Type              QueueType   `json:"type"`
	Push              *Push       `json:"push,omitempty"`
	DeadLetter        *DeadLetter `json:"dead_letter,omitempty"`
	Alerts            []Alert     `json:"alerts,omitempty"`
}

// QueueAnswer is the answer of GET, PUT and PATCH /queues/{name}.
type QueueAnswer struct {
	Queue Queue `json:"queue"`
}

// QueueName is one entry of GET /queues.
type QueueName struct {
	Name string `json:"name"`
}

// QueueNameList is the answer of GET /queues.
type QueueNameList struct {
	Queues []QueueName `json:"queues"`
}

// Message is a queue message as the Iron API returns it.
type Message struct {
	ID            string `json:"id"`
	Body          string `json:"body"`
	ReservedCount int    `json:"reserved_count"`
	// ReservationID is set on reserve answers (and on a reserved message).
	ReservationID string `json:"reservation_id,omitempty"`
}

// MessageList answers a reserve or a peek.
type MessageList struct {
	Messages []Message `json:"messages"`
}

// MessageAnswer answers GET /messages/{id}.
type MessageAnswer struct {
	Message Message `json:"message"`
}

// PostedMessages answers a post: the new messages' ids in order.
type PostedMessages struct {
	IDs []string `json:"ids"`
	Msg string   `json:"msg"`
}

// Touched answers a touch with the new reservation id.
type Touched struct {
	Msg           string `json:"msg"`
	ReservationID string `json:"reservation_id"`
}

// PushStatus is one subscriber's delivery state for a message of a push
// queue. Status is queued, retrying, reserved (answered 202, waiting for
// the acknowledgement), deleted (delivered) or error (retries used up).
type PushStatus struct {
	Name             string `json:"name"`
	URL              string `json:"url"`
	Status           string `json:"status"`
	StatusCode       int    `json:"status_code"` // of the last attempt
	Tries            int    `json:"tries"`
	RetriesRemaining int    `json:"retries_remaining"`
	LastTryAt        Time   `json:"last_try_at,omitzero"`
	// NextTryAt is when the next attempt is due (an extension; zero when
	// none is).
	NextTryAt Time   `json:"next_try_at,omitzero"`
	Msg       string `json:"msg,omitempty"`
	// LastResponse is the body of the subscriber's last answer, its first
	// KiB (an extension; left out when there was none).
	LastResponse string `json:"last_response,omitempty"`
}

// PushStatusList answers GET /messages/{id}/subscribers.
type PushStatusList struct {
	Subscribers []PushStatus `json:"subscribers"`
}

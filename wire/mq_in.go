package wire

import "encoding/json"

// IronMQ v3 request bodies (see worker_in.go for the pattern).

// QueueBody is the body of PUT and PATCH /queues/{name}; no Queue means
// defaults or no change.
type QueueBody struct {
	Queue *QueueSettingsBody `json:"queue,omitempty"`
}

// QueueSettingsBody creates or changes a queue; absent fields keep their
// value (or the default).
type QueueSettingsBody struct {
	Type              *QueueType      `json:"type,omitempty"`
	MessageTimeout    OptInt          `json:"message_timeout,omitzero"`
	MessageExpiration OptInt          `json:"message_expiration,omitzero"`
	Push              *PushBody       `json:"push,omitempty"`
	DeadLetter        *DeadLetterBody `json:"dead_letter,omitempty"`
	Alerts            *[]AlertBody    `json:"alerts,omitempty"`
}

// PushBody changes a push queue's delivery.
type PushBody struct {
	Subscribers  *[]Subscriber `json:"subscribers,omitempty"`
	Retries      OptInt        `json:"retries,omitzero"`
	RetriesDelay OptInt        `json:"retries_delay,omitzero"`
	ErrorQueue   *string       `json:"error_queue,omitempty"`
}

// DeadLetterBody sets (or, with an empty QueueName, removes) the
// dead-letter queue.
type DeadLetterBody struct {
	QueueName       string `json:"queue_name"`
	MaxReservations OptInt `json:"max_reservations,omitzero"`
}

// AlertBody is an alert to add (or, by ID, to remove).
type AlertBody struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Direction string `json:"direction"`
	Trigger   OptInt `json:"trigger,omitzero"`
	Queue     string `json:"queue"`
	Snooze    OptInt `json:"snooze,omitzero"`
}

// AlertsBody is the body of POST, PUT and DELETE /queues/{name}/alerts.
type AlertsBody struct {
	Alerts []AlertBody `json:"alerts"`
}

// SubscribersBody is the body of POST, PUT and DELETE
// /queues/{name}/subscribers.
type SubscribersBody struct {
	Subscribers []Subscriber `json:"subscribers"`
}

// MessageBody is one message to post. Body is required (it may be
// empty); Timeout and ExpiresIn are sent by old clients and ignored.
type MessageBody struct {
	Body        *string           `json:"body"`
	Delay       OptInt            `json:"delay,omitzero"`
	PushHeaders map[string]string `json:"push_headers,omitempty"`
	Timeout     OptInt            `json:"timeout,omitzero"`
	ExpiresIn   OptInt            `json:"expires_in,omitzero"`
}

// MessagesBody is the body of POST /queues/{name}/messages.
type MessagesBody struct {
	Messages []MessageBody `json:"messages"`
}

// ReservationBody is the body of POST /queues/{name}/reservations.
type ReservationBody struct {
	N       OptInt `json:"n,omitzero"`
	Timeout OptInt `json:"timeout,omitzero"`
	Wait    OptInt `json:"wait,omitzero"`
	Delete  bool   `json:"delete,omitempty"`
}

// ReservationRef is the body of a message's delete, touch and release:
// the reservation (or, for push acknowledgements, the subscriber), and
// the touch's timeout or the release's delay.
type ReservationRef struct {
	ReservationID  string `json:"reservation_id"`
	SubscriberName string `json:"subscriber_name,omitempty"`
	Timeout        OptInt `json:"timeout,omitzero"`
	Delay          OptInt `json:"delay,omitzero"`
}

// MessageRef names a message to delete in a batch. It reads from an
// object or a bare id string.
type MessageRef struct {
	ID             string `json:"id"`
	ReservationID  string `json:"reservation_id,omitempty"`
	SubscriberName string `json:"subscriber_name,omitempty"`
}

// UnmarshalJSON reads {"id",…} or a bare id string.
func (d *MessageRef) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &d.ID)
	}
	type plain MessageRef
	return json.Unmarshal(b, (*plain)(d))
}

// MessageRefs is the body of DELETE /queues/{name}/messages: no ids
// clears the queue.
type MessageRefs struct {
	IDs []MessageRef `json:"ids,omitempty"`
}

// QueueSettings creates or changes a queue: nil fields keep their value
// (or the default for a new queue). The type of an existing queue cannot
// change (403).
type QueueSettings struct {
	Type              *QueueType
	MessageTimeout    *int
	MessageExpiration *int
	Push              *PushSettings
	// DeadLetter with an empty QueueName removes the dead-letter queue.
	DeadLetter *DeadLetter
	// Alerts, when not nil, replaces every alert (empty removes them).
	Alerts []Alert
}

// Wire is s as sent.
func (s QueueSettings) Wire() QueueSettingsBody {
	b := QueueSettingsBody{Type: s.Type, MessageTimeout: IntPtr(s.MessageTimeout), MessageExpiration: IntPtr(s.MessageExpiration)}
	if p := s.Push; p != nil {
		pb := p.Wire()
		b.Push = &pb
	}
	if d := s.DeadLetter; d != nil {
		b.DeadLetter = &DeadLetterBody{QueueName: d.QueueName, MaxReservations: Int(d.MaxReservations)}
	}
	if s.Alerts != nil {
		alerts := make([]AlertBody, len(s.Alerts))
		for i, a := range s.Alerts {
			alerts[i] = AlertBody{ID: a.ID, Type: a.Type, Direction: a.Direction, Trigger: Int(a.Trigger), Queue: a.Queue, Snooze: Int(a.Snooze)}
		}
		b.Alerts = &alerts
	}
	return b
}

// MarshalJSON writes s as a QueueSettingsBody.
func (s QueueSettings) MarshalJSON() ([]byte, error) { return json.Marshal(s.Wire()) }

// PushSettings changes a push queue's delivery: nil fields stay.
type PushSettings struct {
	// Subscribers, when not nil, replaces them all.
	Subscribers  []Subscriber
	Retries      *int
	RetriesDelay *int
	// ErrorQueue "" removes the error queue.
	ErrorQueue *string
}

// Wire is p as sent.
func (p PushSettings) Wire() PushBody {
	b := PushBody{Retries: IntPtr(p.Retries), RetriesDelay: IntPtr(p.RetriesDelay), ErrorQueue: p.ErrorQueue}
	if p.Subscribers != nil {
		b.Subscribers = &p.Subscribers
	}
	return b
}

// MarshalJSON writes p as a PushBody.
func (p PushSettings) MarshalJSON() ([]byte, error) { return json.Marshal(p.Wire()) }

// NewMessage is a message to post.
type NewMessage struct {
	Body  string
	Delay int // seconds before it can be reserved
	// PushHeaders are added to push deliveries of this message.
	PushHeaders map[string]string
}

// Wire is m as sent.
func (m NewMessage) Wire() MessageBody {
	return MessageBody{Body: &m.Body, Delay: nonZero(m.Delay), PushHeaders: m.PushHeaders}
}

// MarshalJSON writes m as a MessageBody.
func (m NewMessage) MarshalJSON() ([]byte, error) { return json.Marshal(m.Wire()) }

// Reservation asks for messages: N (1–100, 0 = 1) for Timeout seconds
// (0 = the queue's), waiting up to Wait seconds (≤ 30) for them to
// arrive; Delete removes them at once (pop).
type Reservation struct {
	N       int
	Timeout int
	Wait    int
	Delete  bool
}

// Wire is r as sent.
func (r Reservation) Wire() ReservationBody {
	return ReservationBody{N: nonZero(r.N), Timeout: nonZero(r.Timeout), Wait: nonZero(r.Wait), Delete: r.Delete}
}

// MarshalJSON writes r as a ReservationBody.
func (r Reservation) MarshalJSON() ([]byte, error) { return json.Marshal(r.Wire()) }

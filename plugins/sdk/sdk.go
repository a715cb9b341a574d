package sdk

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Trigger is what a plugin implements.
type Trigger interface {
	// Info describes the plugin. It is called once after start.
	Info(ctx context.Context) (Info, error)
	// Validate checks a binding's config beyond what Info's ConfigSchema
	// says (the host checks the schema first). A returned error is shown to
	// the user as is: name the offending field.
	Validate(ctx context.Context, config json.RawMessage) error
	// Run watches the source for one binding and emits its events until ctx
	// ends, then returns nil. An error return ends the binding's run and is
	// shown as its state; the host runs it again after a backoff. host acts
	// on ironlocal within the binding's project.
	Run(ctx context.Context, b Binding, host Host, emit Emitter) error
}

// Info describes a plugin.
type Info struct {
	// Name is the plugin's short name (upload, http …); bindings refer to it.
	Name        string
	Version     string
	Description string
	// EventTypes lists the event types Run may emit.
	EventTypes []string
	// ConfigSchema is a JSON Schema (draft 2020-12) for a binding's config;
	// the host validates every config against it and the desktop app builds
	// its form from it. Nil accepts any JSON object.
	ConfigSchema json.RawMessage
	// Samples are example events, like `sam local generate-event`: the
	// control plane fires them as test events.
	Samples []Sample
}

// Sample is an example event.
type Sample struct {
	Name      string
	EventType string
	Payload   json.RawMessage
}

// Binding is one configured use of a plugin.
type Binding struct {
	ID        string
	ProjectID string
	// Config is the binding's config, valid against Info.ConfigSchema.
	Config json.RawMessage
	// Action is what the host does with each event: ActionTask or
	// ActionMessage. Plugins that wait for a task (EmitWait, WaitTask)
	// need ActionTask.
	Action string
}

// Binding actions.
const (
	ActionTask    = "task"
	ActionMessage = "message"
)

// Event is one thing that happened at the source.
type Event struct {
	// ID identifies the event; Emit fills it in when empty.
	ID string
	// Type is one of Info.EventTypes (e.g. "s3:ObjectCreated:Put").
	Type string
	// Payload is the event as the task (or message) receives it, usually
	// JSON in the cloud provider's shape.
	Payload []byte
	// At is when it happened; Emit fills in the current time when zero.
	At time.Time
	// Attrs are short facts shown in the event trace (key, path, method).
	Attrs map[string]string
	// Filtered, when set, says why the binding's config filters this event
	// out ("key a.txt does not end in .csv"). The host records the event
	// and its reason, and runs no action: users see why nothing fired.
	Filtered string
	// Concurrent lets the host act on this event while it acts on other
	// events of the binding (independent HTTP requests). Events without it
	// are acted on one at a time, in emit order.
	Concurrent bool
}

// MaxEventBytes bounds an event's payload (6 MiB, API Gateway's payload
// limit). Emit sends an event over it without its payload, marked with
// AttrPayloadDropped, and the host traces it as failed with the reason: the
// binding goes on with the next event, and one huge event cannot cost the
// daemon its memory.
const MaxEventBytes = 6 << 20

// AttrPayloadDropped marks an event whose payload was over MaxEventBytes;
// its value is the payload's size.
const AttrPayloadDropped = "ironlocal.payload_dropped"

// Emitter sends a binding's events to the host.
type Emitter interface {
	// Emit hands ev to the host and returns its id without waiting for the
	// host to act on it.
	Emit(ctx context.Context, ev Event) (id string, err error)
	// EmitWait hands ev to the host and waits for the outcome: the task it
	// queued or the messages it posted.
	EmitWait(ctx context.Context, ev Event) (Outcome, error)
}

// Outcomes of an event.
const (
	OutcomeMatched  = "matched"
	OutcomeFiltered = "filtered"
	OutcomeFailed   = "failed"
)

// Outcome is what the host did with an event.
type Outcome struct {
	// Outcome is OutcomeMatched, OutcomeFiltered or OutcomeFailed.
	Outcome string
	// Reason explains a filtered or failed event.
	Reason     string
	TaskID     string
	MessageIDs []string
}

// Err returns nil for a matched event and an error carrying the reason
// otherwise.
func (o Outcome) Err() error {
	if o.Outcome == OutcomeMatched {
		return nil
	}
	return errors.New(o.Outcome + ": " + o.Reason)
}

// Host is what a plugin may ask of ironlocal, within its binding's project.
// Errors wrap ErrNotFound or ErrInvalid where that applies.
type Host interface {
	// Outcome waits for the outcome of the emitted event with this id.
	Outcome(ctx context.Context, eventID string) (Outcome, error)
	// QueueTask queues a task directly (not through the binding's action).
	QueueTask(ctx context.Context, t Task) (taskID string, err error)
	// WaitTask waits until the task has finished or ctx ends; a wait that
	// ends first returns the task as it stands with Done false.
	WaitTask(ctx context.Context, taskID string) (TaskResult, error)
	// PostMessages posts messages to a queue of the binding's project.
	PostMessages(ctx context.Context, queue string, bodies ...string) ([]string, error)
	// Reserve reserves up to n messages for timeout seconds (0: the
	// queue's default), long-polling up to wait seconds.
	Reserve(ctx context.Context, queue string, n, timeout, wait int) ([]Message, error)
	// Delete deletes reserved messages.
	Delete(ctx context.Context, queue string, refs ...MessageRef) error
	// Release puts a reserved message back after delay seconds.
	Release(ctx context.Context, queue string, ref MessageRef, delay int) error
	// CacheGet returns a cache item's JSON value.
	CacheGet(ctx context.Context, cache, key string) (json.RawMessage, error)
	// CachePut stores a JSON value; expiresIn 0 keeps it forever.
	CachePut(ctx context.Context, cache, key string, value json.RawMessage, expiresIn int) error
	// SetStatus reports the binding's state, shown with the binding
	// ("listening on 127.0.0.1:8080"); attrs carry machine-readable facts
	// (an "address").
	SetStatus(ctx context.Context, status string, attrs map[string]string) error
}

// Task is a task to queue. Nil fields take the code's defaults.
type Task struct {
	CodeName string
	Payload  []byte
	Priority *int
	Delay    *int
	Timeout  *int
}

// TaskResult is a task's state after WaitTask.
type TaskResult struct {
	TaskID string
	// Status is the task's status (complete, error, timeout, killed,
	// cancelled, or queued/running when the wait ended first).
	Status string
	Msg    string
	// Output is the task's stdout (what an HTTP trigger answers from).
	Output []byte
	// Log is the task's whole log, stdout and stderr interleaved.
	Log []byte
	// Done is true once the task has finished.
	Done bool
}

// Succeeded reports whether the task finished with status complete.
func (r TaskResult) Succeeded() bool { return r.Done && r.Status == "complete" }

// Message is a reserved queue message.
type Message struct {
	ID            string
	Body          string
	ReservationID string
	ReservedCount int
}

// Ref returns what Delete and Release need.
func (m Message) Ref() MessageRef { return MessageRef{ID: m.ID, ReservationID: m.ReservationID} }

// MessageRef names a reserved message.
type MessageRef struct {
	ID            string
	ReservationID string
}

// Errors a Host returns (wrapped, with the detail).
var (
	ErrNotFound = errors.New("not found")
	ErrInvalid  = errors.New("invalid")
)

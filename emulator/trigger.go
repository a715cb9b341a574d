package emulator

import (
	"context"
	"encoding/json"
	"time"
)

// Trigger bindings (issue 12): a binding ties a trigger plugin's events to
// an action in one project. The plugin host (package trigger) runs them.

// BindingActionType says what a binding does with each event.
type BindingActionType string

const (
	// ActionTask queues a task for a code package.
	ActionTask BindingActionType = "task"
	// ActionMessage posts a message to a queue.
	ActionMessage BindingActionType = "message"
)

// Binding is a trigger binding.
type Binding struct {
	ID      string `json:"id"`
	Project string `json:"project_id"`
	// Name is an optional label shown with the binding.
	Name string `json:"name,omitempty"`
	// Plugin names the trigger plugin (its Info name).
	Plugin string `json:"plugin"`
	// Config is the plugin's config for this binding (valid against the
	// plugin's JSON Schema).
	Config  json.RawMessage `json:"config"`
	Action  BindingAction   `json:"action"`
	Enabled bool            `json:"enabled"`

	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// BindingAction is what a binding does with an event.
type BindingAction struct {
	Type BindingActionType `json:"type"`
	// CodeName, Priority, Delay and Timeout shape the task (ActionTask).
	CodeName string `json:"code_name,omitempty"`
	Priority *int   `json:"priority,omitempty"`
	Delay    *int   `json:"delay,omitempty"`
	Timeout  *int   `json:"timeout,omitempty"`
	// Queue receives the message (ActionMessage).
	Queue string `json:"queue,omitempty"`
	// Template renders the task payload or message body from the event
	// (Go text/template; "" = the event's payload as is).
	Template string `json:"template,omitempty"`
}

// Trigger event outcomes.
const (
	TriggerMatched  = "matched"
	TriggerFiltered = "filtered"
	TriggerFailed   = "failed"
)

// TriggerEvent is one event's journey through a binding: received from the
// plugin (or fired, or replayed), then filtered out, matched (with the task
// or messages it made) or failed (with the reason).
type TriggerEvent struct {
	ID        string `json:"id"`
	BindingID string `json:"binding_id"`
	Project   string `json:"project_id"`
	Type      string `json:"type"`
	// Source is "plugin", "fire" or "replay".
	Source string `json:"source"`
	// ReplayOf is the id of the event a replay repeats.
	ReplayOf string            `json:"replay_of,omitempty"`
	At       time.Time         `json:"at"`
	Payload  string            `json:"payload"`
	Attrs    map[string]string `json:"attrs,omitempty"`

	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason,omitempty"`
	TaskID     string   `json:"task_id,omitempty"`
	MessageIDs []string `json:"message_ids,omitempty"`
}

// Trigger event types on the bus.
const (
	EventTriggerEvent   EventType = "trigger.event"
	EventTriggerState   EventType = "trigger.state"
	EventBindingChanged EventType = "trigger.binding_changed"
)

// BindingStore keeps bindings and their event traces. Reset and snapshots
// cover them like any other state.
type BindingStore interface {
	// Bindings returns every binding, ordered by id.
	Bindings(ctx context.Context) ([]Binding, error)
	// Binding returns one binding or ErrNotFound.
	Binding(ctx context.Context, id string) (Binding, error)
	// PutBinding creates or replaces a binding.
	PutBinding(ctx context.Context, b Binding) error
	// DeleteBinding removes a binding and its trace (ErrNotFound if absent).
	DeleteBinding(ctx context.Context, id string) error
	// AppendTriggerEvents records events in their bindings' traces, in one
	// transaction, dropping the oldest so that at most keep remain per
	// binding; events of a binding that no longer exists are dropped.
	AppendTriggerEvents(ctx context.Context, evs []TriggerEvent, keep int) error
	// TriggerEvents returns a binding's trace, newest first, at most limit.
	TriggerEvents(ctx context.Context, bindingID string, limit int) ([]TriggerEvent, error)
}

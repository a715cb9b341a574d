package wire

import (
	"encoding/json"
	"time"
)

// Control-plane request bodies (see worker_in.go for the pattern).

// ClockBody is the body of POST /_ironlocal/clock: Advance (a Go
// duration), AdvanceSeconds, or Set (RFC 3339).
type ClockBody struct {
	Advance        string    `json:"advance,omitempty"`
	AdvanceSeconds OptInt    `json:"advance_seconds,omitzero"`
	Set            time.Time `json:"set,omitzero"`
}

// SaveSnapshotBody is the body of POST /_ironlocal/snapshot.
type SaveSnapshotBody struct {
	Name      string `json:"name"`
	Overwrite bool   `json:"overwrite"`
}

// FaultBody is the body of POST /_ironlocal/faults: a Fault without its
// id and hits.
type FaultBody struct {
	Service   string `json:"service,omitempty"`
	ProjectID string `json:"project_id,omitempty"`
	Resource  string `json:"resource,omitempty"`
	Method    string `json:"method,omitempty"`
	Status    OptInt `json:"status,omitzero"`
	Msg       string `json:"msg,omitempty"`
	Latency   string `json:"latency,omitempty"`
	Times     OptInt `json:"times,omitzero"`
}

// Wire is the rule f as sent.
func (f Fault) Wire() FaultBody {
	return FaultBody{Service: f.Service, ProjectID: f.ProjectID, Resource: f.Resource, Method: f.Method, Status: nonZero(f.Status),
		Msg: f.Msg, Latency: f.Latency, Times: nonZero(f.Times)}
}

// NewTrigger creates a binding. ProjectID defaults to the client's project;
// Enabled to true.
type NewTrigger struct {
	ProjectID string          `json:"project_id"`
	Name      string          `json:"name,omitempty"`
	Plugin    string          `json:"plugin"`
	Config    json.RawMessage `json:"config"`
	Action    TriggerAction   `json:"action"`
	Enabled   *bool           `json:"enabled,omitempty"`
}

// TriggerPatch changes a binding; nil fields keep their value.
type TriggerPatch struct {
	Name    *string         `json:"name,omitempty"`
	Config  json.RawMessage `json:"config,omitempty"`
	Action  *TriggerAction  `json:"action,omitempty"`
	Enabled *bool           `json:"enabled,omitempty"`
}

// FireBody is the optional body of POST /_ironlocal/triggers/{id}/fire:
// the plugin's sample when empty. A JSON string payload is the payload's
// text.
type FireBody struct {
	EventType string          `json:"event_type,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// ReplayBody is the optional body of a trace event's replay: the recorded
// payload when Payload is nil.
type ReplayBody struct {
	Payload *string `json:"payload,omitempty"`
}

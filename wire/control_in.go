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
// text. Attrs are the event's attributes, as a plugin sets them (the
// binding's template reads them as .Attrs); the journal records an event
// a plugin took from its real source as a fire with its attributes.
type FireBody struct {
	EventType string            `json:"event_type,omitempty"`
	Payload   json.RawMessage   `json:"payload,omitempty"`
	Attrs     map[string]string `json:"attrs,omitempty"`
}

// ReplayBody is the optional body of a trace event's replay: the recorded
// payload when Payload is nil.
type ReplayBody struct {
	Payload *string `json:"payload,omitempty"`
}

// RedriveBody is the body of POST /_ironlocal/queues/{pid}/{queue}/redrive:
// the ids to move (every ready message when empty), at most Max (0: no
// bound), to To ("" = the queue whose dead_letter or push error_queue
// names this one, when exactly one does).
type RedriveBody struct {
	To  string   `json:"to,omitempty"`
	IDs []string `json:"ids,omitempty"`
	Max int      `json:"max,omitempty"`
}

// BulkBody is the body of POST /_ironlocal/tasks/{pid}/bulk: Action
// ("retry" or "cancel") on every task Filter selects; DryRun only counts.
type BulkBody struct {
	Action string         `json:"action"`
	Filter BulkFilterBody `json:"filter"`
	DryRun bool           `json:"dry_run,omitempty"`
}

// BulkFilterBody selects tasks; zero fields match everything, several
// statuses any of them. Q searches ids, code names, labels, msgs and
// payloads; FromTime and ToTime bound created_at.
type BulkFilterBody struct {
	CodeName string   `json:"code_name,omitempty"`
	Status   []string `json:"status,omitempty"`
	Label    string   `json:"label,omitempty"`
	Q        string   `json:"q,omitempty"`
	FromTime OptTime  `json:"from_time,omitzero"`
	ToTime   OptTime  `json:"to_time,omitzero"`
}

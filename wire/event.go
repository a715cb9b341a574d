package wire

import "time"

// EventMissed is the type of the marker the server puts in an event stream
// (GET /_ironlocal/events) when it dropped events because the stream's
// reader fell behind; its Missed field says how many.
const EventMissed = "stream.missed"

// Event is one state change of ironlocal (queue created, messages posted,
// task finished, cache item stored, clock changed…), the data of one
// server-sent event of GET /_ironlocal/events. Only the fields that apply
// are set (and written).
type Event struct {
	// Seq increases by one per event across all types; a stream filtered
	// by type skips numbers.
	// It and At are never zero on a state change; they are left out of
	// an EventMissed marker.
	Seq       uint64         `json:"seq,omitempty"`
	Type      string         `json:"type"`
	At        time.Time      `json:"at,omitzero"`
	ProjectID string         `json:"project_id,omitempty"`
	Queue     string         `json:"queue,omitempty"`
	Cache     string         `json:"cache,omitempty"`
	Key       string         `json:"key,omitempty"`
	TaskID    string         `json:"task_id,omitempty"`
	CodeName  string         `json:"code_name,omitempty"`
	IDs       []string       `json:"ids,omitempty"`
	Attrs     map[string]any `json:"attrs,omitempty"`
	// Missed is set on EventMissed markers: events dropped since the
	// previous marker.
	Missed uint64 `json:"missed,omitempty"`
}

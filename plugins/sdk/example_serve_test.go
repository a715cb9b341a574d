package sdk_test

import (
	"context"
	"encoding/json"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// ticker is a complete trigger: every binding emits a "ticker:tick" event
// every every_ms milliseconds of its config, which ironlocal turns into a
// task or a queue message.
type ticker struct{}

// Info names the plugin (bindings refer to the name), its event types, and
// the JSON Schema of a binding's config (the desktop app builds its form
// from it); Samples are events `fire` sends without a source.
func (ticker) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:        "ticker",
		Version:     "0.1.0",
		Description: "Emits a tick event at a fixed interval",
		EventTypes:  []string{"ticker:tick"},
		ConfigSchema: json.RawMessage(`{"type": "object", "required": ["every_ms"],
			"properties": {"every_ms": {"type": "integer", "minimum": 10}}}`),
		Samples: []sdk.Sample{{Name: "tick", EventType: "ticker:tick", Payload: json.RawMessage(`{"n":1}`)}},
	}, nil
}

// Validate checks what the schema cannot say; wrap sdk.ErrInvalid and name
// the field.
func (ticker) Validate(context.Context, json.RawMessage) error { return nil }

// Run watches the source for one binding and emits its events until
// ironlocal ends the binding (ctx), then returns nil. host is the narrow API
// back into ironlocal.
func (ticker) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	var c struct {
		EveryMS int `json:"every_ms"`
	}
	if err := json.Unmarshal(b.Config, &c); err != nil {
		return err
	}
	_ = host.SetStatus(ctx, "ticking", nil) // shown with the binding
	t := time.NewTicker(time.Duration(c.EveryMS) * time.Millisecond)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		payload, _ := json.Marshal(map[string]int{"n": n})
		if _, err := emit.Emit(ctx, sdk.Event{Type: "ticker:tick", Payload: payload}); err != nil {
			return err
		}
		sdk.Log.Debug("tick", "binding", b.ID, "n", n) // lands in ironlocal's log, tagged
	}
}

// A plugin's main is one call: Serve answers ironlocal's handshake and
// serves the Trigger until ironlocal is done with the plugin. Started by
// anything but ironlocal, it prints a note and exits with status 1.
func ExampleServe() {
	sdk.Serve(ticker{})
}

// Command ticker is an example third-party trigger plugin for ironlocal,
// in its own Go module: it imports nothing of ironlocal but the public SDK
// (plugins/sdk). Every binding emits a "tick" event at a fixed interval,
// which ironlocal turns into a task or a queue message.
//
// Build it into ironlocal's plugins directory and it is found at start:
//
//	go build -o ~/.local/share/ironlocal/plugins/ticker .
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func main() { sdk.Serve(ticker{}) }

type config struct {
	// EveryMS is the interval in milliseconds.
	EveryMS int `json:"every_ms"`
	// Message is carried in each tick.
	Message string `json:"message"`
}

type ticker struct{}

func (ticker) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{
		Name:        "ticker",
		Version:     "0.1.0",
		Description: "Emits a tick event at a fixed interval",
		EventTypes:  []string{"ticker:tick"},
		ConfigSchema: json.RawMessage(`{
			"type": "object",
			"required": ["every_ms"],
			"additionalProperties": false,
			"properties": {
				"every_ms": {"type": "integer", "minimum": 10},
				"message": {"type": "string"}
			}
		}`),
		Samples: []sdk.Sample{{Name: "tick", EventType: "ticker:tick", Payload: json.RawMessage(`{"n":1,"message":"hello"}`)}},
	}, nil
}

// Validate checks what the schema cannot say.
func (ticker) Validate(_ context.Context, raw json.RawMessage) error {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	if len(c.Message) > 1024 {
		return fmt.Errorf("%w: message: at most 1024 characters", sdk.ErrInvalid)
	}
	return nil
}

// Run ticks until ironlocal cancels ctx.
func (ticker) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	var c config
	if err := json.Unmarshal(b.Config, &c); err != nil {
		return err
	}
	every := time.Duration(c.EveryMS) * time.Millisecond
	_ = host.SetStatus(ctx, "ticking every "+every.String(), nil)
	t := time.NewTicker(every)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		payload, _ := json.Marshal(map[string]any{"n": n, "message": c.Message})
		if _, err := emit.Emit(ctx, sdk.Event{Type: "ticker:tick", Payload: payload,
			Attrs: map[string]string{"n": strconv.Itoa(n)}}); err != nil {
			return err
		}
		sdk.Log.Debug("tick", "binding", b.ID, "n", n)
	}
}

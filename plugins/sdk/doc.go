// Package sdk is the public SDK for ironlocal trigger plugins. A complete
// plugin, which emits a "ticker:tick" event every every_ms milliseconds of
// a binding's config:
//
//	package main
//
//	import (
//		"context"
//		"encoding/json"
//		"time"
//
//		"github.com/ironlocal/ironlocal/plugins/sdk"
//	)
//
//	type ticker struct{}
//
//	// Info names the plugin and says what a binding's config looks like.
//	func (ticker) Info(context.Context) (sdk.Info, error) {
//		return sdk.Info{Name: "ticker", Version: "0.1.0", EventTypes: []string{"ticker:tick"},
//			ConfigSchema: json.RawMessage(`{"type":"object","required":["every_ms"],
//				"properties":{"every_ms":{"type":"integer","minimum":10}}}`)}, nil
//	}
//
//	// Validate checks what the schema cannot say: nothing, here.
//	func (ticker) Validate(context.Context, json.RawMessage) error { return nil }
//
//	// Run emits one binding's events until ironlocal ends it (ctx).
//	func (ticker) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
//		var c struct {
//			EveryMS int `json:"every_ms"`
//		}
//		if err := json.Unmarshal(b.Config, &c); err != nil {
//			return err
//		}
//		t := time.NewTicker(time.Duration(c.EveryMS) * time.Millisecond)
//		defer t.Stop()
//		for n := 1; ; n++ {
//			select {
//			case <-ctx.Done():
//				return nil
//			case <-t.C:
//			}
//			payload, _ := json.Marshal(map[string]int{"n": n})
//			if _, err := emit.Emit(ctx, sdk.Event{Type: "ticker:tick", Payload: payload}); err != nil {
//				return err
//			}
//		}
//	}
//
//	func main() { sdk.Serve(ticker{}) }
//
// Build it into a plugins directory (`go build -o
// ~/.local/share/ironlocal/plugins/ticker .`; ironlocald also searches
// plugins/ next to its binary and --plugins-dir), restart ironlocal, and
// bind it: POST /_ironlocal/triggers with {"plugin":"ticker",
// "config":{"every_ms":1000},"action":{"type":"task","code_name":"hello"}}
// queues a task per tick.
//
// The package holds the contract a plugin implements (Trigger), the narrow
// API it may call back into ironlocal (Host), the go-plugin handshake, the
// gRPC adapters on both sides and Serve, which a plugin's main calls.
//
// A trigger plugin is a separate executable. ironlocal starts it, asks for
// its Info, validates each binding's config (the JSON Schema in Info, then
// Validate) and calls Run once per enabled binding. Run watches the source
// (a folder, a port, a Redis list …) and emits an Event for everything that
// happens, until its context ends. The host decides what each event does
// (queue a task, post a message) and records the outcome; a plugin that must
// act on that outcome (an HTTP trigger answering from the task's output, a
// queue mapping deleting its batch) calls EmitWait and the Host methods.
//
// Plugin authors test their Trigger over a real gRPC connection with the
// sdktest package. The SDK imports nothing else of ironlocal, so a plugin in
// its own module needs only this package (plugins/examples/ticker in the
// repository is one, with its tests).
package sdk

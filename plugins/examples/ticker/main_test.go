package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
	"github.com/ironlocal/ironlocal/plugins/sdk/sdktest"
)

// The SDK's harness serves the plugin over a real gRPC connection.
func TestTicker(t *testing.T) {
	h := sdktest.New(t, ticker{})
	run := h.Run(t, sdk.Binding{ID: "b1", Config: json.RawMessage(`{"every_ms":10,"message":"hi"}`), Action: sdk.ActionTask})
	for want := 1; want <= 3; want++ {
		ev := run.Next(t, 5*time.Second)
		var got struct {
			N       int    `json:"n"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(ev.Payload, &got); err != nil {
			t.Fatal(err)
		}
		if got.N != want || got.Message != "hi" {
			t.Fatalf("tick %d: got %+v", want, got)
		}
	}
	if err := run.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := h.Client.Validate(t.Context(), json.RawMessage(`{"every_ms":10,"message":"short"}`)); err != nil {
		t.Fatalf("validate a short message: %v", err)
	}
	long, _ := json.Marshal(map[string]any{"every_ms": 10, "message": string(make([]byte, 2000))})
	if err := h.Client.Validate(t.Context(), long); err == nil {
		t.Fatal("validate a 2000-character message: no error")
	}
}

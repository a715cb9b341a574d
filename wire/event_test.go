package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// The event stream's bytes are a contract: these are what the server wrote
// before Event moved here.
func TestEvent_JSON(t *testing.T) {
	cases := []struct {
		name string
		in   wire.Event
		want string
	}{
		{"missed marker", wire.Event{Type: wire.EventMissed, Missed: 3}, `{"type":"stream.missed","missed":3}`},
		{"task event", wire.Event{Seq: 7, Type: "task.finished", At: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), ProjectID: "p",
			TaskID: "t", CodeName: "c", Attrs: map[string]any{"status": "complete"}},
			`{"seq":7,"type":"task.finished","at":"2026-01-02T03:04:05.000000006Z","project_id":"p","task_id":"t","code_name":"c","attrs":{"status":"complete"}}`},
		{"messages event", wire.Event{Seq: 1, Type: "messages.posted", At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Queue: "q", IDs: []string{"1", "2"}},
			`{"seq":1,"type":"messages.posted","at":"2026-01-02T03:04:05Z","queue":"q","ids":["1","2"]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

package wire_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

func ptr[T any](v T) *T { return &v }

// The request types send what package client sent when it declared them
// itself (the same keys and values; a task's timeout now comes before its
// delay).
func TestRequest_Encode(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"task, defaults", wire.NewTask{CodeName: "c"}, `{"code_name":"c","payload":""}`},
		{"task, all", wire.NewTask{CodeName: "c", Payload: "p", Priority: ptr(0), Delay: 5, Timeout: 60, Cluster: "x", Label: "l"},
			`{"code_name":"c","payload":"p","priority":0,"timeout":60,"delay":5,"cluster":"x","label":"l"}`},
		{"schedule", wire.NewSchedule{CodeName: "c", StartAt: at, RunEvery: 3600},
			`{"code_name":"c","payload":"","start_at":"2026-01-02T03:04:05Z","run_every":3600}`},
		{"schedule update", wire.ScheduleUpdate{RunTimes: ptr(0), Cron: ptr("")}, `{"run_times":0,"cron":""}`},
		{"schedule timing", wire.ScheduleTiming{ScheduleID: "s"}, `{"schedule_id":"s","run_every":0,"run_times":0,"cron":""}`},
		{"code", wire.NewCode{Name: "n", Image: "i", Config: `{"a":1}`, Memory: ptr(int64(256))},
			`{"name":"n","image":"i","config":"{\"a\":1}","memory":256}`},
		{"code settings", wire.CodeSettings{EnvVars: map[string]string{}}, `{"env_vars":{}}`},
		{"code settings, debug cleared", wire.CodeSettings{DebugPort: ptr(0), DebugCommand: ptr("")},
			`{"debug_port":0,"debug_command":""}`},
		{"code, debug", wire.NewCode{Name: "n", Image: "i", DebugPort: ptr(2345), DebugCommand: ptr("/dlv exec /w")},
			`{"name":"n","image":"i","debug_port":2345,"debug_command":"/dlv exec /w"}`},
		{"queue", wire.QueueSettings{MessageTimeout: ptr(30), Alerts: []wire.Alert{}}, `{"message_timeout":30,"alerts":[]}`},
		{"push", wire.PushSettings{Subscribers: []wire.Subscriber{{Name: "a", URL: "u"}}, Retries: ptr(3)},
			`{"subscribers":[{"name":"a","url":"u"}],"retries":3}`},
		{"message", wire.NewMessage{Body: ""}, `{"body":""}`},
		{"reservation", wire.Reservation{N: 2, Delete: true}, `{"n":2,"delete":true}`},
		{"item", wire.ItemPut{Value: 42, CAS: "7"}, `{"value":42,"cas":"7"}`},
		{"increment", wire.Increment(-3), `{"amount":-3}`},
		{"clock set", wire.ClockBody{Set: at}, `{"set":"2026-01-02T03:04:05Z"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := json.Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// The bodies read what the official clients send: floats and nulls for
// integers, several time formats, cas as a number, ids as bare strings.
func TestRequest_DecodeLenient(t *testing.T) {
	var task wire.TaskBody
	if err := json.Unmarshal([]byte(`{"code_name":"c","priority":null,"timeout":1.9,"delay":0}`), &task); err != nil {
		t.Fatal(err)
	}
	if task.Priority.Set || task.Timeout != wire.Int(1) || task.Delay != wire.Int(0) {
		t.Errorf("got %+v, want no priority, timeout 1, delay 0 given", task)
	}
	var s wire.ScheduleBody
	if err := json.Unmarshal([]byte(`{"start_at":"2026-01-02 03:04:05","end_at":""}`), &s); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC); !s.StartAt.Set || !s.StartAt.T.Equal(want) || s.EndAt.Set {
		t.Errorf("got %+v, want start %v and no end", s, want)
	}
	var item wire.ItemBody
	if err := json.Unmarshal([]byte(`{"value":"v","cas":12}`), &item); err != nil {
		t.Fatal(err)
	}
	if item.CAS != (wire.OptCAS{Set: true, V: 12}) {
		t.Errorf("got cas %+v, want 12", item.CAS)
	}
	var refs wire.MessageRefs
	if err := json.Unmarshal([]byte(`{"ids":["1",{"id":"2","reservation_id":"r"}]}`), &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs.IDs) != 2 || refs.IDs[0].ID != "1" || refs.IDs[1] != (wire.MessageRef{ID: "2", ReservationID: "r"}) {
		t.Errorf("got %+v", refs.IDs)
	}
	var bad wire.TaskBody
	err := json.Unmarshal([]byte(`{"priority":"high"}`), &bad)
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field != "priority" {
		t.Errorf("got %v, want a type error on priority", err)
	}
}

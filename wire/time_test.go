package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

func TestTime(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("x", 3600))
	for _, tc := range []struct {
		name string
		v    any
		want string
	}{
		{"three fractional digits, UTC, truncated", struct {
			T wire.Time `json:"t,omitzero"`
		}{wire.Time{Time: at}}, `{"t":"2026-03-04T04:06:07.123Z"}`},
		{"whole seconds keep their digits", struct {
			T wire.Time `json:"t,omitzero"`
		}{wire.Time{Time: at.Truncate(time.Second)}}, `{"t":"2026-03-04T04:06:07.000Z"}`},
		{"zero is left out", struct {
			T wire.Time `json:"t,omitzero"`
		}{}, `{}`},
		{"never expires in whole seconds", wire.Expires{}, `"9999-01-01T00:00:00Z"`},
		{"NeverExpires too", wire.Expires{Time: wire.NeverExpires}, `"9999-01-01T00:00:00Z"`},
		{"other expiries as any time", wire.Expires{Time: at}, `"2026-03-04T04:06:07.123Z"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %s, %v; want %s", b, err, tc.want)
			}
		})
	}
}

func TestTime_Unmarshal(t *testing.T) {
	var v struct {
		A wire.Time    `json:"a"`
		B wire.Time    `json:"b"`
		C wire.Expires `json:"c"`
	}
	err := json.Unmarshal([]byte(`{"a":"2026-03-04T05:06:07.123456789+01:00","b":null,"c":"9999-01-01T00:00:00Z"}`), &v)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 3, 4, 4, 6, 7, 123456789, time.UTC); !v.A.Equal(want) {
		t.Errorf("a = %v, want %v", v.A, want)
	}
	if !v.B.IsZero() {
		t.Errorf("null = %v, want the zero time", v.B)
	}
	if !v.C.Equal(wire.NeverExpires) {
		t.Errorf("c = %v, want NeverExpires", v.C)
	}
}

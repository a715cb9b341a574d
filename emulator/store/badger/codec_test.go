package badger

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func TestMessageCodec(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	cases := map[string]emulator.Message{
		"minimal": {ID: 6000000000000000001, State: emulator.MessageReady, PostedAt: now, ExpiresAt: now.Add(time.Hour)},
		"reserved": {ID: 42, Body: "héllo\x00world", State: emulator.MessageReserved, AvailableAt: now.Add(time.Minute),
			ReservationID: "0123456789abcdef0123456789abcdef", ReservedCount: 3, PostedAt: now, ExpiresAt: now.Add(time.Hour)},
		"push": {ID: 7, Body: "", State: emulator.MessagePushing, AvailableAt: now, PushHeaders: map[string]string{"X-A": "1", "X-B": "2"},
			Subscribers: []emulator.SubscriberState{{Name: "s", URL: "http://h", Status: emulator.PushRetrying, Tries: 1,
				RetriesRemaining: 2, LastTryAt: now, NextTryAt: now.Add(time.Minute), StatusCode: 503, Msg: "Service Unavailable"}},
			PostedAt: now, ExpiresAt: now.Add(time.Hour)},
		"push failed with a response": {ID: 8, Body: "m", State: emulator.MessagePushed,
			Subscribers: []emulator.SubscriberState{{Name: "bad", URL: "http://h", Status: emulator.PushError, Tries: 3,
				LastTryAt: now, StatusCode: 500, Msg: "Internal Server Error", LastResponse: `{"error":"boom é"}`}},
			PostedAt: now, ExpiresAt: now.Add(time.Hour)},
		"moved back": {ID: 9, Body: "b", State: emulator.MessageReady, ReservedCount: 1, Position: 6000000000000000123,
			PostedAt: now, ExpiresAt: now.Add(time.Hour)},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := encodeMessage(want)
			require.NoError(t, err)
			var got emulator.Message
			require.NoError(t, decodeMessage(b, &got))
			require.Equal(t, want, got)
		})
	}
	t.Run("a record from before last responses decodes", func(t *testing.T) {
		m := emulator.Message{ID: 5, State: emulator.MessagePushed, PostedAt: now, ExpiresAt: now.Add(time.Hour),
			Subscribers: []emulator.SubscriberState{{Name: "s", Status: emulator.PushError, StatusCode: 500}}}
		b, err := encodeMessage(m)
		require.NoError(t, err)
		require.NotContains(t, string(b), "LastResponse", "an empty last response adds nothing to the record")
		var got emulator.Message
		require.NoError(t, decodeMessage(b, &got))
		require.Equal(t, m, got)
	})
	t.Run("every truncation is an error, never a panic", func(t *testing.T) {
		b, err := encodeMessage(cases["push"])
		require.NoError(t, err)
		for n := range len(b) {
			var m emulator.Message
			require.Error(t, decodeMessage(b[:n], &m), "truncated to %d bytes", n)
		}
	})
}

func FuzzMessageCodec(f *testing.F) {
	b, _ := encodeMessage(emulator.Message{ID: 1, Body: "x", PushHeaders: map[string]string{"a": "b"}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var m emulator.Message
		if decodeMessage(data, &m) != nil {
			return
		}
		again, err := encodeMessage(m)
		require.NoError(t, err)
		var m2 emulator.Message
		require.NoError(t, decodeMessage(again, &m2))
		require.Equal(t, m, m2)
	})
}

func TestItemCodec(t *testing.T) {
	exp := time.Date(2026, 11, 25, 13, 0, 0, 5, time.UTC)
	for name, want := range map[string]emulator.Item{
		"string, never expires": {Value: []byte(`"héllo"`), CAS: 1764072000000000},
		"number, expires":       {Value: []byte(`42`), CAS: 7, ExpiresAt: exp},
	} {
		t.Run(name, func(t *testing.T) {
			var got emulator.Item
			require.NoError(t, decodeItem(encodeItem(want), &got))
			require.Equal(t, want, got)
		})
	}
	var it emulator.Item
	require.Error(t, decodeItem(nil, &it), "empty record")
	require.Error(t, decodeItem([]byte{9}, &it), "unknown version")
}

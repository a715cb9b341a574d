package badger

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
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
		"a subscriber with every field empty": {ID: 10, State: emulator.MessagePushing, Subscribers: []emulator.SubscriberState{{}},
			PostedAt: now, ExpiresAt: now.Add(time.Hour)},
		"moved back": {ID: 9, Body: "b", State: emulator.MessageReady, ReservedCount: 1, Position: 6000000000000000123,
			PostedAt: now, ExpiresAt: now.Add(time.Hour)},
	}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			var got emulator.Message
			require.NoError(t, decodeMessage(encodeMessage(want), &got))
			require.Equal(t, want, got)
		})
	}
	t.Run("a record from before last responses decodes", func(t *testing.T) {
		m := emulator.Message{ID: 5, State: emulator.MessagePushed, PostedAt: now, ExpiresAt: now.Add(time.Hour),
			Subscribers: []emulator.SubscriberState{{Name: "s", Status: emulator.PushError, StatusCode: 500}}}
		var got emulator.Message
		require.NoError(t, decodeMessage(encodeMessageV1(t, m), &got))
		require.Equal(t, m, got)
	})
	t.Run("every truncation is an error, never a panic", func(t *testing.T) {
		b := encodeMessage(cases["push"])
		for n := range len(b) {
			var m emulator.Message
			require.Error(t, decodeMessage(b[:n], &m), "truncated to %d bytes", n)
		}
	})
	t.Run("a count beyond the record is refused before allocating", func(t *testing.T) {
		pull := encodeMessage(cases["minimal"]) // ends with a subscriber count of 0
		var m emulator.Message
		require.Error(t, decodeMessage(append(pull[:len(pull)-1], 0xff, 0xff, 0xff, 0xff, 0x0f), &m))
	})
}

// legacyPushRecord is a push message's record as builds before schema 2
// wrote it (message codec version 1: subscribers as JSON), byte for byte.
const legacyPushRecord = "010704aab4aab3cdfda3eb31aab4aab3cdfda3eb31aab4efbe93cfa5eb31000001620103582d41013198025b7b224e616d65223a2273222c2255524c223a22687474703a2f2f68222c2248656164657273223a7b224b223a2276227d2c22537461747573223a227265747279696e67222c22537461747573436f6465223a3530332c225472696573223a312c225265747269657352656d61696e696e67223a322c224c6173745472794174223a22323032362d31312d32355431323a30303a30302e3132333435363738395a222c224e6578745472794174223a22323032362d31312d32355431323a30313a30302e3132333435363738395a222c224d7367223a225365727669636520556e617661696c61626c65222c224c617374526573706f6e7365223a2262757379222c225265736572766174696f6e4944223a227231227d5d05"

// TestMessageCodec_Version1 checks that records written before schema 2
// read as they were written, and read the same once written again.
func TestMessageCodec_Version1(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 123456789, time.UTC)
	want := emulator.Message{ID: 7, Body: "b", State: emulator.MessagePushing, AvailableAt: now, PushHeaders: map[string]string{"X-A": "1"},
		Subscribers: []emulator.SubscriberState{{Name: "s", URL: "http://h", Headers: map[string]string{"K": "v"}, Status: emulator.PushRetrying,
			Tries: 1, RetriesRemaining: 2, LastTryAt: now, NextTryAt: now.Add(time.Minute), StatusCode: 503, Msg: "Service Unavailable",
			LastResponse: "busy", ReservationID: "r1"}},
		PostedAt: now, ExpiresAt: now.Add(time.Hour), Position: 5}
	record, err := hex.DecodeString(legacyPushRecord)
	require.NoError(t, err)
	var got emulator.Message
	require.NoError(t, decodeMessage(record, &got))
	require.Equal(t, want, got)

	again := encodeMessage(got)
	require.Equal(t, messageCodecV2, again[0])
	require.Less(t, len(again), len(record)/2, "the binary subscribers are the smaller")
	var reread emulator.Message
	require.NoError(t, decodeMessage(again, &reread))
	require.Equal(t, want, reread)

	for name, subs := range map[string]string{
		"a time before 1678":     `[{"Name":"s","LastTryAt":"1000-01-01T00:00:00Z"}]`,
		"not JSON":               `[{"Name":`,
		"not a subscriber array": `{"Name":"s"}`,
	} {
		t.Run(name, func(t *testing.T) {
			var m emulator.Message
			require.Error(t, decodeMessage(withSubscribersJSON(t, emulator.Message{ID: 1}, subs), &m))
		})
	}
	t.Run("empty headers and lists read as none", func(t *testing.T) {
		for _, subs := range []string{`[]`, `[{"Name":"s","Headers":{},"LastTryAt":"2026-11-25T13:00:00+01:00"}]`} {
			var m emulator.Message
			require.NoError(t, decodeMessage(withSubscribersJSON(t, emulator.Message{ID: 1}, subs), &m))
			var reread emulator.Message
			require.NoError(t, decodeMessage(encodeMessage(m), &reread))
			require.Equal(t, m, reread, subs)
		}
	})
}

// encodeMessageV1 writes m as message codec version 1 did.
func encodeMessageV1(t testing.TB, m emulator.Message) []byte {
	subs, err := json.Marshal(m.Subscribers)
	require.NoError(t, err)
	return withSubscribersJSON(t, m, string(subs))
}

// withSubscribersJSON is a version 1 record of m, without its own
// subscribers, carrying subs as its subscribers' JSON.
func withSubscribersJSON(t testing.TB, m emulator.Message, subs string) []byte {
	pos := m.Position
	m.Subscribers, m.Position = nil, 0
	b := encodeMessage(m) // version 2 ends with a subscriber count of 0
	require.Equal(t, byte(0), b[len(b)-1])
	b[0] = messageCodecV1
	b = appendString(b[:len(b)-1], subs)
	if pos != 0 {
		b = binary.AppendUvarint(b, uint64(pos))
	}
	return b
}

func FuzzMessageCodec(f *testing.F) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	push := emulator.Message{ID: 2, Body: "y", State: emulator.MessagePushing, Subscribers: []emulator.SubscriberState{{Name: "s",
		URL: "http://h", Headers: map[string]string{"k": "v"}, Status: emulator.PushQueued, NextTryAt: now}}}
	f.Add(encodeMessage(emulator.Message{ID: 1, Body: "x", PushHeaders: map[string]string{"a": "b"}}))
	f.Add(encodeMessage(push))
	f.Add(encodeMessageV1(f, push))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m emulator.Message
		if decodeMessage(data, &m) != nil {
			return
		}
		var m2 emulator.Message
		require.NoError(t, decodeMessage(encodeMessage(m), &m2))
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

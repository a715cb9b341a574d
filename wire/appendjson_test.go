package wire

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// encodingJSON is what a json.Encoder with HTML escaping off writes for v,
// without its newline: what every AppendJSON must write.
func encodingJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

type appender interface {
	AppendJSON([]byte) ([]byte, error)
}

// requireSameJSON checks that v's AppendJSON writes what encoding/json
// does, and fails exactly when it fails.
func requireSameJSON(t *testing.T, v appender) {
	t.Helper()
	want, wantErr := encodingJSON(v)
	got, err := v.AppendJSON([]byte("prefix"))
	if wantErr != nil {
		require.Error(t, err, "encoding/json refused %#v", v)
		return
	}
	require.NoError(t, err)
	require.Equal(t, string(want), string(bytes.TrimPrefix(got, []byte("prefix"))), "%#v", v)
}

// awkward strings: every escape encoding/json makes, invalid UTF-8, the
// JavaScript line separators, HTML characters (not escaped here) and DEL.
var awkward = []string{
	"", "plain", `"quoted"`, `back\slash`, "\b\f\n\r\t", "\x00\x01\x1f\x7f", "<a href='x'>&amp;</a>",
	"\u2028\u2029", "héllo wörld ✓ 𝄞", "\xff", "a\xc3", "\xe2\x80", "\xed\xa0\x80", "x\u2028y\xffz",
}

func TestAppendJSON_matchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 12, 7, 19, 30, 1, 123456789, time.FixedZone("x", 3600))
	for _, s := range awkward {
		requireSameJSON(t, Msg{Msg: s})
		requireSameJSON(t, PostedMessages{IDs: []string{s, "6000000000000000001"}, Msg: s})
		requireSameJSON(t, MessageList{Messages: []Message{{ID: s, Body: s, ReservedCount: 3, ReservationID: s}, {Body: s}}})
		requireSameJSON(t, Item{Cache: s, Key: s, Value: json.RawMessage(`"` + s + `"`), CAS: s, Flags: -2})
	}
	requireSameJSON(t, PostedMessages{})
	requireSameJSON(t, PostedMessages{IDs: []string{}})
	requireSameJSON(t, MessageList{})
	requireSameJSON(t, MessageList{Messages: []Message{}})
	for _, exp := range []time.Time{{}, NeverExpires, at, time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		requireSameJSON(t, Item{Value: json.RawMessage(`1`), Expires: Expires{exp}})
	}
	for _, raw := range []string{"", " ", "12", "-1.5e3", "true", " \t\"a b\\\" c\"\n", "nul", `{"a" : [1, 2]}`, `"\u00e9"`, "1 2"} {
		requireSameJSON(t, Item{Value: json.RawMessage(raw)})
	}
	requireSameJSON(t, Item{}) // a nil value is null
}

func FuzzAppendJSON(f *testing.F) {
	for _, s := range awkward {
		f.Add(s, []byte(`"`+s+`"`), 1)
	}
	f.Add("k", []byte(` [ 1 , "a\" ]" ] `), 0)
	f.Fuzz(func(t *testing.T, s string, raw []byte, n int) {
		requireSameJSON(t, Msg{Msg: s})
		requireSameJSON(t, PostedMessages{IDs: []string{s}, Msg: s})
		requireSameJSON(t, MessageList{Messages: []Message{{ID: s, Body: s, ReservedCount: n, ReservationID: s}}})
		requireSameJSON(t, Item{Cache: s, Key: s, Value: raw, CAS: s, Flags: n})
	})
}

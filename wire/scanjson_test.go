package wire

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

type plainScanner interface {
	ScanJSON([]byte) bool
}

// scanners returns a zero value of each type with a ScanJSON.
func scanners() []plainScanner {
	return []plainScanner{&ReservationBody{}, &ReservationRef{}, &MessagesBody{}, &ItemBody{}, &MessageRefs{}}
}

// requireSameDecoding checks that when v's ScanJSON takes data, it decodes
// what json.Unmarshal decodes into a zero value, and that when it does not,
// v is left zero. It reports whether ScanJSON took data.
func requireSameDecoding(t *testing.T, v plainScanner, data []byte) bool {
	t.Helper()
	typ := reflect.TypeOf(v).Elem()
	if !v.ScanJSON(data) {
		require.True(t, reflect.ValueOf(v).Elem().IsZero(), "%s: a refused body changed the value", typ)
		return false
	}
	want := reflect.New(typ).Interface()
	require.NoError(t, json.Unmarshal(data, want), "%s: ScanJSON took %q, which encoding/json refuses", typ, data)
	require.Equal(t, want, v, "%s: %q", typ, data)
	return true
}

func TestScanJSON_matchesEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		v     plainScanner
		plain []string // taken by ScanJSON
		other []string // left to encoding/json
	}{
		{&ReservationBody{},
			[]string{`{"n":1,"timeout":60}`, ` { "n" : 100 , "wait" : 30, "delete": true } `, `{}`, `{"n":-0,"delete":false}`, `{"timeout":999999999}`, `{"n":-7}`},
			[]string{`{"n":1.5}`, `{"n":1e2}`, `{"n":null}`, `{"N":1}`, `{"n":1,"n":2}`, `{"n":"1"}`, `{"n":01}`, `{"timeout":1000000000}`, `{"x":1}`, `{"n":1}x`, `{"n":1,}`, `[]`, `{"n":-}`, `{"delete":tru}`},
		},
		{&ReservationRef{},
			[]string{`{"reservation_id":"abc"}`, `{"reservation_id":"a\"b\\c\/d\n\t\r\b\f\u00e9\u0000","subscriber_name":"s","timeout":3,"delay":0}`, `{"reservation_id":"é日本"}`, `{"\u0072eservation_id":"k"}`},
			[]string{`{"reservation_id":"\ud83d\ude00"}`, `{"reservation_id":"\ud800"}`, "{\"reservation_id\":\"\xff\"}", "{\"reservation_id\":\"a\nb\"}", `{"reservation_id":"\x"}`, `{"reservation_id":"\u12"}`, `{"reservation_id":"abc`, `{"reservation_id":null}`, `{"Reservation_ID":"a"}`},
		},
		{&MessagesBody{},
			[]string{`{"messages":[{"body":"hello"}]}`, `{"messages":[]}`, `{"messages":[{"body":"","delay":5,"timeout":30,"expires_in":60},{"body":"{\"a\":[1,2]}"}]}`, `{"messages":[{}]}`},
			[]string{`{"messages":[{"body":"a","push_headers":{"k":"v"}}]}`, `{"messages":null}`, `{"messages":[{"body":null}]}`, `{"messages":[{"body":"a"}],"messages":[{"body":"b"}]}`, `{"messages":[{"body":"a","body":"b"}]}`, `{"messages":[1]}`, `{"messages":[{"body":"a"},]}`},
		},
		{&MessageRefs{},
			[]string{`{"ids":["6000000000000000001","6000000000000000002"]}`, `{"ids":[]}`, `{}`,
				`{"ids":[{"id":"1","reservation_id":"r1"},"2",{"id":"3","subscriber_name":"s"},{}]}`, ` { "ids" : [ "a\u00e9" ] } `},
			[]string{`{"ids":null}`, `{"ids":[null]}`, `{"ids":[1]}`, `{"ids":["1"],"ids":["2"]}`, `{"ids":[{"id":"1","id":"2"}]}`,
				`{"IDs":["1"]}`, `{"ids":[{"ID":"1"}]}`, `{"ids":[{"id":1}]}`, `{"ids":["1",]}`, `{"ids":["1"]}x`, `{"ids":[{"id":"1","x":2}]}`, `["1"]`},
		},
		{&ItemBody{},
			[]string{`{"value":"v"}`, `{"value":12}`, `{"value":-1.5e+3,"expires_in":10,"replace":true,"add":false}`, `{"value":true}`, `{"value":"a\"b\u00e9"}`, `{"value":0}`},
			[]string{`{"value":{"a":1}}`, `{"value":[1]}`, `{"value":null}`, `{"value":"v","cas":5}`, `{"value":01}`, `{"value":1.}`, `{"value":.5}`, `{"value":-}`, `{"value":1e}`, `{"value":"\ud83d\ude00"}`},
		},
	} {
		typ := reflect.TypeOf(tc.v).Elem()
		for _, s := range tc.plain {
			v := reflect.New(typ).Interface().(plainScanner)
			require.True(t, requireSameDecoding(t, v, []byte(s)), "%s: ScanJSON refused the plain %q", typ, s)
		}
		for _, s := range tc.other {
			v := reflect.New(typ).Interface().(plainScanner)
			require.False(t, requireSameDecoding(t, v, []byte(s)), "%s: ScanJSON took %q, which is encoding/json's", typ, s)
		}
	}
}

// FuzzScanJSON feeds every ScanJSON the same bytes: whatever one takes,
// it must decode as encoding/json does.
func FuzzScanJSON(f *testing.F) {
	for _, s := range []string{
		`{"n":1,"timeout":60}`, `{"reservation_id":"a\"b\u00e9"}`, `{"messages":[{"body":"x","delay":2}]}`,
		`{"value":-1.5e3,"expires_in":10,"add":true}`, `{"value":"\ud83d\ude00"}`, `{"n":1,"n":2}`,
		`{"ids":[{"id":"1","reservation_id":"r"},"2"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range scanners() {
			requireSameDecoding(t, v, data)
		}
	})
}

// BenchmarkScanJSON compares each hot body's plain form decoded by
// ScanJSON and by json.Unmarshal.
func BenchmarkScanJSON(b *testing.B) {
	for _, tc := range []struct {
		name string
		v    func() plainScanner
		body string
	}{
		{"post", func() plainScanner { return &MessagesBody{} }, `{"messages":[{"body":"ironbench-ironbench-ironbench-ironbench-ironbench-ironbench-body"}]}`},
		{"reserve", func() plainScanner { return &ReservationBody{} }, `{"n":1,"timeout":60}`},
		{"delete", func() plainScanner { return &ReservationRef{} }, `{"reservation_id":"a1b2c3d4e5f6a7b8c9d0e1f2"}`},
		{"put", func() plainScanner { return &ItemBody{} }, `{"value":"ironbench-ironbench-ironbench-ironbench-ironbench-ironbench-body"}`},
	} {
		data := []byte(tc.body)
		b.Run(tc.name+"/ScanJSON", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !tc.v().ScanJSON(data) {
					b.Fatal("not the plain form")
				}
			}
		})
		b.Run(tc.name+"/Unmarshal", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := json.Unmarshal(data, tc.v()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

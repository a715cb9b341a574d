package journal

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireSameIDs checks that when scanIDs reads answer, it lists what
// decodeIDs lists, and reports whether it read it.
func requireSameIDs(t *testing.T, answer string) bool {
	t.Helper()
	ids, ok := scanIDs([]byte(answer))
	if ok {
		require.Equal(t, decodeIDs([]byte(answer)), ids, "%q", answer)
	}
	return ok
}

func TestScanIDs_matchesDecodeIDs(t *testing.T) {
	reserve := `{"messages":[` + strings.Repeat(`{"id":"6000000000000000001","body":"{\"id\":\"no\",\"a\":[1,2.5e-3,true,null]}\u003c","reserved_count":1,"reservation_id":"r1"},`, 99) +
		`{"id":"6000000000000000100","body":"é","reserved_count":1,"reservation_id":"r100"}]}`
	for _, answer := range []string{
		reserve,
		`{"ids":["m1","m2"],"msg":"Messages put on queue."}`,
		`{"task_id":"t1","id":"e1","binding_id":"b"}`,
		`{"tasks":[{"id":"x"}]}`,
		`{"b":{"id":"2"},"a":{"id":"1"}}`, // members out of key order: their ids sorted too
		`{"id":null,"ids":[1,{"id":"n"}],"task_id":false}`,
		` [ { "id" : "a" } , "b" , -0 , 0.5 , 1E+9 ] `,
		`{"ids":[]}`, `{}`, `"id"`,
		`{"id":"a\"b\u00e9"}`, `{"\u0069d":"x"}`, // escapes decoded
		"{\"id\":\"x\",\"body\":\"\xff\"}", // not UTF-8 where no id is
	} {
		require.True(t, requireSameIDs(t, answer), "scanIDs refused %q", answer)
	}
	for _, answer := range []string{
		"{\"id\":\"\xff\"}",     // an id not in UTF-8
		`{"id":"\ud83d\ude00"}`, // an id with a surrogate escape
		`{"id":"x","id":"y"}`,   // a key twice
		`{"a":1,"a":2,"id":"x"}`,
		`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"id":"x"}`, // nine members
		strings.Repeat(`[`, maxScanDepth+1) + strings.Repeat(`]`, maxScanDepth+1),
		`{"id":"x"} x`, `{"id":"x",}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`,
		"{\"a\":\"\n\"}", `{"id":"x"`, ``, `nul`,
	} {
		require.False(t, requireSameIDs(t, answer), "scanIDs took %q, which is decodeIDs's", answer)
	}
	require.Equal(t, decodeIDs([]byte(reserve)), IDsOf([]byte(reserve)))
	require.Len(t, IDsOf([]byte(reserve)), 200)
}

// FuzzIDsOf: whatever scanIDs reads, it lists as decodeIDs does.
func FuzzIDsOf(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"reservation_id":"r7","id":"7","body":"{\"id\":\"x\"}"},{"id":"8"}]}`,
		`{"b":{"id":"2"},"a":{"ids":["1",null]}}`, `{"id":"x","id":"y"}`, `[1,-2.5e+3,true,false,null,"\u00e9"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		requireSameIDs(t, string(data))
	})
}

func BenchmarkIDsOf(b *testing.B) {
	answer := []byte(`{"messages":[` + strings.Repeat(`{"id":"6000000000000000001","body":"0123456789012345678901234567890123456789012345678901234567890123","reserved_count":1,"reservation_id":"0123456789abcdef0123456789abcdef"},`, 99) +
		`{"id":"6000000000000000100","body":"x","reserved_count":1,"reservation_id":"r"}]}`)
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			scanIDs(answer)
		}
	})
	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			decodeIDs(answer)
		}
	})
}

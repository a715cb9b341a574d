package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// item is the wire form of a cache item; Value keeps its JSON type.
type item struct {
	Cache   string          `json:"cache"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"`
	CAS     string          `json:"cas"`
	Expires string          `json:"expires"`
	Flags   int             `json:"flags"`
}

func (e *env) put(t *testing.T, cache, key, body string) reply {
	t.Helper()
	return e.do(t, http.MethodPut, itemPath(cache, key), body)
}

func (e *env) item(t *testing.T, cache, key string) item {
	t.Helper()
	var got item
	e.do(t, http.MethodGet, itemPath(cache, key), "").decode(t, http.StatusOK, &got)
	return got
}

func TestItem_Put(t *testing.T) {
	e := newEnv(t)

	t.Run("exact item", func(t *testing.T) {
		e.put(t, "c", "k", `{"value":"hello"}`).expect(t, http.StatusOK, `{"msg":"Stored."}`)
		e.do(t, http.MethodGet, itemPath("c", "k"), "{}").scrub(t, "cas", reDigits, "CAS").expect(t, http.StatusOK,
			`{"cache":"c","key":"k","value":"hello","cas":"CAS","expires":"9999-01-01T00:00:00Z","flags":0}`)
	})
	values := []struct{ name, value string }{
		{"string", `"hello"`},
		{"empty string", `""`},
		{"escaped string", `"a\"b\u00e9<>&"`},
		{"integer", `42`},
		{"negative", `-7`},
		{"float", `1.5`},
		{"big integer", `12345678901234567890`},
		{"true", `true`},
		{"false", `false`},
	}
	for _, tc := range values {
		t.Run("value "+tc.name, func(t *testing.T) {
			e.put(t, "types", tc.name, `{"value":`+tc.value+`}`).expectMsg(t, http.StatusOK, "Stored.")
			got := e.item(t, "types", tc.name)
			require.JSONEq(t, tc.value, string(got.Value), "value keeps its JSON type")
		})
	}
	t.Run("overwrite", func(t *testing.T) {
		e.put(t, "c", "over", `{"value":"a"}`)
		first := e.item(t, "c", "over").CAS
		e.put(t, "c", "over", `{"value":2}`).expectMsg(t, http.StatusOK, "Stored.")
		got := e.item(t, "c", "over")
		require.JSONEq(t, `2`, string(got.Value), "value after overwrite")
		require.NotEqual(t, first, got.CAS, "every store assigns a new cas")
	})
	t.Run("unknown fields are ignored", func(t *testing.T) {
		e.put(t, "c", "ruby", `{"value":"v","cache_name":"c","replace":null,"add":null,"cas":null,"expires_in":null}`).
			expectMsg(t, http.StatusOK, "Stored.")
	})
	t.Run("key with spaces and plus", func(t *testing.T) {
		e.put(t, "c", "a%20b+c", `{"value":1}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, "a b+c", e.item(t, "c", "a%20b+c").Key, "key: %%20 decodes, + stays literal")
	})
	t.Run("key of 250 characters", func(t *testing.T) {
		key := strings.Repeat("k", 250)
		e.put(t, "c", key, `{"value":1}`).expectMsg(t, http.StatusOK, "Stored.")
		e.put(t, "c", key+"k", `{"value":1}`).expectError(t, http.StatusBadRequest)
	})
	t.Run("key of 250 multi-byte characters", func(t *testing.T) {
		key := strings.Repeat("é", 250)
		e.put(t, "c", key, `{"value":1}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, key, e.item(t, "c", key).Key)
	})
	t.Run("large value", func(t *testing.T) {
		v := strings.Repeat("x", 512<<10)
		e.put(t, "c", "large", `{"value":"`+v+`"}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Len(t, e.item(t, "c", "large").Value, len(v)+2, "value length")
	})
	t.Run("value over 1 MB", func(t *testing.T) {
		e.put(t, "c", "huge", `{"value":"`+strings.Repeat("x", 1<<20+1)+`"}`).expectError(t, http.StatusRequestEntityTooLarge)
	})
	bad := []struct{ name, body string }{
		{"object", `{"value":{"a":1}}`},
		{"array", `{"value":[1,2]}`},
		{"null", `{"value":null}`},
		{"missing", `{"expires_in":10}`},
		{"empty body", ``},
		{"negative expires_in", `{"value":"v","expires_in":-1}`},
		{"expires_in as string", `{"value":"v","expires_in":"10"}`},
		{"cas not digits", `{"value":"v","cas":"abc"}`},
		{"cas negative", `{"value":"v","cas":-1}`},
		{"add as string", `{"value":"v","add":"true"}`},
		{"malformed", `{"value":`},
	}
	for _, tc := range bad {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			e.put(t, "bad", "k", tc.body).expectError(t, http.StatusBadRequest)
			e.do(t, http.MethodGet, itemPath("bad", "k"), "").expectError(t, http.StatusNotFound)
		})
	}
}

func TestItem_Expiry(t *testing.T) {
	e := newEnv(t)

	t.Run("expires_in", func(t *testing.T) {
		now := e.now()
		e.put(t, "exp", "k", `{"value":"v","expires_in":60}`).expectMsg(t, http.StatusOK, "Stored.")
		got := e.item(t, "exp", "k")
		require.Equal(t, emulator.FormatWireTime(now.Add(time.Minute)), got.Expires, "expires")
		e.advance(59 * time.Second)
		e.item(t, "exp", "k")
		e.advance(time.Second)
		e.do(t, http.MethodGet, itemPath("exp", "k"), "").expect(t, http.StatusNotFound, `{"msg":"Item not found"}`)
	})
	t.Run("zero or absent never expires", func(t *testing.T) {
		e.put(t, "exp", "zero", `{"value":"v","expires_in":0}`)
		e.put(t, "exp", "absent", `{"value":"v"}`)
		e.advance(365 * 24 * time.Hour)
		require.Equal(t, "9999-01-01T00:00:00Z", e.item(t, "exp", "zero").Expires)
		require.Equal(t, "9999-01-01T00:00:00Z", e.item(t, "exp", "absent").Expires)
	})
	t.Run("float expires_in is truncated", func(t *testing.T) {
		now := e.now()
		e.put(t, "exp", "float", `{"value":"v","expires_in":60.9}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, emulator.FormatWireTime(now.Add(time.Minute)), e.item(t, "exp", "float").Expires, "expires")
	})
	t.Run("clamped to 30 days", func(t *testing.T) {
		now := e.now()
		e.put(t, "exp", "long", `{"value":"v","expires_in":99999999}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, emulator.FormatWireTime(now.Add(30*24*time.Hour)), e.item(t, "exp", "long").Expires, "expires")
	})
	t.Run("a new store resets the expiry", func(t *testing.T) {
		e.put(t, "exp", "reset", `{"value":"v","expires_in":10}`)
		e.advance(5 * time.Second)
		e.put(t, "exp", "reset", `{"value":"w","expires_in":10}`)
		e.advance(9 * time.Second)
		require.JSONEq(t, `"w"`, string(e.item(t, "exp", "reset").Value))
		e.put(t, "exp", "reset", `{"value":"x"}`)
		e.advance(time.Hour)
		require.Equal(t, "9999-01-01T00:00:00Z", e.item(t, "exp", "reset").Expires)
	})
	t.Run("an expired item can be added again", func(t *testing.T) {
		e.put(t, "exp", "readd", `{"value":"old","expires_in":10}`)
		e.advance(10 * time.Second)
		e.put(t, "exp", "readd", `{"value":"new","add":true}`).expectMsg(t, http.StatusOK, "Stored.")
		require.JSONEq(t, `"new"`, string(e.item(t, "exp", "readd").Value))
	})
}

func TestItem_ConditionalPut(t *testing.T) {
	e := newEnv(t)
	value := func(t *testing.T, key string) string {
		t.Helper()
		return string(e.item(t, "cond", key).Value)
	}

	t.Run("add on a missing key", func(t *testing.T) {
		e.put(t, "cond", "add-new", `{"value":"v","add":true}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, `"v"`, value(t, "add-new"))
	})
	t.Run("add on an existing key", func(t *testing.T) {
		e.put(t, "cond", "add-old", `{"value":"old"}`)
		cas := e.item(t, "cond", "add-old").CAS
		e.put(t, "cond", "add-old", `{"value":"new","add":true}`).expect(t, http.StatusOK, `{"msg":"Not stored."}`)
		got := e.item(t, "cond", "add-old")
		require.Equal(t, `"old"`, string(got.Value), "value after refused add")
		require.Equal(t, cas, got.CAS, "cas after refused add")
	})
	t.Run("replace on a missing key", func(t *testing.T) {
		e.put(t, "cond", "rep-new", `{"value":"v","replace":true}`).expectMsg(t, http.StatusOK, "Not stored.")
		e.do(t, http.MethodGet, itemPath("cond", "rep-new"), "").expectMsg(t, http.StatusNotFound, "Item not found")
	})
	t.Run("replace on an existing key", func(t *testing.T) {
		e.put(t, "cond", "rep-old", `{"value":"old"}`)
		e.put(t, "cond", "rep-old", `{"value":"new","replace":true}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, `"new"`, value(t, "rep-old"))
	})
	for _, form := range []string{"string", "number"} {
		t.Run("cas as a "+form, func(t *testing.T) {
			key := "cas-" + form
			e.put(t, "cond", key, `{"value":1}`)
			cas := e.item(t, "cond", key).CAS
			require.Regexp(t, reDigits, cas, "cas is a string of digits")
			n, err := strconv.ParseUint(cas, 10, 64)
			require.NoError(t, err)
			stale := fmt.Sprint(n + 1000)
			if form == "string" {
				cas, stale = strconv.Quote(cas), strconv.Quote(stale)
			}
			e.put(t, "cond", key, `{"value":2,"cas":`+stale+`}`).expectMsg(t, http.StatusOK, "Not stored.")
			require.Equal(t, `1`, value(t, key), "value after a stale cas")
			e.put(t, "cond", key, `{"value":3,"cas":`+cas+`}`).expectMsg(t, http.StatusOK, "Stored.")
			require.Equal(t, `3`, value(t, key), "value after a matching cas")
			e.put(t, "cond", key, `{"value":4,"cas":`+cas+`}`).expectMsg(t, http.StatusOK, "Not stored.")
			require.Equal(t, `3`, value(t, key), "value after reusing a spent cas")
		})
	}
	t.Run("cas on a missing key", func(t *testing.T) {
		e.put(t, "cond", "cas-missing", `{"value":1,"cas":"1"}`).expectMsg(t, http.StatusOK, "Not stored.")
		e.do(t, http.MethodGet, itemPath("cond", "cas-missing"), "").expectMsg(t, http.StatusNotFound, "Item not found")
	})
	t.Run("replace on an expired key", func(t *testing.T) {
		e.put(t, "cond", "rep-exp", `{"value":"old","expires_in":5}`)
		e.advance(5 * time.Second)
		e.put(t, "cond", "rep-exp", `{"value":"new","replace":true}`).expectMsg(t, http.StatusOK, "Not stored.")
	})
}

func TestItem_Increment(t *testing.T) {
	e := newEnv(t)
	incr := func(t *testing.T, key, body string) reply {
		t.Helper()
		return e.do(t, http.MethodPost, itemPath("incr", key, "/increment"), body)
	}

	t.Run("creates a missing key", func(t *testing.T) {
		incr(t, "new", `{"amount":5}`).expect(t, http.StatusOK, `{"msg":"Added","value":5}`)
		got := e.item(t, "incr", "new")
		require.Equal(t, `5`, string(got.Value), "value is a JSON number")
		require.Equal(t, "9999-01-01T00:00:00Z", got.Expires, "created without expiry")
	})
	t.Run("adds to a number", func(t *testing.T) {
		e.put(t, "incr", "num", `{"value":40}`)
		cas := e.item(t, "incr", "num").CAS
		incr(t, "num", `{"amount":2}`).expect(t, http.StatusOK, `{"msg":"Added","value":42}`)
		got := e.item(t, "incr", "num")
		require.Equal(t, `42`, string(got.Value))
		require.NotEqual(t, cas, got.CAS, "increment assigns a new cas")
	})
	t.Run("numeric string becomes a number", func(t *testing.T) {
		e.put(t, "incr", "str", `{"value":"10"}`)
		incr(t, "str", `{"amount":3}`).expect(t, http.StatusOK, `{"msg":"Added","value":13}`)
		require.Equal(t, `13`, string(e.item(t, "incr", "str").Value))
	})
	t.Run("negative amounts", func(t *testing.T) {
		e.put(t, "incr", "neg", `{"value":1}`)
		incr(t, "neg", `{"amount":-3}`).expect(t, http.StatusOK, `{"msg":"Added","value":-2}`)
		incr(t, "neg", `{"amount":-1}`).expect(t, http.StatusOK, `{"msg":"Added","value":-3}`)
	})
	t.Run("keeps the expiry", func(t *testing.T) {
		e.put(t, "incr", "exp", `{"value":1,"expires_in":60}`)
		want := e.item(t, "incr", "exp").Expires
		e.advance(30 * time.Second)
		incr(t, "exp", `{"amount":1}`).expect(t, http.StatusOK, `{"msg":"Added","value":2}`)
		require.Equal(t, want, e.item(t, "incr", "exp").Expires, "expires after increment")
		e.advance(30 * time.Second)
		e.do(t, http.MethodGet, itemPath("incr", "exp"), "").expectMsg(t, http.StatusNotFound, "Item not found")
	})
	t.Run("expired key starts again", func(t *testing.T) {
		e.put(t, "incr", "gone", `{"value":100,"expires_in":1}`)
		e.advance(time.Second)
		incr(t, "gone", `{"amount":1}`).expect(t, http.StatusOK, `{"msg":"Added","value":1}`)
	})
	for _, v := range []string{`"abc"`, `"1.5"`, `1.5`, `true`, `""`} {
		t.Run("non-numeric value "+v, func(t *testing.T) {
			e.put(t, "incr", "nan", `{"value":`+v+`}`)
			incr(t, "nan", `{"amount":1}`).expect(t, http.StatusBadRequest, `{"msg":"Cannot increment or decrement non-numeric value"}`)
			require.JSONEq(t, v, string(e.item(t, "incr", "nan").Value), "value after refused increment")
		})
	}
	for _, body := range []string{``, `{}`, `{"amount":null}`, `{"amount":"x"}`, `{"amount":1.5}`, `{"amount":true}`} {
		t.Run(fmt.Sprintf("bad amount %q", body), func(t *testing.T) {
			incr(t, "bad", body).expectError(t, http.StatusBadRequest)
			e.do(t, http.MethodGet, itemPath("incr", "bad"), "").expectMsg(t, http.StatusNotFound, "Item not found")
		})
	}
}

func TestItem_Delete(t *testing.T) {
	e := newEnv(t)

	e.put(t, "del", "k", `{"value":"v"}`)
	e.do(t, http.MethodDelete, itemPath("del", "k"), "{}").expect(t, http.StatusOK, `{"msg":"Deleted."}`)
	e.do(t, http.MethodGet, itemPath("del", "k"), "").expect(t, http.StatusNotFound, `{"msg":"Item not found"}`)
	e.do(t, http.MethodDelete, itemPath("del", "k"), "").expectMsg(t, http.StatusNotFound, "Item not found")
	e.do(t, http.MethodDelete, itemPath("nocache", "k"), "").expectError(t, http.StatusNotFound)
}

func TestCache_Get(t *testing.T) {
	e := newEnv(t)

	t.Run("exact info", func(t *testing.T) {
		e.put(t, "info", "a", `{"value":1}`)
		e.put(t, "info", "b", `{"value":2}`)
		e.do(t, http.MethodGet, cachePath("info"), "{}").expect(t, http.StatusOK,
			`{"project_id":"`+project+`","name":"info","size":2}`)
	})
	t.Run("size counts live items", func(t *testing.T) {
		e.put(t, "live", "forever", `{"value":1}`)
		e.put(t, "live", "brief", `{"value":1,"expires_in":10}`)
		e.put(t, "live", "deleted", `{"value":1}`)
		e.do(t, http.MethodDelete, itemPath("live", "deleted"), "")
		e.advance(10 * time.Second)
		e.do(t, http.MethodGet, cachePath("live"), "").expect(t, http.StatusOK,
			`{"project_id":"`+project+`","name":"live","size":1}`)
	})
	t.Run("unknown cache", func(t *testing.T) {
		e.do(t, http.MethodGet, cachePath("nope"), "").expectMsg(t, http.StatusNotFound, "Cache not found")
	})
}

func TestCache_List(t *testing.T) {
	e := newEnv(t)
	entry := func(name string) string { return `{"project_id":"` + project + `","name":"` + name + `"}` }

	t.Run("empty project", func(t *testing.T) {
		e.do(t, http.MethodGet, cachesPath(), "").expect(t, http.StatusOK, `[]`)
	})
	for _, c := range []string{"b", "a", "c"} {
		e.put(t, c, "k", `{"value":1}`)
	}
	cases := []struct{ name, query, want string }{
		{"bare array sorted", "", "[" + entry("a") + "," + entry("b") + "," + entry("c") + "]"},
		{"first page", "?per_page=2", "[" + entry("a") + "," + entry("b") + "]"},
		{"second page", "?per_page=2&page=1", "[" + entry("c") + "]"},
		{"past the end", "?per_page=2&page=5", "[]"},
		{"per_page 101 is clamped", "?per_page=101", "[" + entry("a") + "," + entry("b") + "," + entry("c") + "]"},
		{"negative page", "?page=-1", "[" + entry("a") + "," + entry("b") + "," + entry("c") + "]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, http.MethodGet, cachesPath()+tc.query, "").expect(t, http.StatusOK, tc.want)
		})
	}
	t.Run("bad page", func(t *testing.T) {
		e.do(t, http.MethodGet, cachesPath()+"?page=x", "").expectError(t, http.StatusBadRequest)
	})
}

func TestCache_Delete(t *testing.T) {
	e := newEnv(t)

	e.put(t, "del", "k", `{"value":1}`)
	e.do(t, http.MethodDelete, cachePath("del"), "{}").expect(t, http.StatusOK, `{"msg":"Deleted."}`)
	e.do(t, http.MethodGet, cachePath("del"), "").expectMsg(t, http.StatusNotFound, "Cache not found")
	e.do(t, http.MethodGet, itemPath("del", "k"), "").expectError(t, http.StatusNotFound)
	e.do(t, http.MethodGet, cachesPath(), "").expect(t, http.StatusOK, `[]`)
	e.do(t, http.MethodDelete, cachePath("del"), "").expectMsg(t, http.StatusNotFound, "Cache not found")

	t.Run("recreated empty", func(t *testing.T) {
		e.put(t, "del", "other", `{"value":1}`)
		e.do(t, http.MethodGet, cachePath("del"), "").expect(t, http.StatusOK, `{"project_id":"`+project+`","name":"del","size":1}`)
		e.do(t, http.MethodGet, itemPath("del", "k"), "").expectError(t, http.StatusNotFound)
	})
}

func TestCache_Clear(t *testing.T) {
	e := newEnv(t)

	e.put(t, "clr", "a", `{"value":1}`)
	e.put(t, "clr", "b", `{"value":1}`)
	e.do(t, http.MethodPost, cachePath("clr", "/clear"), "").expect(t, http.StatusOK, `{"msg":"Cleared."}`)
	e.do(t, http.MethodGet, cachePath("clr"), "").expect(t, http.StatusOK, `{"project_id":"`+project+`","name":"clr","size":0}`)
	e.do(t, http.MethodGet, itemPath("clr", "a"), "").expectMsg(t, http.StatusNotFound, "Item not found")
	e.put(t, "clr", "a", `{"value":2}`).expectMsg(t, http.StatusOK, "Stored.")
	require.Equal(t, `2`, string(e.item(t, "clr", "a").Value), "value stored after clear")
	e.do(t, http.MethodPost, cachePath("missing", "/clear"), "{}").expectMsg(t, http.StatusNotFound, "Cache not found")
}

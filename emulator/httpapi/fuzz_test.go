package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// fuzzRoutes are the targets of FuzzAPI. {name} is replaced by the fuzzed
// name, path-escaped, {raw} by the fuzzed name as is (query strings and path
// tails). shapes gives, per method, the sorted top-level fields of a success
// (nil: a bare array); routes without shapes take free paths.
var fuzzRoutes = []struct {
	path   string
	shapes map[string][]string
}{
	{"/3/projects/P/queues?{raw}", map[string][]string{"GET": {"queues"}}},
	{"/3/projects/P/queues/{name}", map[string][]string{"GET": {"queue"}, "PUT": {"queue"}, "PATCH": {"queue"}, "DELETE": {"msg"}}},
	{"/3/projects/P/queues/{name}/messages", map[string][]string{"POST": {"ids", "msg"}, "GET": {"messages"}, "DELETE": {"msg"}}},
	{"/3/projects/P/queues/{name}/reservations", map[string][]string{"POST": {"messages"}}},
	{"/3/projects/P/queues/fz/messages?{raw}", map[string][]string{"POST": {"ids", "msg"}, "GET": {"messages"}, "DELETE": {"msg"}}},
	{"/3/projects/P/queues/fz/messages/{name}", map[string][]string{"GET": {"message"}, "DELETE": {"msg"}}},
	{"/3/projects/P/queues/fz/messages/{name}/touch", map[string][]string{"POST": {"msg", "reservation_id"}}},
	{"/3/projects/P/queues/fz/messages/{name}/release", map[string][]string{"POST": {"msg"}}},
	{"/1/projects/P/caches?{raw}", map[string][]string{"GET": nil}}, // a bare array
	{"/1/projects/P/caches/{name}", map[string][]string{"GET": {"name", "project_id", "size"}, "DELETE": {"msg"}}},
	{"/1/projects/P/caches/{name}/clear", map[string][]string{"POST": {"msg"}}},
	{"/1/projects/P/caches/fz/items/{name}", map[string][]string{"PUT": {"msg"}, "GET": {"cache", "cas", "expires", "flags", "key", "value"}, "DELETE": {"msg"}}},
	{"/1/projects/P/caches/fz/items/{name}/increment", map[string][]string{"POST": {"msg", "value"}}},
	{"/3/projects/P/{raw}", nil},
	{"/1/projects/P/{raw}", nil},
	// Worker and push-settings decoders. No route here can create a code
	// package, so nothing the fuzzer sends ever runs as a task.
	{"/2/projects/P/schedules", nil},
	{"/2/projects/P/schedules/{name}", nil},
	{"/2/projects/P/tasks/webhook?{raw}", nil},
	{"/2/projects/P/tasks/{name}/progress", nil},
	{"/2/projects/P/tasks/{name}/retry", nil},
	{"/3/projects/P/queues/{name}/subscribers", nil},
	{"/3/projects/P/queues/{name}/alerts", nil},
}

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// FuzzAPI sends arbitrary bodies to arbitrary names and paths under the MQ
// and cache routes. Whatever comes in, the answer is never a 500, always
// JSON with the transport headers of spec §1.4, an error is exactly
// {"msg":"…"}, and a success has the route's shape.
func FuzzAPI(f *testing.F) {
	e := newEnvWith(f, server.Options{VirtualClock: true})
	req, err := http.NewRequest(http.MethodPost, e.srv.URL()+queuePath("fz", "/messages"),
		strings.NewReader(`{"messages":[{"body":"a"},{"body":"b"},{"body":"c"}]}`))
	require.NoError(f, err)
	req.Header.Set("Authorization", "OAuth "+token)
	r, err := e.roundTrip(req)
	require.NoError(f, err)
	var posted struct{ IDs []string }
	require.NoError(f, json.Unmarshal(r.body, &posted), "%v", r)
	require.Len(f, posted.IDs, 3, "%v", r)
	id := posted.IDs[0]

	seeds := []struct {
		method, route int
		name, body    string
	}{
		{0, 0, "prefix=a&per_page=101&previous=b&page=2", ""},
		{2, 1, "jobs", `{"queue":{"message_timeout":30,"message_expiration":3600.0}}`},
		{3, 1, "jobs", `{"queue":{"type":"multicast","push":{"subscribers":[{"url":"http://127.0.0.1:1/p"}]}}}`},
		{2, 1, "jobs", `{"queue":{"type":"pull","alerts":[],"dead_letter":null}}`},
		{0, 1, "jobs", "{}"},
		{4, 1, "gone", ""},
		{1, 2, "jobs", `{"messages":[{"body":"hello","delay":5,"push_headers":{"X-A":"1"}},{"body":""}]}`},
		{1, 2, "jobs", `{"messages":[{"body":1}]}`},
		{1, 2, "a b/c", `{"messages":[]}`},
		{1, 2, "..", `{"messages":[{"body":"x"}]}`},
		{1, 2, "", `{"messages":[{"body":"x"}]}`},
		{1, 3, "jobs", `{"n":2,"timeout":30,"delete":true}`},
		{1, 3, "fz", `{"n":100.5,"timeout":-1}`},
		{1, 3, "nope", `{}`},
		{0, 4, "n=30", ""},
		{4, 4, "", `{"ids":["` + id + `",{"id":"1","reservation_id":"x"}]}`},
		{4, 4, "", `{"ids":[42]}`},
		{0, 5, id, ""},
		{4, 5, id, `{"reservation_id":"00000000000000000000000000000000"}`},
		{1, 6, id, `{"reservation_id":"x","timeout":120}`},
		{1, 7, id, `{"reservation_id":"","delay":604801}`},
		{0, 8, "page=1&per_page=-5", ""},
		{0, 9, "fz", ""},
		{4, 9, "other", ""},
		{1, 10, "fz", ""},
		{2, 11, "k", `{"value":"v","expires_in":60,"add":true,"cas":"17"}`},
		{2, 11, "k", `{"value":{"a":1}}`},
		{2, 11, strings.Repeat("k", 251), `{"value":1}`},
		{0, 11, "k", "{}"},
		{1, 12, "k", `{"amount":-5}`},
		{1, 12, "n", `{"amount":1.5}`},
		{0, 13, "queues/fz/messages/" + id, ""},
		{0, 13, "queues/../../x", ""},
		{0, 14, "caches/fz/items/%2F", ""},
		{5, 1, "jobs", ""},
		{1, 3, "fz", "\x00\xff"},
		{1, 2, "fz", `{"messages":[{"body":"x"}]} trailing`},
		{2, 1, "jobs", `{"queue":null}`},
		{2, 1, "jobs", `[]`},
		{1, 15, "", `{"schedules":[{"code_name":"c","start_at":"2030-01-01T00:00:00.123456","run_every":59.9,"cron":"* * *"}]}`},
		{2, 16, "x", `{"end_at":"not a time","payload":7}`},
		{1, 17, "code_name=c&priority=x", "raw body"},
		{1, 18, "x", `{"percent":101,"msg":"m"}`},
		{1, 19, "x", `{"delay":-1}`},
		{1, 20, "jobs", `{"subscribers":[{"name":"a","url":"ftp://x"},{"url":"ironmq:///"}]}`},
		{2, 21, "jobs", `{"alerts":[{"type":"progressive","trigger":0,"queue":"jobs","direction":"up"}]}`},
	}
	for _, s := range seeds {
		f.Add(uint8(s.method), uint8(s.route), s.name, []byte(s.body))
	}

	f.Fuzz(func(t *testing.T, method, route uint8, name string, body []byte) {
		m := fuzzMethods[int(method)%len(fuzzMethods)]
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := strings.ReplaceAll(rt.path, "/P/", "/"+project+"/")
		path = strings.ReplaceAll(path, "{name}", url.PathEscape(name))
		path = strings.ReplaceAll(path, "{raw}", name)
		if longPoll(body) {
			t.Skip("a long poll only waits")
		}
		req, err := http.NewRequest(m, e.srv.URL()+path, bytes.NewReader(body))
		if err != nil || strings.ContainsFunc(req.URL.RequestURI(), func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			// Go's client sends a raw query verbatim; net/http itself
			// answers an invalid request line, before any handler.
			t.Skip("not a valid request target")
		}
		req.Header.Set("Authorization", "OAuth "+token)
		r := e.send(t, req) // never a dropped connection; JSON with exact headers
		require.NotEqual(t, http.StatusInternalServerError, r.status, "%v", r)

		if r.status >= 400 {
			r.expectError(t, r.status)
			return
		}
		require.Contains(t, []int{http.StatusOK, http.StatusCreated}, r.status, "%v", r)
		if rt.shapes == nil {
			return // a free path: any route's shape
		}
		want, known := rt.shapes[m]
		require.True(t, known, "%v: a success on a route that has none for %s", r, m)
		if want == nil {
			var list []map[string]any
			require.NoError(t, json.Unmarshal(r.body, &list), "%v: want a bare array", r)
			return
		}
		var obj map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(r.body, &obj), "%v: want an object", r)
		var got []string
		for k := range obj {
			got = append(got, k)
		}
		slices.Sort(got)
		require.Equal(t, want, got, "%v: fields", r)
	})
}

// longPoll reports whether body asks a reserve to wait, which would only
// slow the fuzzer down.
func longPoll(body []byte) bool {
	var b struct{ Wait any }
	if json.NewDecoder(bytes.NewReader(body)).Decode(&b) != nil {
		return false
	}
	n, ok := b.Wait.(float64)
	return ok && n >= 1
}

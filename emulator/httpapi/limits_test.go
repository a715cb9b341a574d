package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// Bounded resources and the small input bugs of issue 8: each a clear 400.

func TestCodeUpload_Limits(t *testing.T) {
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true, MaxCodeBytes: 1 << 20, MaxCodeEntries: 100})
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	e := &wkEnv{srv: srv, hc: hc, dir: t.TempDir()}
	const zipCode = `{"name":"bomb","runtime":"sh","file_name":"run.sh"}`

	t.Run("a zip declaring more than --max-code-bytes", func(t *testing.T) {
		e.upload(t, zipCode, runtimetest.ZeroZip(t, "run.sh", 2<<20)).msg(t, http.StatusBadRequest,
			"The uploaded zip is too large: the zip's files add up to 2 MiB, over the 1 MiB limit (--max-code-bytes)")
	})

	t.Run("a zip with more entries than --max-code-entries", func(t *testing.T) {
		e.upload(t, zipCode, runtimetest.ManyEntriesZip(t, 101)).msg(t, http.StatusBadRequest,
			"The uploaded zip is too large: the zip has 101 entries, over the limit of 100 (--max-code-entries)")
	})

	t.Run("a zip whose directory lies fails its task", func(t *testing.T) {
		e.upload(t, zipCode, runtimetest.LyingZip(t, "run.sh", 32<<20, 1024)).object(t)
		task := e.waitStatus(t, e.queueOne(t, "bomb", ""), "error")
		require.Equal(t, `extract code zip: entry "run.sh": holds more data than the 1024 bytes the zip declares for it`, task["msg"])
	})

	for _, tc := range []struct {
		name, data, want string
	}{
		{"cpus beyond any engine", `{"name":"c","image":"i","cpus":1e308}`, "cpus must be between 0 (no limit) and 1024"},
		{"negative cpus", `{"name":"c","image":"i","cpus":-0.5}`, "cpus must be between 0 (no limit) and 1024"},
		{"empty env var name", `{"name":"c","image":"i","env_vars":{"":"x"}}`, "env_vars: a variable name must not be empty"},
		{"env var name with =", `{"name":"c","image":"i","env_vars":{"A=B":"x"}}`, `env_vars: variable name "A=B" must not contain '=' or NUL`},
		{"env var name with NUL", `{"name":"c","image":"i","env_vars":{"A\u0000":"x"}}`, `env_vars: variable name "A\x00" must not contain '=' or NUL`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.upload(t, tc.data, nil).msg(t, http.StatusBadRequest, tc.want)
			e.call(t, http.MethodPost, wkPath("/codes"), tc.data).msg(t, http.StatusBadRequest, tc.want)
		})
	}
}

func TestQueue_InputBugs(t *testing.T) {
	e := newEnv(t)

	t.Run("invalid UTF-8 queue names", func(t *testing.T) {
		for _, req := range []struct{ method, path, body string }{
			{http.MethodPost, queuePath("bad%FFname", "/messages"), `{"messages":[{"body":"x"}]}`},
			{http.MethodPut, queuePath("bad%FFname"), `{}`},
			{http.MethodPost, queuePath("bad%FFname", "/webhook"), `x`},
			{http.MethodGet, queuePath("bad%FFname"), ``},
		} {
			e.do(t, req.method, req.path, req.body).expectMsg(t, http.StatusBadRequest, "Queue name must be valid UTF-8")
		}
		e.do(t, http.MethodGet, queuesPath(), "").expect(t, http.StatusOK, `{"queues":[]}`)
	})

	t.Run("negative message timeout or expires_in", func(t *testing.T) {
		for _, field := range []string{"timeout", "expires_in"} {
			e.do(t, http.MethodPost, queuePath("q", "/messages"), `{"messages":[{"body":"a"},{"body":"b","`+field+`":-1}]}`).
				expectMsg(t, http.StatusBadRequest, "Message 1: timeout and expires_in must not be negative")
		}
		e.do(t, http.MethodGet, queuePath("q"), "").expectError(t, http.StatusNotFound)
		require.Len(t, e.postJSON(t, "q", `{"messages":[{"body":"a","timeout":60,"expires_in":3600}]}`), 1, "old clients' fields stay ignored")
	})

	t.Run("push subscriber cycles", func(t *testing.T) {
		r := e.do(t, http.MethodPut, queuePath("loop"), pushBody(t, "multicast", map[string]any{
			"subscribers": []map[string]any{{"name": "self", "url": "ironmq:///loop"}}}))
		r.expectMsg(t, http.StatusBadRequest, `Push subscribers would deliver queue "loop"'s messages back to itself, forever: "loop" → "loop". ironmq:// subscribers must not form a cycle`)

		e.pushQueue(t, "a", "multicast", nil, map[string]any{"name": "to-b", "url": "ironmq:///b"})
		e.pushQueue(t, "b", "unicast", nil, map[string]any{"name": "web", "url": "http://127.0.0.1:9/hook"})
		e.do(t, http.MethodPost, queuePath("b", "/subscribers"), `{"subscribers":[{"name":"back","url":"ironmq:///a"}]}`).
			expectMsg(t, http.StatusBadRequest, `Push subscribers would deliver queue "b"'s messages back to itself, forever: "b" → "a" → "b". ironmq:// subscribers must not form a cycle`)
	})
}

func TestCache_InputBugs(t *testing.T) {
	e := newEnv(t)

	t.Run("invalid UTF-8 cache names and keys", func(t *testing.T) {
		e.do(t, http.MethodPut, itemPath("bad%FFcache", "k"), `{"value":"v"}`).expectMsg(t, http.StatusBadRequest, "Cache name must be valid UTF-8")
		e.do(t, http.MethodPut, itemPath("c", "bad%FFkey"), `{"value":"v"}`).expectMsg(t, http.StatusBadRequest, "Item key must be valid UTF-8")
		e.do(t, http.MethodGet, itemPath("c", "bad%FFkey"), "").expectMsg(t, http.StatusBadRequest, "Item key must be valid UTF-8")
		e.do(t, http.MethodGet, cachesPath(), "").expect(t, http.StatusOK, `[]`)
	})

	t.Run("a value holding invalid UTF-8 is sent as valid JSON", func(t *testing.T) {
		e.do(t, http.MethodPut, itemPath("c", "k"), "{\"value\":\"a\xffb\xc3\"}").expectMsg(t, http.StatusOK, "Stored.")
		r := e.do(t, http.MethodGet, itemPath("c", "k"), "")
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		require.True(t, utf8.Valid(r.body), "body %q is not UTF-8", r.body)
		require.True(t, strings.Contains(string(r.body), "\"value\":\"a\uFFFDb\uFFFD\""), "body %s", r.body)
		require.Equal(t, "\"a\uFFFDb\uFFFD\"", string(e.item(t, "c", "k").Value), "each bad byte became U+FFFD")
	})
}

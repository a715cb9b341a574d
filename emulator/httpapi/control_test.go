package httpapi_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestControl_Health(t *testing.T) {
	e := newEnv(t)

	var got struct {
		Status   string            `json:"status"`
		Version  string            `json:"version"`
		Services map[string]string `json:"services"`
	}
	e.do(t, http.MethodGet, "/_ironlocal/health", "").decode(t, http.StatusOK, &got)
	require.Equal(t, "ok", got.Status, "status")
	require.Equal(t, server.Version, got.Version, "version")
	for _, s := range []string{"mq", "cache", "store"} {
		require.Equal(t, "ok", got.Services[s], "services[%s]", s)
	}
}

func TestControl_Reset(t *testing.T) {
	e := newEnv(t)

	t.Run("wipes queues and caches", func(t *testing.T) {
		e.post(t, "r1", "a")
		e.do(t, http.MethodPut, queuePath("r2"), "")
		e.do(t, http.MethodPut, itemPath("c", "k"), `{"value":1}`)
		e.do(t, http.MethodPost, "/_ironlocal/reset", "").expectMsg(t, http.StatusOK, "Reset")
		e.do(t, http.MethodGet, queuesPath(), "").expect(t, http.StatusOK, `{"queues":[]}`)
		e.do(t, http.MethodGet, queuePath("r1"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
		e.do(t, http.MethodGet, cachesPath(), "").expect(t, http.StatusOK, `[]`)
		e.do(t, http.MethodGet, itemPath("c", "k"), "").expectError(t, http.StatusNotFound)
	})
	t.Run("state works again after reset", func(t *testing.T) {
		before := e.post(t, "after", "a")
		e.do(t, http.MethodPost, "/_ironlocal/reset", "{}").expectMsg(t, http.StatusOK, "Reset")
		after := e.post(t, "after", "b")
		require.Less(t, before[0], after[0], "ids keep growing across a reset")
		require.Equal(t, []string{"b"}, bodies(e.reserve(t, "after", `{"n":10}`)))
		e.do(t, http.MethodPut, itemPath("c", "k"), `{"value":2}`).expectMsg(t, http.StatusOK, "Stored.")
	})
	t.Run("ids keep growing past the id lease", func(t *testing.T) {
		// The store leases ids in blocks of 1000; a reset must not make the
		// next block start again from zero.
		e.do(t, http.MethodPost, "/_ironlocal/reset", "").expectMsg(t, http.StatusOK, "Reset")
		last := e.post(t, "lease", "first")[0]
		for range 11 {
			for _, id := range e.post(t, "lease", make([]string, 100)...) {
				require.Less(t, last, id, "message ids must grow")
				last = id
			}
		}
		got := e.reserve(t, "lease", "")
		require.Equal(t, "first", got[0].Body, "FIFO order after many posts")
	})
	t.Run("wrong verb", func(t *testing.T) {
		e.do(t, http.MethodGet, "/_ironlocal/reset", "").expectError(t, http.StatusMethodNotAllowed)
	})
}

func TestControl_Clock(t *testing.T) {
	e := newEnv(t)
	type clock struct {
		Now     time.Time `json:"now"`
		Virtual bool      `json:"virtual"`
	}

	t.Run("get", func(t *testing.T) {
		var got clock
		e.do(t, http.MethodGet, "/_ironlocal/clock", "").decode(t, http.StatusOK, &got)
		require.True(t, got.Virtual, "virtual")
		require.True(t, e.now().Equal(got.Now), "now: got %s, want %s", got.Now, e.now())
	})
	t.Run("advance", func(t *testing.T) {
		start := e.now()
		var got clock
		e.do(t, http.MethodPost, "/_ironlocal/clock", `{"advance":"90s"}`).decode(t, http.StatusOK, &got)
		want := start.Add(90 * time.Second)
		require.True(t, want.Equal(got.Now), "now after advance: got %s, want %s", got.Now, want)
		require.True(t, want.Equal(e.now()), "server clock after advance")
	})
	t.Run("advance_seconds", func(t *testing.T) {
		start := e.now()
		var got clock
		e.do(t, http.MethodPost, "/_ironlocal/clock", `{"advance_seconds":60}`).decode(t, http.StatusOK, &got)
		require.True(t, start.Add(time.Minute).Equal(got.Now), "now: got %s, want %s", got.Now, start.Add(time.Minute))
	})
	t.Run("set", func(t *testing.T) {
		at := e.now().Add(24 * time.Hour).Truncate(time.Second)
		var got clock
		e.do(t, http.MethodPost, "/_ironlocal/clock", `{"set":"`+at.Format(time.RFC3339)+`"}`).decode(t, http.StatusOK, &got)
		require.True(t, at.Equal(got.Now), "now: got %s, want %s", got.Now, at)
	})
	t.Run("moves reservations", func(t *testing.T) {
		e.post(t, "clk", "a")
		e.reserve(t, "clk", `{"timeout":60}`)
		e.do(t, http.MethodPost, "/_ironlocal/clock", `{"advance":"1m"}`)
		require.Len(t, e.reserve(t, "clk", ""), 1, "reservation expired by the clock")
	})
	bad := []struct{ name, body string }{
		{"nothing", `{}`},
		{"empty body", ``},
		{"backwards", `{"advance":"-1s"}`},
		{"not a duration", `{"advance":"soon"}`},
		{"set in the past", `{"set":"2000-01-01T00:00:00Z"}`},
		{"set not a time", `{"set":"tomorrow"}`},
	}
	for _, tc := range bad {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			before := e.now()
			e.do(t, http.MethodPost, "/_ironlocal/clock", tc.body).expectError(t, http.StatusBadRequest)
			require.True(t, before.Equal(e.now()), "clock must not move")
		})
	}
	t.Run("wall clock cannot move", func(t *testing.T) {
		wall := newEnvWith(t, server.Options{})
		var got clock
		wall.do(t, http.MethodGet, "/_ironlocal/clock", "").decode(t, http.StatusOK, &got)
		require.False(t, got.Virtual, "virtual")
		wall.do(t, http.MethodPost, "/_ironlocal/clock", `{"advance":"90s"}`).expectError(t, http.StatusBadRequest)
	})
}

func TestControl_Events(t *testing.T) {
	e := newEnv(t)

	// open subscribes to the event stream and returns a line reader; it
	// returns once the stream's opening comment arrived, so the
	// subscription is in place.
	open := func(t *testing.T, query string) *bufio.Reader {
		t.Helper()
		req := e.request(t, http.MethodGet, "/_ironlocal/events"+query, "")
		req = req.WithContext(withDeadline(t))
		res, err := e.hc.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { res.Body.Close() })
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
		rd := bufio.NewReader(res.Body)
		line, err := rd.ReadString('\n')
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(line, ":"), "first line: got %q, want a comment", line)
		return rd
	}
	// nextEvent reads the next event, skipping comments (keepalives).
	nextEvent := func(t *testing.T, rd *bufio.Reader) (string, map[string]any) {
		t.Helper()
		var event, data string
		for {
			line, err := rd.ReadString('\n')
			require.NoError(t, err, "reading the event stream (no event before the deadline?)")
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && event != "":
				var got map[string]any
				require.NoError(t, json.Unmarshal([]byte(data), &got), "event data %q", data)
				return event, got
			}
		}
	}
	// next reads up to the next event of type typ.
	next := func(t *testing.T, rd *bufio.Reader, typ string) map[string]any {
		t.Helper()
		for {
			if event, got := nextEvent(t, rd); event == typ {
				return got
			}
		}
	}

	t.Run("messages.posted", func(t *testing.T) {
		rd := open(t, "")
		ids := e.post(t, "ev", "a", "b")
		got := next(t, rd, "messages.posted")
		require.Equal(t, "messages.posted", got["type"])
		require.Equal(t, project, got["project_id"])
		require.Equal(t, "ev", got["queue"])
		require.Equal(t, []any{ids[0], ids[1]}, got["ids"])
	})
	t.Run("filtered by type", func(t *testing.T) {
		rd := open(t, "?type=cache.")
		e.post(t, "ev", "ignored")
		e.do(t, http.MethodPut, itemPath("evc", "k"), `{"value":1}`)
		event, got := nextEvent(t, rd)
		require.Equal(t, "cache.item_stored", event, "first event through the filter")
		require.Equal(t, "evc", got["cache"])
		require.Equal(t, "k", got["key"])
	})
}

func TestControl_WaitIdle(t *testing.T) {
	e := newEnv(t)

	t.Run("idle", func(t *testing.T) {
		e.do(t, http.MethodGet, "/_ironlocal/wait-idle", "").expect(t, http.StatusOK, `{"msg":"Idle","idle":true}`)
		e.do(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=0&push=settled", "").
			expect(t, http.StatusOK, `{"msg":"Idle","idle":true}`)
	})
	for _, query := range []string{"timeout=1e300", "timeout=-1s", "timeout=-1", "timeout=NaN", "timeout=11m",
		"timeout=soon", "push=all"} {
		t.Run("invalid "+query, func(t *testing.T) {
			e.do(t, http.MethodGet, "/_ironlocal/wait-idle?"+query, "").expectError(t, http.StatusBadRequest)
		})
	}
}

// TestControl_WaitIdlePushSettled: a push queue to a failing subscriber
// with one retry. wait-idle (push=due) is idle while the retry is pending;
// push=settled returns only once the retry failed too and the failure is
// in the error queue.
func TestControl_WaitIdlePushSettled(t *testing.T) {
	e := newEnv(t) // virtual clock: the retry comes due when the test says so
	failing := newSubscriber(t, always(http.StatusInternalServerError))
	e.do(t, http.MethodPut, queuePath("settle-err"), "").decode(t, http.StatusOK, &struct{}{})
	e.pushQueue(t, "settle", "multicast", map[string]any{"retries": 1, "retries_delay": 3, "error_queue": "settle-err"},
		sub("down", failing.url))
	e.post(t, "settle", "m")

	e.do(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=10s", "").expect(t, http.StatusOK, `{"msg":"Idle","idle":true}`)
	require.Equal(t, 1, failing.count(), "first attempt made, the retry waits for retries_delay")
	require.Empty(t, e.peek(t, "settle-err", ""), "nothing in the error queue yet")
	e.do(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=50ms&push=settled", "").
		expectMsg(t, http.StatusRequestTimeout, "Still busy after 50ms: push deliveries are in flight, due, or waiting for a retry or an acknowledgement")

	done := make(chan reply, 1)
	go func() {
		r, err := e.roundTrip(e.request(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=30s&push=settled", ""))
		if err != nil {
			r.status = -1
		}
		done <- r
	}()
	select {
	case r := <-done:
		t.Fatalf("wait-idle?push=settled returned before the retry: %s", r)
	case <-time.After(50 * time.Millisecond):
	}
	e.advance(3 * time.Second) // the retry comes due, fails, and is given up on
	r := <-done
	require.Equal(t, http.StatusOK, r.status, "%s", r)
	require.Equal(t, 2, failing.count(), "deliveries")
	require.Len(t, e.peek(t, "settle-err", ""), 1, "the failure is in the error queue when wait-idle returns")
}

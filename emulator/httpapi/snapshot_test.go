package httpapi_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// Snapshots (README "Control plane"): GET downloads the whole state, PUT
// replaces it, POST saves it to a file on the emulator's side. The tests
// build a state that touches every kind of record, and compare what the API
// shows of it before and after a round trip.

// snapState is what a test built: the ids it needs to look the state up.
type snapState struct {
	ready, delayed, reserved string // message ids in snap-pull
	reservationID            string
	codeID, taskID, schedID  string
	maxMessageID             string // the largest message id posted
}

func workerPath(rest string) string { return "/2/projects/" + project + rest }

// newSnapEnv starts an emulator whose tasks run as local processes.
func newSnapEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, server.Options{Runtime: "process", VirtualClock: true})
}

// buildSnapState fills e with queues (pull, push, alerts + dead letter),
// messages (ready, delayed, reserved), cache items, a code package, a
// finished task with a log, and a schedule.
func buildSnapState(t *testing.T, e *env) snapState {
	t.Helper()
	var s snapState

	e.do(t, http.MethodPut, queuePath("snap-pull"), `{"queue":{"message_timeout":120,"message_expiration":7200}}`).
		decode(t, http.StatusOK, &struct{}{})
	e.pushQueue(t, "snap-push", "multicast", map[string]any{"retries": 5, "retries_delay": 30, "error_queue": "snap-push-err"},
		sub("first", "http://127.0.0.1:1/first"), sub("second", "http://127.0.0.1:1/second"))
	e.do(t, http.MethodPut, queuePath("snap-alert-n"), "").decode(t, http.StatusOK, &struct{}{})
	e.do(t, http.MethodPut, queuePath("snap-alert"), `{"queue":{
		"alerts":[{"type":"fixed","direction":"asc","trigger":1000,"queue":"snap-alert-n"}],
		"dead_letter":{"queue_name":"snap-dlq","max_reservations":3}}}`).decode(t, http.StatusOK, &struct{}{})

	posted := e.post(t, "snap-pull", "to reserve", "ready")
	s.reserved, s.ready = posted[0], posted[1]
	s.delayed = e.postJSON(t, "snap-pull", `{"messages":[{"body":"later","delay":3600}]}`)[0]
	got := e.reserve(t, "snap-pull", `{"n":1,"timeout":600}`)
	require.Equal(t, []string{s.reserved}, ids(got), "reserved message")
	s.reservationID = got[0].ReservationID
	e.post(t, "snap-alert", "alerted")

	// Enough messages to use up more than one lease of message ids (1000),
	// so a fresh server importing the snapshot must move its sequence on.
	for range 11 {
		posted = e.post(t, "snap-bulk", make([]string, 100)...)
	}
	s.maxMessageID = posted[len(posted)-1]

	e.put(t, "snap-c", "text", `{"value":"hello"}`).expectMsg(t, http.StatusOK, "Stored.")
	e.put(t, "snap-c", "count", `{"value":41}`).expectMsg(t, http.StatusOK, "Stored.")
	e.do(t, http.MethodPost, itemPath("snap-c", "count", "/increment"), `{"amount":1}`).decode(t, http.StatusOK, &struct{}{})
	e.put(t, "snap-c", "session", `{"value":"abc","expires_in":3600}`).expectMsg(t, http.StatusOK, "Stored.")

	var code struct {
		ID string `json:"id"`
	}
	e.do(t, http.MethodPost, workerPath("/codes"), `{"name":"c","image":"x","command":"echo hi"}`).decode(t, http.StatusOK, &code)
	s.codeID = code.ID
	s.taskID = e.runTask(t, "c")
	var task struct {
		Status string `json:"status"`
	}
	e.do(t, http.MethodGet, workerPath("/tasks/"+s.taskID), "").decode(t, http.StatusOK, &task)
	require.Equal(t, "complete", task.Status, "task status")

	start := e.now().Add(time.Hour).UTC().Format(time.RFC3339)
	var sched struct {
		Schedules []struct {
			ID string `json:"id"`
		} `json:"schedules"`
	}
	e.do(t, http.MethodPost, workerPath("/schedules"), `{"schedules":[{"code_name":"c","name":"hourly","payload":"tick",
		"start_at":"`+start+`","run_every":3600,"run_times":5}]}`).decode(t, http.StatusOK, &sched)
	require.Len(t, sched.Schedules, 1)
	s.schedID = sched.Schedules[0].ID
	return s
}

// runTask queues one task of code and waits until no task is queued or
// running; it returns the task's id.
func (e *env) runTask(t *testing.T, code string) string {
	t.Helper()
	var queued struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	e.do(t, http.MethodPost, workerPath("/tasks"), `{"tasks":[{"code_name":`+strconv.Quote(code)+`,"payload":"{}"}]}`).
		decode(t, http.StatusOK, &queued)
	require.Len(t, queued.Tasks, 1, "queued tasks")
	e.waitPushes(t) // wait-idle covers tasks too
	return queued.Tasks[0].ID
}

// snapView is what the API shows of a snapState: response body by request.
type snapView map[string]string

// view reads everything the API shows of s.
func (e *env) view(t *testing.T, s snapState) snapView {
	t.Helper()
	v := snapView{}
	for _, path := range []string{
		queuesPath(),
		queuePath("snap-pull"), queuePath("snap-push"), queuePath("snap-alert"), queuePath("snap-alert-n"), queuePath("snap-bulk"),
		queuePath("snap-pull", "/messages?n=100"), queuePath("snap-alert", "/messages?n=100"),
		queuePath("snap-pull", "/messages/"+s.ready), queuePath("snap-pull", "/messages/"+s.delayed),
		queuePath("snap-pull", "/messages/"+s.reserved),
		cachesPath(), cachePath("snap-c"),
		itemPath("snap-c", "text"), itemPath("snap-c", "count"), itemPath("snap-c", "session"),
		workerPath("/codes"), workerPath("/codes/" + s.codeID),
		workerPath("/tasks?code_name=c"), workerPath("/tasks/" + s.taskID),
		workerPath("/schedules"), workerPath("/schedules/" + s.schedID),
	} {
		r := e.do(t, http.MethodGet, path, "")
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		v[path] = string(r.body)
	}
	// The log is text, not JSON.
	r, err := e.roundTrip(e.request(t, http.MethodGet, workerPath("/tasks/"+s.taskID+"/log"), ""))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.Contains(t, string(r.body), "hi", "task log")
	v["log"] = string(r.body)
	return v
}

// requireSameView compares two views request by request.
func requireSameView(t *testing.T, want, got snapView) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if k == "log" {
			require.Equal(t, want[k], got[k], "task log")
			continue
		}
		require.JSONEq(t, want[k], got[k], "GET %s", k)
	}
	require.Len(t, got, len(want), "requests compared")
}

// export downloads a snapshot.
func (e *env) export(t *testing.T) []byte {
	t.Helper()
	r, err := e.roundTrip(e.request(t, http.MethodGet, "/_ironlocal/snapshot", ""))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.Equal(t, "application/octet-stream", r.header.Get("Content-Type"), "Content-Type")
	require.Contains(t, r.header.Get("Content-Disposition"), "attachment; filename=ironlocal-", "Content-Disposition")
	require.NotEmpty(t, r.body, "snapshot")
	return r.body
}

// importSnapshot PUTs a snapshot.
func (e *env) importSnapshot(t *testing.T, snap []byte) reply {
	t.Helper()
	req := e.request(t, http.MethodPut, "/_ironlocal/snapshot", string(snap)) // nil: no body
	if len(snap) > 0 {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return e.send(t, req)
}

func (e *env) reset(t *testing.T) {
	t.Helper()
	e.do(t, http.MethodPost, "/_ironlocal/reset", "").expectMsg(t, http.StatusOK, "Reset")
}

func TestSnapshot_Export(t *testing.T) {
	e := newEnv(t)
	e.post(t, "x", "a")
	snap := e.export(t)

	header, _, ok := bytes.Cut(snap, []byte("\n"))
	require.True(t, ok, "snapshot has a header line")
	var h map[string]any
	require.NoError(t, json.Unmarshal(header, &h), "header %q", header)
	require.Equal(t, "ironlocal-snapshot", h["format"], "format")
	require.Equal(t, 2.0, h["version"], "version")
	require.Contains(t, h, "schema")
	require.Contains(t, h, "created_at")
}

func TestSnapshot_RoundTrip(t *testing.T) {
	e := newSnapEnv(t)
	s := buildSnapState(t, e)
	want := e.view(t, s)
	snap := e.export(t)

	t.Run("reset then import restores everything", func(t *testing.T) {
		e.reset(t)
		e.do(t, http.MethodGet, queuesPath(), "").expect(t, http.StatusOK, `{"queues":[]}`)
		e.importSnapshot(t, snap).expectMsg(t, http.StatusOK, "Snapshot imported")
		requireSameView(t, want, e.view(t, s))
	})
	t.Run("imported reservation still holds", func(t *testing.T) {
		require.Equal(t, []string{"ready"}, bodies(e.peek(t, "snap-pull", "?n=100")), "peek skips reserved and delayed")
		var got struct {
			Message struct {
				ReservationID string `json:"reservation_id"`
			} `json:"message"`
		}
		e.do(t, http.MethodGet, queuePath("snap-pull", "/messages/"+s.reserved), "").decode(t, http.StatusOK, &got)
		require.Equal(t, s.reservationID, got.Message.ReservationID, "reservation id")
	})
	t.Run("imported ids do not collide", func(t *testing.T) {
		id := e.post(t, "snap-new", "new")[0]
		require.Greater(t, mustUint(t, id), mustUint(t, s.maxMessageID), "new id %s after the largest imported %s", id, s.maxMessageID)
	})
	t.Run("fresh server", func(t *testing.T) {
		f := newSnapEnv(t)
		f.importSnapshot(t, snap).expectMsg(t, http.StatusOK, "Snapshot imported")
		requireSameView(t, want, f.view(t, s))
		id := f.post(t, "snap-new", "new")[0]
		require.Greater(t, mustUint(t, id), mustUint(t, s.maxMessageID), "new id %s after the largest imported %s", id, s.maxMessageID)
	})
	t.Run("imported state keeps working", func(t *testing.T) {
		e.do(t, http.MethodDelete, queuePath("snap-pull", "/messages/"+s.reserved), `{"reservation_id":"`+s.reservationID+`"}`).
			expectMsg(t, http.StatusOK, "Deleted")
		e.advance(time.Hour)
		require.Equal(t, []string{"ready", "later"}, bodies(e.reserve(t, "snap-pull", `{"n":10}`)), "the delayed message is due")
		id := e.runTask(t, "c")
		var task struct {
			Status string `json:"status"`
		}
		e.do(t, http.MethodGet, workerPath("/tasks/"+id), "").decode(t, http.StatusOK, &task)
		require.Equal(t, "complete", task.Status, "a task of the imported code runs")
	})
}

func TestSnapshot_Refused(t *testing.T) {
	e := newSnapEnv(t)
	s := buildSnapState(t, e)
	snap := e.export(t)
	want := e.view(t, s)

	header, rest, ok := bytes.Cut(snap, []byte("\n"))
	require.True(t, ok, "snapshot has a header line")
	var h map[string]any
	require.NoError(t, json.Unmarshal(header, &h))
	h["version"] = 99
	newer, err := json.Marshal(h)
	require.NoError(t, err)
	newer = slices.Concat(newer, []byte("\n"), rest)
	damaged := slices.Clone(snap)
	damaged[len(header)+1+len(rest)/3] ^= 0xff
	const trailer = 32 + 8 + 8 // sha256, length, magic
	cutAtRecord := slices.Concat(snap[:len(snap)-trailer-1], snap[len(snap)-trailer:])

	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"empty body", nil},
		{"not a snapshot", []byte("hello, world\n")},
		{"corrupt body", slices.Concat(header, []byte("\n"), bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 64))},
		{"truncated halfway", slices.Clone(snap[:len(header)+1+len(rest)/2])},
		{"truncated by a byte", slices.Clone(snap[:len(snap)-1])},
		{"header only", slices.Clone(snap[:len(header)+1])},
		{"newer version", newer},
		{"a damaged byte", damaged},
		{"a byte missing before the trailer", cutAtRecord},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.importSnapshot(t, tc.body).expectError(t, http.StatusBadRequest)
			requireSameView(t, want, e.view(t, s))
		})
	}
	t.Run("newer version names the versions", func(t *testing.T) {
		var got struct {
			Msg string `json:"msg"`
		}
		e.importSnapshot(t, newer).decode(t, http.StatusBadRequest, &got)
		require.Contains(t, got.Msg, "99", "msg")
		require.Contains(t, got.Msg, "upgrade ironlocal", "msg")
	})
	t.Run("format 1 (no trailer) still imports", func(t *testing.T) {
		h["version"] = 1
		v1, err := json.Marshal(h)
		require.NoError(t, err)
		body := slices.Concat(v1, []byte("\n"), rest[:len(rest)-trailer])
		e.importSnapshot(t, body).expectMsg(t, http.StatusOK, "Snapshot imported")
		requireSameView(t, want, e.view(t, s))
	})
	t.Run("tasks still run after refused imports", func(t *testing.T) {
		// An import stops the worker whether or not it is refused; it must
		// come back.
		id := e.runTask(t, "c")
		var task struct {
			Status string `json:"status"`
		}
		e.do(t, http.MethodGet, workerPath("/tasks/"+id), "").decode(t, http.StatusOK, &task)
		require.Equal(t, "complete", task.Status, "task status")
	})
}

func TestSnapshot_SaveByName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snapshots")
	e := newEnvWith(t, server.Options{Runtime: "process", VirtualClock: true, SnapshotDir: dir})
	s := buildSnapState(t, e)
	want := e.view(t, s)
	save := func(name string, overwrite bool) reply {
		return e.do(t, http.MethodPost, "/_ironlocal/snapshot", mustJSON(t, map[string]any{"name": name, "overwrite": overwrite}))
	}

	t.Run("save then put back", func(t *testing.T) {
		var got struct {
			Msg  string `json:"msg"`
			Name string `json:"name"`
			Size int64  `json:"size"`
		}
		save("x.snapshot", false).decode(t, http.StatusOK, &got)
		require.Equal(t, "Snapshot saved", got.Msg)
		require.Equal(t, "x.snapshot", got.Name)
		snap, err := os.ReadFile(filepath.Join(dir, "x.snapshot"))
		require.NoError(t, err)
		require.EqualValues(t, len(snap), got.Size, "size")
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "no temporary file left beside the snapshot")

		e.reset(t)
		e.importSnapshot(t, snap).expectMsg(t, http.StatusOK, "Snapshot imported")
		requireSameView(t, want, e.view(t, s))
	})
	t.Run("existing name: 409 unless overwrite", func(t *testing.T) {
		save("x.snapshot", false).expectError(t, http.StatusConflict)
		save("x.snapshot", true).decode(t, http.StatusOK, &struct{}{})
	})
	for _, tc := range []struct{ name, body string }{
		{"path", mustJSON(t, map[string]string{"name": "../x.snapshot"})},
		{"absolute path", mustJSON(t, map[string]string{"name": filepath.Join(t.TempDir(), "x.snapshot")})},
		{"NUL", mustJSON(t, map[string]string{"name": "x\u0000y"})},
		{"over-long", mustJSON(t, map[string]string{"name": strings.Repeat("x", 200)})},
		{"old path field", mustJSON(t, map[string]string{"path": filepath.Join(dir, "y.snapshot")})},
		{"no name", `{}`},
		{"empty body", ``},
	} {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			e.do(t, http.MethodPost, "/_ironlocal/snapshot", tc.body).expectError(t, http.StatusBadRequest)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Len(t, entries, 1, "nothing else is written")
		})
	}
	t.Run("ephemeral without --snapshot-dir refuses", func(t *testing.T) {
		eph := newEnvWith(t, server.Options{})
		r := eph.do(t, http.MethodPost, "/_ironlocal/snapshot", `{"name":"x"}`)
		r.expectError(t, http.StatusBadRequest)
		require.Contains(t, string(r.body), "--snapshot-dir")
	})
	t.Run("OS errors are not echoed", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "a-file")
		require.NoError(t, os.WriteFile(file, nil, 0o600))
		bad := newEnvWith(t, server.Options{SnapshotDir: filepath.Join(file, "snapshots")})
		r := bad.do(t, http.MethodPost, "/_ironlocal/snapshot", `{"name":"x"}`)
		r.expectError(t, http.StatusServiceUnavailable)
		require.NotContains(t, string(r.body), file, "the answer names no path")
		require.NotContains(t, string(r.body), "not a directory", "the answer holds no OS error")
	})
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	require.NoError(t, err, "id %q", s)
	return n
}

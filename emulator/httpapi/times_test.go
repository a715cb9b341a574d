package httpapi_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/wire"
)

// Times on the Iron routes (spec §1.5): at most three fractional digits, so
// the Java clients, which parse the fraction with SimpleDateFormat's SSS,
// read the date ironlocal stored.

// reMillis is what a client with a millisecond-only parser accepts: the Java
// clients' yyyy-MM-dd'T'HH:mm:ss.SSS'Z', or whole seconds. (Go's time.Parse
// cannot say it: it accepts any fraction after the seconds.)
var reMillis = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$`)

// parseMillis parses s as a millisecond-only client would.
func parseMillis(s string) (time.Time, bool) {
	if !reMillis.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// isIronRoute reports whether path is on the Iron wire API (not the control
// plane, which keeps full precision).
func isIronRoute(path string) bool {
	for _, p := range []string{"/1/", "/2/", "/3/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// checkIronTimes fails when a JSON body of an Iron route holds a time a
// millisecond-only parser cannot read. It looks at every string (and into
// strings that are JSON objects, such as alert notices and error-queue
// bodies), so a field added later is covered too. Every test's reply passes
// through it.
func checkIronTimes(t require.TestingT, path string, body []byte) {
	helper(t)
	if !isIronRoute(path) {
		return
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return // not JSON: checkWire says so
	}
	for _, s := range timeStrings(v) {
		_, ok := parseMillis(s)
		require.True(t, ok, "%s: time %q has more than three fractional digits or is not UTC (spec §1.5)", path, s)
	}
}

// timeStrings returns every string in v that parses as an RFC 3339 time.
func timeStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		case string:
			if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
				out = append(out, v)
				return
			}
			if strings.HasPrefix(v, "{") {
				var inner any
				if json.Unmarshal([]byte(v), &inner) == nil {
					walk(inner)
				}
			}
		}
	}
	walk(v)
	return out
}

// TestWireTimes covers every Iron route that returns a time, on a clock whose
// time has nanoseconds: each field reads back, with a millisecond-only
// parser, as the time stored (to the millisecond, never later).
func TestWireTimes(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, Runtime: "process"})
	// Each part sets the clock forward (it never goes back) to a time with
	// nanoseconds: stored, as the emulator keeps it, and want, as a
	// millisecond-only parser reads it back.
	var stored, want time.Time
	setClock := func() {
		stored = e.now().Truncate(time.Second).Add(time.Hour + 287448069)
		e.srv.VirtualClock().Set(stored)
		want = stored.Truncate(time.Millisecond)
	}

	// equalMillis checks one field: present, readable, and the stored time.
	equalMillis := func(t *testing.T, what string, got any, want time.Time) {
		t.Helper()
		s, ok := got.(string)
		require.True(t, ok, "%s: got %v, want a time string", what, got)
		parsed, ok := parseMillis(s)
		require.True(t, ok, "%s: %q is not readable by a millisecond-only parser", what, s)
		require.True(t, parsed.Equal(want), "%s: got %s, want %s", what, parsed, want)
	}
	object := func(t *testing.T, r reply) map[string]any {
		t.Helper()
		var m map[string]any
		r.decode(t, http.StatusOK, &m)
		return m
	}

	t.Run("IronWorker codes, revisions, tasks, schedules", func(t *testing.T) {
		setClock()
		code := object(t, e.do(t, http.MethodPost, workerPath("/codes"), `{"name":"times","image":"x","command":"echo hi"}`))
		codeID := code["id"].(string)
		got := object(t, e.do(t, http.MethodGet, workerPath("/codes/"+codeID), ""))
		for _, f := range []string{"created_at", "updated_at", "latest_change"} {
			equalMillis(t, "code "+f, got[f], want)
		}
		revs := object(t, e.do(t, http.MethodGet, workerPath("/codes/"+codeID+"/revisions"), ""))
		for _, r := range revs["revisions"].([]any) {
			equalMillis(t, "revision created_at", r.(map[string]any)["created_at"], want)
		}
		listed := object(t, e.do(t, http.MethodGet, workerPath("/codes"), ""))
		equalMillis(t, "listed code created_at", listed["codes"].([]any)[0].(map[string]any)["created_at"], want)

		taskID := e.runTask(t, "times")
		task := object(t, e.do(t, http.MethodGet, workerPath("/tasks/"+taskID), ""))
		require.Equal(t, "complete", task["status"], "%v", task)
		for _, f := range []string{"created_at", "updated_at", "start_time", "end_time"} {
			equalMillis(t, "task "+f, task[f], want)
		}
		tasks := object(t, e.do(t, http.MethodGet, workerPath("/tasks?code_name=times"), ""))
		equalMillis(t, "listed task created_at", tasks["tasks"].([]any)[0].(map[string]any)["created_at"], want)

		// A start time sent with nanoseconds and an offset comes back in UTC
		// to the millisecond.
		start := stored.Add(time.Hour - 287448069 + 123456789)
		var made struct {
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		e.do(t, http.MethodPost, workerPath("/schedules"), `{"schedules":[{"code_name":"times","name":"s","payload":"{}",
			"start_at":"`+start.In(time.FixedZone("", 3600)).Format(time.RFC3339Nano)+`","run_every":3600,"run_times":3}]}`).
			decode(t, http.StatusOK, &made)
		require.Len(t, made.Schedules, 1)
		s := object(t, e.do(t, http.MethodGet, workerPath("/schedules/"+made.Schedules[0].ID), ""))
		equalMillis(t, "schedule start_at", s["start_at"], start.Truncate(time.Millisecond))
		equalMillis(t, "schedule next_start", s["next_start"], start.Truncate(time.Millisecond))
		equalMillis(t, "schedule created_at", s["created_at"], want)
		equalMillis(t, "schedule updated_at", s["updated_at"], want)
	})

	t.Run("IronMQ push statuses and alert notices", func(t *testing.T) {
		setClock()
		ok := newSubscriber(t, always(http.StatusOK))
		e.pushQueue(t, "times-push", "multicast", nil, sub("s1", ok.url))
		id := e.postPush(t, "times-push", "hello", "")
		e.waitPushes(t)
		st := object(t, e.do(t, http.MethodGet, queuePath("times-push", "/messages/"+id+"/subscribers"), ""))
		subs := st["subscribers"].([]any)
		require.Len(t, subs, 1)
		equalMillis(t, "push last_try_at", subs[0].(map[string]any)["last_try_at"], want)

		e.alertQueue(t, "times-src", "times-alerts", `[{"type":"fixed","trigger":1,"queue":"times-alerts"}]`)
		e.post(t, "times-src", "x")
		notices := e.notices(t, "times-alerts")
		require.Len(t, notices, 1)
		equalMillis(t, "alert created_at", notices[0].CreatedAt, want)
	})

	t.Run("IronCache expires", func(t *testing.T) {
		setClock()
		e.put(t, "times-c", "k", `{"value":"v","expires_in":3600}`).expectMsg(t, http.StatusOK, "Stored.")
		equalMillis(t, "item expires", e.item(t, "times-c", "k").Expires, want.Add(time.Hour))
		e.put(t, "times-c", "never", `{"value":"v"}`).expectMsg(t, http.StatusOK, "Stored.")
		require.Equal(t, "9999-01-01T00:00:00Z", e.item(t, "times-c", "never").Expires, "iron_go3's own test compares this string")
	})
}

func TestCheckIronTimes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
	}{
		{"milliseconds", `{"created_at":"2026-12-07T06:16:05.287Z"}`, true},
		{"whole seconds", `{"a":[{"b":"2026-12-07T06:16:05Z"}]}`, true},
		{"nanoseconds", `{"created_at":"2026-12-07T06:16:05.287448069Z"}`, false},
		{"trimmed fraction", `{"created_at":"2026-12-07T06:16:05.28Z"}`, false},
		{"offset", `{"created_at":"2026-12-07T07:16:05.287+01:00"}`, false},
		{"inside a body", `{"messages":[{"body":"{\"created_at\":\"2026-12-07T06:16:05.2874Z\"}"}]}`, false},
		{"not a time", `{"body":"2026-12-07 is a date"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingT{}
			checkIronTimes(rec, "/2/projects/p/tasks", []byte(tc.body))
			require.Equal(t, !tc.ok, rec.failed, "%s", tc.body)
		})
	}
}

// recordingT is a require.TestingT that records a failure instead of
// stopping the test, to test a checker.
type recordingT struct{ failed bool }

func (r *recordingT) Errorf(string, ...any) { r.failed = true }
func (r *recordingT) FailNow()              { r.failed = true }

// TestWireTimeLayout keeps the domain's layout (alert notices written by
// the mq service) and the wire's (every route) the same.
func TestWireTimeLayout(t *testing.T) {
	require.Equal(t, emulator.WireTimeLayout, wire.TimeLayout)
	at := time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC)
	require.Equal(t, emulator.FormatWireTime(at), wire.FormatTime(at))
}

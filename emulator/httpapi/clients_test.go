package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The exact request bodies the official clients send, zero values and all
// (spec §2.3: zero means "not given"). Each case names the client call that
// produces it; the body is what its encoder writes.

// wireQueueFull is a queue response with the push and alert settings.
type wireQueueFull struct {
	Queue struct {
		Name              string `json:"name"`
		Type              string `json:"type"`
		Size              int    `json:"size"`
		TotalMessages     int    `json:"total_messages"`
		MessageTimeout    int    `json:"message_timeout"`
		MessageExpiration int    `json:"message_expiration"`
		Push              *struct {
			Retries      int `json:"retries"`
			RetriesDelay int `json:"retries_delay"`
			Subscribers  []struct {
				Name string `json:"name"`
				URL  string `json:"url"`
			} `json:"subscribers"`
		} `json:"push"`
		Alerts []struct {
			Type      string `json:"type"`
			Direction string `json:"direction"`
			Trigger   int    `json:"trigger"`
			Queue     string `json:"queue"`
		} `json:"alerts"`
	} `json:"queue"`
}

func (e *env) queueFull(t *testing.T, method, name, body string) wireQueueFull {
	t.Helper()
	var got wireQueueFull
	e.do(t, method, queuePath(name), body).decode(t, http.StatusOK, &got)
	return got
}

func TestClientShapes_IronGo3Queues(t *testing.T) {
	e := newEnv(t)

	t.Run("ConfigCreateQueue(QueueInfo{Name}) sends zeros: the defaults", func(t *testing.T) {
		got := e.queueFull(t, http.MethodPut, "go-pull",
			`{"queue":{"name":"go-pull","size":0,"total_messages":0,"message_expiration":0,"message_timeout":0}}`)
		require.Equal(t, "pull", got.Queue.Type)
		require.Equal(t, 60, got.Queue.MessageTimeout)
		require.Equal(t, 604800, got.Queue.MessageExpiration)
	})

	t.Run("ConfigCreateQueue of a push queue: push defaults, zeros elsewhere", func(t *testing.T) {
		// PushInfo's retries, retries_delay and error_queue are omitempty.
		got := e.queueFull(t, http.MethodPut, "go-push",
			`{"queue":{"name":"go-push","size":0,"total_messages":0,"message_expiration":0,"message_timeout":0,`+
				`"type":"multicast","push":{"subscribers":[{"name":"s","url":"http://127.0.0.1:1/"}]}}}`)
		require.Equal(t, "multicast", got.Queue.Type)
		require.Equal(t, 604800, got.Queue.MessageExpiration)
		require.NotNil(t, got.Queue.Push)
		require.Equal(t, 3, got.Queue.Push.Retries)
		require.Equal(t, 60, got.Queue.Push.RetriesDelay)
	})

	t.Run("a push body with zero retries_delay (a struct without omitempty): the default", func(t *testing.T) {
		got := e.queueFull(t, http.MethodPut, "zero-push",
			`{"queue":{"message_expiration":0,"message_timeout":0,"type":"unicast",`+
				`"push":{"retries":0,"retries_delay":0,"error_queue":"","subscribers":[{"name":"s","url":"http://127.0.0.1:1/"}]}}}`)
		require.Equal(t, 60, got.Queue.Push.RetriesDelay, "retries_delay 0 is not given (3–86400)")
		require.Equal(t, 0, got.Queue.Push.Retries, "retries 0 is a value: no retries")
	})

	t.Run("Queue.Update sends zeros for what it leaves alone: unchanged", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("go-upd"), `{"queue":{"message_timeout":45,"message_expiration":3600}}`)
		got := e.queueFull(t, http.MethodPatch, "go-upd",
			`{"queue":{"name":"","size":0,"total_messages":0,"message_expiration":0,"message_timeout":120}}`)
		require.Equal(t, 120, got.Queue.MessageTimeout)
		require.Equal(t, 3600, got.Queue.MessageExpiration, "kept")
	})

	t.Run("size and total_messages in a request are read-only", func(t *testing.T) {
		e.post(t, "go-counts", "a", "b")
		got := e.queueFull(t, http.MethodPut, "go-counts", `{"queue":{"size":99,"total_messages":99}}`)
		require.Equal(t, 2, got.Queue.Size)
		require.Equal(t, 2, got.Queue.TotalMessages)
	})

	t.Run("AddAlerts sends a whole QueueInfo with zeros", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("go-alerts"), `{"queue":{"message_timeout":45}}`)
		got := e.queueFull(t, http.MethodPatch, "go-alerts",
			`{"queue":{"name":"","size":0,"total_messages":0,"message_expiration":0,"message_timeout":0,`+
				`"alerts":[{"type":"fixed","trigger":10,"direction":"","queue":"go-alerts-out","snooze":0}]}}`)
		require.Equal(t, 45, got.Queue.MessageTimeout, "kept")
		require.Len(t, got.Queue.Alerts, 1)
		require.Equal(t, "asc", got.Queue.Alerts[0].Direction, "direction \"\" is the default")
	})
}

func TestClientShapes_RubyPushSubscribers(t *testing.T) {
	e := newEnv(t)
	// iron_mq_ruby's test_post_and_instantiate: two subscribers with the
	// same URL and no name (so the same default name); both kept.
	got := e.queueFull(t, http.MethodPut, "push_and_instantiate",
		`{"queue":{"type":"multicast","push":{"subscribers":[{"url":"http://127.0.0.1:1/code/200"},{"url":"http://127.0.0.1:1/code/200"}]}}}`)
	require.Len(t, got.Queue.Push.Subscribers, 2)
	for _, s := range got.Queue.Push.Subscribers {
		require.Equal(t, "http://127.0.0.1:1/code/200", s.Name, "the name defaults to the url")
	}
}

func TestClientShapes_Worker(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "shapes", wkEcho)

	tasks := []struct{ client, body string }{
		// iron_go3 TaskQueue: priority always, timeout/delay only when set,
		// as float seconds.
		{"iron_go3 TaskQueue", `{"code_name":"shapes","payload":"p","priority":0}`},
		{"iron_go3 TaskQueue with timeout and delay", `{"code_name":"shapes","payload":"p","priority":0,"timeout":30,"delay":0}`},
		// iron_worker_python queue(): name, priority and delay always.
		{"iron_worker_python queue", `{"name":"shapes","code_name":"shapes","payload":"{}","priority":0,"delay":0,"timeout":3600}`},
		// iron_worker_ruby_ng tasks_create: code_name and payload, then the options.
		{"iron_worker_ruby_ng tasks_create", `{"code_name":"shapes","payload":"{}"}`},
	}
	for _, tc := range tasks {
		t.Run(tc.client, func(t *testing.T) {
			id := e.queue(t, tc.body)[0]
			got := e.task(t, id)
			require.Equal(t, 0, num(t, got, "priority"))
			require.Equal(t, 0, num(t, got, "delay"))
			require.Positive(t, num(t, got, "timeout"), "timeout 0 or absent is the default")
		})
	}

	schedules := []struct{ client, body string }{
		// iron_worker_python queue(scheduled): delay 0 and priority 0 always.
		{"iron_worker_python schedule", `{"name":"shapes","code_name":"shapes","payload":"{}","priority":0,"delay":0,"run_every":3600}`},
		// iron_go3 Schedule: pointer fields left out, name and payload always.
		{"iron_go3 Schedule", `{"code_name":"shapes","name":"","payload":"","run_every":3600}`},
	}
	for _, tc := range schedules {
		t.Run(tc.client, func(t *testing.T) {
			var out struct {
				Schedules []struct {
					ID string `json:"id"`
				} `json:"schedules"`
			}
			e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[`+tc.body+`]}`).ok(t, &out)
			require.Len(t, out.Schedules, 1)
			got := e.call(t, http.MethodGet, wkPath("/schedules/"+out.Schedules[0].ID), "").object(t)
			require.Equal(t, 0, num(t, got, "run_times"), "run_times absent: unlimited")
			require.Equal(t, 3600, num(t, got, "run_every"))
			require.False(t, strings.HasPrefix(got["status"].(string), "c"), "still scheduled: %v", got["status"])
		})
	}
}

// TestClientShapes_RubyReservationOrder: iron_mq_ruby's v3 test_touch posts
// three messages, reserves the first with timeout 10, lets it expire and
// expects the second on the next reserve; a released message keeps its
// place (spec §2.5).
func TestClientShapes_RubyReservationOrder(t *testing.T) {
	e := newEnv(t)
	e.post(t, "touchy", "first", "second", "third")
	require.Equal(t, []string{"first"}, bodies(e.reserve(t, "touchy", `{"n":1,"timeout":10}`)))
	e.advance(11 * time.Second)
	require.Equal(t, []string{"second"}, bodies(e.reserve(t, "touchy", `{"n":1,"timeout":10}`)))
	require.Equal(t, []string{"third", "first"}, bodies(e.peek(t, "touchy", "?n=10")), "the expired one is behind the waiting ones")

	e.post(t, "released", "a", "b")
	m := e.reserve(t, "released", `{"n":1}`)[0]
	e.do(t, http.MethodPost, queuePath("released", "/messages/"+m.ID+"/release"), `{"reservation_id":"`+m.ReservationID+`"}`).
		expectMsg(t, http.StatusOK, "Released")
	require.Equal(t, []string{"a", "b"}, bodies(e.peek(t, "released", "?n=10")))
}

// TestClientShapes_CacheZeroValues: a put carrying every field at its zero
// value (a client struct without omitempty) is a plain put that never
// expires.
func TestClientShapes_CacheZeroValues(t *testing.T) {
	e := newEnv(t)
	e.put(t, "zc", "k", `{"value":"v1"}`).expectMsg(t, http.StatusOK, "Stored.")
	e.put(t, "zc", "k", `{"value":"v2","expires_in":0,"replace":false,"add":false,"cas":0}`).expectMsg(t, http.StatusOK, "Stored.")
	got := e.item(t, "zc", "k")
	require.JSONEq(t, `"v2"`, string(got.Value))
	require.Equal(t, "9999-01-01T00:00:00Z", got.Expires)
	e.put(t, "zc", "k", `{"value":"v3","cas":"1"}`).expectMsg(t, http.StatusOK, "Not stored.")
}

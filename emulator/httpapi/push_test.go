package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// Push queues (spec §2.6), alerts (§2.7) and dead-letter queues (§2.5),
// driven over HTTP. Subscribers are httptest servers on loopback; retries
// and snoozes run on the virtual clock, and the control plane's wait-idle
// says when no delivery is in flight or due.

// pushWait bounds waits for a delivery; tests never assert on timing, the
// deadline only keeps a hang from stalling CI.
const pushWait = 10 * time.Second

// delivery is one request a subscriber received.
type delivery struct {
	method string
	header http.Header
	body   string
}

// subscriber is a local push target that records what it receives and
// answers the n-th delivery (1-based) with answer(n).
type subscriber struct {
	url    string
	answer func(n int) int
	seen   chan delivery // every delivery, for tests that wait on one

	mu  sync.Mutex
	got []delivery
}

func newSubscriber(t *testing.T, answer func(n int) int) *subscriber {
	t.Helper()
	s := &subscriber{answer: answer, seen: make(chan delivery, 1000)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d := delivery{method: r.Method, header: r.Header.Clone(), body: string(b)}
		s.mu.Lock()
		s.got = append(s.got, d)
		n := len(s.got)
		s.mu.Unlock()
		w.WriteHeader(s.answer(n))
		select {
		case s.seen <- d:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL + "/hook"
	return s
}

// always answers every delivery with code.
func always(code int) func(int) int { return func(int) int { return code } }

// answers gives the n-th delivery codes[n-1], and later ones the last code.
func answers(codes ...int) func(int) int {
	return func(n int) int { return codes[min(n, len(codes))-1] }
}

func (s *subscriber) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.got...)
}

func (s *subscriber) count() int { return len(s.deliveries()) }

func (s *subscriber) bodies() []string {
	var out []string
	for _, d := range s.deliveries() {
		out = append(out, d.body)
	}
	return out
}

// last is the latest delivery; the subscriber must have had one.
func (s *subscriber) last(t *testing.T) delivery {
	t.Helper()
	got := s.deliveries()
	require.NotEmpty(t, got, "subscriber %s got no delivery", s.url)
	return got[len(got)-1]
}

// next waits for the next delivery.
func (s *subscriber) next(t *testing.T) delivery {
	t.Helper()
	select {
	case d := <-s.seen:
		return d
	case <-time.After(pushWait):
		t.Fatalf("subscriber %s got no delivery within %s", s.url, pushWait)
		return delivery{}
	}
}

// sub is a subscriber entry of a push settings body.
func sub(name, u string) map[string]any {
	m := map[string]any{"url": u}
	if name != "" {
		m["name"] = name
	}
	return m
}

// pushBody is a queue settings body: {"queue":{"type":typ,"push":push}};
// typ "" leaves the type out.
func pushBody(t *testing.T, typ string, push map[string]any) string {
	t.Helper()
	q := map[string]any{"push": push}
	if typ != "" {
		q["type"] = typ
	}
	return mustJSON(t, map[string]any{"queue": q})
}

// pushQueue creates a push queue with subscribers and push options (retries,
// retries_delay, error_queue).
func (e *env) pushQueue(t *testing.T, name, typ string, opts map[string]any, subs ...map[string]any) {
	t.Helper()
	push := map[string]any{"subscribers": subs}
	for k, v := range opts {
		push[k] = v
	}
	r := e.do(t, http.MethodPut, queuePath(name), pushBody(t, typ, push))
	require.Equal(t, http.StatusOK, r.status, "%v", r)
}

// waitPushes blocks on the control plane until no delivery is in flight
// or due (and no task is queued or running).
func (e *env) waitPushes(t *testing.T) {
	t.Helper()
	e.do(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=10s", "").expect(t, http.StatusOK, `{"msg":"Idle","idle":true}`)
}

// tick moves the virtual clock and waits for the deliveries it made due.
func (e *env) tick(t *testing.T, d time.Duration) {
	t.Helper()
	e.advance(d)
	e.waitPushes(t)
}

// pushStatus is the wire form of one subscriber's delivery state.
type pushStatus struct {
	Name             string     `json:"name"`
	URL              string     `json:"url"`
	Status           string     `json:"status"`
	StatusCode       int        `json:"status_code"`
	Tries            int        `json:"tries"`
	RetriesRemaining int        `json:"retries_remaining"`
	LastTryAt        *time.Time `json:"last_try_at"`
	Msg              string     `json:"msg"`
}

func (e *env) pushStatuses(t *testing.T, queue, id string) []pushStatus {
	t.Helper()
	var got struct {
		Subscribers []pushStatus `json:"subscribers"`
	}
	e.do(t, http.MethodGet, queuePath(queue, "/messages/"+id+"/subscribers"), "").decode(t, http.StatusOK, &got)
	require.NotNil(t, got.Subscribers, "subscribers is an array, never null")
	return got.Subscribers
}

// statusOf returns the named subscriber's state.
func statusOf(t *testing.T, sts []pushStatus, name string) pushStatus {
	t.Helper()
	for _, s := range sts {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no push status for subscriber %q in %+v", name, sts)
	return pushStatus{}
}

// postPush posts one message with optional raw extra fields (e.g.
// `"push_headers":{…}`) and returns its id.
func (e *env) postPush(t *testing.T, queue, body, extra string) string {
	t.Helper()
	m := `{"body":` + mustJSON(t, body)
	if extra != "" {
		m += "," + extra
	}
	return e.postJSON(t, queue, `{"messages":[`+m+`}]}`)[0]
}

func TestPush_CreateQueue(t *testing.T) {
	e := newEnv(t)

	t.Run("PUT with push and no type makes a multicast queue with defaults", func(t *testing.T) {
		r := e.do(t, http.MethodPut, queuePath("pq-defaults"), `{"queue":{"push":{"subscribers":[
			{"name":"a","url":"http://a.example/p","headers":{"X-A":"1"}},{"url":"ironmq:///other"}]}}}`)
		want := fmt.Sprintf(`{"queue":{"id":"ID","project_id":%q,"name":"pq-defaults","size":0,"total_messages":0,
			"message_timeout":60,"message_expiration":604800,"type":"multicast",
			"push":{"subscribers":[{"name":"a","url":"http://a.example/p","headers":{"X-A":"1"}},
				{"name":"ironmq:///other","url":"ironmq:///other"}],"retries":3,"retries_delay":60}}}`, project)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, want)
		e.do(t, http.MethodGet, queuePath("pq-defaults"), "").scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, want)
	})
	t.Run("PATCH creates a unicast queue", func(t *testing.T) {
		r := e.do(t, http.MethodPatch, queuePath("pq-unicast"), `{"queue":{"type":"unicast","push":{
			"subscribers":[{"name":"s","url":"https://s.example/"}],"retries":0,"retries_delay":3,"error_queue":"pq-unicast-err"}}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, fmt.Sprintf(`{"queue":{"id":"ID","project_id":%q,
			"name":"pq-unicast","size":0,"total_messages":0,"message_timeout":60,"message_expiration":604800,"type":"unicast",
			"push":{"subscribers":[{"name":"s","url":"https://s.example/"}],"retries":0,"retries_delay":3,
				"error_queue":"pq-unicast-err"}}}`, project))
	})
	t.Run("PATCH merges push keys and replaces the subscriber list", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("pq-merge"), `{"queue":{"type":"multicast","push":{
			"subscribers":[{"name":"a","url":"http://a.example/"},{"name":"b","url":"http://b.example/"}],"retries":7}}}`)
		var got struct {
			Queue struct {
				Type string `json:"type"`
				Push struct {
					Subscribers  []map[string]any `json:"subscribers"`
					Retries      int              `json:"retries"`
					RetriesDelay int              `json:"retries_delay"`
				} `json:"push"`
			} `json:"queue"`
		}
		e.do(t, http.MethodPatch, queuePath("pq-merge"), `{"queue":{"type":"multicast","push":{"retries_delay":30}}}`).decode(t, http.StatusOK, &got)
		require.Equal(t, "multicast", got.Queue.Type)
		require.Len(t, got.Queue.Push.Subscribers, 2, "subscribers kept by a PATCH without them")
		require.Equal(t, 7, got.Queue.Push.Retries, "retries kept")
		require.Equal(t, 30, got.Queue.Push.RetriesDelay, "retries_delay changed")

		e.do(t, http.MethodPatch, queuePath("pq-merge"), `{"queue":{"push":{"subscribers":[{"name":"c","url":"http://c.example/"}]}}}`).decode(t, http.StatusOK, &got)
		require.Equal(t, []map[string]any{{"name": "c", "url": "http://c.example/"}}, got.Queue.Push.Subscribers, "subscribers replaced")
		require.Equal(t, 7, got.Queue.Push.Retries, "retries kept")
	})
	t.Run("the same type may be re-sent", func(t *testing.T) {
		for _, method := range []string{http.MethodPut, http.MethodPatch} {
			require.Equal(t, http.StatusOK, e.do(t, method, queuePath("pq-unicast"), `{"queue":{"type":"unicast"}}`).status)
		}
	})
	t.Run("type change is forbidden", func(t *testing.T) {
		for _, typ := range []string{"multicast", "pull"} {
			for _, method := range []string{http.MethodPut, http.MethodPatch} {
				e.do(t, method, queuePath("pq-unicast"), `{"queue":{"type":"`+typ+`"}}`).expectError(t, http.StatusForbidden)
			}
		}
		require.Equal(t, "unicast", e.queue(t, "pq-unicast").Type, "type after refused change")
	})
}

func TestPush_BadSettings(t *testing.T) {
	e := newEnv(t)
	many := make([]map[string]any, 101)
	for i := range many {
		many[i] = sub(fmt.Sprintf("s%d", i), "http://h.example/")
	}
	bad := []struct {
		name, body string
	}{
		{"ftp subscriber", `{"queue":{"push":{"subscribers":[{"url":"ftp://h.example/p"}]}}}`},
		{"http subscriber without host", `{"queue":{"push":{"subscribers":[{"url":"http:///p"}]}}}`},
		{"ironmq subscriber without queue", `{"queue":{"push":{"subscribers":[{"url":"ironmq:///"}]}}}`},
		{"ironworker subscriber without code", `{"queue":{"push":{"subscribers":[{"url":"ironworker://p:t@w.example/"}]}}}`},
		{"subscriber without url", `{"queue":{"push":{"subscribers":[{"name":"a"}]}}}`},
		{"unparsable url", `{"queue":{"push":{"subscribers":[{"url":"http://h.example/%zz"}]}}}`},
		{"101 subscribers", pushBody(t, "multicast", map[string]any{"subscribers": many})},
		{"no subscribers", `{"queue":{"type":"multicast","push":{"subscribers":[]}}}`},
		{"push without subscribers", `{"queue":{"type":"unicast","push":{"retries":1}}}`},
		{"push queue without push", `{"queue":{"type":"multicast"}}`},
		{"retries 101", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}],"retries":101}}}`},
		{"retries -1", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}],"retries":-1}}}`},
		{"retries_delay 2", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}],"retries_delay":2}}}`},
		{"retries_delay 86401", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}],"retries_delay":86401}}}`},
		{"error_queue is the queue itself", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}],"error_queue":"pq-bad"}}}`},
		{"push on a pull type", `{"queue":{"type":"pull","push":{"subscribers":[{"url":"http://a.example/"}]}}}`},
		{"alerts on a push queue", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}]},
			"alerts":[{"type":"fixed","trigger":1,"queue":"x"}]}}`},
		{"dead_letter on a push queue", `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}]},
			"dead_letter":{"queue_name":"dlq"}}}`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range []string{http.MethodPut, http.MethodPatch} {
				e.do(t, method, queuePath("pq-bad"), tc.body).expectError(t, http.StatusBadRequest)
			}
			e.do(t, http.MethodGet, queuePath("pq-bad"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
		})
	}

	e.pushQueue(t, "pq-ok", "multicast", nil, sub("a", "http://a.example/"))
	t.Run("alerts on a push queue", func(t *testing.T) {
		for _, method := range []string{http.MethodPut, http.MethodPatch} {
			e.do(t, method, queuePath("pq-ok"), `{"queue":{"alerts":[{"type":"fixed","trigger":1,"queue":"x"}]}}`).
				expectMsg(t, http.StatusBadRequest, "Push queues do not support alerts.")
		}
		e.do(t, http.MethodPost, queuePath("pq-ok", "/alerts"), `{"alerts":[{"type":"fixed","trigger":1,"queue":"x"}]}`).
			expectMsg(t, http.StatusBadRequest, "Push queues do not support alerts.")
	})
	t.Run("dead_letter on a push queue", func(t *testing.T) {
		e.do(t, http.MethodPatch, queuePath("pq-ok"), `{"queue":{"dead_letter":{"queue_name":"dlq"}}}`).expectError(t, http.StatusBadRequest)
	})
	t.Run("bad push update keeps the settings", func(t *testing.T) {
		e.do(t, http.MethodPatch, queuePath("pq-ok"), `{"queue":{"push":{"retries":101}}}`).expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPatch, queuePath("pq-ok"), `{"queue":{"push":{"subscribers":[]}}}`).expectError(t, http.StatusBadRequest)
		var got struct {
			Queue struct {
				Push struct {
					Subscribers []map[string]any `json:"subscribers"`
					Retries     int              `json:"retries"`
				} `json:"push"`
			} `json:"queue"`
		}
		e.do(t, http.MethodGet, queuePath("pq-ok"), "").decode(t, http.StatusOK, &got)
		require.Len(t, got.Queue.Push.Subscribers, 1)
		require.Equal(t, 3, got.Queue.Push.Retries)
	})

	e.do(t, http.MethodPut, queuePath("pull-q"), "")
	t.Run("push on an existing pull queue", func(t *testing.T) {
		for _, method := range []string{http.MethodPut, http.MethodPatch} {
			e.do(t, method, queuePath("pull-q"), `{"queue":{"push":{"subscribers":[{"url":"http://a.example/"}]}}}`).expectError(t, http.StatusBadRequest)
		}
		require.Equal(t, "pull", e.queue(t, "pull-q").Type)
	})
	t.Run("subscribers endpoints on a pull queue", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			e.do(t, method, queuePath("pull-q", "/subscribers"), `{"subscribers":[{"name":"a","url":"http://a.example/"}]}`).
				expectError(t, http.StatusBadRequest)
		}
	})
	t.Run("subscribers endpoints on an unknown queue", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			e.do(t, method, queuePath("no-such-q", "/subscribers"), `{"subscribers":[{"name":"a","url":"http://a.example/"}]}`).
				expectMsg(t, http.StatusNotFound, "Queue not found")
		}
	})
	t.Run("reserve and peek on a push queue", func(t *testing.T) {
		e.post(t, "pq-ok", "m")
		e.do(t, http.MethodPost, queuePath("pq-ok", "/reservations"), `{"n":1}`).expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodGet, queuePath("pq-ok", "/messages?n=1"), "").expectError(t, http.StatusBadRequest)
	})
}

func TestPush_SubscribersEndpoints(t *testing.T) {
	e := newEnv(t)
	e.pushQueue(t, "subs", "multicast", nil, sub("a", "http://a.example/"), sub("b", "http://b.example/"))
	subscribers := func(t *testing.T) string {
		t.Helper()
		var got struct {
			Queue struct {
				Push struct {
					Subscribers json.RawMessage `json:"subscribers"`
				} `json:"push"`
			} `json:"queue"`
		}
		e.do(t, http.MethodGet, queuePath("subs"), "").decode(t, http.StatusOK, &got)
		return string(got.Queue.Push.Subscribers)
	}

	t.Run("POST adds and updates by name", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("subs", "/subscribers"), `{"subscribers":[
			{"name":"b","url":"http://b2.example/","headers":{"X-B":"2"}},{"name":"c","url":"http://c.example/"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		require.JSONEq(t, `[{"name":"a","url":"http://a.example/"},{"name":"b","url":"http://b2.example/","headers":{"X-B":"2"}},
			{"name":"c","url":"http://c.example/"}]`, subscribers(t))
	})
	t.Run("DELETE removes by name", func(t *testing.T) {
		e.do(t, http.MethodDelete, queuePath("subs", "/subscribers"), `{"subscribers":[{"name":"b","url":"ignored"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		require.JSONEq(t, `[{"name":"a","url":"http://a.example/"},{"name":"c","url":"http://c.example/"}]`, subscribers(t))
	})
	t.Run("PUT replaces all", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("subs", "/subscribers"), `{"subscribers":[{"url":"http://d.example/"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		require.JSONEq(t, `[{"name":"http://d.example/","url":"http://d.example/"}]`, subscribers(t))
	})
	t.Run("removing the last subscriber is refused", func(t *testing.T) {
		e.do(t, http.MethodDelete, queuePath("subs", "/subscribers"), `{"subscribers":[{"name":"http://d.example/"}]}`).
			expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPut, queuePath("subs", "/subscribers"), `{"subscribers":[]}`).expectError(t, http.StatusBadRequest)
		require.JSONEq(t, `[{"name":"http://d.example/","url":"http://d.example/"}]`, subscribers(t))
	})
	bad := []struct {
		name, body string
		methods    []string
	}{
		{"invalid url", `{"subscribers":[{"name":"x","url":"ftp://x.example/"}]}`, []string{http.MethodPost, http.MethodPut}},
		{"missing url", `{"subscribers":[{"name":"x"}]}`, []string{http.MethodPost, http.MethodPut}},
		{"no subscribers", `{"subscribers":[]}`, []string{http.MethodPost, http.MethodPut, http.MethodDelete}},
		{"empty body", ``, []string{http.MethodPost, http.MethodPut, http.MethodDelete}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			for _, method := range tc.methods {
				e.do(t, method, queuePath("subs", "/subscribers"), tc.body).expectError(t, http.StatusBadRequest)
			}
			require.JSONEq(t, `[{"name":"http://d.example/","url":"http://d.example/"}]`, subscribers(t))
		})
	}
	t.Run("too many subscribers", func(t *testing.T) {
		many := make([]map[string]any, 101)
		for i := range many {
			many[i] = sub(fmt.Sprintf("s%d", i), "http://h.example/")
		}
		e.do(t, http.MethodPut, queuePath("subs", "/subscribers"), mustJSON(t, map[string]any{"subscribers": many})).
			expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPost, queuePath("subs", "/subscribers"), mustJSON(t, map[string]any{"subscribers": many[:100]})).
			expectError(t, http.StatusBadRequest) // 100 new plus the one already there
	})
	t.Run("new subscribers get later messages", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusOK))
		e.do(t, http.MethodPut, queuePath("subs", "/subscribers"), mustJSON(t, map[string]any{"subscribers": []any{sub("live", s.url)}})).
			expectMsg(t, http.StatusOK, "Updated")
		e.post(t, "subs", "after")
		e.waitPushes(t)
		require.Equal(t, []string{"after"}, s.bodies())
	})
}

func TestPush_Unicast(t *testing.T) {
	e := newEnv(t)

	t.Run("fails over in order and stops at the first success", func(t *testing.T) {
		s1, s2, s3 := newSubscriber(t, always(http.StatusInternalServerError)), newSubscriber(t, always(http.StatusOK)), newSubscriber(t, always(http.StatusOK))
		e.pushQueue(t, "uni", "unicast", nil, sub("s1", s1.url), sub("s2", s2.url), sub("s3", s3.url))
		for i, body := range []string{"one", "two"} {
			id := e.post(t, "uni", body)[0]
			e.waitPushes(t)
			require.Equal(t, i+1, s1.count(), "first subscriber tries every message")
			require.Equal(t, []string{"one", "two"}[:i+1], s2.bodies(), "second subscriber gets it")
			require.Zero(t, s3.count(), "third subscriber is never tried")
			sts := e.pushStatuses(t, "uni", id)
			require.Len(t, sts, 2, "untried subscribers drop out: %+v", sts)
			require.Equal(t, http.StatusInternalServerError, statusOf(t, sts, "s1").StatusCode)
			got := statusOf(t, sts, "s2")
			require.Equal(t, "deleted", got.Status)
			require.Equal(t, http.StatusOK, got.StatusCode)
			require.Equal(t, 1, got.Tries)
		}
		// Nothing is retried: the message was delivered.
		e.tick(t, time.Hour)
		require.Equal(t, 2, s1.count())
		require.Equal(t, 2, s2.count())
	})
	t.Run("when all fail, all are retried in order after retries_delay", func(t *testing.T) {
		s1 := newSubscriber(t, always(http.StatusServiceUnavailable))
		s2 := newSubscriber(t, answers(http.StatusServiceUnavailable, http.StatusOK))
		e.pushQueue(t, "uni-retry", "unicast", map[string]any{"retries": 2, "retries_delay": 5}, sub("s1", s1.url), sub("s2", s2.url))
		id := e.post(t, "uni-retry", "m")[0]
		e.waitPushes(t)
		require.Equal(t, []int{1, 1}, []int{s1.count(), s2.count()})
		sts := e.pushStatuses(t, "uni-retry", id)
		require.Equal(t, "retrying", statusOf(t, sts, "s1").Status)
		require.Equal(t, "retrying", statusOf(t, sts, "s2").Status)

		e.tick(t, 4*time.Second)
		require.Equal(t, []int{1, 1}, []int{s1.count(), s2.count()}, "no retry before retries_delay")
		e.tick(t, time.Second)
		require.Equal(t, []int{2, 2}, []int{s1.count(), s2.count()}, "retried after retries_delay")
		got := statusOf(t, e.pushStatuses(t, "uni-retry", id), "s2")
		require.Equal(t, "deleted", got.Status)
		require.Equal(t, 2, got.Tries)
		e.tick(t, time.Hour)
		require.Equal(t, []int{2, 2}, []int{s1.count(), s2.count()}, "no more tries after the delivery")
	})
	t.Run("a 202 holds the other subscribers back", func(t *testing.T) {
		s1, s2 := newSubscriber(t, always(http.StatusAccepted)), newSubscriber(t, always(http.StatusOK))
		e.pushQueue(t, "uni-202", "unicast", map[string]any{"retries": 1, "retries_delay": 10}, sub("s1", s1.url), sub("s2", s2.url))
		id := e.post(t, "uni-202", "m")[0]
		e.waitPushes(t)
		require.Equal(t, 1, s1.count())
		require.Zero(t, s2.count(), "second subscriber tried while the first holds a reservation")

		ack := s1.last(t).header.Get("Iron-Subscriber-Message-Url")
		r, err := e.roundTrip(noAuth(t, http.MethodDelete, ack))
		require.NoError(t, err)
		r.expectMsg(t, http.StatusOK, "Deleted")
		e.tick(t, time.Hour)
		require.Equal(t, 1, s1.count())
		require.Zero(t, s2.count(), "second subscriber tried after the first acknowledged")
		require.Equal(t, "deleted", statusOf(t, e.pushStatuses(t, "uni-202", id), "s1").Status)
	})
}

func TestPush_Multicast(t *testing.T) {
	e := newEnv(t)

	t.Run("every subscriber gets every message once", func(t *testing.T) {
		subs := []*subscriber{newSubscriber(t, always(http.StatusOK)), newSubscriber(t, always(http.StatusOK)), newSubscriber(t, always(http.StatusNoContent))}
		e.pushQueue(t, "multi", "multicast", nil, sub("a", subs[0].url), sub("b", subs[1].url), sub("c", subs[2].url))
		ids := e.post(t, "multi", "m1", "m2", "m3")
		e.waitPushes(t)
		for _, s := range subs {
			require.ElementsMatch(t, []string{"m1", "m2", "m3"}, s.bodies(), "subscriber %s", s.url)
		}
		for _, id := range ids {
			sts := e.pushStatuses(t, "multi", id)
			require.Len(t, sts, 3)
			for _, st := range sts {
				require.Equal(t, "deleted", st.Status, "%+v", st)
				require.Equal(t, 1, st.Tries, "%+v", st)
			}
		}
		require.Zero(t, e.queue(t, "multi").Size, "push queues report size 0")
		require.Equal(t, 3, e.queue(t, "multi").TotalMessages)
	})
	t.Run("only failed subscribers are retried", func(t *testing.T) {
		ok, bad := newSubscriber(t, always(http.StatusOK)), newSubscriber(t, answers(http.StatusBadGateway, http.StatusOK))
		e.pushQueue(t, "multi-retry", "", map[string]any{"retries_delay": 3}, sub("ok", ok.url), sub("bad", bad.url))
		id := e.post(t, "multi-retry", "m")[0]
		e.waitPushes(t)
		require.Equal(t, []int{1, 1}, []int{ok.count(), bad.count()})
		e.tick(t, 3*time.Second)
		require.Equal(t, []int{1, 2}, []int{ok.count(), bad.count()})
		for _, st := range e.pushStatuses(t, "multi-retry", id) {
			require.Equal(t, "deleted", st.Status, "%+v", st)
		}
	})
}

// TestPush_MoreThanARoundOfDeliveries: a queue delivers at most 16 at a
// time, and a delivery that ends claims the next only while more are due
// than there was room for; every message must still arrive, its retries
// too, however the claims fall.
func TestPush_MoreThanARoundOfDeliveries(t *testing.T) {
	e := newEnv(t)
	// Every third delivery fails once: its retry comes due 3 s later.
	s := newSubscriber(t, func(n int) int {
		if n%3 == 0 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	e.pushQueue(t, "many", "multicast", map[string]any{"retries": 5, "retries_delay": 3}, sub("s", s.url))
	bodies := make([]string, 50)
	for i := range bodies {
		bodies[i] = fmt.Sprintf("m%02d", i)
	}
	ids := e.post(t, "many", bodies...)
	e.waitPushes(t)
	for range 10 { // each tick retries what failed; some retries fail again
		e.tick(t, 3*time.Second)
	}
	for _, id := range ids {
		require.Equal(t, "deleted", statusOf(t, e.pushStatuses(t, "many", id), "s").Status, "message %s", id)
	}
	var delivered []string
	for _, d := range s.deliveries() {
		delivered = append(delivered, d.body)
	}
	require.Subset(t, delivered, bodies, "every message reached the subscriber")
}

// TestPush_DelayedWhileDelivering: a delayed message posted while the
// queue's deliveries run, in a batch with one due at once, is delivered
// when its delay ends. The claim the post triggers takes only the one due
// now, so the pusher must learn the delayed one's time from the post
// itself: it no longer reads a queue's pending deliveries after
// deliveries that all succeed.
func TestPush_DelayedWhileDelivering(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	s := newSubscriber(t, func(n int) int {
		mu.Lock()
		hold := first
		first = false
		mu.Unlock()
		if hold {
			<-release // the first delivery runs until the batch is posted
		}
		return http.StatusOK
	})
	e.pushQueue(t, "later", "multicast", nil, sub("s", s.url))
	e.post(t, "later", "first")
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !first
	}, pushWait, time.Millisecond, "the first delivery started")
	ids := e.postJSON(t, "later", `{"messages":[{"body":"now"},{"body":"delayed","delay":5}]}`)
	close(release)
	e.waitPushes(t)
	require.ElementsMatch(t, []string{"first", "now"}, s.bodies(), "the delayed one waits")

	e.tick(t, 4*time.Second)
	require.Len(t, s.bodies(), 2, "not before its delay")
	e.tick(t, time.Second)
	require.ElementsMatch(t, []string{"first", "now", "delayed"}, s.bodies())
	require.Equal(t, "deleted", statusOf(t, e.pushStatuses(t, "later", ids[1]), "s").Status)
}

// noAuth is a request to an absolute URL without credentials.
func noAuth(t *testing.T, method, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	return req
}

func TestPush_Headers(t *testing.T) {
	e := newEnv(t)
	plain, custom := newSubscriber(t, always(http.StatusOK)), newSubscriber(t, always(http.StatusOK))
	e.do(t, http.MethodPut, queuePath("hdr"), mustJSON(t, map[string]any{"queue": map[string]any{"push": map[string]any{
		"subscribers": []any{
			sub("plain", plain.url),
			map[string]any{"name": "custom", "url": custom.url, "headers": map[string]string{
				"Content-Type": "application/json", "User-Agent": "mine", "X-Sub": "s", "X-Both": "from-subscriber"}},
		}}}}))
	body := "{\"verbatim\": \"body\" \u00e9}\n"
	id := e.postPush(t, "hdr", body, `"push_headers":{"X-Trace":"t-1","X-Both":"from-message"}`)
	e.waitPushes(t)

	for _, tc := range []struct {
		name string
		s    *subscriber
		want map[string]string
	}{
		{"plain", plain, map[string]string{"User-Agent": "IronMQ Pusherd", "Content-Type": "text/plain; encoding=utf-8",
			"X-Trace": "t-1", "X-Both": "from-message", "X-Sub": ""}},
		{"custom", custom, map[string]string{"User-Agent": "mine", "Content-Type": "application/json",
			"X-Trace": "t-1", "X-Both": "from-message", "X-Sub": "s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.s.last(t)
			require.Equal(t, 1, tc.s.count())
			require.Equal(t, http.MethodPost, d.method)
			require.Equal(t, body, d.body, "body verbatim")
			for k, v := range tc.want {
				require.Equal(t, v, d.header.Get(k), "header %s", k)
			}
			require.Equal(t, id, d.header.Get("Iron-Message-Id"))
			rid := d.header.Get("Iron-Reservation-Id")
			require.Regexp(t, reReservationID, rid, "Iron-Reservation-Id")
			require.Equal(t, tc.name, d.header.Get("Iron-Subscriber-Name"))
			want := e.srv.URL() + queuePath("hdr", "/messages/"+id) + "?reservation_id=" + rid + "&subscriber_name=" + tc.name
			require.Equal(t, want, d.header.Get("Iron-Subscriber-Message-Url"))
		})
	}
	t.Run("reservation ids differ per subscriber", func(t *testing.T) {
		require.NotEqual(t, plain.last(t).header.Get("Iron-Reservation-Id"), custom.last(t).header.Get("Iron-Reservation-Id"))
	})
	t.Run("subscriber names are escaped in the message URL", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusOK))
		e.pushQueue(t, "hdr-esc", "", nil, sub("a b&c", s.url))
		e.post(t, "hdr-esc", "m")
		e.waitPushes(t)
		u, err := url.Parse(s.last(t).header.Get("Iron-Subscriber-Message-Url"))
		require.NoError(t, err)
		require.Equal(t, "a b&c", u.Query().Get("subscriber_name"))
	})
}

func TestPush_Retries(t *testing.T) {
	e := newEnv(t)
	s := newSubscriber(t, always(http.StatusInternalServerError))
	e.pushQueue(t, "retry", "multicast", map[string]any{"retries": 2, "retries_delay": 5}, sub("s", s.url))
	id := e.post(t, "retry", "m")[0]
	e.waitPushes(t)
	steps := []struct {
		advance          time.Duration
		tries            int
		status           string
		retriesRemaining int
	}{
		{0, 1, "retrying", 1},
		{4 * time.Second, 1, "retrying", 1}, // not before retries_delay
		{time.Second, 2, "retrying", 0},
		{5 * time.Second, 3, "error", 0},
		{time.Hour, 3, "error", 0}, // retries used up: retries+1 attempts
	}
	for _, st := range steps {
		t.Run(fmt.Sprintf("after %s more", st.advance), func(t *testing.T) {
			if st.advance > 0 {
				e.tick(t, st.advance)
			}
			require.Equal(t, st.tries, s.count(), "deliveries")
			got := statusOf(t, e.pushStatuses(t, "retry", id), "s")
			require.Equal(t, st.tries, got.Tries)
			require.Equal(t, st.status, got.Status)
			require.Equal(t, st.retriesRemaining, got.RetriesRemaining)
			require.Equal(t, http.StatusInternalServerError, got.StatusCode)
		})
	}
	t.Run("retries 0 means one attempt", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusNotFound))
		e.pushQueue(t, "retry-0", "", map[string]any{"retries": 0}, sub("s", s.url))
		id := e.post(t, "retry-0", "m")[0]
		e.waitPushes(t)
		e.tick(t, time.Hour)
		require.Equal(t, 1, s.count())
		require.Equal(t, "error", statusOf(t, e.pushStatuses(t, "retry-0", id), "s").Status)
	})
	t.Run("a connection failure is a failed try without a status code", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		u := dead.URL + "/gone"
		dead.Close()
		e.pushQueue(t, "retry-dead", "", map[string]any{"retries": 1, "retries_delay": 3}, sub("s", u))
		id := e.post(t, "retry-dead", "m")[0]
		e.waitPushes(t)
		got := statusOf(t, e.pushStatuses(t, "retry-dead", id), "s")
		require.Equal(t, "retrying", got.Status)
		require.Equal(t, 1, got.Tries)
		require.Zero(t, got.StatusCode)
		require.NotEmpty(t, got.Msg, "the failure is explained")
		e.tick(t, 3*time.Second)
		got = statusOf(t, e.pushStatuses(t, "retry-dead", id), "s")
		require.Equal(t, "error", got.Status)
		require.Equal(t, 2, got.Tries)
	})
}

// TestPush_SameName: two subscribers may share a name (iron_mq_ruby's
// test_post_and_instantiate); both get every message, and each 202 is
// acknowledged on its own through its Iron-Subscriber-Message-Url.
func TestPush_SameName(t *testing.T) {
	e := newEnv(t)
	s1, s2 := newSubscriber(t, always(http.StatusAccepted)), newSubscriber(t, always(http.StatusAccepted))
	e.pushQueue(t, "twins", "multicast", map[string]any{"retries": 1, "retries_delay": 60}, sub("dup", s1.url), sub("dup", s2.url))
	id := e.post(t, "twins", "m")[0]
	e.waitPushes(t)
	require.Equal(t, 1, s1.count())
	require.Equal(t, 1, s2.count())
	statuses := func() []string {
		var out []string
		for _, st := range e.pushStatuses(t, "twins", id) {
			require.Equal(t, "dup", st.Name)
			out = append(out, st.URL+" "+st.Status)
		}
		return out
	}
	require.Equal(t, []string{s1.url + " reserved", s2.url + " reserved"}, statuses())

	for _, s := range []*subscriber{s2, s1} {
		r, err := e.roundTrip(noAuth(t, http.MethodDelete, s.last(t).header.Get("Iron-Subscriber-Message-Url")))
		require.NoError(t, err)
		r.expectMsg(t, http.StatusOK, "Deleted")
	}
	require.Equal(t, []string{s1.url + " deleted", s2.url + " deleted"}, statuses())
	e.tick(t, time.Hour)
	require.Equal(t, 1, s1.count(), "no retry after the acknowledgement")
	require.Equal(t, 1, s2.count(), "no retry after the acknowledgement")
}

func TestPush_Acknowledgement(t *testing.T) {
	e := newEnv(t)

	t.Run("202 then DELETE on the message URL without a token", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusAccepted))
		e.pushQueue(t, "ack", "", map[string]any{"retries": 3, "retries_delay": 10}, sub("s", s.url))
		id := e.post(t, "ack", "m")[0]
		e.waitPushes(t)
		got := statusOf(t, e.pushStatuses(t, "ack", id), "s")
		require.Equal(t, "reserved", got.Status)
		require.Equal(t, http.StatusAccepted, got.StatusCode)

		ack := s.last(t).header.Get("Iron-Subscriber-Message-Url")
		require.True(t, strings.HasPrefix(ack, e.srv.URL()+"/3/"), "message URL %q points at the emulator", ack)
		r, err := e.roundTrip(noAuth(t, http.MethodDelete, ack))
		require.NoError(t, err)
		e.checkWire(t, r)
		r.expectMsg(t, http.StatusOK, "Deleted")

		got = statusOf(t, e.pushStatuses(t, "ack", id), "s")
		require.Equal(t, "deleted", got.Status)
		require.Equal(t, 1, got.Tries)
		e.tick(t, time.Hour)
		require.Equal(t, 1, s.count(), "no retry after the acknowledgement")
		var m struct{ Message message }
		e.do(t, http.MethodGet, queuePath("ack", "/messages/"+id), "").decode(t, http.StatusOK, &m)
		require.Equal(t, "m", m.Message.Body, "a pushed message stays gettable")

		r, err = e.roundTrip(noAuth(t, http.MethodDelete, ack))
		require.NoError(t, err)
		r.expectError(t, http.StatusForbidden) // already acknowledged
	})
	t.Run("acknowledgement with subscriber_name alone", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusAccepted))
		e.pushQueue(t, "ack-name", "", nil, sub("s", s.url))
		id := e.post(t, "ack-name", "m")[0]
		e.waitPushes(t)
		e.do(t, http.MethodDelete, queuePath("ack-name", "/messages/"+id), `{"subscriber_name":"s"}`).expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, "deleted", statusOf(t, e.pushStatuses(t, "ack-name", id), "s").Status)
	})
	t.Run("ack without a token needs the reservation", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusAccepted))
		e.pushQueue(t, "ack-auth", "", nil, sub("s", s.url))
		id := e.post(t, "ack-auth", "m")[0]
		e.waitPushes(t)
		r, err := e.roundTrip(noAuth(t, http.MethodDelete, e.srv.URL()+queuePath("ack-auth", "/messages/"+id)+"?subscriber_name=s"))
		require.NoError(t, err)
		r.expectError(t, http.StatusUnauthorized)
		r, err = e.roundTrip(noAuth(t, http.MethodDelete, e.srv.URL()+queuePath("ack-auth", "/messages/"+id)+
			"?reservation_id=00000000000000000000000000000000&subscriber_name=s"))
		require.NoError(t, err)
		r.expectError(t, http.StatusForbidden)
		require.Equal(t, "reserved", statusOf(t, e.pushStatuses(t, "ack-auth", id), "s").Status)
	})
	t.Run("202 not acknowledged is retried after retries_delay", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusAccepted))
		e.pushQueue(t, "ack-late", "", map[string]any{"retries": 1, "retries_delay": 10, "error_queue": "ack-late-err"}, sub("s", s.url))
		id := e.post(t, "ack-late", "late")[0]
		e.waitPushes(t)
		first := s.last(t).header

		e.tick(t, 9*time.Second)
		require.Equal(t, 1, s.count(), "no retry before retries_delay")
		e.tick(t, time.Second)
		require.Equal(t, 2, s.count(), "retried once retries_delay passed")
		second := s.last(t).header
		require.NotEqual(t, first.Get("Iron-Reservation-Id"), second.Get("Iron-Reservation-Id"), "a new reservation")
		got := statusOf(t, e.pushStatuses(t, "ack-late", id), "s")
		require.Equal(t, "reserved", got.Status)
		require.Equal(t, 2, got.Tries)
		require.Zero(t, got.RetriesRemaining)

		r, err := e.roundTrip(noAuth(t, http.MethodDelete, first.Get("Iron-Subscriber-Message-Url")))
		require.NoError(t, err)
		r.expectError(t, http.StatusForbidden) // the old reservation is dead

		e.tick(t, 10*time.Second)
		require.Equal(t, 2, s.count(), "retries used up")
		got = statusOf(t, e.pushStatuses(t, "ack-late", id), "s")
		require.Equal(t, "error", got.Status)
		require.Equal(t, 2, got.Tries)

		notices := e.reserve(t, "ack-late-err", `{"n":10}`)
		require.Len(t, notices, 1, "error queue notice for the unacknowledged delivery")
		var notice map[string]any
		require.NoError(t, json.Unmarshal([]byte(notices[0].Body), &notice))
		require.Equal(t, id, notice["source_msg_id"])
		require.Equal(t, "late", notice["body"])
	})
}

func TestPush_ErrorQueue(t *testing.T) {
	e := newEnv(t)

	t.Run("multicast: one notice naming the failed subscribers", func(t *testing.T) {
		ok, bad := newSubscriber(t, always(http.StatusOK)), newSubscriber(t, always(http.StatusServiceUnavailable))
		e.pushQueue(t, "eq", "multicast", map[string]any{"retries": 0, "error_queue": "eq-err"}, sub("ok", ok.url), sub("bad", bad.url))
		id := e.post(t, "eq", "original body")[0]
		e.waitPushes(t)
		notices := e.reserve(t, "eq-err", `{"n":10}`)
		require.Len(t, notices, 1)
		require.JSONEq(t, fmt.Sprintf(`{"source_msg_id":%q,"body":"original body","headers":{"User-Agent":"IronMQ Pusherd"},
			"subscribers":[{"name":"bad","url":%q,"code":503,"msg":"Service Unavailable"}]}`, id, bad.url), notices[0].Body)
		require.Equal(t, "pull", e.queue(t, "eq-err").Type, "error queue is auto-created as a pull queue")
	})
	t.Run("unicast: a notice only when every subscriber failed", func(t *testing.T) {
		s1, s2 := newSubscriber(t, always(http.StatusInternalServerError)), newSubscriber(t, answers(http.StatusOK, http.StatusNotFound))
		e.pushQueue(t, "eq-uni", "unicast", map[string]any{"retries": 0, "error_queue": "eq-uni-err"}, sub("s1", s1.url), sub("s2", s2.url))
		e.post(t, "eq-uni", "delivered")
		e.waitPushes(t)
		e.do(t, http.MethodGet, queuePath("eq-uni-err"), "").expectMsg(t, http.StatusNotFound, "Queue not found")

		id := e.post(t, "eq-uni", "lost")[0]
		e.waitPushes(t)
		notices := e.reserve(t, "eq-uni-err", `{"n":10}`)
		require.Len(t, notices, 1)
		require.JSONEq(t, fmt.Sprintf(`{"source_msg_id":%q,"body":"lost","headers":{"User-Agent":"IronMQ Pusherd"},
			"subscribers":[{"name":"s1","url":%q,"code":500,"msg":"Internal Server Error"},
				{"name":"s2","url":%q,"code":404,"msg":"Not Found"}]}`, id, s1.url, s2.url), notices[0].Body)
	})
	t.Run("after the last retry only", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusInternalServerError))
		e.pushQueue(t, "eq-late", "", map[string]any{"retries": 1, "retries_delay": 3, "error_queue": "eq-late-err"}, sub("s", s.url))
		e.do(t, http.MethodPut, queuePath("eq-late-err"), "")
		e.post(t, "eq-late", "m")
		e.waitPushes(t)
		require.Empty(t, e.peek(t, "eq-late-err", "?n=10"), "no notice while retries remain")
		e.tick(t, 3*time.Second)
		require.Len(t, e.peek(t, "eq-late-err", "?n=10"), 1)
	})
	t.Run("without error_queue nothing is posted", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusInternalServerError))
		e.pushQueue(t, "eq-none", "", map[string]any{"retries": 0}, sub("s", s.url))
		before := listQueues(t, e)
		e.post(t, "eq-none", "m")
		e.waitPushes(t)
		require.Equal(t, before, listQueues(t, e))
	})
}

func listQueues(t *testing.T, e *env) []string {
	t.Helper()
	var got struct {
		Queues []struct {
			Name string `json:"name"`
		} `json:"queues"`
	}
	e.do(t, http.MethodGet, queuesPath()+"?per_page=100", "").decode(t, http.StatusOK, &got)
	var out []string
	for _, q := range got.Queues {
		out = append(out, q.Name)
	}
	return out
}

func TestPush_Statuses(t *testing.T) {
	e := newEnv(t)
	s := newSubscriber(t, answers(http.StatusInternalServerError, http.StatusOK))
	e.pushQueue(t, "st", "", map[string]any{"retries": 2, "retries_delay": 5}, sub("s", s.url))

	t.Run("queued before the first try", func(t *testing.T) {
		id := e.postPush(t, "st", "later", `"delay":30`)
		e.waitPushes(t)
		e.do(t, http.MethodGet, queuePath("st", "/messages/"+id+"/subscribers"), "").expect(t, http.StatusOK, fmt.Sprintf(
			`{"subscribers":[{"name":"s","url":%q,"status":"queued","status_code":0,"tries":0,"retries_remaining":2}]}`, s.url))
		require.Zero(t, s.count(), "a delayed message is not pushed early")
		e.do(t, http.MethodDelete, queuePath("st", "/messages/"+id), "").expectMsg(t, http.StatusOK, "Deleted")
	})
	var id string
	t.Run("retrying after a failed first try", func(t *testing.T) {
		id = e.post(t, "st", "m")[0]
		e.waitPushes(t)
		r := e.do(t, http.MethodGet, queuePath("st", "/messages/"+id+"/subscribers"), "")
		r.expect(t, http.StatusOK, fmt.Sprintf(`{"subscribers":[{"name":"s","url":%q,"status":"retrying","status_code":500,
			"tries":1,"retries_remaining":1,"last_try_at":%q,"next_try_at":%q,"msg":"Internal Server Error"}]}`,
			s.url, emulator.FormatWireTime(e.now()), emulator.FormatWireTime(e.now().Add(5*time.Second))))
		// What iron_go3's retries test checks.
		got := statusOf(t, e.pushStatuses(t, "st", id), "s")
		require.Equal(t, 1, got.Tries)
		require.Positive(t, got.StatusCode)
	})
	t.Run("deleted once delivered", func(t *testing.T) {
		e.tick(t, 5*time.Second)
		got := statusOf(t, e.pushStatuses(t, "st", id), "s")
		require.Equal(t, "deleted", got.Status)
		require.Equal(t, 2, got.Tries)
		require.Equal(t, http.StatusOK, got.StatusCode)
		require.NotNil(t, got.LastTryAt)
		require.True(t, got.LastTryAt.Equal(e.now().Truncate(time.Millisecond)), "last_try_at %v, want %v", got.LastTryAt, e.now())
	})
	t.Run("pull-queue message has no subscribers", func(t *testing.T) {
		id := e.post(t, "st-pull", "m")[0]
		e.do(t, http.MethodGet, queuePath("st-pull", "/messages/"+id+"/subscribers"), "").expect(t, http.StatusOK, `{"subscribers":[]}`)
	})
	t.Run("unknown message or queue", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("st", "/messages/1234567890123456789/subscribers"), "").expectMsg(t, http.StatusNotFound, "Message not found")
		e.do(t, http.MethodGet, queuePath("st-none", "/messages/1234567890123456789/subscribers"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestPush_IronMQSubscriber(t *testing.T) {
	e := newEnv(t)
	e.pushQueue(t, "fwd", "multicast", nil,
		sub("short", "ironmq:///fwd-a"),
		sub("long", "ironmq://"+project+":"+token+"@mq-aws-us-east-1-1.iron.io/fwd-b"))
	id := e.post(t, "fwd", "forwarded")[0]
	e.waitPushes(t)
	for _, q := range []string{"fwd-a", "fwd-b"} {
		got := e.reserve(t, q, `{"n":10}`)
		require.Equal(t, []string{"forwarded"}, bodies(got), "queue %s", q)
	}
	for _, st := range e.pushStatuses(t, "fwd", id) {
		require.Equal(t, "deleted", st.Status, "%+v", st)
		require.Equal(t, http.StatusOK, st.StatusCode, "%+v", st)
	}
}

func TestPush_IronWorkerSubscriber(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, Runtime: "process"})
	// The process runtime appends the Iron args to an image's command.
	e.do(t, http.MethodPost, "/2/projects/"+project+"/codes", `{"name":"c","image":"x","command":"cat \"$PAYLOAD_FILE\"; true"}`).
		decode(t, http.StatusOK, &struct{}{})
	e.pushQueue(t, "to-worker", "", map[string]any{"retries": 0},
		sub("w", "ironworker://"+project+":"+token+"@worker-aws-us-east-1.iron.io/c"),
		sub("missing", "ironworker:///no-such-code"))
	id := e.post(t, "to-worker", "payload-from-mq")[0]
	e.waitPushes(t)

	var list struct {
		Tasks []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"tasks"`
	}
	e.do(t, http.MethodGet, "/2/projects/"+project+"/tasks?code_name=c", "").decode(t, http.StatusOK, &list)
	require.Len(t, list.Tasks, 1, "one task queued by the push")
	require.Equal(t, "complete", list.Tasks[0].Status)
	r, err := e.roundTrip(e.request(t, http.MethodGet, "/2/projects/"+project+"/tasks/"+list.Tasks[0].ID+"/log", ""))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.Contains(t, string(r.body), "payload-from-mq")

	sts := e.pushStatuses(t, "to-worker", id)
	require.Equal(t, "deleted", statusOf(t, sts, "w").Status)
	missing := statusOf(t, sts, "missing")
	require.Equal(t, "error", missing.Status)
	require.Equal(t, http.StatusNotFound, missing.StatusCode, "an unknown code package is a 404")
}

func TestPush_SlowSubscriberIsolated(t *testing.T) {
	e := newEnv(t)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	t.Cleanup(slow.Close)
	var once sync.Once
	open := func() { once.Do(func() { close(release) }) }
	t.Cleanup(open) // before slow.Close, which waits for the handler
	fast := newSubscriber(t, always(http.StatusOK))
	e.pushQueue(t, "slow", "", nil, sub("slow", slow.URL))
	e.pushQueue(t, "fast", "", nil, sub("fast", fast.url))

	e.post(t, "slow", "stuck")
	select {
	case <-entered:
	case <-time.After(pushWait):
		t.Fatal("slow subscriber got no delivery")
	}
	e.post(t, "fast", "quick")
	require.Equal(t, "quick", fast.next(t).body, "delivery on another queue while the slow subscriber blocks")
	open()
	e.waitPushes(t)
}

func TestPush_Webhook(t *testing.T) {
	e := newEnv(t)
	webhook := func(t *testing.T, queue, body string, header map[string]string) reply {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, e.srv.URL()+queuePath(queue, "/webhook")+"?oauth="+token, strings.NewReader(body))
		require.NoError(t, err)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		return e.send(t, req)
	}

	t.Run("raw body becomes a message", func(t *testing.T) {
		body := "a=1&b=two\n{not json}"
		r := webhook(t, "wh", body, map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		var got struct {
			IDs []string `json:"ids"`
			Msg string   `json:"msg"`
		}
		r.decode(t, http.StatusCreated, &got)
		require.Equal(t, "Messages put on queue.", got.Msg)
		require.Len(t, got.IDs, 1)
		require.Regexp(t, reMessageID, got.IDs[0])
		msgs := e.reserve(t, "wh", `{"n":10}`)
		require.Equal(t, []string{body}, bodies(msgs))
		require.Equal(t, got.IDs, ids(msgs))
	})
	t.Run("X-Subscribers headers become push headers", func(t *testing.T) {
		s := newSubscriber(t, always(http.StatusOK))
		e.pushQueue(t, "wh-push", "", nil, sub("s", s.url))
		webhook(t, "wh-push", `{"event":"x"}`, map[string]string{"Content-Type": "application/json", "X-Subscribers-Foo": "bar",
			"X-Other": "dropped"}).decode(t, http.StatusCreated, &struct{}{})
		e.waitPushes(t)
		d := s.last(t)
		require.Equal(t, `{"event":"x"}`, d.body)
		require.Equal(t, "bar", d.header.Get("Foo"))
		require.Empty(t, d.header.Get("X-Other"))
		require.Equal(t, "text/plain; encoding=utf-8", d.header.Get("Content-Type"), "the request's Content-Type is not passed on")
	})
	t.Run("invalid subscriber headers are dropped", func(t *testing.T) {
		webhook(t, "wh-bad", "m", map[string]string{"X-Subscribers-Content-Type": "text/html"}).decode(t, http.StatusCreated, &struct{}{})
		require.Equal(t, []string{"m"}, bodies(e.reserve(t, "wh-bad", `{"n":10}`)))
	})
	t.Run("no token", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, e.srv.URL()+queuePath("wh", "/webhook"), strings.NewReader("x"))
		require.NoError(t, err)
		e.send(t, req).expectError(t, http.StatusUnauthorized)
	})
}

// Alerts (spec §2.7).

// alertNotice is the body of an alert message.
type alertNotice struct {
	SourceQueue    string `json:"source_queue"`
	QueueSize      int    `json:"queue_size"`
	AlertID        string `json:"alert_id"`
	AlertType      string `json:"alert_type"`
	AlertDirection string `json:"alert_direction"`
	AlertTrigger   int    `json:"alert_trigger"`
	CreatedAt      string `json:"created_at"`
}

// notices reads (without consuming) the alert notices in queue.
func (e *env) notices(t *testing.T, queue string) []alertNotice {
	t.Helper()
	var out []alertNotice
	for _, m := range e.peek(t, queue, "?n=100") {
		var n alertNotice
		require.NoError(t, json.Unmarshal([]byte(m.Body), &n), "notice %q", m.Body)
		out = append(out, n)
	}
	return out
}

func noticeSizes(ns []alertNotice) []int {
	out := []int{}
	for _, n := range ns {
		out = append(out, n.QueueSize)
	}
	return out
}

// alertsOf returns the queue's alerts as the API shows them.
func (e *env) alertsOf(t *testing.T, queue string) []map[string]any {
	t.Helper()
	var got struct {
		Queue struct {
			Alerts []map[string]any `json:"alerts"`
		} `json:"queue"`
	}
	e.do(t, http.MethodGet, queuePath(queue), "").decode(t, http.StatusOK, &got)
	return got.Queue.Alerts
}

// alertQueue creates a pull queue with alerts and an empty target queue.
func (e *env) alertQueue(t *testing.T, name, target, alerts string) {
	t.Helper()
	e.do(t, http.MethodPut, queuePath(target), "")
	r := e.do(t, http.MethodPut, queuePath(name), `{"queue":{"alerts":`+alerts+`}}`)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
}

// shrink reserves and deletes n messages one at a time.
func (e *env) shrink(t *testing.T, queue string, n int) {
	t.Helper()
	for range n {
		msgs := e.reserve(t, queue, `{"n":1}`)
		require.Len(t, msgs, 1)
		e.do(t, http.MethodDelete, queuePath(queue, "/messages/"+msgs[0].ID), `{"reservation_id":"`+msgs[0].ReservationID+`"}`).
			expectMsg(t, http.StatusOK, "Deleted")
	}
}

// grow posts n messages one at a time.
func (e *env) grow(t *testing.T, queue string, n int) {
	t.Helper()
	for range n {
		e.post(t, queue, "x")
	}
}

func TestAlerts_Firing(t *testing.T) {
	e := newEnv(t)

	t.Run("fixed asc fires once per crossing", func(t *testing.T) {
		e.alertQueue(t, "al-fixed", "al-fixed-n", `[{"type":"fixed","direction":"asc","trigger":3,"queue":"al-fixed-n"}]`)
		e.grow(t, "al-fixed", 2)
		require.Empty(t, e.notices(t, "al-fixed-n"), "below the trigger")
		e.grow(t, "al-fixed", 1)
		got := e.notices(t, "al-fixed-n")
		require.Len(t, got, 1)
		alertID := e.alertsOf(t, "al-fixed")[0]["id"]
		want := fmt.Sprintf(`{"source_queue":"al-fixed","queue_size":3,"alert_id":%q,"alert_type":"fixed",
			"alert_direction":"asc","alert_trigger":3,"created_at":%q}`, alertID, emulator.FormatWireTime(e.now()))
		require.JSONEq(t, want, e.peek(t, "al-fixed-n", "?n=1")[0].Body, "notice body")
		e.grow(t, "al-fixed", 2)
		e.shrink(t, "al-fixed", 3) // 5 → 2: down through the trigger
		require.Len(t, e.notices(t, "al-fixed-n"), 1, "no notice above or going down")
		e.grow(t, "al-fixed", 1)
		require.Equal(t, []int{3, 3}, noticeSizes(e.notices(t, "al-fixed-n")), "fires again on the next crossing")
	})
	t.Run("a batch crossing fires once", func(t *testing.T) {
		e.alertQueue(t, "al-batch", "al-batch-n", `[{"type":"fixed","trigger":3,"queue":"al-batch-n"}]`)
		e.post(t, "al-batch", "1", "2", "3", "4", "5")
		require.Equal(t, []int{5}, noticeSizes(e.notices(t, "al-batch-n")))
	})
	t.Run("progressive asc fires at each multiple", func(t *testing.T) {
		e.alertQueue(t, "al-prog", "al-prog-n", `[{"type":"progressive","trigger":2,"queue":"al-prog-n"}]`)
		e.grow(t, "al-prog", 7)
		require.Equal(t, []int{2, 4, 6}, noticeSizes(e.notices(t, "al-prog-n")))
		e.shrink(t, "al-prog", 4)
		require.Equal(t, []int{2, 4, 6}, noticeSizes(e.notices(t, "al-prog-n")), "asc alerts stay quiet going down")
		e.grow(t, "al-prog", 1)
		require.Equal(t, []int{2, 4, 6, 4}, noticeSizes(e.notices(t, "al-prog-n")))
		for _, n := range e.notices(t, "al-prog-n") {
			require.Equal(t, "progressive", n.AlertType)
			require.Equal(t, "asc", n.AlertDirection)
			require.Equal(t, 2, n.AlertTrigger)
		}
	})
	t.Run("fixed desc fires going down", func(t *testing.T) {
		e.alertQueue(t, "al-desc", "al-desc-n", `[{"type":"fixed","direction":"desc","trigger":2,"queue":"al-desc-n"}]`)
		e.grow(t, "al-desc", 4)
		require.Empty(t, e.notices(t, "al-desc-n"), "desc alerts stay quiet going up")
		e.shrink(t, "al-desc", 1)
		require.Empty(t, e.notices(t, "al-desc-n"))
		e.shrink(t, "al-desc", 2)
		require.Equal(t, []int{2}, noticeSizes(e.notices(t, "al-desc-n")))
		require.Equal(t, "desc", e.notices(t, "al-desc-n")[0].AlertDirection)
		e.grow(t, "al-desc", 2)
		e.shrink(t, "al-desc", 1)
		require.Equal(t, []int{2, 2}, noticeSizes(e.notices(t, "al-desc-n")))
	})
	t.Run("progressive desc fires at each multiple going down", func(t *testing.T) {
		e.alertQueue(t, "al-pdesc", "al-pdesc-n", `[{"type":"progressive","direction":"desc","trigger":2,"queue":"al-pdesc-n"}]`)
		e.grow(t, "al-pdesc", 5)
		e.shrink(t, "al-pdesc", 5)
		require.Equal(t, []int{4, 2}, noticeSizes(e.notices(t, "al-pdesc-n")))
	})
	t.Run("clear fires desc alerts", func(t *testing.T) {
		e.alertQueue(t, "al-clear", "al-clear-n", `[{"type":"fixed","direction":"desc","trigger":1,"queue":"al-clear-n"}]`)
		e.grow(t, "al-clear", 3)
		e.do(t, http.MethodDelete, queuePath("al-clear", "/messages"), "{}").expectMsg(t, http.StatusOK, "Cleared")
		require.Equal(t, []int{0}, noticeSizes(e.notices(t, "al-clear-n")))
	})
	t.Run("snooze suppresses within the window", func(t *testing.T) {
		e.alertQueue(t, "al-snooze", "al-snooze-n", `[{"type":"fixed","trigger":1,"queue":"al-snooze-n","snooze":60}]`)
		cycle := func() { e.grow(t, "al-snooze", 1); e.shrink(t, "al-snooze", 1) }
		cycle()
		first := e.now()
		require.Len(t, e.notices(t, "al-snooze-n"), 1)
		cycle()
		e.advance(59 * time.Second)
		cycle()
		require.Len(t, e.notices(t, "al-snooze-n"), 1, "snoozed")
		e.advance(time.Second)
		cycle()
		got := e.notices(t, "al-snooze-n")
		require.Len(t, got, 2, "fires once the snooze passed")
		require.Equal(t, emulator.FormatWireTime(first.Add(time.Minute)), got[1].CreatedAt)
	})
	t.Run("the target queue is auto-created", func(t *testing.T) {
		r := e.do(t, http.MethodPut, queuePath("al-auto"), `{"queue":{"alerts":[{"type":"fixed","trigger":1,"queue":"al-auto-n"}]}}`)
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		e.post(t, "al-auto", "x")
		require.Len(t, e.notices(t, "al-auto-n"), 1)
	})
	t.Run("dead-lettering changes sizes too", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-dl-n"), "")
		e.do(t, http.MethodPut, queuePath("al-dlq"), `{"queue":{"alerts":[{"type":"fixed","trigger":1,"queue":"al-dl-n"}]}}`)
		e.do(t, http.MethodPut, queuePath("al-dl"), `{"queue":{"dead_letter":{"queue_name":"al-dlq","max_reservations":1}}}`)
		e.post(t, "al-dl", "x")
		msgs := e.reserve(t, "al-dl", `{"n":1}`)
		e.do(t, http.MethodPost, queuePath("al-dl", "/messages/"+msgs[0].ID+"/release"), `{"reservation_id":"`+msgs[0].ReservationID+`"}`)
		require.Empty(t, e.reserve(t, "al-dl", `{"n":1}`))
		got := e.notices(t, "al-dl-n")
		require.Len(t, got, 1)
		require.Equal(t, "al-dlq", got[0].SourceQueue)
	})
}

func TestAlerts_Validation(t *testing.T) {
	e := newEnv(t)
	bad := []struct {
		name, alerts, msg string
	}{
		{"missing type", `[{"trigger":1,"queue":"n"}]`, ""},
		{"unknown type", `[{"type":"sometimes","trigger":1,"queue":"n"}]`, ""},
		{"missing trigger", `[{"type":"fixed","queue":"n"}]`, ""},
		{"zero trigger", `[{"type":"fixed","trigger":0,"queue":"n"}]`, ""},
		{"negative trigger", `[{"type":"fixed","trigger":-1,"queue":"n"}]`, ""},
		{"missing queue", `[{"type":"fixed","trigger":1}]`, ""},
		{"bad direction", `[{"type":"fixed","trigger":1,"queue":"n","direction":"up"}]`, ""},
		{"negative snooze", `[{"type":"fixed","trigger":1,"queue":"n","snooze":-1}]`, ""},
		{"duplicates", `[{"type":"fixed","trigger":1,"queue":"n"},{"type":"fixed","direction":"asc","trigger":1,"queue":"m"}]`,
			"At least one new alert duplicates current queue alerts."},
		{"more than 5", `[{"type":"fixed","trigger":1,"queue":"n"},{"type":"fixed","trigger":2,"queue":"n"},
			{"type":"fixed","trigger":3,"queue":"n"},{"type":"fixed","trigger":4,"queue":"n"},
			{"type":"fixed","trigger":5,"queue":"n"},{"type":"fixed","trigger":6,"queue":"n"}]`, ""},
		{"progressive on its own queue", `[{"type":"progressive","trigger":1,"queue":"al-bad"}]`, ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			check := func(r reply) {
				t.Helper()
				if tc.msg != "" {
					r.expectMsg(t, http.StatusBadRequest, tc.msg)
				} else {
					r.expectError(t, http.StatusBadRequest)
				}
			}
			for _, method := range []string{http.MethodPut, http.MethodPatch} {
				check(e.do(t, method, queuePath("al-bad"), `{"queue":{"alerts":`+tc.alerts+`}}`))
			}
			e.do(t, http.MethodGet, queuePath("al-bad"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
			e.do(t, http.MethodPut, queuePath("al-bad-ep"), "")
			for _, method := range []string{http.MethodPost, http.MethodPut} {
				check(e.do(t, method, queuePath("al-bad-ep", "/alerts"), `{"alerts":`+strings.ReplaceAll(tc.alerts, `"al-bad"`, `"al-bad-ep"`)+`}`))
			}
			require.Empty(t, e.alertsOf(t, "al-bad-ep"))
		})
	}
	t.Run("a new alert duplicating an existing one", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-dup"), `{"queue":{"alerts":[{"type":"fixed","trigger":5,"queue":"n"}]}}`)
		dup := `[{"type":"fixed","direction":"asc","trigger":5,"queue":"other","snooze":9}]`
		e.do(t, http.MethodPost, queuePath("al-dup", "/alerts"), `{"alerts":`+dup+`}`).
			expectMsg(t, http.StatusBadRequest, "At least one new alert duplicates current queue alerts.")
		e.do(t, http.MethodPatch, queuePath("al-dup"), `{"queue":{"alerts":`+dup+`}}`).
			expectMsg(t, http.StatusBadRequest, "At least one new alert duplicates current queue alerts.")
		require.Len(t, e.alertsOf(t, "al-dup"), 1)
		// Same trigger, other direction or type: not a duplicate.
		e.do(t, http.MethodPost, queuePath("al-dup", "/alerts"), `{"alerts":[{"type":"fixed","direction":"desc","trigger":5,"queue":"n"},
			{"type":"progressive","trigger":5,"queue":"n"}]}`).expectMsg(t, http.StatusOK, "Updated")
		require.Len(t, e.alertsOf(t, "al-dup"), 3)
	})
	t.Run("a sixth alert", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-six"), `{"queue":{"alerts":[{"type":"fixed","trigger":1,"queue":"n"},
			{"type":"fixed","trigger":2,"queue":"n"},{"type":"fixed","trigger":3,"queue":"n"},{"type":"fixed","trigger":4,"queue":"n"},
			{"type":"fixed","trigger":5,"queue":"n"}]}}`)
		require.Len(t, e.alertsOf(t, "al-six"), 5)
		e.do(t, http.MethodPost, queuePath("al-six", "/alerts"), `{"alerts":[{"type":"fixed","trigger":6,"queue":"n"}]}`).expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPatch, queuePath("al-six"), `{"queue":{"alerts":[{"type":"fixed","trigger":6,"queue":"n"}]}}`).expectError(t, http.StatusBadRequest)
		require.Len(t, e.alertsOf(t, "al-six"), 5)
	})
	t.Run("progressive alerts posting to each other", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-ping"), `{"queue":{"alerts":[{"type":"progressive","trigger":5,"queue":"al-pong"}]}}`)
		e.do(t, http.MethodPut, queuePath("al-pong"), `{"queue":{"alerts":[{"type":"progressive","trigger":5,"queue":"al-ping"}]}}`).
			expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPut, queuePath("al-pong"), "")
		e.do(t, http.MethodPost, queuePath("al-pong", "/alerts"), `{"alerts":[{"type":"progressive","trigger":5,"queue":"al-ping"}]}`).
			expectError(t, http.StatusBadRequest)
		require.Empty(t, e.alertsOf(t, "al-pong"))
		// A fixed alert back is fine: it cannot cascade.
		e.do(t, http.MethodPost, queuePath("al-pong", "/alerts"), `{"alerts":[{"type":"fixed","trigger":5,"queue":"al-ping"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
	})
	t.Run("alerts endpoints on a push queue", func(t *testing.T) {
		e.pushQueue(t, "al-push", "", nil, sub("s", "http://s.example/"))
		for _, method := range []string{http.MethodPost, http.MethodPut} {
			e.do(t, method, queuePath("al-push", "/alerts"), `{"alerts":[{"type":"fixed","trigger":1,"queue":"n"}]}`).
				expectMsg(t, http.StatusBadRequest, "Push queues do not support alerts.")
		}
	})
	t.Run("unknown queue", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("al-none", "/alerts"), `{"alerts":[{"type":"fixed","trigger":1,"queue":"n"}]}`).
			expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestAlerts_Endpoints(t *testing.T) {
	e := newEnv(t)
	e.do(t, http.MethodPut, queuePath("al-ep"), "")
	triggers := func(t *testing.T) []float64 {
		t.Helper()
		out := []float64{}
		for _, a := range e.alertsOf(t, "al-ep") {
			out = append(out, a["trigger"].(float64))
		}
		return out
	}

	t.Run("POST adds with defaults and an id", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("al-ep", "/alerts"), `{"alerts":[{"type":"fixed","trigger":10,"queue":"n"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		got := e.alertsOf(t, "al-ep")
		require.Len(t, got, 1)
		require.Regexp(t, reObjectID, got[0]["id"])
		got[0]["id"] = "ID"
		require.Equal(t, map[string]any{"id": "ID", "type": "fixed", "direction": "asc", "trigger": 10.0, "queue": "n", "snooze": 0.0}, got[0])
	})
	t.Run("POST appends", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("al-ep", "/alerts"), `{"alerts":[{"type":"progressive","direction":"desc","trigger":20,"queue":"n","snooze":5}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		require.Equal(t, []float64{10, 20}, triggers(t))
	})
	t.Run("PATCH on the queue appends, PUT replaces", func(t *testing.T) {
		e.do(t, http.MethodPatch, queuePath("al-ep"), `{"queue":{"alerts":[{"type":"fixed","trigger":30,"queue":"n"}]}}`)
		require.Equal(t, []float64{10, 20, 30}, triggers(t))
		e.do(t, http.MethodPut, queuePath("al-ep"), `{"queue":{"alerts":[{"type":"fixed","trigger":40,"queue":"n"}]}}`)
		require.Equal(t, []float64{40}, triggers(t))
		e.do(t, http.MethodPut, queuePath("al-ep"), `{"queue":{"message_timeout":30}}`)
		require.Equal(t, []float64{40}, triggers(t), "PUT without alerts keeps them")
	})
	t.Run("PUT replaces", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-ep", "/alerts"), `{"alerts":[{"type":"fixed","trigger":1,"queue":"n"},{"type":"fixed","trigger":2,"queue":"n"}]}`).
			expectMsg(t, http.StatusOK, "Updated")
		require.Equal(t, []float64{1, 2}, triggers(t))
	})
	t.Run("DELETE one by path", func(t *testing.T) {
		id := e.alertsOf(t, "al-ep")[0]["id"].(string)
		e.do(t, http.MethodDelete, queuePath("al-ep", "/alerts/"+id), "").expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, []float64{2}, triggers(t))
		e.do(t, http.MethodDelete, queuePath("al-ep", "/alerts/"+id), "").expectError(t, http.StatusNotFound)
	})
	t.Run("DELETE by body", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("al-ep", "/alerts"), `{"alerts":[{"type":"fixed","trigger":3,"queue":"n"}]}`)
		id := e.alertsOf(t, "al-ep")[0]["id"].(string)
		e.do(t, http.MethodDelete, queuePath("al-ep", "/alerts"), `{"alerts":[{"id":"`+id+`"}]}`).expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, []float64{3}, triggers(t))
		e.do(t, http.MethodDelete, queuePath("al-ep", "/alerts"), `{"alerts":[{"id":"000000000000000000000000"}]}`).expectError(t, http.StatusNotFound)
		e.do(t, http.MethodDelete, queuePath("al-ep", "/alerts"), `{"alerts":[]}`).expectError(t, http.StatusBadRequest)
		require.Equal(t, []float64{3}, triggers(t))
	})
	t.Run("PUT [] clears", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("al-ep", "/alerts"), `{"alerts":[]}`).expectMsg(t, http.StatusOK, "Updated")
		require.Nil(t, e.alertsOf(t, "al-ep"), "alerts omitted when none")
	})
	t.Run("POST needs alerts", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("al-ep", "/alerts"), `{"alerts":[]}`).expectError(t, http.StatusBadRequest)
		e.do(t, http.MethodPost, queuePath("al-ep", "/alerts"), ``).expectError(t, http.StatusBadRequest)
	})
}

// Dead-letter queues (spec §2.5).

func TestDeadLetter(t *testing.T) {
	e := newEnv(t)

	t.Run("settings", func(t *testing.T) {
		var got struct {
			Queue struct {
				DeadLetter map[string]any `json:"dead_letter"`
			} `json:"queue"`
		}
		e.do(t, http.MethodPut, queuePath("dl-set"), `{"queue":{"dead_letter":{"queue_name":"dl-set-dlq"}}}`).decode(t, http.StatusOK, &got)
		require.Equal(t, map[string]any{"queue_name": "dl-set-dlq", "max_reservations": 10.0}, got.Queue.DeadLetter, "default max_reservations")
		e.do(t, http.MethodPatch, queuePath("dl-set"), `{"queue":{"dead_letter":{"queue_name":"dl-set-dlq","max_reservations":1000}}}`).decode(t, http.StatusOK, &got)
		require.Equal(t, 1000.0, got.Queue.DeadLetter["max_reservations"])
		got.Queue.DeadLetter = nil
		e.do(t, http.MethodPatch, queuePath("dl-set"), `{"queue":{"dead_letter":{"queue_name":""}}}`).decode(t, http.StatusOK, &got)
		require.Nil(t, got.Queue.DeadLetter, `queue_name "" removes it`)
		for _, body := range []string{
			`{"queue":{"dead_letter":{"queue_name":"d","max_reservations":-1}}}`,
			`{"queue":{"dead_letter":{"queue_name":"d","max_reservations":1001}}}`,
			`{"queue":{"dead_letter":{"queue_name":"dl-set"}}}`,
		} {
			e.do(t, http.MethodPatch, queuePath("dl-set"), body).expectError(t, http.StatusBadRequest)
		}
	})
	t.Run("moved on the reserve after max_reservations", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("dl"), `{"queue":{"dead_letter":{"queue_name":"dl-dlq","max_reservations":2}}}`)
		id := e.post(t, "dl", "poison")[0]
		for want := 1; want <= 2; want++ {
			got := e.reserve(t, "dl", `{"n":1,"timeout":10}`)
			require.Len(t, got, 1)
			require.Equal(t, id, got[0].ID)
			require.Equal(t, want, got[0].ReservedCount)
			e.advance(10 * time.Second) // the reservation expires
		}
		e.post(t, "dl", "fine")
		got := e.reserve(t, "dl", `{"n":2}`)
		require.Equal(t, []string{"fine"}, bodies(got), "the dead-lettered message is skipped")
		moved := e.peek(t, "dl-dlq", "?n=10")
		require.Equal(t, []message{{ID: id, Body: "poison", ReservedCount: 2}}, moved, "same id, body and reserved_count")
		require.Equal(t, 1, e.queue(t, "dl").Size)
		dlq := e.queue(t, "dl-dlq")
		require.Equal(t, "pull", dlq.Type)
		require.Equal(t, 1, dlq.Size)
		require.Equal(t, 1, dlq.TotalMessages)
		e.do(t, http.MethodGet, queuePath("dl", "/messages/"+id), "").expectMsg(t, http.StatusNotFound, "Message not found")
	})
	t.Run("max_reservations 1 is at-most-once", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("dl-once"), `{"queue":{"dead_letter":{"queue_name":"dl-once-dlq","max_reservations":1}}}`)
		id := e.post(t, "dl-once", "once")[0]
		got := e.reserve(t, "dl-once", `{"n":1}`)
		require.Len(t, got, 1)
		e.do(t, http.MethodPost, queuePath("dl-once", "/messages/"+id+"/release"), `{"reservation_id":"`+got[0].ReservationID+`"}`).
			expectMsg(t, http.StatusOK, "Released")
		require.Empty(t, e.reserve(t, "dl-once", `{"n":1}`), "never delivered twice")
		require.Equal(t, []message{{ID: id, Body: "once", ReservedCount: 1}}, e.peek(t, "dl-once-dlq", "?n=10"))
		require.Zero(t, e.queue(t, "dl-once").Size)
	})
	t.Run("touch counts but does not move", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("dl-touch"), `{"queue":{"dead_letter":{"queue_name":"dl-touch-dlq","max_reservations":2}}}`)
		id := e.post(t, "dl-touch", "t")[0]
		got := e.reserve(t, "dl-touch", `{"n":1}`)
		var touched struct {
			ReservationID string `json:"reservation_id"`
		}
		e.do(t, http.MethodPost, queuePath("dl-touch", "/messages/"+id+"/touch"), `{"reservation_id":"`+got[0].ReservationID+`"}`).
			decode(t, http.StatusOK, &touched)
		e.do(t, http.MethodDelete, queuePath("dl-touch", "/messages/"+id), `{"reservation_id":"`+touched.ReservationID+`"}`).
			expectMsg(t, http.StatusOK, "Deleted")
		e.do(t, http.MethodGet, queuePath("dl-touch-dlq"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestPush_LastResponse(t *testing.T) {
	e := newEnv(t)
	// 1023 ASCII bytes then "é" (2 bytes) straddling the 1 KiB cut, then more.
	body := strings.Repeat("x", 1023) + "é" + strings.Repeat("y", 3000)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(bad.Close)
	short := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, `{"error":"upstream down"}`)
	}))
	t.Cleanup(short.Close)
	ok := newSubscriber(t, always(http.StatusOK))
	e.pushQueue(t, "lr", "multicast", map[string]any{"retries": 0}, sub("ok", ok.url), sub("bad", bad.URL), sub("short", short.URL))
	id := e.post(t, "lr", "m")[0]
	e.waitPushes(t)

	var got struct {
		Subscribers []map[string]any `json:"subscribers"`
	}
	e.do(t, http.MethodGet, queuePath("lr", "/messages/"+id+"/subscribers"), "").decode(t, http.StatusOK, &got)
	require.Len(t, got.Subscribers, 3)
	byName := map[string]map[string]any{}
	for _, s := range got.Subscribers {
		byName[s["name"].(string)] = s
	}
	require.Equal(t, strings.Repeat("x", 1023), byName["bad"]["last_response"],
		"the first KiB, cut before a rune that does not fit whole")
	require.Equal(t, "error", byName["bad"]["status"])
	require.Equal(t, `{"error":"upstream down"}`, byName["short"]["last_response"])
	require.NotContains(t, byName["ok"], "last_response", "omitted when the answer had no body")

	// The control plane's browse rows carry it too.
	var page struct {
		Messages []struct {
			Status      string           `json:"status"`
			Subscribers []map[string]any `json:"subscribers"`
		} `json:"messages"`
	}
	e.do(t, http.MethodGet, "/_ironlocal/queues/"+project+"/lr/messages", "").decode(t, http.StatusOK, &page)
	require.Len(t, page.Messages, 1)
	require.Equal(t, "pushed", page.Messages[0].Status)
	found := false
	for _, s := range page.Messages[0].Subscribers {
		if s["name"] == "short" {
			found = true
			require.Equal(t, `{"error":"upstream down"}`, s["last_response"])
		}
	}
	require.True(t, found)
}

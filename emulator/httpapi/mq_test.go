package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// wantQueue is the exact body of a queue response, with the id scrubbed.
func wantQueue(name string, size, total, timeout, expiration int) string {
	return fmt.Sprintf(`{"queue":{"id":"ID","project_id":%q,"name":%q,"size":%d,"total_messages":%d,
		"message_timeout":%d,"message_expiration":%d,"type":"pull"}}`, project, name, size, total, timeout, expiration)
}

func TestQueue_Upsert(t *testing.T) {
	e := newEnv(t)

	t.Run("PUT creates with defaults", func(t *testing.T) {
		r := e.do(t, http.MethodPut, queuePath("put-new"), `{"queue":{}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("put-new", 0, 0, 60, 604800))
	})
	t.Run("PATCH creates", func(t *testing.T) {
		r := e.do(t, http.MethodPatch, queuePath("patch-new"), `{"queue":{"message_timeout":45}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("patch-new", 0, 0, 45, 604800))
	})
	t.Run("PUT updates an existing queue", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("put-upd"), "")
		r := e.do(t, http.MethodPut, queuePath("put-upd"), `{"queue":{"message_timeout":120,"message_expiration":3600}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("put-upd", 0, 0, 120, 3600))
	})
	t.Run("PATCH updates and keeps the id", func(t *testing.T) {
		before := e.queue(t, "put-upd")
		r := e.do(t, http.MethodPatch, queuePath("put-upd"), `{"queue":{"message_timeout":30}}`)
		var got struct{ Queue queueInfo }
		r.decode(t, http.StatusOK, &got)
		require.Equal(t, before.ID, got.Queue.ID, "id after PATCH")
		require.Equal(t, 30, got.Queue.MessageTimeout, "message_timeout after PATCH")
		require.Equal(t, 3600, got.Queue.MessageExpiration, "message_expiration kept by PATCH")
	})
	for _, body := range []string{"", "{}", `{"queue":null}`, `{"queue":{"message_timeout":null}}`} {
		t.Run(fmt.Sprintf("body %q means no change", body), func(t *testing.T) {
			e.do(t, http.MethodPut, queuePath("nochange"), `{"queue":{"message_timeout":90}}`)
			r := e.do(t, http.MethodPut, queuePath("nochange"), body)
			r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("nochange", 0, 0, 90, 604800))
		})
	}
	t.Run("float settings are truncated", func(t *testing.T) {
		r := e.do(t, http.MethodPut, queuePath("floats"), `{"queue":{"message_timeout":60.0,"message_expiration":3600.9}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("floats", 0, 0, 60, 3600))
	})
	t.Run("same type is accepted", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("typed"), "")
		for _, method := range []string{http.MethodPut, http.MethodPatch} {
			r := e.do(t, method, queuePath("typed"), `{"queue":{"type":"pull"}}`)
			r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("typed", 0, 0, 60, 604800))
		}
	})
	t.Run("type change is forbidden", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("typed"), "")
		for _, typ := range []string{"multicast", "unicast"} {
			for _, method := range []string{http.MethodPut, http.MethodPatch} {
				e.do(t, method, queuePath("typed"), `{"queue":{"type":"`+typ+`"}}`).expectError(t, http.StatusForbidden)
			}
		}
		require.Equal(t, "pull", e.queue(t, "typed").Type, "type after refused change")
	})
	bad := []struct {
		name, body string
		want       int
	}{
		{"unknown type", `{"queue":{"type":"fifo"}}`, http.StatusBadRequest},
		{"push on a pull queue", `{"queue":{"type":"pull","push":{"subscribers":[{"url":"http://h/p"}]}}}`, http.StatusBadRequest},
		{"message_timeout negative", `{"queue":{"message_timeout":-1}}`, http.StatusBadRequest},
		{"message_timeout too big", `{"queue":{"message_timeout":86401}}`, http.StatusBadRequest},
		{"message_expiration too big", `{"queue":{"message_expiration":2592001}}`, http.StatusBadRequest},
		{"message_timeout as string", `{"queue":{"message_timeout":"60"}}`, http.StatusBadRequest},
		{"queue not an object", `{"queue":[]}`, http.StatusBadRequest},
	}
	for i, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("bad-%d", i)
			for _, method := range []string{http.MethodPut, http.MethodPatch} {
				e.do(t, method, queuePath(name), tc.body).expectError(t, tc.want)
			}
			e.do(t, http.MethodGet, queuePath(name), "").expectMsg(t, http.StatusNotFound, "Queue not found")
		})
	}
	t.Run("push on an existing pull queue", func(t *testing.T) {
		e.post(t, "pulled", "a")
		e.do(t, http.MethodPatch, queuePath("pulled"), `{"queue":{"push":{"subscribers":[{"url":"http://h/p"}]}}}`).
			expectError(t, http.StatusBadRequest)
		require.Equal(t, "pull", e.queue(t, "pulled").Type, "type after refused push settings")
	})
	t.Run("name too long", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath(strings.Repeat("q", 256)), "").expectError(t, http.StatusBadRequest)
	})
}

func TestQueue_Get(t *testing.T) {
	e := newEnv(t)

	t.Run("unknown queue", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("nope"), "").expect(t, http.StatusNotFound, `{"msg":"Queue not found"}`)
	})
	t.Run("full object", func(t *testing.T) {
		e.post(t, "info", "a", "b")
		r := e.do(t, http.MethodGet, queuePath("info"), "")
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("info", 2, 2, 60, 604800))
	})
	t.Run("percent-encoded name", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("my%20queue+x"), "")
		require.Equal(t, "my queue+x", e.queue(t, "my%20queue+x").Name, "name: %%20 decodes, + stays literal")
	})
	t.Run("name with an encoded slash", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("a%2Fb"), "").expectError(t, http.StatusBadRequest)
	})
}

func TestQueue_List(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"b", "a", "c", "ab", "ba"} {
		e.do(t, http.MethodPut, queuePath(n), "")
	}
	cases := []struct{ name, query, want string }{
		{"all sorted", "", `{"queues":[{"name":"a"},{"name":"ab"},{"name":"b"},{"name":"ba"},{"name":"c"}]}`},
		{"prefix", "?prefix=b", `{"queues":[{"name":"b"},{"name":"ba"}]}`},
		{"previous", "?previous=ab", `{"queues":[{"name":"b"},{"name":"ba"},{"name":"c"}]}`},
		{"previous need not exist", "?previous=bb", `{"queues":[{"name":"c"}]}`},
		{"previous and prefix", "?prefix=b&previous=b", `{"queues":[{"name":"ba"}]}`},
		{"previous before prefix", "?prefix=b&previous=a", `{"queues":[{"name":"b"},{"name":"ba"}]}`},
		{"per_page", "?per_page=2", `{"queues":[{"name":"a"},{"name":"ab"}]}`},
		{"next page", "?per_page=2&previous=ab", `{"queues":[{"name":"b"},{"name":"ba"}]}`},
		{"per_page 101 is clamped", "?per_page=101", `{"queues":[{"name":"a"},{"name":"ab"},{"name":"b"},{"name":"ba"},{"name":"c"}]}`},
		{"page is ignored", "?page=3&per_page=1", `{"queues":[{"name":"a"}]}`},
		{"no match", "?prefix=z", `{"queues":[]}`},
		{"past the end", "?previous=c", `{"queues":[]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, http.MethodGet, queuesPath()+tc.query, "").expect(t, http.StatusOK, tc.want)
		})
	}
	t.Run("per_page clamps to 100", func(t *testing.T) {
		for i := range 105 {
			e.do(t, http.MethodPut, queuePath(fmt.Sprintf("many-%03d", i)), "")
		}
		var got struct{ Queues []struct{ Name string } }
		e.do(t, http.MethodGet, queuesPath()+"?prefix=many-&per_page=101", "").decode(t, http.StatusOK, &got)
		require.Len(t, got.Queues, 100, "queues for per_page=101")
		e.do(t, http.MethodGet, queuesPath()+"?prefix=many-", "").decode(t, http.StatusOK, &got)
		require.Len(t, got.Queues, 30, "queues for the default per_page")
	})
	t.Run("bad per_page", func(t *testing.T) {
		e.do(t, http.MethodGet, queuesPath()+"?per_page=x", "").expectError(t, http.StatusBadRequest)
	})
	t.Run("other project is empty", func(t *testing.T) {
		e.do(t, http.MethodGet, "/3/projects/000000000000000000000000/queues", "").expect(t, http.StatusOK, `{"queues":[]}`)
	})
}

func TestQueue_Delete(t *testing.T) {
	e := newEnv(t)

	t.Run("delete", func(t *testing.T) {
		e.post(t, "del", "a", "b")
		e.do(t, http.MethodDelete, queuePath("del"), "{}").expectMsg(t, http.StatusOK, "Deleted")
		e.do(t, http.MethodGet, queuePath("del"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
		e.do(t, http.MethodDelete, queuePath("del"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("post recreates a fresh queue", func(t *testing.T) {
		e.post(t, "recreate", "old-1", "old-2")
		e.reserve(t, "recreate", "")
		e.do(t, http.MethodDelete, queuePath("recreate"), "").expectMsg(t, http.StatusOK, "Deleted")
		e.post(t, "recreate", "new")
		q := e.queue(t, "recreate")
		require.Equal(t, 1, q.Size, "size of the recreated queue")
		require.Equal(t, 1, q.TotalMessages, "total_messages of the recreated queue")
		require.Equal(t, []string{"new"}, bodies(e.peek(t, "recreate", "?n=10")), "messages of the recreated queue")
	})
	t.Run("listed no more", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("gone"), "")
		e.do(t, http.MethodDelete, queuePath("gone"), "")
		e.do(t, http.MethodGet, queuesPath()+"?prefix=gone", "").expect(t, http.StatusOK, `{"queues":[]}`)
	})
}

func TestMessages_Post(t *testing.T) {
	e := newEnv(t)

	t.Run("ids in request order", func(t *testing.T) {
		got := e.post(t, "post", "m1", "m2", "m3")
		require.Len(t, got, 3)
		for i, id := range got {
			require.Regexp(t, reMessageID, id, "id %d", i)
			if i > 0 {
				require.Less(t, got[i-1], id, "ids grow in request order")
			}
		}
		require.Equal(t, []string{"m1", "m2", "m3"}, bodies(e.peek(t, "post", "?n=3")), "bodies in queue order")
	})
	t.Run("exact response", func(t *testing.T) {
		r := e.do(t, http.MethodPost, queuePath("post-shape", "/messages"), `{"messages":[{"body":"x"}]}`)
		require.Equal(t, http.StatusCreated, r.status, "%v", r)
		var got map[string]any
		r.decode(t, http.StatusCreated, &got)
		require.Len(t, got, 2, "fields of %s", r.body)
		require.Equal(t, "Messages put on queue.", got["msg"])
		require.Len(t, got["ids"], 1)
		require.Regexp(t, reMessageID, got["ids"].([]any)[0])
	})
	t.Run("auto-creates a pull queue", func(t *testing.T) {
		e.post(t, "post-auto", "x")
		q := e.queue(t, "post-auto")
		require.Equal(t, "pull", q.Type, "type")
		require.Equal(t, 60, q.MessageTimeout, "message_timeout")
	})
	t.Run("empty body is valid", func(t *testing.T) {
		e.post(t, "post-empty", "")
		e.do(t, http.MethodGet, queuePath("post-empty", "/messages"), "").
			scrub(t, "id", reMessageID, "ID").expect(t, http.StatusOK, `{"messages":[{"id":"ID","body":"","reserved_count":0}]}`)
	})
	t.Run("old fields are ignored", func(t *testing.T) {
		e.postJSON(t, "post-old", `{"messages":[{"body":"x","timeout":60,"expires_in":3600,"delay":null,"push_headers":null}]}`)
	})
	t.Run("limit bodies", func(t *testing.T) {
		e.post(t, "post-big", strings.Repeat("x", 256<<10))
		r := e.do(t, http.MethodPost, queuePath("post-big", "/messages"), mustJSON(t, map[string]any{
			"messages": []map[string]string{{"body": "ok"}, {"body": strings.Repeat("x", 256<<10+1)}}}))
		r.expectError(t, http.StatusRequestEntityTooLarge)
		require.Equal(t, 1, e.queue(t, "post-big").TotalMessages, "nothing of a refused batch is posted")
	})
	t.Run("100 messages", func(t *testing.T) {
		b := make([]string, 100)
		require.Len(t, e.post(t, "post-100", b...), 100)
	})
	t.Run("delay hides the message", func(t *testing.T) {
		e.postJSON(t, "post-delay", `{"messages":[{"body":"later","delay":30},{"body":"now"}]}`)
		require.Equal(t, []string{"now"}, bodies(e.peek(t, "post-delay", "?n=10")), "visible before the delay")
		e.advance(30 * time.Second)
		require.Equal(t, []string{"later", "now"}, bodies(e.peek(t, "post-delay", "?n=10")), "visible after the delay")
	})
	t.Run("float delay is truncated", func(t *testing.T) {
		e.postJSON(t, "post-fdelay", `{"messages":[{"body":"x","delay":10.9}]}`)
		e.advance(10 * time.Second)
		require.Len(t, e.peek(t, "post-fdelay", ""), 1, "visible after 10s")
	})
	t.Run("push_headers", func(t *testing.T) {
		e.postJSON(t, "post-ph", `{"messages":[{"body":"x","push_headers":{"X-Trace":"1","Authorization":"Bearer t"}}]}`)
	})
	long := strings.Repeat("h", 65)
	bad := []struct {
		name, body string
		want       int
	}{
		{"no messages field", `{}`, http.StatusBadRequest},
		{"empty body", ``, http.StatusBadRequest},
		{"empty array", `{"messages":[]}`, http.StatusBadRequest},
		{"messages null", `{"messages":null}`, http.StatusBadRequest},
		{"missing body", `{"messages":[{"delay":1}]}`, http.StatusBadRequest},
		{"null body", `{"messages":[{"body":null}]}`, http.StatusBadRequest},
		{"null message", `{"messages":[null]}`, http.StatusBadRequest},
		{"body not a string", `{"messages":[{"body":42}]}`, http.StatusBadRequest},
		{"messages not an array", `{"messages":{"body":"x"}}`, http.StatusBadRequest},
		{"101 messages", mustJSON(t, map[string]any{"messages": make([]struct {
			Body string `json:"body"`
		}, 101)}), http.StatusBadRequest},
		{"negative delay", `{"messages":[{"body":"x","delay":-1}]}`, http.StatusBadRequest},
		{"delay too long", `{"messages":[{"body":"x","delay":604801}]}`, http.StatusBadRequest},
		{"delay as string", `{"messages":[{"body":"x","delay":"5"}]}`, http.StatusBadRequest},
		{"six push headers", `{"messages":[{"body":"x","push_headers":{"A":"1","B":"1","C":"1","D":"1","E":"1","F":"1"}}]}`, http.StatusBadRequest},
		{"reserved push header", `{"messages":[{"body":"x","push_headers":{"content-type":"text/plain"}}]}`, http.StatusBadRequest},
		{"Iron push header", `{"messages":[{"body":"x","push_headers":{"Iron-Message-Id":"1"}}]}`, http.StatusBadRequest},
		{"empty push header value", `{"messages":[{"body":"x","push_headers":{"X-A":""}}]}`, http.StatusBadRequest},
		{"push header name too long", `{"messages":[{"body":"x","push_headers":{"` + long + `":"v"}}]}`, http.StatusBadRequest},
		{"push header value too long", `{"messages":[{"body":"x","push_headers":{"X-A":"` + strings.Repeat("v", 1025) + `"}}]}`, http.StatusBadRequest},
		{"push header value not a string", `{"messages":[{"body":"x","push_headers":{"X-A":1}}]}`, http.StatusBadRequest},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, http.MethodPost, queuePath("post-bad", "/messages"), tc.body).expectError(t, tc.want)
			e.do(t, http.MethodGet, queuePath("post-bad"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
		})
	}
}

func TestMessages_Reserve(t *testing.T) {
	e := newEnv(t)

	t.Run("exact response", func(t *testing.T) {
		id := e.post(t, "res-shape", "hello")[0]
		r := e.do(t, http.MethodPost, queuePath("res-shape", "/reservations"), `{}`)
		r.scrub(t, "reservation_id", reReservationID, "RID").expect(t, http.StatusOK,
			`{"messages":[{"id":"`+id+`","body":"hello","reserved_count":1,"reservation_id":"RID"}]}`)
	})
	t.Run("n defaults to 1", func(t *testing.T) {
		want := e.post(t, "res-n", "a", "b", "c", "d", "e")
		for _, body := range []string{"", "{}", `{"n":0}`, `{"n":null}`} {
			got := e.reserve(t, "res-n", body)
			require.Len(t, got, 1, "body %q", body)
		}
		got := e.reserve(t, "res-n", `{"n":5}`)
		require.Equal(t, want[4:], ids(got), "the one message left")
	})
	t.Run("n in FIFO order", func(t *testing.T) {
		want := e.post(t, "res-fifo", "a", "b", "c")
		got := e.reserve(t, "res-fifo", `{"n":2.0}`)
		require.Equal(t, want[:2], ids(got), "reserved ids")
		require.NotEqual(t, got[0].ReservationID, got[1].ReservationID, "each message gets its own reservation")
	})
	t.Run("n clamps to 100", func(t *testing.T) {
		e.post(t, "res-clamp", make([]string, 100)...)
		e.post(t, "res-clamp", make([]string, 5)...)
		require.Len(t, e.reserve(t, "res-clamp", `{"n":1000}`), 100, "messages for n=1000")
		require.Len(t, e.reserve(t, "res-clamp", `{"n":1000}`), 5, "the rest")
	})
	t.Run("empty queue", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("res-empty"), "")
		e.do(t, http.MethodPost, queuePath("res-empty", "/reservations"), `{"n":3}`).expect(t, http.StatusOK, `{"messages":[]}`)
	})
	t.Run("all reserved", func(t *testing.T) {
		e.post(t, "res-all", "a")
		e.reserve(t, "res-all", "")
		e.do(t, http.MethodPost, queuePath("res-all", "/reservations"), "").expect(t, http.StatusOK, `{"messages":[]}`)
	})
	t.Run("missing queue", func(t *testing.T) {
		e.do(t, http.MethodPost, queuePath("res-missing", "/reservations"), `{}`).expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("expiry puts the message behind the waiting ones", func(t *testing.T) {
		posted := e.post(t, "res-expiry", "first", "second", "third")
		first := e.reserve(t, "res-expiry", `{"timeout":30}`)
		require.Equal(t, posted[:1], ids(first))
		e.advance(29 * time.Second)
		require.Equal(t, posted[1:2], ids(e.reserve(t, "res-expiry", `{"timeout":300}`)), "still reserved before the timeout")
		e.advance(time.Second)
		again := e.reserve(t, "res-expiry", `{"n":2}`)
		require.Equal(t, []string{posted[2], posted[0]}, ids(again), "expired message goes behind the waiting ones (spec §2.5)")
		require.Equal(t, 2, again[1].ReservedCount, "reserved_count after the second reservation")
		require.NotEqual(t, first[0].ReservationID, again[1].ReservationID, "a new reservation id")
		e.do(t, http.MethodDelete, queuePath("res-expiry", "/messages/"+posted[0]), `{"reservation_id":"`+first[0].ReservationID+`"}`).
			expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("timeout defaults to message_timeout", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("res-deftimeout"), `{"queue":{"message_timeout":45}}`)
		e.post(t, "res-deftimeout", "a")
		e.reserve(t, "res-deftimeout", `{"timeout":0}`)
		e.advance(44 * time.Second)
		require.Empty(t, e.reserve(t, "res-deftimeout", ""), "reserved before 45s")
		e.advance(time.Second)
		require.Len(t, e.reserve(t, "res-deftimeout", ""), 1, "back after 45s")
	})
	t.Run("short timeouts are accepted", func(t *testing.T) {
		e.post(t, "res-short", "a")
		e.reserve(t, "res-short", `{"timeout":3}`)
		e.advance(3 * time.Second)
		require.Len(t, e.reserve(t, "res-short", ""), 1, "back after 3s")
	})
	t.Run("delete pops", func(t *testing.T) {
		posted := e.post(t, "res-pop", "a", "b")
		got := e.reserve(t, "res-pop", `{"n":1,"delete":true}`)
		require.Equal(t, posted[:1], ids(got))
		e.do(t, http.MethodGet, queuePath("res-pop", "/messages/"+posted[0]), "").expectMsg(t, http.StatusNotFound, "Message not found")
		require.Equal(t, 1, e.queue(t, "res-pop").Size, "size after pop")
		e.advance(time.Hour)
		require.Equal(t, posted[1:], ids(e.reserve(t, "res-pop", `{"n":10}`)), "popped message never comes back")
	})
	bad := []struct{ name, body string }{
		{"negative timeout", `{"timeout":-1}`},
		{"timeout too big", `{"timeout":86401}`},
		{"negative wait", `{"wait":-1}`},
		{"n as string", `{"n":"2"}`},
		{"delete as number", `{"delete":1}`},
		{"malformed", `{"n":`},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e.post(t, "res-bad", "a")
			e.do(t, http.MethodPost, queuePath("res-bad", "/reservations"), tc.body).expectError(t, http.StatusBadRequest)
		})
	}
}

func TestMessages_LongPoll(t *testing.T) {
	e := newEnv(t)

	// reserveAsync starts a long-polling reserve; the reply arrives on the
	// returned channel.
	reserveAsync := func(t *testing.T, queue, body string) <-chan reply {
		req := e.request(t, http.MethodPost, queuePath(queue, "/reservations"), body)
		req = req.WithContext(withDeadline(t))
		done := make(chan reply, 1)
		go func() {
			r, err := e.roundTrip(req)
			if err != nil {
				r = reply{status: -1, body: []byte(err.Error())}
			}
			done <- r
		}()
		return done
	}
	await := func(t *testing.T, done <-chan reply) []message {
		t.Helper()
		select {
		case r := <-done:
			e.checkWire(t, r)
			var got struct{ Messages []message }
			r.decode(t, http.StatusOK, &got)
			return got.Messages
		case <-time.After(time.Minute):
			t.Fatal("long poll did not return within a minute")
			return nil
		}
	}

	t.Run("woken by a post", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("lp-post"), "")
		done := reserveAsync(t, "lp-post", `{"wait":30}`)
		id := e.post(t, "lp-post", "wake")[0]
		got := await(t, done)
		require.Equal(t, []string{id}, ids(got), "long poll result")
		require.Regexp(t, reReservationID, got[0].ReservationID)
	})
	t.Run("woken by a delay ending", func(t *testing.T) {
		e.postJSON(t, "lp-delay", `{"messages":[{"body":"later","delay":60}]}`)
		done := reserveAsync(t, "lp-delay", `{"wait":30}`)
		e.advance(time.Minute)
		require.Equal(t, []string{"later"}, bodies(await(t, done)), "long poll result")
	})
	t.Run("wait runs out empty", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("lp-empty"), "")
		require.Empty(t, await(t, reserveAsync(t, "lp-empty", `{"wait":1}`)), "long poll on an empty queue")
	})
	t.Run("concurrent reservers never share a message", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("lp-many"), "")
		a := reserveAsync(t, "lp-many", `{"wait":30}`)
		b := reserveAsync(t, "lp-many", `{"wait":30}`)
		e.post(t, "lp-many", "x", "y")
		got := append(await(t, a), await(t, b)...)
		seen := map[string]bool{}
		for _, m := range got {
			require.False(t, seen[m.ID], "message %s delivered twice", m.ID)
			seen[m.ID] = true
		}
		total := len(got) + len(e.reserve(t, "lp-many", `{"n":10}`))
		require.Equal(t, 2, total, "messages delivered overall")
	})
}

func TestMessages_Peek(t *testing.T) {
	e := newEnv(t)

	posted := e.post(t, "peek", "a", "b", "c")
	t.Run("n defaults to 1", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("peek", "/messages"), "{}").expect(t, http.StatusOK,
			`{"messages":[{"id":"`+posted[0]+`","body":"a","reserved_count":0}]}`)
	})
	t.Run("n", func(t *testing.T) {
		require.Equal(t, posted[:2], ids(e.peek(t, "peek", "?n=2")))
		require.Equal(t, posted, ids(e.peek(t, "peek", "?n=30")))
		require.Equal(t, posted[:1], ids(e.peek(t, "peek", "?n=0")))
	})
	t.Run("no state change", func(t *testing.T) {
		e.peek(t, "peek", "?n=3")
		got := e.reserve(t, "peek", `{"n":3}`)
		require.Equal(t, posted, ids(got), "peeked messages are still reservable")
		for _, m := range got {
			require.Equal(t, 1, m.ReservedCount, "reserved_count of %s after peeks", m.ID)
		}
	})
	t.Run("reserved and delayed are hidden", func(t *testing.T) {
		e.post(t, "peek-hidden", "reserved")
		e.reserve(t, "peek-hidden", "")
		e.postJSON(t, "peek-hidden", `{"messages":[{"body":"delayed","delay":60},{"body":"ready"}]}`)
		require.Equal(t, []string{"ready"}, bodies(e.peek(t, "peek-hidden", "?n=10")))
	})
	t.Run("clamps to 100", func(t *testing.T) {
		e.post(t, "peek-clamp", make([]string, 100)...)
		e.post(t, "peek-clamp", "x")
		require.Len(t, e.peek(t, "peek-clamp", "?n=101"), 100)
	})
	t.Run("missing queue", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("peek-missing", "/messages"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("bad n", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("peek", "/messages?n=x"), "").expectError(t, http.StatusBadRequest)
	})
}

func TestMessages_Get(t *testing.T) {
	e := newEnv(t)
	posted := e.post(t, "get", "a", "b")

	t.Run("ready message", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("get", "/messages/"+posted[0]), "{}").expect(t, http.StatusOK,
			`{"message":{"id":"`+posted[0]+`","body":"a","reserved_count":0}}`)
	})
	t.Run("reserved message shows its reservation", func(t *testing.T) {
		got := e.reserve(t, "get", `{"timeout":30}`)
		e.do(t, http.MethodGet, queuePath("get", "/messages/"+posted[0]), "").expect(t, http.StatusOK,
			`{"message":{"id":"`+posted[0]+`","body":"a","reserved_count":1,"reservation_id":"`+got[0].ReservationID+`"}}`)
	})
	t.Run("expired reservation is not shown", func(t *testing.T) {
		e.advance(30 * time.Second)
		e.do(t, http.MethodGet, queuePath("get", "/messages/"+posted[0]), "").expect(t, http.StatusOK,
			`{"message":{"id":"`+posted[0]+`","body":"a","reserved_count":1}}`)
	})
	t.Run("unknown id", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("get", "/messages/1000000000000000000"), "").expect(t, http.StatusNotFound, `{"msg":"Message not found"}`)
		e.do(t, http.MethodGet, queuePath("get", "/messages/abc"), "").expect(t, http.StatusNotFound, `{"msg":"Message not found"}`)
	})
	t.Run("missing queue", func(t *testing.T) {
		e.do(t, http.MethodGet, queuePath("get-missing", "/messages/"+posted[0]), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("message of another queue", func(t *testing.T) {
		other := e.post(t, "get-other", "x")[0]
		e.do(t, http.MethodGet, queuePath("get", "/messages/"+other), "").expectMsg(t, http.StatusNotFound, "Message not found")
	})
}

func TestMessages_Delete(t *testing.T) {
	e := newEnv(t)
	del := func(queue, id, body string) reply {
		return e.do(t, http.MethodDelete, queuePath(queue, "/messages/"+id), body)
	}

	t.Run("unreserved without reservation", func(t *testing.T) {
		for _, body := range []string{"", "{}", `{"reservation_id":""}`, `{"reservation_id":null}`} {
			id := e.post(t, "del", "a")[0]
			del("del", id, body).expect(t, http.StatusOK, `{"msg":"Deleted"}`)
			del("del", id, body).expect(t, http.StatusNotFound, `{"msg":"Message not found"}`)
		}
	})
	t.Run("reserved with its reservation", func(t *testing.T) {
		id := e.post(t, "del-res", "a")[0]
		m := e.reserve(t, "del-res", "")[0]
		del("del-res", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, 0, e.queue(t, "del-res").Size, "size after delete")
	})
	t.Run("reservation as a query parameter", func(t *testing.T) {
		id := e.post(t, "del-query", "a")[0]
		m := e.reserve(t, "del-query", "")[0]
		del("del-query", id+"?reservation_id="+m.ReservationID, "").expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("reserved without reservation", func(t *testing.T) {
		id := e.post(t, "del-nores", "a")[0]
		e.reserve(t, "del-nores", "")
		del("del-nores", id, "{}").expect(t, http.StatusForbidden, `{"msg":"Reservation timed out"}`)
	})
	t.Run("wrong reservation", func(t *testing.T) {
		id := e.post(t, "del-wrong", "a")[0]
		e.reserve(t, "del-wrong", "")
		del("del-wrong", id, `{"reservation_id":"00000000000000000000000000000000"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		require.Equal(t, 1, e.queue(t, "del-wrong").Size, "size after refused delete")
	})
	t.Run("expired reservation", func(t *testing.T) {
		id := e.post(t, "del-expired", "a")[0]
		m := e.reserve(t, "del-expired", `{"timeout":3}`)[0]
		e.advance(3 * time.Second)
		del("del-expired", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("expired and reserved again", func(t *testing.T) {
		id := e.post(t, "del-again", "a")[0]
		old := e.reserve(t, "del-again", `{"timeout":3}`)[0]
		e.advance(3 * time.Second)
		cur := e.reserve(t, "del-again", "")[0]
		del("del-again", id, `{"reservation_id":"`+old.ReservationID+`"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		del("del-again", id, `{"reservation_id":"`+cur.ReservationID+`"}`).expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("expired reservation, no id given", func(t *testing.T) {
		id := e.post(t, "del-expired-noid", "a")[0]
		e.reserve(t, "del-expired-noid", `{"timeout":3}`)
		e.advance(3 * time.Second)
		del("del-expired-noid", id, "").expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("reservation on an unreserved message", func(t *testing.T) {
		id := e.post(t, "del-never", "a")[0]
		del("del-never", id, `{"reservation_id":"00000000000000000000000000000000"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("unknown message", func(t *testing.T) {
		e.post(t, "del-unknown", "a")
		del("del-unknown", "1000000000000000000", "").expectMsg(t, http.StatusNotFound, "Message not found")
		del("del-unknown", "not-a-number", "").expectMsg(t, http.StatusNotFound, "Message not found")
	})
	t.Run("missing queue", func(t *testing.T) {
		del("del-missing", "1000000000000000000", "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestMessages_BatchDelete(t *testing.T) {
	e := newEnv(t)
	batch := func(queue, body string) reply {
		return e.do(t, http.MethodDelete, queuePath(queue, "/messages"), body)
	}

	t.Run("objects with reservations", func(t *testing.T) {
		e.post(t, "bd-obj", "a", "b", "c")
		got := e.reserve(t, "bd-obj", `{"n":2}`)
		body := mustJSON(t, map[string]any{"ids": []map[string]string{
			{"id": got[0].ID, "reservation_id": got[0].ReservationID},
			{"id": got[1].ID, "reservation_id": got[1].ReservationID},
		}})
		batch("bd-obj", body).expect(t, http.StatusOK, `{"msg":"Deleted"}`)
		require.Equal(t, []string{"c"}, bodies(e.peek(t, "bd-obj", "?n=10")), "messages left")
	})
	t.Run("plain string ids", func(t *testing.T) {
		posted := e.post(t, "bd-str", "a", "b", "c")
		batch("bd-str", mustJSON(t, map[string]any{"ids": posted[:2]})).expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, posted[2:], ids(e.peek(t, "bd-str", "?n=10")), "messages left")
	})
	t.Run("mixed and duplicated", func(t *testing.T) {
		posted := e.post(t, "bd-mixed", "a", "b")
		batch("bd-mixed", `{"ids":["`+posted[0]+`",{"id":"`+posted[1]+`"},"`+posted[0]+`"]}`).expectMsg(t, http.StatusOK, "Deleted")
		require.Equal(t, 0, e.queue(t, "bd-mixed").Size, "size after delete")
	})
	t.Run("unknown id deletes nothing", func(t *testing.T) {
		posted := e.post(t, "bd-404", "a", "b")
		batch("bd-404", `{"ids":["`+posted[0]+`","1000000000000000000"]}`).expectMsg(t, http.StatusNotFound, "Message not found")
		require.Equal(t, posted, ids(e.peek(t, "bd-404", "?n=10")), "messages after refused batch")
	})
	t.Run("reservation failure deletes nothing", func(t *testing.T) {
		posted := e.post(t, "bd-403", "a", "b")
		got := e.reserve(t, "bd-403", `{"n":2}`)
		body := mustJSON(t, map[string]any{"ids": []map[string]string{
			{"id": got[0].ID, "reservation_id": got[0].ReservationID},
			{"id": got[1].ID, "reservation_id": got[0].ReservationID},
		}})
		batch("bd-403", body).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		q := e.queue(t, "bd-403")
		require.Equal(t, 2, q.Size, "size after refused batch")
		for _, id := range posted {
			e.do(t, http.MethodGet, queuePath("bd-403", "/messages/"+id), "").decode(t, http.StatusOK, &struct{}{})
		}
	})
	t.Run("too many ids", func(t *testing.T) {
		posted := e.post(t, "bd-many", "a")
		many := make([]string, 101)
		for i := range many {
			many[i] = posted[0]
		}
		batch("bd-many", mustJSON(t, map[string]any{"ids": many})).expectError(t, http.StatusBadRequest)
	})
	t.Run("bad id type", func(t *testing.T) {
		e.post(t, "bd-type", "a")
		batch("bd-type", `{"ids":[42]}`).expectError(t, http.StatusBadRequest)
		batch("bd-type", `{"ids":"x"}`).expectError(t, http.StatusBadRequest)
	})
	t.Run("missing queue", func(t *testing.T) {
		batch("bd-missing", `{"ids":["1000000000000000000"]}`).expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestMessages_Clear(t *testing.T) {
	e := newEnv(t)

	for _, body := range []string{"{}", "", `{"ids":[]}`, `{"ids":null}`} {
		t.Run(fmt.Sprintf("body %q", body), func(t *testing.T) {
			e.post(t, "clear", "ready")
			e.reserve(t, "clear", "")
			e.postJSON(t, "clear", `{"messages":[{"body":"delayed","delay":60},{"body":"ready"}]}`)
			total := e.queue(t, "clear").TotalMessages
			e.do(t, http.MethodDelete, queuePath("clear", "/messages"), body).expect(t, http.StatusOK, `{"msg":"Cleared"}`)
			q := e.queue(t, "clear")
			require.Equal(t, 0, q.Size, "size after clear")
			require.Equal(t, total, q.TotalMessages, "total_messages after clear")
			e.advance(time.Hour)
			require.Empty(t, e.reserve(t, "clear", `{"n":10}`), "messages after clear")
		})
	}
	t.Run("through POST with method override", func(t *testing.T) {
		e.post(t, "clear-override", "a")
		req := e.request(t, http.MethodPost, queuePath("clear-override", "/messages"), "{}")
		req.Header.Set("X-HTTP-Method-Override", "DELETE")
		e.send(t, req).expectMsg(t, http.StatusOK, "Cleared")
		require.Equal(t, 0, e.queue(t, "clear-override").Size, "size after clear")
	})
	t.Run("missing queue", func(t *testing.T) {
		e.do(t, http.MethodDelete, queuePath("clear-missing", "/messages"), "{}").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
}

func TestMessages_Touch(t *testing.T) {
	e := newEnv(t)
	touch := func(queue, id, body string) reply {
		return e.do(t, http.MethodPost, queuePath(queue, "/messages/"+id+"/touch"), body)
	}

	t.Run("new reservation, old one dead", func(t *testing.T) {
		id := e.post(t, "touch", "a")[0]
		m := e.reserve(t, "touch", `{"timeout":30}`)[0]
		r := touch("touch", id, `{"reservation_id":"`+m.ReservationID+`"}`)
		r.scrub(t, "reservation_id", reReservationID, "RID").expect(t, http.StatusOK, `{"reservation_id":"RID","msg":"Touched"}`)
		var got struct {
			ReservationID string `json:"reservation_id"`
		}
		r.decode(t, http.StatusOK, &got)
		require.NotEqual(t, m.ReservationID, got.ReservationID, "touch issues a new reservation id")

		touch("touch", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		e.do(t, http.MethodDelete, queuePath("touch", "/messages/"+id), `{"reservation_id":"`+m.ReservationID+`"}`).
			expectMsg(t, http.StatusForbidden, "Reservation timed out")
		var info struct{ Message message }
		e.do(t, http.MethodGet, queuePath("touch", "/messages/"+id), "").decode(t, http.StatusOK, &info)
		require.Equal(t, 2, info.Message.ReservedCount, "reserved_count after touch")
		require.Equal(t, got.ReservationID, info.Message.ReservationID, "current reservation")
		e.do(t, http.MethodDelete, queuePath("touch", "/messages/"+id), `{"reservation_id":"`+got.ReservationID+`"}`).
			expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("extends from now", func(t *testing.T) {
		id := e.post(t, "touch-extend", "a")[0]
		m := e.reserve(t, "touch-extend", `{"timeout":30}`)[0]
		e.advance(20 * time.Second)
		var got struct {
			ReservationID string `json:"reservation_id"`
		}
		touch("touch-extend", id, `{"reservation_id":"`+m.ReservationID+`","timeout":120.0}`).decode(t, http.StatusOK, &got)
		e.advance(119 * time.Second)
		require.Empty(t, e.reserve(t, "touch-extend", ""), "still reserved before the new timeout")
		e.advance(time.Second)
		require.Equal(t, []string{id}, ids(e.reserve(t, "touch-extend", "")), "back after the new timeout")
	})
	t.Run("timeout defaults to message_timeout", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("touch-def"), `{"queue":{"message_timeout":50}}`)
		id := e.post(t, "touch-def", "a")[0]
		m := e.reserve(t, "touch-def", `{"timeout":10}`)[0]
		touch("touch-def", id, `{"reservation_id":"`+m.ReservationID+`"}`).decode(t, http.StatusOK, &struct{}{})
		e.advance(49 * time.Second)
		require.Empty(t, e.reserve(t, "touch-def", ""), "still reserved")
		e.advance(time.Second)
		require.Len(t, e.reserve(t, "touch-def", ""), 1, "back after message_timeout")
	})
	t.Run("expired reservation", func(t *testing.T) {
		id := e.post(t, "touch-expired", "a")[0]
		m := e.reserve(t, "touch-expired", `{"timeout":5}`)[0]
		e.advance(5 * time.Second)
		touch("touch-expired", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("no reservation", func(t *testing.T) {
		id := e.post(t, "touch-none", "a")[0]
		touch("touch-none", id, "{}").expectMsg(t, http.StatusForbidden, "Reservation timed out")
		e.reserve(t, "touch-none", "")
		touch("touch-none", id, "").expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("unknown message", func(t *testing.T) {
		e.post(t, "touch-unknown", "a")
		touch("touch-unknown", "1000000000000000000", `{"reservation_id":"00000000000000000000000000000000"}`).
			expectMsg(t, http.StatusNotFound, "Message not found")
	})
	t.Run("bad timeout", func(t *testing.T) {
		id := e.post(t, "touch-bad", "a")[0]
		m := e.reserve(t, "touch-bad", "")[0]
		touch("touch-bad", id, `{"reservation_id":"`+m.ReservationID+`","timeout":-1}`).expectError(t, http.StatusBadRequest)
	})
}

func TestMessages_Release(t *testing.T) {
	e := newEnv(t)
	release := func(queue, id, body string) reply {
		return e.do(t, http.MethodPost, queuePath(queue, "/messages/"+id+"/release"), body)
	}

	t.Run("keeps its position", func(t *testing.T) {
		posted := e.post(t, "rel", "a", "b")
		m := e.reserve(t, "rel", "")[0]
		release("rel", posted[0], `{"reservation_id":"`+m.ReservationID+`"}`).expect(t, http.StatusOK, `{"msg":"Released"}`)
		got := e.reserve(t, "rel", `{"n":2}`)
		require.Equal(t, posted, ids(got), "order after release")
		require.Equal(t, 2, got[0].ReservedCount, "reserved_count of the released message")
	})
	t.Run("old reservation dead", func(t *testing.T) {
		id := e.post(t, "rel-dead", "a")[0]
		m := e.reserve(t, "rel-dead", "")[0]
		release("rel-dead", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusOK, "Released")
		release("rel-dead", id, `{"reservation_id":"`+m.ReservationID+`"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		e.do(t, http.MethodDelete, queuePath("rel-dead", "/messages/"+id), `{"reservation_id":"`+m.ReservationID+`"}`).
			expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("with delay", func(t *testing.T) {
		id := e.post(t, "rel-delay", "a")[0]
		m := e.reserve(t, "rel-delay", "")[0]
		release("rel-delay", id, `{"reservation_id":"`+m.ReservationID+`","delay":30}`).expectMsg(t, http.StatusOK, "Released")
		require.Empty(t, e.peek(t, "rel-delay", ""), "hidden during the delay")
		require.Empty(t, e.reserve(t, "rel-delay", ""), "not reservable during the delay")
		e.advance(30 * time.Second)
		require.Equal(t, []string{id}, ids(e.peek(t, "rel-delay", "")), "visible after the delay")
	})
	t.Run("wrong reservation", func(t *testing.T) {
		id := e.post(t, "rel-wrong", "a")[0]
		e.reserve(t, "rel-wrong", "")
		release("rel-wrong", id, `{"reservation_id":"00000000000000000000000000000000"}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
		release("rel-wrong", id, `{}`).expectMsg(t, http.StatusForbidden, "Reservation timed out")
	})
	t.Run("bad delay", func(t *testing.T) {
		id := e.post(t, "rel-bad", "a")[0]
		m := e.reserve(t, "rel-bad", "")[0]
		release("rel-bad", id, `{"reservation_id":"`+m.ReservationID+`","delay":-1}`).expectError(t, http.StatusBadRequest)
		release("rel-bad", id, `{"reservation_id":"`+m.ReservationID+`","delay":604801}`).expectError(t, http.StatusBadRequest)
	})
}

func TestMessages_Expiration(t *testing.T) {
	e := newEnv(t)

	t.Run("ready message", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("exp"), `{"queue":{"message_expiration":60}}`)
		id := e.post(t, "exp", "a")[0]
		e.advance(59 * time.Second)
		require.Len(t, e.peek(t, "exp", ""), 1, "alive before message_expiration")
		e.advance(time.Second)
		require.Empty(t, e.peek(t, "exp", ""), "peek after message_expiration")
		require.Empty(t, e.reserve(t, "exp", ""), "reserve after message_expiration")
		e.do(t, http.MethodGet, queuePath("exp", "/messages/"+id), "").expectMsg(t, http.StatusNotFound, "Message not found")
		q := e.queue(t, "exp")
		require.Equal(t, 0, q.Size, "size after expiration")
		require.Equal(t, 1, q.TotalMessages, "total_messages after expiration")
	})
	t.Run("reserved and delayed messages", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("exp-state"), `{"queue":{"message_expiration":60}}`)
		e.post(t, "exp-state", "reserved")
		m := e.reserve(t, "exp-state", `{"timeout":3600}`)[0]
		e.postJSON(t, "exp-state", `{"messages":[{"body":"delayed","delay":3600}]}`)
		e.advance(60 * time.Second)
		require.Equal(t, 0, e.queue(t, "exp-state").Size, "size after expiration")
		e.do(t, http.MethodDelete, queuePath("exp-state", "/messages/"+m.ID), `{"reservation_id":"`+m.ReservationID+`"}`).
			expectMsg(t, http.StatusNotFound, "Message not found")
		e.advance(time.Hour)
		require.Empty(t, e.reserve(t, "exp-state", `{"n":10}`), "reserve after expiration")
	})
	t.Run("setting applies to later posts", func(t *testing.T) {
		e.post(t, "exp-later", "old")
		e.do(t, http.MethodPatch, queuePath("exp-later"), `{"queue":{"message_expiration":10}}`)
		e.post(t, "exp-later", "new")
		e.advance(10 * time.Second)
		require.Equal(t, []string{"old"}, bodies(e.peek(t, "exp-later", "?n=10")), "messages left")
	})
}

func TestQueue_Counters(t *testing.T) {
	e := newEnv(t)
	check := func(t *testing.T, wantSize, wantTotal int) {
		t.Helper()
		q := e.queue(t, "count")
		require.Equal(t, wantSize, q.Size, "size")
		require.Equal(t, wantTotal, q.TotalMessages, "total_messages")
	}

	e.do(t, http.MethodPut, queuePath("count"), "")
	t.Run("new", func(t *testing.T) { check(t, 0, 0) })
	t.Run("post", func(t *testing.T) {
		e.post(t, "count", "a", "b", "c")
		check(t, 3, 3)
	})
	t.Run("reserved and delayed count", func(t *testing.T) {
		e.reserve(t, "count", "")
		e.postJSON(t, "count", `{"messages":[{"body":"d","delay":60}]}`)
		check(t, 4, 4)
	})
	t.Run("delete", func(t *testing.T) {
		id := e.peek(t, "count", "")[0].ID
		e.do(t, http.MethodDelete, queuePath("count", "/messages/"+id), "").expectMsg(t, http.StatusOK, "Deleted")
		check(t, 3, 4)
	})
	t.Run("pop", func(t *testing.T) {
		e.reserve(t, "count", `{"delete":true}`)
		check(t, 2, 4)
	})
	t.Run("clear keeps total", func(t *testing.T) {
		e.do(t, http.MethodDelete, queuePath("count", "/messages"), "{}").expectMsg(t, http.StatusOK, "Cleared")
		check(t, 0, 4)
	})
	t.Run("post after clear", func(t *testing.T) {
		e.post(t, "count", "e")
		check(t, 1, 5)
	})
}

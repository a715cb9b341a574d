package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

func TestTransport_Auth(t *testing.T) {
	e := newEnv(t)
	e.do(t, http.MethodPut, queuePath("auth"), "")

	cases := []struct {
		name, header, query string
		want                int
	}{
		{"no token", "", "", http.StatusUnauthorized},
		{"OAuth header", "OAuth " + token, "", http.StatusOK},
		{"scheme is case-insensitive", "oauth " + token, "", http.StatusOK},
		{"any token when permissive", "OAuth something-else", "", http.StatusOK},
		{"empty OAuth header", "OAuth ", "", http.StatusUnauthorized},
		{"query parameter", "", "?oauth=" + token, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := e.request(t, http.MethodGet, queuePath("auth")+tc.query, "")
			req.Header.Del("Authorization")
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			r := e.send(t, req)
			if tc.want == http.StatusOK {
				require.Equal(t, http.StatusOK, r.status, "%v", r)
				return
			}
			r.expectError(t, tc.want)
		})
	}
	for _, path := range []string{queuesPath(), cachesPath(), cachePath("c"), itemPath("c", "k")} {
		t.Run("no token on "+path, func(t *testing.T) {
			req := e.request(t, http.MethodGet, path, "")
			req.Header.Del("Authorization")
			e.send(t, req).expectError(t, http.StatusUnauthorized)
		})
	}
	t.Run("version needs no token", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/version", "")
		req.Header.Del("Authorization")
		e.send(t, req).expect(t, http.StatusOK, `{"version":"`+server.Version+`"}`)
	})
	t.Run("control plane needs no token", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/_ironlocal/health", "")
		req.Header.Del("Authorization")
		require.Equal(t, http.StatusOK, e.send(t, req).status)
	})
	t.Run("project id too long", func(t *testing.T) {
		e.do(t, http.MethodGet, "/3/projects/"+strings.Repeat("p", 70000)+"/queues", "").expectError(t, http.StatusBadRequest)
	})
	t.Run("project id with NUL", func(t *testing.T) {
		e.do(t, http.MethodPut, "/3/projects/a%00b/queues/q", "").expectError(t, http.StatusBadRequest)
	})
}

func TestTransport_StrictAuth(t *testing.T) {
	const secret = "s3cret"
	e := newEnvWith(t, server.Options{VirtualClock: true, Tokens: []string{secret}, Projects: []string{project}})
	send := func(t *testing.T, path, auth string) reply {
		t.Helper()
		req := e.request(t, http.MethodGet, path, "")
		req.Header.Set("Authorization", auth)
		return e.send(t, req)
	}

	t.Run("unknown token", func(t *testing.T) {
		send(t, queuesPath(), "OAuth "+token).expectError(t, http.StatusUnauthorized)
	})
	t.Run("known token and project", func(t *testing.T) {
		send(t, queuesPath(), "OAuth "+secret).expect(t, http.StatusOK, `{"queues":[]}`)
		send(t, cachesPath(), "OAuth "+secret).expect(t, http.StatusOK, `[]`)
	})
	t.Run("token as query parameter", func(t *testing.T) {
		req := e.request(t, http.MethodGet, queuesPath()+"?oauth="+secret, "")
		req.Header.Del("Authorization")
		e.send(t, req).expect(t, http.StatusOK, `{"queues":[]}`)
	})
	t.Run("unknown project", func(t *testing.T) {
		other := "000000000000000000000000"
		send(t, "/3/projects/"+other+"/queues", "OAuth "+secret).expect(t, http.StatusNotFound, `{"msg":"Project not found"}`)
		send(t, "/1/projects/"+other+"/caches", "OAuth "+secret).expect(t, http.StatusNotFound, `{"msg":"Project not found"}`)
	})
	t.Run("unknown token on unknown project", func(t *testing.T) {
		send(t, "/3/projects/000000000000000000000000/queues", "OAuth "+token).expectError(t, http.StatusUnauthorized)
	})
	t.Run("version needs no token", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/version", "")
		req.Header.Del("Authorization")
		require.Equal(t, http.StatusOK, e.send(t, req).status)
	})
}

// TestTransport_Responses checks the header rules of spec §1.4 on a mix of
// statuses; e.send checks them on every response of every test as well.
func TestTransport_Responses(t *testing.T) {
	e := newEnv(t)
	e.post(t, "resp", make([]string, 100)...)

	cases := []struct {
		name, method, path, body string
		want                     int
	}{
		{"200", http.MethodGet, queuePath("resp", "/messages?n=100"), "", http.StatusOK},
		{"201", http.MethodPost, queuePath("resp", "/messages"), `{"messages":[{"body":"x"}]}`, http.StatusCreated},
		{"bare array", http.MethodGet, cachesPath(), "", http.StatusOK},
		{"400", http.MethodPost, queuePath("resp", "/messages"), `{`, http.StatusBadRequest},
		{"403", http.MethodPut, queuePath("resp"), `{"queue":{"type":"unicast"}}`, http.StatusForbidden},
		{"404", http.MethodGet, queuePath("none"), "", http.StatusNotFound},
		{"405", http.MethodPatch, "/version", "", http.StatusMethodNotAllowed},
		{"413", http.MethodPost, queuePath("resp", "/reservations"), `{"n":1,"pad":"` + strings.Repeat("x", 100<<10) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range cases {
		for _, enc := range []string{"", "gzip/deflate", "gzip", "deflate, gzip, br"} {
			t.Run(fmt.Sprintf("%s with Accept-Encoding %q", tc.name, enc), func(t *testing.T) {
				req := e.request(t, tc.method, tc.path, tc.body)
				if enc != "" {
					req.Header.Set("Accept-Encoding", enc)
				}
				r := e.send(t, req) // checks Content-Type, Content-Length, no Content-Encoding
				require.Equal(t, tc.want, r.status, "%v", r)
			})
		}
	}
}

func TestTransport_MethodOverride(t *testing.T) {
	e := newEnv(t)
	override := func(t *testing.T, path, method, body string) reply {
		t.Helper()
		req := e.request(t, http.MethodPost, path, body)
		req.Header.Set("X-HTTP-Method-Override", method)
		return e.send(t, req)
	}

	t.Run("DELETE a queue", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("ov-del"), "")
		override(t, queuePath("ov-del"), "DELETE", "").expectMsg(t, http.StatusOK, "Deleted")
		e.do(t, http.MethodGet, queuePath("ov-del"), "").expectMsg(t, http.StatusNotFound, "Queue not found")
	})
	t.Run("DELETE a message", func(t *testing.T) {
		id := e.post(t, "ov-msg", "a")[0]
		override(t, queuePath("ov-msg", "/messages/"+id), "delete", "{}").expectMsg(t, http.StatusOK, "Deleted")
	})
	t.Run("PATCH creates and updates", func(t *testing.T) {
		r := override(t, queuePath("ov-patch"), "PATCH", `{"queue":{"message_timeout":70}}`)
		r.scrub(t, "id", reObjectID, "ID").expect(t, http.StatusOK, wantQueue("ov-patch", 0, 0, 70, 604800))
		override(t, queuePath("ov-patch"), "Patch", `{"queue":{"message_expiration":100}}`)
		require.Equal(t, 100, e.queue(t, "ov-patch").MessageExpiration, "message_expiration after PATCH")
	})
	t.Run("other values are ignored", func(t *testing.T) {
		e.post(t, "ov-other", "a")
		r := override(t, queuePath("ov-other", "/messages"), "PUT", `{"messages":[{"body":"b"}]}`)
		require.Equal(t, http.StatusCreated, r.status, "POST with override PUT stays a POST: %v", r)
	})
	t.Run("only on POST", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("ov-get"), "")
		req := e.request(t, http.MethodGet, queuePath("ov-get"), "")
		req.Header.Set("X-HTTP-Method-Override", "DELETE")
		require.Equal(t, http.StatusOK, e.send(t, req).status)
		e.queue(t, "ov-get")
	})
}

func TestTransport_Bodies(t *testing.T) {
	e := newEnv(t)
	e.post(t, "bodies", "a", "b", "c")

	t.Run("GET with a {} body", func(t *testing.T) {
		for _, path := range []string{queuesPath(), queuePath("bodies"), queuePath("bodies", "/messages"), cachesPath(), "/version"} {
			require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, path, "{}").status, "GET %s with {}", path)
		}
	})
	t.Run("GET ignores a malformed body", func(t *testing.T) {
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, queuePath("bodies"), "{nope").status)
	})
	t.Run("no Content-Type needed", func(t *testing.T) {
		req := e.request(t, http.MethodPost, queuePath("bodies", "/messages"), `{"messages":[{"body":"x"}]}`)
		req.Header.Del("Content-Type")
		require.Equal(t, http.StatusCreated, e.send(t, req).status)
		req = e.request(t, http.MethodPut, queuePath("bodies"), `{"queue":{"message_timeout":61}}`)
		req.Header.Set("Content-Type", "text/plain")
		require.Equal(t, http.StatusOK, e.send(t, req).status)
		require.Equal(t, 61, e.queue(t, "bodies").MessageTimeout)
	})
	t.Run("null means absent", func(t *testing.T) {
		got := e.reserve(t, "bodies", `{"n":null,"timeout":null,"wait":null,"delete":null}`)
		require.Len(t, got, 1, "n null means the default")
		e.do(t, http.MethodPost, queuePath("bodies", "/messages/"+got[0].ID+"/release"),
			`{"reservation_id":"`+got[0].ReservationID+`","delay":null}`).expectMsg(t, http.StatusOK, "Released")
		require.Equal(t, http.StatusOK, e.do(t, http.MethodPut, queuePath("bodies"), `null`).status, "null body")
	})
	t.Run("unknown fields are ignored", func(t *testing.T) {
		require.Len(t, e.reserve(t, "bodies", `{"n":1,"name":"x","sync":true,"nested":{"a":[1]}}`), 1)
	})
	t.Run("floats are truncated", func(t *testing.T) {
		e.post(t, "floats", "a", "b", "c")
		require.Len(t, e.reserve(t, "floats", `{"n":2.9,"timeout":60.0}`), 2)
	})
	bad := []struct {
		name, body string
		want       int
	}{
		{"malformed JSON", `{"n":`, http.StatusBadRequest},
		{"not JSON", `n=1`, http.StatusBadRequest},
		{"trailing data", `{} {}`, http.StatusBadRequest},
		{"top-level array", `[1]`, http.StatusBadRequest},
		{"top-level string", `"x"`, http.StatusBadRequest},
		{"wrong type", `{"n":"one"}`, http.StatusBadRequest},
		{"wrong nested type", `{"timeout":{"s":1}}`, http.StatusBadRequest},
		{"number out of range", `{"n":1e300}`, http.StatusBadRequest},
		{"over the size limit", `{"n":1,"pad":"` + strings.Repeat("x", 64<<10) + `"}`, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e.do(t, http.MethodPost, queuePath("bodies", "/reservations"), tc.body).expectError(t, tc.want)
		})
	}
	t.Run("error names the problem", func(t *testing.T) {
		var got struct{ Msg string }
		e.do(t, http.MethodPost, queuePath("bodies", "/reservations"), `{"n":"one"}`).decode(t, http.StatusBadRequest, &got)
		require.Contains(t, got.Msg, `"n"`, "msg names the field")
		e.do(t, http.MethodPost, queuePath("bodies", "/reservations"), `{"n":`).decode(t, http.StatusBadRequest, &got)
		require.Contains(t, got.Msg, "Invalid JSON", "msg says the JSON is invalid")
	})
}

func TestTransport_Routes(t *testing.T) {
	e := newEnv(t)
	e.post(t, "routes", "a")

	notFound := []struct{ name, method, path string }{
		{"root", http.MethodGet, "/"},
		{"unknown prefix", http.MethodGet, "/4/projects/" + project + "/queues"},
		{"unknown resource", http.MethodGet, "/3/projects/" + project + "/topics"},
		{"trailing slash", http.MethodGet, queuePath("routes", "/messages/")},
		{"dot segment", http.MethodGet, queuePath("routes", "/messages/..")},
		{"dot segment on PUT", http.MethodPut, queuesPath() + "/./routes"},
		{"double slash", http.MethodGet, "/_ironlocal//health"},
		{"unknown control route", http.MethodGet, "/_ironlocal/nope"},
	}
	for _, tc := range notFound {
		t.Run("404 "+tc.name, func(t *testing.T) {
			e.do(t, tc.method, tc.path, "").expectError(t, http.StatusNotFound)
		})
	}
	t.Run("unknown route without a token", func(t *testing.T) {
		req := e.request(t, http.MethodGet, "/3/projects/"+project+"/topics", "")
		req.Header.Del("Authorization")
		e.send(t, req).expectError(t, http.StatusNotFound)
	})
	wrongVerb := []struct {
		name, method, path, allow string
	}{
		{"POST on a queue", http.MethodPost, queuePath("routes"), "DELETE, GET, HEAD, PATCH, PUT"},
		{"GET on reservations", http.MethodGet, queuePath("routes", "/reservations"), "POST"},
		{"PUT on messages", http.MethodPut, queuePath("routes", "/messages"), "DELETE, GET, HEAD, POST"},
		{"DELETE on version", http.MethodDelete, "/version", "GET, HEAD"},
		{"GET on reset", http.MethodGet, "/_ironlocal/reset", "POST"},
	}
	for _, tc := range wrongVerb {
		t.Run("405 "+tc.name, func(t *testing.T) {
			r := e.do(t, tc.method, tc.path, "")
			r.expectError(t, http.StatusMethodNotAllowed)
			require.Equal(t, tc.allow, r.header.Get("Allow"), "Allow header")
		})
	}
	t.Run("version", func(t *testing.T) {
		e.do(t, http.MethodGet, "/version", "").expect(t, http.StatusOK, `{"version":"`+server.Version+`"}`)
	})
}

package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// Identifiers used by every test. The project id has the 24-hex shape the
// Ruby clients insist on.
const (
	project = "5f0c6e8a1b2c3d4e5f6a7b8c"
	token   = "test-token"
)

var (
	reMessageID     = regexp.MustCompile(`^[0-9]{19}$`)
	reReservationID = regexp.MustCompile(`^[0-9a-f]{32}$`)
	reObjectID      = regexp.MustCompile(`^[0-9a-f]{24}$`)
	reDigits        = regexp.MustCompile(`^[0-9]+$`)
)

// env is one emulator on 127.0.0.1:0 and a client that speaks to it the way
// the official clients do.
type env struct {
	srv *server.Server
	hc  *http.Client
}

// newEnv starts an in-memory emulator with a virtual clock.
func newEnv(t *testing.T) *env {
	return newEnvWith(t, server.Options{VirtualClock: true})
}

func newEnvWith(t testing.TB, opts server.Options) *env {
	t.Helper()
	srv := server.RunT(t, opts)
	// DisableCompression: the test must see the bytes the server sent, and
	// Go only gunzips transparently when it asked for gzip itself.
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 2 * time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	return &env{srv: srv, hc: hc}
}

// advance moves the virtual clock.
func (e *env) advance(d time.Duration) time.Time { return e.srv.VirtualClock().Advance(d) }

// now reads the virtual clock.
func (e *env) now() time.Time { return e.srv.VirtualClock().Now() }

// reply is a response read to the end.
type reply struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	length       int64
	chunked      bool
}

func (r reply) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.method, r.path, r.status, r.body)
}

// request builds a request to path (relative to the server) with an OAuth
// header. body "" sends no body.
func (e *env) request(t *testing.T, method, path, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// roundTrip sends req and reads the whole response. It makes no assertion,
// so goroutines other than the test's may use it.
func (e *env) roundTrip(req *http.Request) (reply, error) {
	res, err := e.hc.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{method: req.Method, path: req.URL.RequestURI(), status: res.StatusCode, header: res.Header,
		body: b, length: res.ContentLength, chunked: len(res.TransferEncoding) > 0}, nil
}

// send sends req and checks the transport rules every JSON response obeys
// (spec §1.4): exactly `Content-Type: application/json`, a Content-Length,
// no compression, and a body that is JSON.
func (e *env) send(t *testing.T, req *http.Request) reply {
	t.Helper()
	r, err := e.roundTrip(req)
	require.NoError(t, err, "%s %s", req.Method, req.URL)
	e.checkWire(t, r)
	return r
}

func (e *env) checkWire(t *testing.T, r reply) {
	t.Helper()
	require.Equal(t, "application/json", r.header.Get("Content-Type"), "%v: Content-Type", r)
	require.NotEmpty(t, r.header.Get("Content-Length"), "%v: got no Content-Length header", r)
	require.Equal(t, strconv.Itoa(len(r.body)), r.header.Get("Content-Length"), "%v: Content-Length", r)
	require.False(t, r.chunked, "%v: got a chunked response, want a Content-Length", r)
	require.Empty(t, r.header.Get("Content-Encoding"), "%v: got a compressed response", r)
	require.True(t, json.Valid(r.body), "%v: body is not JSON", r)
	checkIronTimes(t, r.path, r.body)
}

// do sends a request with the OAuth header and an optional raw JSON body.
func (e *env) do(t *testing.T, method, path, body string) reply {
	t.Helper()
	return e.send(t, e.request(t, method, path, body))
}

// expect checks status and the exact JSON body.
func (r reply) expect(t *testing.T, wantStatus int, wantJSON string) {
	t.Helper()
	require.Equal(t, wantStatus, r.status, "%v: status", r)
	require.JSONEq(t, wantJSON, string(r.body), "%v: body", r)
}

// expectMsg checks status and the exact {"msg":…} body.
func (r reply) expectMsg(t *testing.T, wantStatus int, wantMsg string) {
	t.Helper()
	want, err := json.Marshal(map[string]string{"msg": wantMsg})
	require.NoError(t, err)
	r.expect(t, wantStatus, string(want))
}

// expectError checks an error status and that the body is exactly one
// non-empty "msg", whatever its wording.
func (r reply) expectError(t *testing.T, wantStatus int) {
	t.Helper()
	require.Equal(t, wantStatus, r.status, "%v: status", r)
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.body, &body), "%v: body", r)
	require.Len(t, body, 1, "%v: got fields %v, want only msg", r, body)
	msg, ok := body["msg"].(string)
	require.True(t, ok && msg != "", "%v: got no msg string", r)
}

// decode unmarshals the body after checking the status.
func (r reply) decode(t *testing.T, wantStatus int, v any) {
	t.Helper()
	require.Equal(t, wantStatus, r.status, "%v: status", r)
	require.NoError(t, json.Unmarshal(r.body, v), "%v: decode into %T", r, v)
}

// scrub replaces, anywhere in the JSON body, the value of every field named
// key with placeholder after checking it is a string matching re. It lets a
// test compare whole bodies that contain random ids.
func (r reply) scrub(t *testing.T, key string, re *regexp.Regexp, placeholder string) reply {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(r.body, &v), "%v", r)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k != key {
					walk(x)
					continue
				}
				s, ok := x.(string)
				require.True(t, ok, "%v: got %s = %#v, want a string", r, key, x)
				require.Regexp(t, re, s, "%v: %s", r, key)
				v[k] = placeholder
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	b, err := json.Marshal(v)
	require.NoError(t, err)
	r.body = b
	return r
}

// Paths.

func queuesPath() string { return "/3/projects/" + project + "/queues" }

func queuePath(q string, rest ...string) string {
	return queuesPath() + "/" + q + strings.Join(rest, "")
}

func cachesPath() string { return "/1/projects/" + project + "/caches" }

func cachePath(c string, rest ...string) string {
	return cachesPath() + "/" + c + strings.Join(rest, "")
}

func itemPath(c, key string, rest ...string) string {
	return cachePath(c, "/items/"+key) + strings.Join(rest, "")
}

// MQ shortcuts.

// message is the wire form of an IronMQ message.
type message struct {
	ID            string `json:"id"`
	Body          string `json:"body"`
	ReservedCount int    `json:"reserved_count"`
	ReservationID string `json:"reservation_id"`
}

// post posts one message per body and returns the ids.
func (e *env) post(t *testing.T, queue string, bodies ...string) []string {
	t.Helper()
	msgs := make([]map[string]string, len(bodies))
	for i, b := range bodies {
		msgs[i] = map[string]string{"body": b}
	}
	return e.postJSON(t, queue, mustJSON(t, map[string]any{"messages": msgs}))
}

// postJSON posts a raw messages body and returns the ids.
func (e *env) postJSON(t *testing.T, queue, body string) []string {
	t.Helper()
	var got struct {
		IDs []string `json:"ids"`
		Msg string   `json:"msg"`
	}
	e.do(t, http.MethodPost, queuePath(queue, "/messages"), body).decode(t, http.StatusCreated, &got)
	require.Equal(t, "Messages put on queue.", got.Msg)
	return got.IDs
}

// reserve reserves with a raw body and returns the messages.
func (e *env) reserve(t *testing.T, queue, body string) []message {
	t.Helper()
	var got struct {
		Messages []message `json:"messages"`
	}
	e.do(t, http.MethodPost, queuePath(queue, "/reservations"), body).decode(t, http.StatusOK, &got)
	require.NotNil(t, got.Messages, "reserve on %s: got no messages array", queue)
	return got.Messages
}

// peek peeks with a raw query ("" or "?n=…") and returns the messages.
func (e *env) peek(t *testing.T, queue, query string) []message {
	t.Helper()
	var got struct {
		Messages []message `json:"messages"`
	}
	e.do(t, http.MethodGet, queuePath(queue, "/messages"+query), "").decode(t, http.StatusOK, &got)
	require.NotNil(t, got.Messages, "peek on %s: got no messages array", queue)
	return got.Messages
}

// queueInfo is the wire form of a queue.
type queueInfo struct {
	ID                string `json:"id"`
	ProjectID         string `json:"project_id"`
	Name              string `json:"name"`
	Size              int    `json:"size"`
	TotalMessages     int    `json:"total_messages"`
	MessageTimeout    int    `json:"message_timeout"`
	MessageExpiration int    `json:"message_expiration"`
	Type              string `json:"type"`
}

func (e *env) queue(t *testing.T, name string) queueInfo {
	t.Helper()
	var got struct {
		Queue queueInfo `json:"queue"`
	}
	e.do(t, http.MethodGet, queuePath(name), "").decode(t, http.StatusOK, &got)
	return got.Queue
}

func ids(msgs []message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

func bodies(msgs []message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSpace(buf.String())
}

// withDeadline returns a context for operations that must finish; tests
// never assert on timing, the deadline only keeps a hang from stalling CI.
func withDeadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

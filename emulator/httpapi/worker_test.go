package httpapi_test

import (
	"archive/zip"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// The IronWorker v2 API tests (spec §3) drive a real server over HTTP; tasks
// run as local processes. Their helpers carry a wk prefix: the MQ and cache
// tests of this package have their own.

const (
	wkProject = "6a1b2c3d4e5f6a7b8c9d0e1f"
	wkToken   = "worker-token"
	// wkWait bounds waits for task state; tests never assert on timing.
	wkWait = 30 * time.Second
)

var reWkID = regexp.MustCompile(`^[0-9a-f]{24}$`)

// Task commands (sh -c, with OUT = the test's scratch dir). Image packages
// get the Iron args appended to the command line, so every command ends in
// one that ignores arguments.
const (
	wkEcho  = `cat "$PAYLOAD_FILE"; true`
	wkGated = `p=$(cat "$PAYLOAD_FILE"); echo "$p" >> "$OUT/started"; ` +
		`while [ ! -e "$OUT/open-$p" ]; do sleep 0.02; done; echo "ran $p"; true`
)

// wkEnv is one emulator (process runtime, virtual clock) and a client.
type wkEnv struct {
	srv *server.Server
	hc  *http.Client
	dir string // $OUT of the tasks
}

func newWkEnv(t *testing.T) *wkEnv {
	t.Helper()
	srv := server.RunT(t, server.Options{Runtime: "process", VirtualClock: true})
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: time.Minute}
	t.Cleanup(hc.CloseIdleConnections)
	return &wkEnv{srv: srv, hc: hc, dir: t.TempDir()}
}

func wkPath(rest string) string { return "/2/projects/" + wkProject + rest }

// wkReply is a response read to the end.
type wkReply struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func (r wkReply) String() string {
	return fmt.Sprintf("%s %s → %d %s", r.method, r.path, r.status, r.body)
}

// raw sends a request as is (header values set verbatim) and reads the reply.
func (e *wkEnv) raw(t require.TestingT, method, path string, body io.Reader, header map[string]string) wkReply {
	helper(t)
	req, err := http.NewRequest(method, e.srv.URL()+path, body)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := e.hc.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return wkReply{method: method, path: path, status: res.StatusCode, header: res.Header, body: b}
}

// call sends an optional JSON body the way iron_go3 does (OAuth header,
// its odd Accept-Encoding) and checks the JSON transport rules of the reply
// (spec §1.4).
func (e *wkEnv) call(t require.TestingT, method, path, body string) wkReply {
	helper(t)
	h := map[string]string{"Authorization": "OAuth " + wkToken, "Accept-Encoding": "gzip/deflate"}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
		h["Content-Type"] = "application/json"
	}
	r := e.raw(t, method, path, rd, h)
	r.checkJSON(t)
	return r
}

func (r wkReply) checkJSON(t require.TestingT) {
	helper(t)
	require.Equal(t, "application/json", r.header.Get("Content-Type"), "%v: Content-Type", r)
	require.Equal(t, strconv.Itoa(len(r.body)), r.header.Get("Content-Length"), "%v: Content-Length", r)
	require.Empty(t, r.header.Get("Content-Encoding"), "%v: compressed", r)
	require.True(t, json.Valid(r.body), "%v: not JSON", r)
	checkIronTimes(t, r.path, r.body)
}

// ok checks a 200 and decodes the body into v.
func (r wkReply) ok(t require.TestingT, v any) {
	helper(t)
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.NoError(t, json.Unmarshal(r.body, v), "%v", r)
}

// object checks a 200 and returns the body as a JSON object.
func (r wkReply) object(t require.TestingT) map[string]any {
	helper(t)
	var m map[string]any
	r.ok(t, &m)
	return m
}

// msg checks the status and the exact {"msg":…} body.
func (r wkReply) msg(t *testing.T, status int, msg string) {
	t.Helper()
	require.Equal(t, status, r.status, "%v", r)
	want, err := json.Marshal(map[string]string{"msg": msg})
	require.NoError(t, err)
	require.JSONEq(t, string(want), string(r.body), "%v", r)
}

// fails checks an error status and a body of exactly one non-empty msg,
// which it returns.
func (r wkReply) fails(t *testing.T, status int) string {
	t.Helper()
	require.Equal(t, status, r.status, "%v", r)
	var body map[string]any
	require.NoError(t, json.Unmarshal(r.body, &body), "%v", r)
	require.Len(t, body, 1, "%v: want only msg", r)
	msg, ok := body["msg"].(string)
	require.True(t, ok && msg != "", "%v: no msg", r)
	return msg
}

// wkZip builds a zip of the files.
func wkZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(files)) {
		w, err := zw.Create(name)
		require.NoError(t, err)
		_, err = w.Write([]byte(files[name]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// upload posts a code the way iron_go3's CodePackageUpload does: the field
// `data` holding JSON written by json.Encoder, then the file `file` named
// worker.zip. fields "" or file nil leave the part out.
func (e *wkEnv) upload(t *testing.T, data string, file []byte) wkReply {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if data != "" {
		w, err := mw.CreateFormField("data")
		require.NoError(t, err)
		_, err = io.WriteString(w, data+"\n")
		require.NoError(t, err)
	}
	if file != nil {
		w, err := mw.CreateFormFile("file", "worker.zip")
		require.NoError(t, err)
		_, err = w.Write(file)
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	r := e.raw(t, http.MethodPost, wkPath("/codes"), &body, map[string]string{
		"Accept": "application/json", "Accept-Encoding": "gzip/deflate", "Authorization": "OAuth " + wkToken,
		"Content-Type": mw.FormDataContentType(),
	})
	r.checkJSON(t)
	return r
}

// code registers an image package whose command runs under the process
// runtime, and returns its id.
func (e *wkEnv) code(t *testing.T, name, command string, extra ...string) string {
	t.Helper()
	fields := []string{`"name":` + strconv.Quote(name), `"image":"ironlocal/test"`, `"command":` + strconv.Quote(command),
		`"env_vars":{"OUT":` + strconv.Quote(e.dir) + `}`}
	var out struct {
		ID string `json:"id"`
	}
	e.call(t, http.MethodPost, wkPath("/codes"), "{"+strings.Join(append(fields, extra...), ",")+"}").ok(t, &out)
	return out.ID
}

// queue queues tasks from raw task objects and returns their ids.
func (e *wkEnv) queue(t *testing.T, tasks ...string) []string {
	t.Helper()
	var out struct {
		Msg   string `json:"msg"`
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	e.call(t, http.MethodPost, wkPath("/tasks"), `{"tasks":[`+strings.Join(tasks, ",")+`]}`).ok(t, &out)
	require.Equal(t, "Queued up", out.Msg)
	ids := make([]string, len(out.Tasks))
	for i, task := range out.Tasks {
		ids[i] = task.ID
	}
	return ids
}

// queueOne queues one task of code with payload.
func (e *wkEnv) queueOne(t *testing.T, code, payload string) string {
	t.Helper()
	return e.queue(t, `{"code_name":`+strconv.Quote(code)+`,"payload":`+strconv.Quote(payload)+`}`)[0]
}

func (e *wkEnv) task(t require.TestingT, id string) map[string]any {
	helper(t)
	// iron_go3 sends {} with every GET.
	return e.call(t, http.MethodGet, wkPath("/tasks/"+id), "{}").object(t)
}

// waitStatus polls the task until it has status want.
func (e *wkEnv) waitStatus(t *testing.T, id, want string) map[string]any {
	t.Helper()
	var last map[string]any
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		last = e.task(c, id)
		assert.Equal(c, want, last["status"])
	}, wkWait, 5*time.Millisecond, "task %s: want status %s", id, want)
	return last
}

// helper marks the caller as a test helper, unless t collects the failures
// of an EventuallyWithT condition.
func helper(t require.TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

// waitIdle blocks on the control plane until no task is queued or running.
func (e *wkEnv) waitIdle(t *testing.T) {
	t.Helper()
	e.call(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=30s", "").msgIdle(t)
}

func (r wkReply) msgIdle(t *testing.T) {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "%v", r)
	require.JSONEq(t, `{"msg":"Idle","idle":true}`, string(r.body))
}

// waitStarted polls until the gated task with this payload runs.
func (e *wkEnv) waitStarted(t *testing.T, payload string) {
	t.Helper()
	require.Eventually(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(e.dir, "started"))
		return slices.Contains(strings.Fields(string(b)), payload)
	}, wkWait, 5*time.Millisecond, "task %s did not start", payload)
}

func (e *wkEnv) open(t *testing.T, payload string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(e.dir, "open-"+payload), nil, 0o644))
}

// advance moves the virtual clock through the control plane.
func (e *wkEnv) advance(t *testing.T, d time.Duration) {
	t.Helper()
	require.Equal(t, http.StatusOK, e.call(t, http.MethodPost, "/_ironlocal/clock", `{"advance":"`+d.String()+`"}`).status)
}

// listIDs lists tasks with a raw query and returns their ids in order.
func (e *wkEnv) listIDs(t *testing.T, query string) []string {
	t.Helper()
	var out struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	e.call(t, http.MethodGet, wkPath("/tasks"+query), "{}").ok(t, &out)
	require.NotNil(t, out.Tasks, "tasks is an array, never null")
	ids := make([]string, len(out.Tasks))
	for i, task := range out.Tasks {
		ids[i] = task.ID
	}
	return ids
}

// requireTime checks that field is an RFC 3339 time.
func requireTime(t *testing.T, obj map[string]any, field string) time.Time {
	t.Helper()
	s, ok := obj[field].(string)
	require.True(t, ok, "%s = %#v, want an RFC 3339 string", field, obj[field])
	tm, err := time.Parse(time.RFC3339Nano, s)
	require.NoError(t, err, "%s", field)
	return tm
}

// requireAbsent checks that none of the fields is present.
func requireAbsent(t *testing.T, obj map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		require.NotContains(t, obj, f, "field %s must be absent, never \"\"", f)
	}
}

// requireNoEmptyTimes checks that no *_at/*_time field is "" (iron_go3
// cannot decode it, spec §5.13).
func requireNoEmptyTimes(t *testing.T, obj map[string]any) {
	t.Helper()
	for k, v := range obj {
		if strings.HasSuffix(k, "_at") || strings.HasSuffix(k, "_time") || k == "next_start" || k == "latest_change" {
			require.NotEqual(t, "", v, "field %s", k)
		}
	}
}

// splitAround splits s into part and the rest of s around it.
func splitAround(s, part string) []string {
	before, after, _ := strings.Cut(s, part)
	return []string{part, before + after}
}

func num(t require.TestingT, obj map[string]any, field string) int {
	helper(t)
	f, ok := obj[field].(float64)
	require.True(t, ok, "%s = %#v, want a number", field, obj[field])
	return int(f)
}

func TestWorkerAPI_Codes(t *testing.T) {
	e := newWkEnv(t)
	zip1 := wkZip(t, map[string]string{"run.sh": "echo one\n"})
	zip2 := wkZip(t, map[string]string{"run.sh": "echo two\n"})
	md5hex := func(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

	var codeID, rev1 string
	t.Run("multipart upload as iron_go3 sends it", func(t *testing.T) {
		got := e.upload(t, `{"file_name":"run.sh","name":"hello","runtime":"sh"}`, zip1).object(t)
		require.Regexp(t, reWkID, got["id"])
		codeID = got["id"].(string)
		rev1 = got["latest_history_id"].(string)
		require.Regexp(t, reWkID, rev1)
		require.Equal(t, "Upload successful.", got["msg"])
		require.Equal(t, "hello", got["name"])
		require.Equal(t, wkProject, got["project_id"])
		require.Equal(t, 1, num(t, got, "rev"), "rev is an int")
		require.Equal(t, md5hex(zip1), got["latest_checksum"])
		require.Equal(t, "sh", got["runtime"])
		require.Equal(t, "run.sh", got["file_name"])
		for _, f := range []string{"max_concurrency", "retries", "retries_delay", "default_priority"} {
			require.Equal(t, 0, num(t, got, f), f)
		}
		for _, f := range []string{"created_at", "updated_at", "latest_change"} {
			requireTime(t, got, f)
		}
	})

	t.Run("new revision on the same name", func(t *testing.T) {
		got := e.upload(t, `{"file_name":"run.sh","name":"hello","runtime":"sh"}`, zip2).object(t)
		require.Equal(t, codeID, got["id"], "same code id")
		require.Equal(t, 2, num(t, got, "rev"))
		require.NotEqual(t, rev1, got["latest_history_id"])
		require.Equal(t, md5hex(zip2), got["latest_checksum"])
	})

	t.Run("JSON body with every setting", func(t *testing.T) {
		got := e.call(t, http.MethodPost, wkPath("/codes"), `{"name":"img","image":"iron/hello","command":"./hello",
			"config":{"k":"v"},"env_vars":{"K":"V"},"max_concurrency":2,"retries":3,"retries_delay":10,
			"default_priority":-1000,"stack":null,"host":"ignored","unknown":true}`).object(t)
		require.Equal(t, "iron/hello", got["image"])
		require.Equal(t, "./hello", got["command"])
		require.Equal(t, `{"k":"v"}`, got["config"], "an object config is kept as its JSON text")
		require.Equal(t, map[string]any{"K": "V"}, got["env_vars"])
		require.Equal(t, 2, num(t, got, "max_concurrency"))
		require.Equal(t, 3, num(t, got, "retries"))
		require.Equal(t, 10, num(t, got, "retries_delay"))
		require.Equal(t, 0, num(t, got, "default_priority"), "out of range = unset (ironcli sends -1000)")
		require.Equal(t, "", got["latest_checksum"], "an image package has no zip")
	})

	t.Run("get is the bare object", func(t *testing.T) {
		got := e.call(t, http.MethodGet, wkPath("/codes/"+codeID), "{}").object(t)
		require.Equal(t, codeID, got["id"])
		require.Equal(t, 2, num(t, got, "rev"))
		require.NotContains(t, got, "msg")
		requireNoEmptyTimes(t, got)
	})

	t.Run("list by name with pagination", func(t *testing.T) {
		var out struct {
			Codes []map[string]any `json:"codes"`
		}
		e.call(t, http.MethodGet, wkPath("/codes?page=0&per_page=30"), "{}").ok(t, &out)
		require.Len(t, out.Codes, 2)
		require.Equal(t, "hello", out.Codes[0]["name"])
		require.Equal(t, "img", out.Codes[1]["name"])
		e.call(t, http.MethodGet, wkPath("/codes?page=1&per_page=1"), "").ok(t, &out)
		require.Len(t, out.Codes, 1)
		require.Equal(t, "img", out.Codes[0]["name"])
		e.call(t, http.MethodGet, wkPath("/codes?page=5"), "").ok(t, &out)
		require.NotNil(t, out.Codes)
		require.Empty(t, out.Codes)
	})

	t.Run("revisions newest first", func(t *testing.T) {
		var out struct {
			Revisions []map[string]any `json:"revisions"`
		}
		e.call(t, http.MethodGet, wkPath("/codes/"+codeID+"/revisions"), "{}").ok(t, &out)
		require.Len(t, out.Revisions, 2)
		r2, r1 := out.Revisions[0], out.Revisions[1]
		require.Equal(t, 2, num(t, r2, "rev"))
		require.Equal(t, 1, num(t, r1, "rev"))
		require.Equal(t, rev1, r1["id"])
		require.Equal(t, codeID, r1["code_id"])
		require.Equal(t, md5hex(zip1), r1["checksum"])
		require.Equal(t, len(zip1), num(t, r1, "code_size"))
		requireAbsent(t, r1, "latest_history_id", "latest_checksum", "latest_change")
		requireTime(t, r1, "created_at")
	})

	t.Run("download", func(t *testing.T) {
		for _, tc := range []struct {
			query, filename string
			want            []byte
		}{
			{query: "", filename: "hello_2.zip", want: zip2},
			{query: "?revision=2", filename: "hello_2.zip", want: zip2},
			{query: "?revision=1", filename: "hello_1.zip", want: zip1},
		} {
			t.Run("revision"+tc.query, func(t *testing.T) {
				r := e.raw(t, http.MethodGet, wkPath("/codes/"+codeID+"/download"+tc.query), nil, map[string]string{"Authorization": "OAuth " + wkToken})
				require.Equal(t, http.StatusOK, r.status, "%v", r)
				require.Equal(t, "application/zip", r.header.Get("Content-Type"))
				require.Equal(t, "attachment; filename="+tc.filename, r.header.Get("Content-Disposition"))
				require.Equal(t, tc.want, r.body)
			})
		}
		t.Run("unknown revision", func(t *testing.T) {
			e.call(t, http.MethodGet, wkPath("/codes/"+codeID+"/download?revision=9"), "").fails(t, http.StatusNotFound)
		})
		t.Run("image package has no zip", func(t *testing.T) {
			img := e.code(t, "imgonly", wkEcho)
			e.call(t, http.MethodGet, wkPath("/codes/"+img+"/download"), "").fails(t, http.StatusNotFound)
		})
	})

	t.Run("stats", func(t *testing.T) {
		id := e.code(t, "counted", wkEcho, `"max_concurrency":1`)
		e.code(t, "counted-other", wkEcho)
		done := e.queueOne(t, "counted", "a")
		e.waitStatus(t, done, "complete")
		e.call(t, http.MethodPost, wkPath("/codes/"+id+"/pause_task_queue"), "").msg(t, http.StatusOK, "Paused")
		cancelled := e.queueOne(t, "counted", "b")
		e.call(t, http.MethodPost, wkPath("/tasks/"+cancelled+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
		e.queueOne(t, "counted", "c")
		e.queueOne(t, "counted-other", "another code's task")

		r := e.call(t, http.MethodGet, wkPath("/codes/"+id+"/stats"), "{}")
		require.Equal(t, http.StatusOK, r.status)
		require.JSONEq(t, `{"queued":1,"preparing":0,"running":0,"complete":1,"error":0,"cancelled":1,"killed":0,"timeout":0}`, string(r.body))

		t.Run("date window", func(t *testing.T) {
			future := strconv.FormatInt(time.Now().Add(48*time.Hour).Unix(), 10)
			r := e.call(t, http.MethodGet, wkPath("/codes/"+id+"/stats?start_date="+future), "")
			require.JSONEq(t, `{"queued":0,"preparing":0,"running":0,"complete":0,"error":0,"cancelled":0,"killed":0,"timeout":0}`, string(r.body))
		})
		e.call(t, http.MethodPost, wkPath("/codes/"+id+"/cancel_all"), "").msg(t, http.StatusOK, "Cancelled")
	})

	t.Run("pause and resume", func(t *testing.T) {
		id := e.code(t, "pausable", wkEcho, `"max_concurrency":3`)
		e.call(t, http.MethodPost, wkPath("/codes/"+id+"/pause_task_queue"), "").msg(t, http.StatusOK, "Paused")
		require.Equal(t, -1, num(t, e.call(t, http.MethodGet, wkPath("/codes/"+id), "").object(t), "max_concurrency"))
		task := e.queueOne(t, "pausable", "p")
		r := e.call(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=10ms", "")
		require.Equal(t, http.StatusRequestTimeout, r.status, "%v: a paused task keeps the emulator busy", r)
		require.Equal(t, "queued", e.task(t, task)["status"])

		e.call(t, http.MethodPost, wkPath("/codes/"+id+"/resume_task_queue"), "{}").msg(t, http.StatusOK, "Resumed")
		require.Equal(t, 3, num(t, e.call(t, http.MethodGet, wkPath("/codes/"+id), "").object(t), "max_concurrency"))
		e.waitIdle(t)
		require.Equal(t, "complete", e.task(t, task)["status"])
	})

	t.Run("cancel_all", func(t *testing.T) {
		id := e.code(t, "doomed", wkGated, `"max_concurrency":1`)
		running := e.queueOne(t, "doomed", "ca-run")
		queued := e.queueOne(t, "doomed", "ca-queued")
		e.waitStarted(t, "ca-run")
		e.call(t, http.MethodPost, wkPath("/codes/"+id+"/cancel_all"), "").msg(t, http.StatusOK, "Cancelled")
		e.waitStatus(t, running, "cancelled")
		e.waitStatus(t, queued, "cancelled")
	})

	t.Run("delete", func(t *testing.T) {
		id := e.code(t, "temporary", wkEcho)
		e.call(t, http.MethodDelete, wkPath("/codes/"+id), "{}").msg(t, http.StatusOK, "Deleted")
		e.call(t, http.MethodGet, wkPath("/codes/"+id), "").msg(t, http.StatusNotFound, "Code not found")
		e.call(t, http.MethodDelete, wkPath("/codes/"+id), "").msg(t, http.StatusNotFound, "Code not found")
	})

	t.Run("unknown code", func(t *testing.T) {
		const unknown = "/codes/000000000000000000000000"
		for _, tc := range []struct{ method, path string }{
			{http.MethodGet, unknown},
			{http.MethodDelete, unknown},
			{http.MethodGet, unknown + "/revisions"},
			{http.MethodGet, unknown + "/download"},
			{http.MethodGet, unknown + "/stats"},
			{http.MethodPost, unknown + "/pause_task_queue"},
			{http.MethodPost, unknown + "/resume_task_queue"},
			{http.MethodPost, unknown + "/cancel_all"},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				e.call(t, tc.method, wkPath(tc.path), "").msg(t, http.StatusNotFound, "Code not found")
			})
		}
	})

	t.Run("bad uploads", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			data string
			file []byte
		}{
			{name: "missing data field", file: zip1},
			{name: "malformed data JSON", data: `{"name":`, file: zip1},
			{name: "wrong type", data: `{"name":"x","image":"i","retries":"three"}`},
			{name: "no name", data: `{"image":"i"}`},
			{name: "neither image nor zip", data: `{"name":"x"}`},
			{name: "zip without runtime or file_name", data: `{"name":"x"}`, file: zip1},
			{name: "invalid zip", data: `{"name":"x","runtime":"sh","file_name":"run.sh"}`, file: []byte("not a zip")},
			{name: "retries over 10", data: `{"name":"x","image":"i","retries":11}`},
			{name: "max_concurrency below -1", data: `{"name":"x","image":"i","max_concurrency":-2}`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.upload(t, tc.data, tc.file).fails(t, http.StatusBadRequest)
			})
		}
		t.Run("malformed JSON body", func(t *testing.T) {
			e.call(t, http.MethodPost, wkPath("/codes"), `{"name":"x",`).fails(t, http.StatusBadRequest)
		})
		t.Run("config over 64 KiB", func(t *testing.T) {
			body := `{"name":"x","image":"i","config":"` + strings.Repeat("c", 64<<10+1) + `"}`
			e.call(t, http.MethodPost, wkPath("/codes"), body).fails(t, http.StatusRequestEntityTooLarge)
		})
	})
}

func TestWorkerAPI_Tasks(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "echo", `cat "$PAYLOAD_FILE"; echo to-stderr >&2; true`)
	e.code(t, "gated", wkGated)
	heldID := e.code(t, "held", wkEcho, `"max_concurrency":-1`)

	t.Run("queue", func(t *testing.T) {
		ids := e.queue(t,
			`{"code_name":"held","payload":"{\"x\":1}","priority":2,"timeout":30.0,"delay":0,"cluster":"eu","label":"nightly","name":"ignored","sync":false}`,
			`{"code_name":"held","payload":"","priority":-3,"timeout":0,"label":null,"cluster":null}`)
		require.Len(t, ids, 2)
		for _, id := range ids {
			require.Regexp(t, reWkID, id)
		}

		got := e.task(t, ids[0])
		require.Equal(t, "queued", got["status"])
		require.Equal(t, `{"x":1}`, got["payload"])
		require.Equal(t, 2, num(t, got, "priority"))
		require.Equal(t, 30, num(t, got, "timeout"), "a float timeout is truncated")
		require.Equal(t, "eu", got["cluster"])
		require.Equal(t, "nightly", got["label"])
		require.Equal(t, "held", got["code_name"])
		require.Equal(t, heldID, got["code_id"])
		require.Equal(t, "1", got["code_rev"], "code_rev is a string")
		require.Regexp(t, reWkID, got["code_history_id"])
		require.Equal(t, wkProject, got["project_id"])
		require.Equal(t, "", got["msg"])
		for _, f := range []string{"delay", "percent", "duration", "run_times", "log_size", "retry_count"} {
			require.Equal(t, 0, num(t, got, f), f)
		}
		requireTime(t, got, "created_at")
		requireTime(t, got, "updated_at")
		requireAbsent(t, got, "start_time", "end_time", "schedule_id", "original_task_id", "retry_task_id")

		got = e.task(t, ids[1])
		require.Equal(t, 0, num(t, got, "priority"), "-3 = unset")
		require.Equal(t, 3600, num(t, got, "timeout"), "0 = default")
		require.Equal(t, "default", got["cluster"])
		require.Equal(t, "", got["label"])
	})

	var done string
	t.Run("get after it ran", func(t *testing.T) {
		done = e.queueOne(t, "echo", "hello")
		got := e.waitStatus(t, done, "complete")
		require.Equal(t, "", got["msg"], "no msg on success (ironcli treats one as an error)")
		require.Equal(t, 100, num(t, got, "percent"))
		require.Equal(t, 1, num(t, got, "run_times"))
		require.Equal(t, len("hello")+len("to-stderr\n"), num(t, got, "log_size"))
		require.GreaterOrEqual(t, num(t, got, "duration"), 0)
		start, end := requireTime(t, got, "start_time"), requireTime(t, got, "end_time")
		require.False(t, end.Before(start))
		requireNoEmptyTimes(t, got)
	})

	t.Run("log and outlog", func(t *testing.T) {
		r := e.raw(t, http.MethodGet, wkPath("/tasks/"+done+"/log"), nil, map[string]string{"Authorization": "OAuth " + wkToken})
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		require.Equal(t, "text/plain", r.header.Get("Content-Type"))
		// stdout and stderr are separate pipes: their relative order is
		// whatever the task's writes raced to (the service test pins it).
		require.ElementsMatch(t, []string{"hello", "to-stderr\n"}, splitAround(string(r.body), "hello"))
		r = e.raw(t, http.MethodGet, wkPath("/tasks/"+done+"/outlog"), nil, map[string]string{"Authorization": "OAuth " + wkToken})
		require.Equal(t, http.StatusOK, r.status, "%v", r)
		require.Equal(t, "text/plain", r.header.Get("Content-Type"))
		require.Equal(t, "hello", string(r.body))

		t.Run("not found until finished", func(t *testing.T) {
			id := e.queueOne(t, "gated", "lg")
			e.waitStarted(t, "lg")
			e.call(t, http.MethodGet, wkPath("/tasks/"+id+"/log"), "").msg(t, http.StatusNotFound, "Log not found")
			e.call(t, http.MethodGet, wkPath("/tasks/"+id+"/outlog"), "").msg(t, http.StatusNotFound, "Log not found")
			e.open(t, "lg")
			e.waitStatus(t, id, "complete")
			r := e.raw(t, http.MethodGet, wkPath("/tasks/"+id+"/log"), nil, map[string]string{"Authorization": "OAuth " + wkToken})
			require.Equal(t, "ran lg\n", string(r.body))
		})
	})

	t.Run("cancel", func(t *testing.T) {
		id := e.queueOne(t, "held", "to cancel")
		e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
		got := e.task(t, id)
		require.Equal(t, "cancelled", got["status"])
		requireAbsent(t, got, "start_time")
		requireTime(t, got, "end_time")
		// A finished task: 200 and no change (the Python client's test
		// cancels every task in the list).
		e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/cancel"), "{}").msg(t, http.StatusOK, "Cancelled")
		e.call(t, http.MethodPost, wkPath("/tasks/"+done+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
		require.Equal(t, "complete", e.task(t, done)["status"])

		t.Run("running", func(t *testing.T) {
			id := e.queueOne(t, "gated", "cancel-running")
			e.waitStarted(t, "cancel-running")
			e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
			got := e.waitStatus(t, id, "cancelled")
			requireTime(t, got, "start_time")
		})
	})

	t.Run("progress", func(t *testing.T) {
		id := e.queueOne(t, "gated", "prog")
		e.waitStarted(t, "prog")
		e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/progress"), `{"percent":25,"msg":"a quarter"}`).msg(t, http.StatusOK, "Progress set")
		got := e.task(t, id)
		require.Equal(t, 25, num(t, got, "percent"))
		require.Equal(t, "a quarter", got["msg"])
		e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/progress"), `{"percent":101}`).fails(t, http.StatusBadRequest)
		e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/progress"), `{"percent":"x"}`).fails(t, http.StatusBadRequest)
		e.open(t, "prog")
		e.waitStatus(t, id, "complete")
	})

	t.Run("retry", func(t *testing.T) {
		var out struct {
			Msg   string `json:"msg"`
			Tasks []struct {
				ID string `json:"id"`
			} `json:"tasks"`
		}
		e.call(t, http.MethodPost, wkPath("/tasks/"+done+"/retry"), `{"delay":10}`).ok(t, &out)
		require.Equal(t, "Queued up", out.Msg)
		require.Len(t, out.Tasks, 1)
		retry := e.task(t, out.Tasks[0].ID)
		require.Equal(t, done, retry["original_task_id"])
		require.Equal(t, 10, num(t, retry, "delay"))
		require.Equal(t, "hello", retry["payload"])
		require.Equal(t, "queued", retry["status"])
		require.Equal(t, out.Tasks[0].ID, e.task(t, done)["retry_task_id"])

		e.advance(t, 10*time.Second)
		e.waitStatus(t, out.Tasks[0].ID, "complete")

		t.Run("queued task, as the Python client's test does", func(t *testing.T) {
			id := e.queueOne(t, "held", "not yet")
			var out struct {
				Msg   string `json:"msg"`
				Tasks []struct {
					ID string `json:"id"`
				} `json:"tasks"`
			}
			e.call(t, http.MethodPost, wkPath("/tasks/"+id+"/retry"), "").ok(t, &out)
			require.Equal(t, "Queued up", out.Msg)
			require.Len(t, out.Tasks, 1)
			require.Equal(t, "queued", e.task(t, id)["status"], "the original is left as it is")
			require.Equal(t, id, e.task(t, out.Tasks[0].ID)["original_task_id"])
		})
	})

	t.Run("webhook payload is the raw body", func(t *testing.T) {
		body := "line one\n{not json} \x01 ünïcode\n"
		r := e.raw(t, http.MethodPost, wkPath("/tasks/webhook?code_name=echo&oauth="+wkToken+"&priority=1&label=hook&cluster=eu"),
			strings.NewReader(body), map[string]string{"Content-Type": "text/plain"})
		r.checkJSON(t)
		var out map[string]string
		r.ok(t, &out)
		require.Len(t, out, 2, "{id, msg}, not a tasks array")
		require.Equal(t, "Queued up.", out["msg"])
		require.Regexp(t, reWkID, out["id"])

		got := e.waitStatus(t, out["id"], "complete")
		require.Equal(t, body, got["payload"])
		require.Equal(t, 1, num(t, got, "priority"))
		require.Equal(t, "hook", got["label"])
		require.Equal(t, "eu", got["cluster"])
		require.Equal(t, "webhook", got["source"], "what queued it (an ironlocal extension)")
		r = e.raw(t, http.MethodGet, wkPath("/tasks/"+out["id"]+"/outlog"), nil, map[string]string{"Authorization": "OAuth " + wkToken})
		require.Equal(t, body, string(r.body), "the task read the body as its payload")

		t.Run("rejects", func(t *testing.T) {
			hook := func(query, body string) wkReply {
				r := e.raw(t, http.MethodPost, wkPath("/tasks/webhook"+query), strings.NewReader(body), map[string]string{"Authorization": "OAuth " + wkToken})
				r.checkJSON(t)
				return r
			}
			hook("?code_name=nope", "x").msg(t, http.StatusNotFound, "Code not found")
			hook("", "x").fails(t, http.StatusBadRequest)
			hook("?code_name=echo&priority=high", "x").fails(t, http.StatusBadRequest)
			hook("?code_name=echo", strings.Repeat("x", 64<<10+1)).fails(t, http.StatusRequestEntityTooLarge)
			r := e.raw(t, http.MethodPost, wkPath("/tasks/webhook?code_name=echo"), strings.NewReader("x"), nil)
			r.fails(t, http.StatusUnauthorized)
		})
	})

	t.Run("unknown task", func(t *testing.T) {
		const unknown = "/tasks/000000000000000000000000"
		for _, tc := range []struct{ method, path, body string }{
			{http.MethodGet, unknown, ""},
			{http.MethodGet, unknown + "/log", ""},
			{http.MethodGet, unknown + "/outlog", ""},
			{http.MethodPost, unknown + "/cancel", ""},
			{http.MethodPost, unknown + "/progress", `{"percent":1}`},
			{http.MethodPost, unknown + "/retry", ""},
		} {
			t.Run(tc.method+" "+tc.path, func(t *testing.T) {
				e.call(t, tc.method, wkPath(tc.path), tc.body).msg(t, http.StatusNotFound, "Task not found")
			})
		}
	})

	t.Run("bad queue requests", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			body   string
			status int
			msg    string
		}{
			{name: "unknown code", body: `{"tasks":[{"code_name":"nope"}]}`, status: http.StatusNotFound, msg: "Code not found"},
			{name: "payload over 64 KiB", body: `{"tasks":[{"code_name":"held","payload":"` + strings.Repeat("p", 64<<10+1) + `"}]}`, status: http.StatusRequestEntityTooLarge},
			{name: "malformed JSON", body: `{"tasks":[`, status: http.StatusBadRequest},
			{name: "wrong type", body: `{"tasks":[{"code_name":"held","priority":"high"}]}`, status: http.StatusBadRequest},
			{name: "tasks not an array", body: `{"tasks":{}}`, status: http.StatusBadRequest},
			{name: "no tasks", body: `{"tasks":[]}`, status: http.StatusBadRequest},
			{name: "empty body", body: ``, status: http.StatusBadRequest},
			{name: "no code name", body: `{"tasks":[{"payload":"x"}]}`, status: http.StatusBadRequest},
			{name: "delay over a week", body: `{"tasks":[{"code_name":"held","delay":604801}]}`, status: http.StatusBadRequest},
			{name: "negative timeout", body: `{"tasks":[{"code_name":"held","timeout":-1}]}`, status: http.StatusBadRequest},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call(t, http.MethodPost, wkPath("/tasks"), tc.body)
				if tc.msg != "" {
					r.msg(t, tc.status, tc.msg)
					return
				}
				r.fails(t, tc.status)
			})
		}
	})
}

func TestWorkerAPI_TaskList(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "a", wkEcho)
	e.code(t, "b", `exit 1`)
	e.code(t, "held", wkEcho, `"max_concurrency":-1`)

	t0 := e.srv.VirtualClock().Now()
	complete := e.queue(t, `{"code_name":"a","payload":"1","label":"l1"}`)[0]
	failed := e.queue(t, `{"code_name":"b","payload":"2","cluster":"eu"}`)[0]
	e.waitIdle(t)
	e.advance(t, 10*time.Minute)
	queued := e.queue(t, `{"code_name":"held","payload":"3","label":"l1"}`)[0]
	cancelled := e.queue(t, `{"code_name":"held","payload":"4"}`)[0]
	e.call(t, http.MethodPost, wkPath("/tasks/"+cancelled+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
	all := []string{cancelled, queued, failed, complete} // newest first
	mid := strconv.FormatInt(t0.Add(5*time.Minute).Unix(), 10)

	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{name: "all newest first", query: "", want: all},
		{name: "empty code_name is all", query: "?code_name=", want: all},
		{name: "by code", query: "?code_name=held", want: []string{cancelled, queued}},
		{name: "unknown code", query: "?code_name=nope", want: []string{}},
		{name: "iron_go3 status flag", query: "?code_name=&complete=%25%21d%28bool%3Dtrue%29", want: []string{complete}},
		{name: "flags OR together", query: "?error=1&cancelled=true", want: []string{cancelled, failed}},
		{name: "flag off", query: "?queued=0&complete=false", want: all},
		{name: "queued", query: "?queued=1", want: []string{queued}},
		{name: "running", query: "?running=1&preparing=1", want: []string{}},
		{name: "flag with code", query: "?code_name=held&queued=1", want: []string{queued}},
		{name: "label", query: "?label=l1", want: []string{queued, complete}},
		{name: "cluster", query: "?cluster=eu", want: []string{failed}},
		{name: "from_time", query: "?from_time=" + mid, want: []string{cancelled, queued}},
		{name: "to_time", query: "?to_time=" + mid, want: []string{failed, complete}},
		{name: "page", query: "?per_page=3&page=1", want: []string{complete}},
		{name: "per_page clamps", query: "?per_page=101", want: all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, e.listIDs(t, tc.query))
		})
	}

	t.Run("list entries are full task objects", func(t *testing.T) {
		var out struct {
			Tasks []map[string]any `json:"tasks"`
		}
		e.call(t, http.MethodGet, wkPath("/tasks?code_name=a"), "{}").ok(t, &out)
		require.Len(t, out.Tasks, 1)
		require.Equal(t, "complete", out.Tasks[0]["status"])
		require.Equal(t, "1", out.Tasks[0]["code_rev"])
		requireTime(t, out.Tasks[0], "start_time")
	})

	t.Run("bad query", func(t *testing.T) {
		e.call(t, http.MethodGet, wkPath("/tasks?from_time=yesterday"), "").fails(t, http.StatusBadRequest)
		e.call(t, http.MethodGet, wkPath("/tasks?page=x"), "").fails(t, http.StatusBadRequest)
	})
}

func TestWorkerAPI_Schedules(t *testing.T) {
	e := newWkEnv(t)
	e.code(t, "echo", wkEcho)
	now := e.srv.VirtualClock().Now()
	// Inputs as the clients write them: Go time.Time JSON (nanoseconds,
	// offsets), Python isoformat().
	start := now.Add(time.Minute).In(time.FixedZone("CEST", 2*3600)).Format(time.RFC3339Nano)
	end := now.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.999999")

	var id string
	t.Run("create", func(t *testing.T) {
		var out struct {
			Msg       string `json:"msg"`
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","payload":"{}","name":"nightly",
			"start_at":"`+start+`","end_at":"`+end+`","run_every":60,"run_times":2,"priority":1,"timeout":600.0,
			"delay":0,"task_delay":0,"cluster":"eu","label":"cron","max_concurrency":1}]}`).ok(t, &out)
		require.Equal(t, "Scheduled", out.Msg)
		require.Len(t, out.Schedules, 1)
		require.Regexp(t, reWkID, out.Schedules[0].ID)
		id = out.Schedules[0].ID
	})

	t.Run("get is the bare object", func(t *testing.T) {
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+id), "{}").object(t)
		require.Equal(t, id, got["id"])
		require.Equal(t, wkProject, got["project_id"])
		require.Equal(t, "echo", got["code_name"])
		require.Equal(t, "nightly", got["name"])
		require.Equal(t, "{}", got["payload"])
		require.Equal(t, "scheduled", got["status"])
		require.Equal(t, "", got["msg"])
		require.Equal(t, 60, num(t, got, "run_every"))
		require.Equal(t, 2, num(t, got, "run_times"))
		require.Equal(t, 0, num(t, got, "run_count"))
		require.Equal(t, 1, num(t, got, "priority"))
		require.Equal(t, 600, num(t, got, "timeout"))
		require.Equal(t, "eu", got["cluster"])
		require.Equal(t, "cron", got["label"])
		require.Equal(t, 1, num(t, got, "max_concurrency"))
		require.True(t, requireTime(t, got, "start_at").Equal(now.Add(time.Minute).Truncate(time.Millisecond)), "start_at kept, in UTC")
		require.True(t, requireTime(t, got, "next_start").Equal(now.Add(time.Minute).Truncate(time.Millisecond)))
		requireTime(t, got, "end_at")
		requireTime(t, got, "created_at")
		requireAbsent(t, got, "last_run_time")
		requireNoEmptyTimes(t, got)
	})

	t.Run("list newest first", func(t *testing.T) {
		e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","start_at":"`+start+`"}]}`).object(t)
		var out struct {
			Schedules []map[string]any `json:"schedules"`
		}
		e.call(t, http.MethodGet, wkPath("/schedules"), "{}").ok(t, &out)
		require.Len(t, out.Schedules, 2)
		require.Equal(t, id, out.Schedules[1]["id"])
		e.call(t, http.MethodGet, wkPath("/schedules?per_page=1&page=1"), "").ok(t, &out)
		require.Len(t, out.Schedules, 1)
		require.Equal(t, id, out.Schedules[0]["id"])
	})

	t.Run("fires on the clock and completes after run_times", func(t *testing.T) {
		for n := 1; n <= 2; n++ {
			e.advance(t, time.Minute)
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				assert.Equal(c, n, num(c, e.call(c, http.MethodGet, wkPath("/schedules/"+id), "").object(c), "run_count"))
			}, wkWait, 5*time.Millisecond)
		}
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+id), "").object(t)
		require.Equal(t, "complete", got["status"])
		requireTime(t, got, "last_run_time")
		requireAbsent(t, got, "next_start")

		var out struct {
			Tasks []map[string]any `json:"tasks"`
		}
		e.call(t, http.MethodGet, wkPath("/tasks?code_name=echo"), "").ok(t, &out)
		var fired []map[string]any
		for _, task := range out.Tasks {
			if task["schedule_id"] == id {
				fired = append(fired, task)
			}
		}
		require.Len(t, fired, 2, "one task per run")
		for _, task := range fired {
			require.Equal(t, "{}", task["payload"])
			require.Equal(t, 1, num(t, task, "priority"))
			require.Equal(t, 600, num(t, task, "timeout"))
			require.Equal(t, "eu", task["cluster"])
			require.Equal(t, "cron", task["label"])
		}
	})

	t.Run("update", func(t *testing.T) {
		var out struct {
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","payload":"v1","start_at":"`+start+`","run_every":3600}]}`).ok(t, &out)
		upd := out.Schedules[0].ID
		e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"payload":"v2","run_every":7200,"label":"new","name":null}`).msg(t, http.StatusOK, "Updated")
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+upd), "").object(t)
		require.Equal(t, "v2", got["payload"])
		require.Equal(t, 7200, num(t, got, "run_every"))
		require.Equal(t, "new", got["label"])
		require.Equal(t, "scheduled", got["status"])

		e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"run_every":30}`).fails(t, http.StatusBadRequest)
		e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"cron":"nonsense"}`).fails(t, http.StatusBadRequest)
		e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"code_name":"nope"}`).msg(t, http.StatusNotFound, "Code not found")
		e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"payload":`).fails(t, http.StatusBadRequest)

		t.Run("cancel", func(t *testing.T) {
			e.call(t, http.MethodPost, wkPath("/schedules/"+upd+"/cancel"), "").msg(t, http.StatusOK, "Cancelled")
			got := e.call(t, http.MethodGet, wkPath("/schedules/"+upd), "").object(t)
			require.Equal(t, "cancelled", got["status"])
			requireAbsent(t, got, "next_start")
			e.call(t, http.MethodPost, wkPath("/schedules/"+upd+"/cancel"), "").fails(t, http.StatusBadRequest)
			e.call(t, http.MethodPut, wkPath("/schedules/"+upd), `{"payload":"v3"}`).fails(t, http.StatusBadRequest)
		})
	})

	t.Run("run now", func(t *testing.T) {
		var out struct {
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		later := now.Add(time.Hour).Format(time.RFC3339)
		e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","payload":"now","start_at":"`+later+`"}]}`).ok(t, &out)
		sid := out.Schedules[0].ID
		var run struct {
			Msg   string `json:"msg"`
			Tasks []struct {
				ID string `json:"id"`
			} `json:"tasks"`
		}
		e.call(t, http.MethodPost, "/_ironlocal/schedules/"+wkProject+"/"+sid+"/run", "").ok(t, &run)
		require.Equal(t, "Queued up", run.Msg)
		require.Len(t, run.Tasks, 1)
		task := e.waitStatus(t, run.Tasks[0].ID, "complete")
		require.Equal(t, sid, task["schedule_id"])
		require.Equal(t, "now", task["payload"])
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+sid), "").object(t)
		require.Equal(t, 1, num(t, got, "run_count"))
		require.Equal(t, "scheduled", got["status"])

		e.call(t, http.MethodPost, "/_ironlocal/schedules/"+wkProject+"/000000000000000000000000/run", "").msg(t, http.StatusNotFound, "Schedule not found")
	})

	t.Run("cron extension", func(t *testing.T) {
		var out struct {
			Schedules []struct {
				ID string `json:"id"`
			} `json:"schedules"`
		}
		e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[{"code_name":"echo","cron":"0 3 * * *"}]}`).ok(t, &out)
		got := e.call(t, http.MethodGet, wkPath("/schedules/"+out.Schedules[0].ID), "").object(t)
		require.Equal(t, "0 3 * * *", got["cron"])
		next := requireTime(t, got, "next_start")
		require.Equal(t, 3, next.Hour())
		require.Zero(t, next.Minute())
		require.True(t, next.After(e.srv.VirtualClock().Now()))
	})

	t.Run("unknown schedule", func(t *testing.T) {
		const unknown = "/schedules/000000000000000000000000"
		e.call(t, http.MethodGet, wkPath(unknown), "").msg(t, http.StatusNotFound, "Schedule not found")
		e.call(t, http.MethodPut, wkPath(unknown), `{"payload":"x"}`).msg(t, http.StatusNotFound, "Schedule not found")
		e.call(t, http.MethodPost, wkPath(unknown+"/cancel"), "").msg(t, http.StatusNotFound, "Schedule not found")
	})

	t.Run("bad creates", func(t *testing.T) {
		before := now.Add(-time.Hour).Format(time.RFC3339)
		for _, tc := range []struct {
			name     string
			schedule string
			status   int
		}{
			{name: "unknown code", schedule: `{"code_name":"nope"}`, status: http.StatusNotFound},
			{name: "no code name", schedule: `{"payload":"x"}`, status: http.StatusBadRequest},
			{name: "run_every under 60", schedule: `{"code_name":"echo","run_every":59}`, status: http.StatusBadRequest},
			{name: "end_at before start_at", schedule: `{"code_name":"echo","start_at":"` + start + `","end_at":"` + before + `"}`, status: http.StatusBadRequest},
			{name: "invalid cron", schedule: `{"code_name":"echo","cron":"61 * * * *"}`, status: http.StatusBadRequest},
			{name: "start_at not a time", schedule: `{"code_name":"echo","start_at":"tomorrow"}`, status: http.StatusBadRequest},
			{name: "wrong type", schedule: `{"code_name":"echo","run_every":"hourly"}`, status: http.StatusBadRequest},
			{name: "payload over 64 KiB", schedule: `{"code_name":"echo","payload":"` + strings.Repeat("p", 64<<10+1) + `"}`, status: http.StatusRequestEntityTooLarge},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call(t, http.MethodPost, wkPath("/schedules"), `{"schedules":[`+tc.schedule+`]}`)
				msg := r.fails(t, tc.status)
				if tc.status == http.StatusNotFound {
					require.Equal(t, "Code not found", msg)
				}
			})
		}
		for _, body := range []string{`{"schedules":[`, `{"schedules":[]}`, ``, `[]`} {
			t.Run("body "+body, func(t *testing.T) {
				e.call(t, http.MethodPost, wkPath("/schedules"), body).fails(t, http.StatusBadRequest)
			})
		}
	})
}

func TestWorkerAPI_Misc(t *testing.T) {
	e := newWkEnv(t)

	t.Run("project", func(t *testing.T) {
		r := e.call(t, http.MethodGet, "/2/projects/"+wkProject+"?oauth="+url.QueryEscape(wkToken), "")
		require.Equal(t, http.StatusOK, r.status)
		require.JSONEq(t, `{"id":"`+wkProject+`","name":"`+wkProject+`"}`, string(r.body))
	})

	t.Run("stacks: the legacy list", func(t *testing.T) {
		var stacks []string
		e.call(t, http.MethodGet, "/2/stacks", "").ok(t, &stacks)
		require.Subset(t, stacks, []string{"ruby-2.1", "python-2.7", "node-0.10", "java-1.7", "php-5.4"})
		require.True(t, slices.IsSorted(stacks), "sorted: %v", stacks)
	})

	t.Run("stacks: mapped stacks are added", func(t *testing.T) {
		srv := server.RunT(t, server.Options{Runtime: "process", StackImages: map[string]string{
			"ruby-2.1": "local/ruby", "my-stack": "local/mine"}})
		res, err := http.Get(srv.URL() + "/2/stacks?oauth=" + url.QueryEscape(wkToken))
		require.NoError(t, err)
		defer res.Body.Close()
		var stacks []string
		require.NoError(t, json.NewDecoder(res.Body).Decode(&stacks))
		require.Subset(t, stacks, []string{"my-stack", "ruby-2.1", "python-2.7"})
		require.Equal(t, len(stacks), len(slices.Compact(slices.Clone(stacks))), "each stack once, sorted: %v", stacks)
	})

	t.Run("empty lists are arrays", func(t *testing.T) {
		for _, path := range []string{"/codes", "/tasks", "/schedules"} {
			r := e.call(t, http.MethodGet, wkPath(path), "")
			require.Equal(t, http.StatusOK, r.status)
			key := strings.TrimPrefix(path, "/")
			require.JSONEq(t, `{"`+key+`":[]}`, string(r.body))
		}
	})

	t.Run("wait-idle", func(t *testing.T) {
		e.waitIdle(t)
		e.code(t, "gated", wkGated)
		id := e.queueOne(t, "gated", "busy")
		e.waitStarted(t, "busy")
		e.call(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=10ms", "").fails(t, http.StatusRequestTimeout)
		e.call(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=soon", "").fails(t, http.StatusBadRequest)
		e.open(t, "busy")
		e.waitIdle(t)
		require.Equal(t, "complete", e.task(t, id)["status"])
	})

	t.Run("no token", func(t *testing.T) {
		e.raw(t, http.MethodGet, wkPath("/codes"), nil, nil).fails(t, http.StatusUnauthorized)
	})
}

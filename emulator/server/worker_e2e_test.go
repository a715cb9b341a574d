package server_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/runtime/docker"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/dockertest"
)

// End-to-end IronWorker tests: a real server runs the fixture worker
// (fixtures/worker) in Docker containers, and the same suite runs it as a
// local process. Everything goes through the HTTP API and the control plane.

const (
	e2eProject = "5e2e00000000000000000001"
	e2eToken   = "e2e-token"
	// e2eWait bounds waits for task state; tests never assert on timing.
	e2eWait = time.Minute
)

// e2eRuntime is one way of running the fixture worker.
type e2eRuntime struct {
	name   string
	docker bool
	// prepare returns the server options and the code fields that run the
	// fixture worker, or skips the test.
	prepare func(t *testing.T) (server.Options, map[string]any)
}

var e2eRuntimes = []e2eRuntime{
	{name: "docker", docker: true, prepare: func(t *testing.T) (server.Options, map[string]any) {
		dockertest.Client(t)
		return server.Options{Runtime: "docker"}, map[string]any{"image": dockertest.FixtureImage}
	}},
	{name: "process", prepare: func(t *testing.T) (server.Options, map[string]any) {
		bin := dockertest.WorkerBinary(t, t.TempDir())
		// The process runtime ignores the image and runs the binary.
		return server.Options{Runtime: "process"}, map[string]any{"image": dockertest.FixtureImage, "command": bin}
	}},
}

// e2e is a running emulator and what its tests need to drive it.
type e2e struct {
	srv     *server.Server
	fixture map[string]any // code fields that run the fixture worker
	hc      *http.Client
	docker  *client.Client // nil on the process runtime
}

func newE2E(t *testing.T, rt e2eRuntime, opts server.Options, fixture map[string]any) *e2e {
	t.Helper()
	// Live logs: tests wait for a task's first line before stopping it.
	opts.VirtualClock, opts.LiveLogs = true, true
	e := &e2e{srv: server.RunT(t, opts), fixture: fixture, hc: &http.Client{Timeout: e2eWait}}
	t.Cleanup(e.hc.CloseIdleConnections)
	if rt.docker {
		e.docker = dockertest.Client(t)
	}
	return e
}

// e2eTask is the part of the task object the tests read.
type e2eTask struct {
	ID             string `json:"id"`
	Status         string `json:"status"`
	Msg            string `json:"msg"`
	Payload        string `json:"payload"`
	ScheduleID     string `json:"schedule_id"`
	OriginalTaskID string `json:"original_task_id"`
	RetryTaskID    string `json:"retry_task_id"`
	RetryCount     int    `json:"retry_count"`
	Delay          int    `json:"delay"`
	LogSize        int    `json:"log_size"`
	Debug          bool   `json:"debug"`
	DebugAddress   string `json:"debug_address"`
	Source         string `json:"source"`
	SourceID       string `json:"source_id"`
}

// do sends a request with the OAuth header and returns status and body.
func (e *e2e) do(t require.TestingT, method, path, body string) (int, []byte) {
	helper(t)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL()+path, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth "+e2eToken)
	res, err := e.hc.Do(req)
	require.NoError(t, err, "%s %s", method, path)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

// call sends v (nil: no body) as JSON, checks for a 2xx and decodes the
// reply into out (nil: discard).
func (e *e2e) call(t require.TestingT, method, path string, v, out any) {
	helper(t)
	var body string
	if v != nil {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		body = string(b)
	}
	status, reply := e.do(t, method, path, body)
	require.True(t, status == http.StatusOK || status == http.StatusCreated, "%s %s → %d %s", method, path, status, reply)
	if out != nil {
		require.NoError(t, json.Unmarshal(reply, out), "%s", reply)
	}
}

func e2ePath(rest string) string { return "/2/projects/" + e2eProject + rest }

// code registers a fixture worker code package with extra settings.
func (e *e2e) code(t *testing.T, name string, extra map[string]any) {
	t.Helper()
	data := map[string]any{"name": name}
	maps.Copy(data, e.fixture)
	maps.Copy(data, extra)
	e.call(t, http.MethodPost, e2ePath("/codes"), data, nil)
}

// codeID looks a code package up by name.
func (e *e2e) codeID(t *testing.T, name string) string {
	t.Helper()
	var out struct {
		Codes []struct{ ID, Name string } `json:"codes"`
	}
	e.call(t, http.MethodGet, e2ePath("/codes?per_page=100"), nil, &out)
	for _, c := range out.Codes {
		if c.Name == name {
			return c.ID
		}
	}
	require.FailNow(t, "no code "+name)
	return ""
}

// queue queues one task; payload is marshalled to a JSON string unless it
// already is a string.
func (e *e2e) queue(t *testing.T, code string, payload any, fields map[string]any) string {
	t.Helper()
	p, ok := payload.(string)
	if !ok {
		b, err := json.Marshal(payload)
		require.NoError(t, err)
		p = string(b)
	}
	task := map[string]any{"code_name": code, "payload": p}
	maps.Copy(task, fields)
	var out struct {
		Tasks []struct{ ID string } `json:"tasks"`
	}
	e.call(t, http.MethodPost, e2ePath("/tasks"), map[string]any{"tasks": []any{task}}, &out)
	require.Len(t, out.Tasks, 1)
	return out.Tasks[0].ID
}

func (e *e2e) task(t require.TestingT, id string) e2eTask {
	helper(t)
	var task e2eTask
	e.call(t, http.MethodGet, e2ePath("/tasks/"+id), nil, &task)
	return task
}

func (e *e2e) waitStatus(t *testing.T, id, want string) e2eTask {
	t.Helper()
	var last e2eTask
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		last = e.task(c, id)
		assert.Equal(c, want, last.Status)
	}, e2eWait, 10*time.Millisecond, "task %s: want status %s", id, want)
	return last
}

// helper marks the caller as a test helper, unless t collects the failures
// of an EventuallyWithT condition.
func helper(t require.TestingT) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
}

func (e *e2e) log(t require.TestingT, id string) string {
	helper(t)
	status, body := e.do(t, http.MethodGet, e2ePath("/tasks/"+id+"/log"), "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	return string(body)
}

// waitLog polls the (live) log until it contains want: the worker runs.
func (e *e2e) waitLog(t *testing.T, id, want string) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.Contains(c, e.log(c, id), want) },
		e2eWait, 10*time.Millisecond, "task %s never logged %q", id, want)
}

func (e *e2e) waitIdle(t *testing.T) {
	t.Helper()
	status, body := e.do(t, http.MethodGet, "/_ironlocal/wait-idle?timeout=1m", "")
	require.Equal(t, http.StatusOK, status, "%s", body)
}

// containers counts the task's containers, running or not (docker only).
func (e *e2e) containers(t *testing.T, taskID string) int {
	t.Helper()
	if e.docker == nil {
		return 0
	}
	list, err := e.docker.ContainerList(t.Context(), client.ContainerListOptions{
		All:     true,
		Filters: make(client.Filters).Add("label", docker.LabelTask+"="+taskID),
	})
	require.NoError(t, err)
	return len(list.Items)
}

// reserve takes up to n messages off an IronMQ queue and returns their
// bodies.
func (e *e2e) reserve(t *testing.T, queue string, n int) []string {
	t.Helper()
	var out struct {
		Messages []struct{ Body string } `json:"messages"`
	}
	e.call(t, http.MethodPost, "/3/projects/"+e2eProject+"/queues/"+queue+"/reservations", map[string]any{"n": n}, &out)
	bodies := make([]string, len(out.Messages))
	for i, m := range out.Messages {
		bodies[i] = m.Body
	}
	return bodies
}

func TestWorkerE2E(t *testing.T) {
	for _, rt := range e2eRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			opts, fixture := rt.prepare(t)
			e := newE2E(t, rt, opts, fixture)
			e.code(t, "hello", nil)

			t.Run("complete with stdout in the log", func(t *testing.T) {
				id := e.queue(t, "hello", map[string]any{"message": "hi", "stderr": "to stderr"}, nil)
				task := e.waitStatus(t, id, "complete")
				require.Empty(t, task.Msg)
				log := e.log(t, id)
				// The two streams interleave in no guaranteed order.
				require.Contains(t, log, "hello from task "+id+"\n")
				require.Contains(t, log, "hi\n")
				require.Contains(t, log, "to stderr\n")
				status, out := e.do(t, http.MethodGet, e2ePath("/tasks/"+id+"/outlog"), "")
				require.Equal(t, http.StatusOK, status)
				require.Equal(t, "hello from task "+id+"\nhi\n", string(out))
				require.Equal(t, len(log), task.LogSize)
				require.Zero(t, e.containers(t, id), "container removed")
			})

			t.Run("non-zero exit is an error", func(t *testing.T) {
				task := e.waitStatus(t, e.queue(t, "hello", map[string]any{"exit": 7}, nil), "error")
				require.Equal(t, "exit status 7", task.Msg)
			})

			t.Run("timeout kills the task", func(t *testing.T) {
				id := e.queue(t, "hello", map[string]any{"sleep_ms": 120000}, map[string]any{"timeout": 1})
				task := e.waitStatus(t, id, "timeout")
				require.Equal(t, "Timed out", task.Msg)
				require.Zero(t, e.containers(t, id), "container gone")
			})

			t.Run("cancel running", func(t *testing.T) {
				id := e.queue(t, "hello", map[string]any{"sleep_ms": 120000}, nil)
				e.waitLog(t, id, "hello from task")
				e.call(t, http.MethodPost, e2ePath("/tasks/"+id+"/cancel"), nil, nil)
				task := e.waitStatus(t, id, "cancelled")
				require.Equal(t, "Cancelled", task.Msg)
				require.Zero(t, e.containers(t, id), "container gone")
			})

			t.Run("retries create linked tasks", func(t *testing.T) {
				e.code(t, "flaky", map[string]any{"retries": 2, "retries_delay": 0})
				first := e.waitStatus(t, e.queue(t, "flaky", map[string]any{"exit": 1}, nil), "error")
				require.NotEmpty(t, first.RetryTaskID)
				r1 := e.waitStatus(t, first.RetryTaskID, "error")
				require.Equal(t, first.ID, r1.OriginalTaskID)
				require.Equal(t, 1, r1.RetryCount)
				require.NotEmpty(t, r1.RetryTaskID)
				r2 := e.waitStatus(t, r1.RetryTaskID, "error")
				require.Equal(t, first.ID, r2.OriginalTaskID)
				require.Equal(t, 2, r2.RetryCount)
				require.Empty(t, r2.RetryTaskID, "retries exhausted")
			})

			t.Run("priority order under max_concurrency 1", func(t *testing.T) {
				e.code(t, "ordered", map[string]any{"max_concurrency": 1})
				id := e.codeID(t, "ordered")
				e.call(t, http.MethodPost, e2ePath("/codes/"+id+"/pause_task_queue"), nil, nil)
				for _, p := range []struct {
					name     string
					priority int
				}{{"p0a", 0}, {"p1a", 1}, {"p2a", 2}, {"p0b", 0}, {"p2b", 2}} {
					e.queue(t, "ordered", map[string]any{"post_queue": "order-" + rt.name, "message": p.name},
						map[string]any{"priority": p.priority})
				}
				e.call(t, http.MethodPost, e2ePath("/codes/"+id+"/resume_task_queue"), nil, nil)
				e.waitIdle(t)
				// Each task posts its name before it exits, one at a time.
				require.Equal(t, []string{"p2a", "p2b", "p1a", "p0a", "p0b"}, e.reserve(t, "order-"+rt.name, 10))
			})

			t.Run("delayed task runs after the clock moves", func(t *testing.T) {
				delayed := e.queue(t, "hello", map[string]any{"message": "late"}, map[string]any{"delay": 60})
				now := e.queue(t, "hello", map[string]any{"message": "now"}, nil)
				e.waitStatus(t, now, "complete")
				require.Equal(t, "queued", e.task(t, delayed).Status, "still waiting for its delay")
				e.srv.VirtualClock().Advance(time.Minute)
				e.waitStatus(t, delayed, "complete")
				require.Contains(t, e.log(t, delayed), "late\n")
			})

			t.Run("job posts to a queue", func(t *testing.T) {
				queue := "results-" + rt.name
				id := e.queue(t, "hello", map[string]any{"post_queue": queue, "message": "result of the job"}, nil)
				task := e.waitStatus(t, id, "complete")
				require.Empty(t, task.Msg, "log: %s", e.log(t, id))
				require.Contains(t, e.log(t, id), "posted to queue "+queue)
				require.Equal(t, []string{"result of the job"}, e.reserve(t, queue, 1))
			})

			if rt.docker {
				t.Run("missing image", func(t *testing.T) {
					const image = "ironlocal/no-such-image:never"
					e.code(t, "imageless", map[string]any{"image": image})
					task := e.waitStatus(t, e.queue(t, "imageless", "{}", nil), "error")
					require.Contains(t, task.Msg, `pull image "`+image+`": `)
				})
			}

			t.Run("schedule fires at start_at and stops after run_times", func(t *testing.T) {
				start := e.srv.VirtualClock().Now().Add(time.Minute)
				var out struct {
					Schedules []struct{ ID string } `json:"schedules"`
				}
				e.call(t, http.MethodPost, e2ePath("/schedules"), map[string]any{"schedules": []any{map[string]any{
					"code_name": "hello", "payload": `{"message":"scheduled"}`, "start_at": start, "run_every": 60, "run_times": 2,
				}}}, &out)
				id := out.Schedules[0].ID
				var sched struct {
					Status   string `json:"status"`
					RunCount int    `json:"run_count"`
				}
				for n := 1; n <= 2; n++ {
					e.srv.VirtualClock().Advance(time.Minute)
					require.EventuallyWithT(t, func(c *assert.CollectT) {
						e.call(c, http.MethodGet, e2ePath("/schedules/"+id), nil, &sched)
						assert.Equal(c, n, sched.RunCount)
					}, e2eWait, 10*time.Millisecond, "run %d", n)
				}
				require.Equal(t, "complete", sched.Status)

				var tasks struct {
					Tasks []e2eTask `json:"tasks"`
				}
				e.waitIdle(t)
				e.call(t, http.MethodGet, e2ePath("/tasks?code_name=hello&per_page=100"), nil, &tasks)
				var ran int
				for _, task := range tasks.Tasks {
					if task.ScheduleID == id {
						ran++
						require.Equal(t, "complete", task.Status)
						require.Contains(t, e.log(t, task.ID), "scheduled\n")
					}
				}
				require.Equal(t, 2, ran)
			})

			t.Run("webhook payload is the body", func(t *testing.T) {
				req, err := http.NewRequest(http.MethodPost, e.srv.URL()+e2ePath("/tasks/webhook?code_name=hello&oauth="+e2eToken),
					strings.NewReader("plain text from a hook"))
				require.NoError(t, err)
				res, err := e.hc.Do(req)
				require.NoError(t, err)
				defer res.Body.Close()
				var out struct{ ID, Msg string }
				require.NoError(t, json.NewDecoder(res.Body).Decode(&out))
				require.Equal(t, "Queued up.", out.Msg)
				task := e.waitStatus(t, out.ID, "complete")
				require.Equal(t, "plain text from a hook", task.Payload)
				require.Contains(t, e.log(t, out.ID), "plain text from a hook\n", "the worker read the body as its payload")
			})
		})
	}
}

func TestWorkerE2E_Restart(t *testing.T) {
	for _, rt := range e2eRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			opts, fixture := rt.prepare(t)
			opts.DataDir = t.TempDir()
			first := newE2E(t, rt, opts, fixture)
			first.code(t, "long", map[string]any{"retries": 1, "max_concurrency": 1})
			long := first.queue(t, "long", map[string]any{"sleep_ms": 600000}, nil)
			after := first.queue(t, "long", map[string]any{"message": "after the restart"}, nil)
			first.waitLog(t, long, "hello from task")

			ctx, cancel := context.WithTimeout(context.Background(), e2eWait)
			defer cancel()
			require.NoError(t, first.srv.Close(ctx), "graceful close")
			require.Zero(t, first.containers(t, long), "container gone")

			second := newE2E(t, rt, opts, fixture)
			killed := second.task(t, long)
			require.Equal(t, "killed", killed.Status)
			require.Equal(t, "ironlocal stopped while the task was running", killed.Msg)
			require.NotEmpty(t, killed.RetryTaskID, "the code has a retry")

			second.waitStatus(t, after, "complete")
			require.Contains(t, second.log(t, after), "after the restart\n", "the queued task ran after the restart")

			retry := killed.RetryTaskID
			second.waitLog(t, retry, "hello from task "+retry)
			require.Equal(t, long, second.task(t, retry).OriginalTaskID)
			second.call(t, http.MethodPost, e2ePath("/tasks/"+retry+"/cancel"), nil, nil)
			second.waitStatus(t, retry, "cancelled")
		})
	}
}

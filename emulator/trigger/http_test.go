package trigger_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// answer is a task that answers an HTTP trigger like a Lambda proxy
// integration: it logs a line, then prints its answer, which echoes the
// request's method, path parameter and body.
const answer = `echo "handling the order" >&2; echo "log line"; ` +
	`printf '{"statusCode":201,"headers":{"X-Order":"yes"},"body":%s}\n' "$(sed -e 's/.*"id":"\([^"]*\)".*/"order \1"/' "$PAYLOAD_FILE")"; :`

func TestHTTP_Gateway(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "http")}}, "http")
	shellCode(t, srv, "order", answer)
	shellCode(t, srv, "fail", `exit 3`)
	shellCode(t, srv, "slow", `sleep 5; :`)
	shellCode(t, srv, "async", `cat "$PAYLOAD_FILE"; :`)

	bind := func(code, routes string) string {
		t.Helper()
		b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
			Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":` + routes + `}`),
			Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: code}})
		require.NoError(t, err)
		return "http://" + bindingRunning(t, srv, b.ID).StatusAttrs["address"]
	}
	order := bind("order", `[{"method":"POST","path":"/orders/{id}","mode":"sync"}]`)
	failing := bind("fail", `[{"path":"/fail","mode":"sync"}]`)
	slow := bind("slow", `[{"path":"/slow","mode":"sync","timeout_ms":300}]`)
	async := bind("async", `[{"method":"PUT","path":"/jobs"}]`)

	t.Run("sync answers from the task's output", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, order+"/orders/42?x=1", `{"sku":"A-1"}`)
		require.Equal(t, http.StatusCreated, resp.StatusCode, body)
		require.Equal(t, "yes", resp.Header.Get("X-Order"))
		require.NotEmpty(t, resp.Header.Get("X-Ironlocal-Task-Id"))
		require.Equal(t, "order 42", body)
	})
	t.Run("async answers 202 with the task id", func(t *testing.T) {
		resp, body := do(t, http.MethodPut, async+"/jobs", `hello`)
		require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
		var got struct {
			TaskID string `json:"task_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &got))
		require.NotEmpty(t, got.TaskID)
		tasks := finishedTasks(t, srv, "async", 1)
		var ev struct {
			HTTPMethod string `json:"httpMethod"`
			Path       string `json:"path"`
			Resource   string `json:"resource"`
			Body       string `json:"body"`
			Context    struct {
				Stage string `json:"stage"`
			} `json:"requestContext"`
		}
		require.NoError(t, json.Unmarshal([]byte(taskLog(t, srv, tasks[0].ID)), &ev))
		require.Equal(t, "PUT", ev.HTTPMethod)
		require.Equal(t, "/jobs", ev.Path)
		require.Equal(t, "/jobs", ev.Resource)
		require.Equal(t, "hello", ev.Body)
		require.Equal(t, "local", ev.Context.Stage)
	})
	t.Run("a failed task is 502", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, failing+"/fail", "")
		require.Equal(t, http.StatusBadGateway, resp.StatusCode, body)
	})
	t.Run("a task slower than the route's timeout is 504", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, slow+"/slow", "")
		require.Equal(t, http.StatusGatewayTimeout, resp.StatusCode, body)
		require.Contains(t, body, "Endpoint request timed out")
	})
	t.Run("no route is 404 and a filtered event", func(t *testing.T) {
		resp, body := do(t, http.MethodGet, async+"/nope", "")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
		require.JSONEq(t, `{"message":"Not Found"}`, body)
		var reason string
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			bs, err := srv.Triggers().Bindings(ctx)
			assert.NoError(c, err)
			for _, b := range bs {
				evs, err := srv.Triggers().Events(ctx, b.ID, 0)
				assert.NoError(c, err)
				for _, e := range evs {
					if e.Outcome == emulator.TriggerFiltered {
						reason = e.Reason
					}
				}
			}
			assert.NotEmpty(c, reason)
		}, 10*time.Second, 20*time.Millisecond)
		require.Equal(t, "no route matches GET /nope", reason)
	})
	t.Run("sync needs a task action", func(t *testing.T) {
		_, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
			Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"path":"/x","mode":"sometimes"}]}`),
			Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "order"}})
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.Contains(t, err.Error(), "routes[0].mode: must be one of")
	})
}

func do(t *testing.T, method, url, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

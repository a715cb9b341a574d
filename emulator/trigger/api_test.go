package trigger_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// A binding made the moment the emulator answers, while its plugin is
// still starting, waits for the plugin instead of being refused with 503.
func TestControlPlane_BindingWhilePluginsStart(t *testing.T) {
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload", "http")}}) // no wait for the plugins
	shellCode(t, srv, "csv", `:`)
	p, ok := pluginState(srv, "http")
	require.True(t, ok)
	starting := p.State == trigger.StateStarting
	resp, body := do(t, http.MethodPost, srv.URL()+"/_ironlocal/triggers", `{"project_id":"`+project+`","plugin":"http",
		"config":{"listen":"127.0.0.1:0","routes":[{"method":"POST","path":"/x"}]},"action":{"type":"task","code_name":"csv"}}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	if !starting {
		t.Log("the plugin had started before the binding was made: the wait was not exercised this time")
	}
}

// TestControlPlane_Triggers drives bindings through /_ironlocal/triggers.
func TestControlPlane_Triggers(t *testing.T) {
	bucket := t.TempDir()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	shellCode(t, srv, "csv", `cat "$PAYLOAD_FILE"; :`)
	base := srv.URL() + "/_ironlocal"

	resp, body := do(t, http.MethodGet, base+"/plugins", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var plugins struct {
		Plugins []struct {
			Name         string          `json:"name"`
			State        string          `json:"state"`
			ConfigSchema json.RawMessage `json:"config_schema"`
			Samples      []struct {
				EventType string `json:"event_type"`
			} `json:"samples"`
		} `json:"plugins"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &plugins))
	require.Len(t, plugins.Plugins, 1)
	require.Equal(t, "upload", plugins.Plugins[0].Name)
	require.Equal(t, "running", plugins.Plugins[0].State)
	require.Contains(t, string(plugins.Plugins[0].ConfigSchema), `"dir"`)
	require.NotEmpty(t, plugins.Plugins[0].Samples)

	t.Run("a config that misses the schema is 400 naming the field", func(t *testing.T) {
		resp, body := do(t, http.MethodPost, base+"/triggers", `{"project_id":"`+project+`","plugin":"upload",
			"config":{"dri":"/tmp"},"action":{"type":"task","code_name":"csv"}}`)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, body)
		require.Contains(t, body, `config for plugin upload:`)
		require.Contains(t, body, `dir: required`)
		require.Contains(t, body, `unknown field \"dri\"`)
	})

	resp, body = do(t, http.MethodPost, base+"/triggers", `{"project_id":"`+project+`","name":"csv drop","plugin":"upload",
		"config":{"dir":`+quote(bucket)+`,"suffix":".csv"},"action":{"type":"task","code_name":"csv","priority":1}}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	var b struct {
		ID      string `json:"id"`
		Enabled bool   `json:"enabled"`
		State   string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &b))
	require.True(t, b.Enabled)
	bindingRunning(t, srv, b.ID)

	resp, body = do(t, http.MethodGet, base+"/triggers", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, b.ID)

	// Fire the plugin's sample, then a payload of our own.
	resp, body = do(t, http.MethodPost, base+"/triggers/"+b.ID+"/fire", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var fired struct {
		ID      string `json:"id"`
		Outcome string `json:"outcome"`
		TaskID  string `json:"task_id"`
		Source  string `json:"source"`
		Type    string `json:"type"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &fired))
	require.Equal(t, "matched", fired.Outcome)
	require.Equal(t, "fire", fired.Source)
	require.Equal(t, "s3:ObjectCreated:Put", fired.Type)
	require.NotEmpty(t, fired.TaskID)
	finishedTasks(t, srv, "csv", 1)
	require.Contains(t, taskLog(t, srv, fired.TaskID), `"eventSource":"aws:s3"`)

	resp, body = do(t, http.MethodPost, base+"/triggers/"+b.ID+"/fire", `{"event_type":"custom","payload":"plain text"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)

	resp, body = do(t, http.MethodGet, base+"/triggers/"+b.ID+"/events?limit=10", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var trace struct {
		Events []struct {
			ID      string `json:"id"`
			Payload string `json:"payload"`
		} `json:"events"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &trace))
	require.Len(t, trace.Events, 2)
	require.Equal(t, "plain text", trace.Events[0].Payload, "newest first")

	resp, body = do(t, http.MethodPost, base+"/triggers/"+b.ID+"/events/"+trace.Events[0].ID+"/replay", `{"payload":"edited"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"replay_of":"`+trace.Events[0].ID+`"`)
	resp, body = do(t, http.MethodPost, base+"/triggers/"+b.ID+"/events/nope/replay", "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, body)

	resp, body = do(t, http.MethodPatch, base+"/triggers/"+b.ID, `{"enabled":false}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, `"state":"disabled"`)

	resp, body = do(t, http.MethodDelete, base+"/triggers/"+b.ID, "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	resp, body = do(t, http.MethodGet, base+"/triggers/"+b.ID, "")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
}

// TestTrace_BigPayload: the trace keeps the start of a big payload and
// says so; the action got all of it; a replay needs a payload then.
func TestTrace_BigPayload(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(t.TempDir()) + `}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "big"}})
	require.NoError(t, err)
	sub := srv.Bus().Subscribe(64)
	defer sub.Close()
	big := strings.Repeat("x", 100<<10)
	ev, err := srv.Triggers().Fire(ctx, b.ID, trigger.Fire{EventType: "custom", Payload: json.RawMessage(big)})
	require.NoError(t, err)
	require.Equal(t, emulator.TriggerMatched, ev.Outcome)
	require.Len(t, ev.Payload, 64<<10)
	require.Equal(t, strconv.Itoa(len(big)), ev.Attrs["payload_truncated_from"])
	msgs, err := srv.MQ().Peek(ctx, project, "big", 1)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Len(t, msgs[0].Body, len(big), "the message got the whole payload")

	_, err = srv.Triggers().Replay(ctx, b.ID, ev.ID, nil)
	require.ErrorIs(t, err, emulator.ErrInvalid)
	again, err := srv.Triggers().Replay(ctx, b.ID, ev.ID, ptr("small"))
	require.NoError(t, err)
	require.Empty(t, again.Attrs["payload_truncated_from"])

	// Both events were on the event stream.
	var seen []string
	require.Eventually(t, func() bool {
		for {
			select {
			case e := <-sub.C:
				if e.Type == emulator.EventTriggerEvent {
					seen = append(seen, e.Attrs["event_id"].(string))
				}
			default:
				return len(seen) == 2
			}
		}
	}, 5*time.Second, 5*time.Millisecond)
	require.Equal(t, []string{ev.ID, again.ID}, seen)
}

// TestControlPlane_TriggersStrict: in strict mode the routes need a token
// and a binding may act only in a served project.
func TestControlPlane_TriggersStrict(t *testing.T) {
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}, Tokens: []string{"secret"},
		Projects: []string{project}}, "upload")
	create := func(token, pid string) (*http.Response, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL()+"/_ironlocal/triggers", strings.NewReader(`{"project_id":"`+pid+
			`","plugin":"upload","config":{"dir":`+quote(t.TempDir())+`},"action":{"type":"task","code_name":"x"}}`))
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "OAuth "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp, b.String()
	}
	resp, body := create("", project)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	resp, body = create("secret", "00000000000000000000000f")
	require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	require.Contains(t, body, "Project not found")
	resp, body = create("secret", project)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
}

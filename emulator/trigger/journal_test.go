package trigger_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/wire"
)

// An event a plugin takes from its real source (here a request to the
// HTTP gateway) is journaled as the fire that repeats it, with its
// attributes: firing that entry's body makes the same task payload, so a
// recorded session's replay (export-test) needs no gateway request.
func TestJournal_PluginEventIsAFire(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "http")}}, "http")
	shellCode(t, srv, "jobs", `cat "$PAYLOAD_FILE"`)
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"PUT","path":"/jobs"}]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "jobs",
			Template: `{{.Attrs.method}} {{.Attrs.path}} {{.Payload.body}} {{.ID}}`}})
	require.NoError(t, err)
	gateway := "http://" + bindingRunning(t, srv, b.ID).StatusAttrs["address"]

	resp, body := do(t, http.MethodPut, gateway+"/jobs", `hello`)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, body)
	first := finishedTasks(t, srv, "jobs", 1)[0]
	require.True(t, strings.HasPrefix(first.Payload, "PUT /jobs hello "), first.Payload)

	c, err := client.New(srv.URL(), "t", client.WithProject(project))
	require.NoError(t, err)
	fires := func() []wire.JournalEntry {
		t.Helper()
		j, err := c.Journal(ctx)
		require.NoError(t, err)
		var out []wire.JournalEntry
		for _, e := range j.Entries {
			if e.Path == "/_ironlocal/triggers/"+b.ID+"/fire" {
				out = append(out, e)
			}
		}
		return out
	}
	journaled := fires()
	require.Len(t, journaled, 1, "the gateway's event, as a fire")
	e := journaled[0]
	require.Equal(t, http.MethodPost, e.Method)
	require.Equal(t, http.StatusOK, e.Status)
	var fire wire.FireBody
	require.NoError(t, json.Unmarshal(e.Body, &fire))
	require.Equal(t, "PUT", fire.Attrs["method"])
	require.Equal(t, "/jobs", fire.Attrs["path"])
	var answer wire.TriggerEvent
	require.NoError(t, json.Unmarshal(e.Answer, &answer), "a short answer is kept whole, as a fire's")
	require.Equal(t, first.ID, answer.TaskID)
	require.Equal(t, trigger.SourcePlugin, answer.Source)

	// The replay: the entry's body fired at the binding.
	req, err := http.NewRequest(http.MethodPost, srv.URL()+e.Path, strings.NewReader(string(e.Body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth t")
	req.Header.Set("Content-Type", e.ContentType)
	fired, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(fired.Body).Decode(&answer))
	_ = fired.Body.Close()
	require.Equal(t, http.StatusOK, fired.StatusCode)
	again, err := srv.Worker().GetTask(ctx, project, answer.TaskID)
	require.NoError(t, err)
	// The same rendering but for the event's id, which every event gets anew.
	require.True(t, strings.HasSuffix(first.Payload, " "+journaledID(t, e)), first.Payload)
	require.True(t, strings.HasSuffix(again.Payload, " "+answer.ID), again.Payload)
	require.Equal(t, strings.TrimSuffix(first.Payload, journaledID(t, e)), strings.TrimSuffix(again.Payload, answer.ID))
	require.Len(t, fires(), 2, "the replayed fire is journaled once, as the request it is")

	// An event whose action failed changed nothing: it is not journaled.
	require.NoError(t, srv.Triggers().DeleteBinding(ctx, b.ID))
	b, err = srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"PUT","path":"/jobs"}]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "never-uploaded"}})
	require.NoError(t, err)
	gateway = "http://" + bindingRunning(t, srv, b.ID).StatusAttrs["address"]
	resp, body = do(t, http.MethodPut, gateway+"/jobs", `hello`)
	require.GreaterOrEqual(t, resp.StatusCode, 400, body)
	require.Empty(t, fires(), "a failed event")
}

// journaledID is the id of the event a journaled fire recorded.
func journaledID(t *testing.T, e wire.JournalEntry) string {
	t.Helper()
	var ev wire.TriggerEvent
	require.NoError(t, json.Unmarshal(e.Answer, &ev))
	return ev.ID
}

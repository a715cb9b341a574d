package main

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

func TestTriggerCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a plugin")
	}
	plugins := testbin.PluginsDirWith(t, "upload")

	const pid = "000000000000000000000001"
	srv := server.RunT(t, server.Options{Runtime: "process", PluginsDirs: []string{plugins}})
	ctx := context.Background()
	_, err := srv.Worker().UploadCode(ctx, pid, worker.CodeUpload{Name: "csv", Image: "x", Command: `cat "$PAYLOAD_FILE"; :`})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		ps := srv.Triggers().Plugins()
		if assert.Len(c, ps, 1) {
			assert.Equal(c, trigger.StateRunning, ps[0].State)
		}
	}, 20*time.Second, 20*time.Millisecond)
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: pid, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + mustJSON(t, t.TempDir()) + `}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "csv"}})
	require.NoError(t, err)

	cli := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := runTrigger(append([]string{"--url", srv.URL()}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := cli("list")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, b.ID)
	require.Contains(t, stdout, "task csv")

	code, stdout, stderr = cli("plugins")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "upload")

	code, stdout, stderr = cli("fire", b.ID, "--payload", `{"hello":"world"}`)
	require.Equal(t, 0, code, stderr)
	var fired struct {
		ID      string `json:"id"`
		Outcome string `json:"outcome"`
		TaskID  string `json:"task_id"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &fired))
	require.Equal(t, "matched", fired.Outcome)
	require.NotEmpty(t, fired.TaskID)

	code, stdout, stderr = cli("fire", b.ID, "--payload", `{}`, "--attr", "name=in/a.csv", "--attr", "size=3")
	require.Equal(t, 0, code, stderr)
	var withAttrs struct {
		Attrs map[string]string `json:"attrs"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &withAttrs))
	require.Equal(t, map[string]string{"name": "in/a.csv", "size": "3"}, withAttrs.Attrs, "the event carries them")
	code, _, stderr = cli("fire", b.ID, "--attr", "no-value")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "KEY=VALUE")

	code, stdout, stderr = cli("replay", b.ID, fired.ID, "--payload", "again")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, `"replay_of": "`+fired.ID+`"`)

	code, stdout, stderr = cli("events", b.ID)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, fired.ID)

	code, _, stderr = cli("fire", "nope")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "404 Binding not found")

	code, _, stderr = cli("explode")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `unknown command "explode"`)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

package trigger_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// TestExamplePlugin runs the third-party example (its own module, built
// against the SDK alone) in the emulator: its ticks become queue messages.
func TestExamplePlugin(t *testing.T) {
	// The example's module imports nothing of ironlocal but the SDK.
	out, err := exec.Command("go", "list", "-C", filepath.Join("..", "..", "plugins", "examples", "ticker"),
		"-deps", "-f", "{{.ImportPath}}", ".").Output()
	require.NoError(t, err)
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/ironlocal/ironlocal/") {
			require.True(t, strings.HasPrefix(pkg, "github.com/ironlocal/ironlocal/plugins/sdk"), "the example imports %s", pkg)
		}
	}

	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "ticker")}}, "ticker")
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "ticker",
		Config: json.RawMessage(`{"every_ms":20,"message":"hi"}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "ticks", Template: `tick {{.Payload.n}}: {{.Payload.message}}`}})
	require.NoError(t, err)
	require.Equal(t, "ticking every 20ms", bindingRunning(t, srv, b.ID).Status)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		msgs, err := srv.MQ().Peek(ctx, project, "ticks", 2)
		if assert.NoError(c, err) && assert.Len(c, msgs, 2) {
			assert.Equal(c, "tick 1: hi", msgs[0].Body)
			assert.Equal(c, "tick 2: hi", msgs[1].Body)
		}
	}, 10*time.Second, 20*time.Millisecond)
}

// TestPluginLogLines: a plugin's sdk.Log lines reach the host, tagged, and the
// last ones are kept for GET /_ironlocal/plugins.
func TestPluginLogLines(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "ticker")}}, "ticker")
	_, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "ticker",
		Config: json.RawMessage(`{"every_ms":20}`), Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "ticks"}})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p, ok := pluginState(srv, "ticker")
		if !assert.True(c, ok) {
			return
		}
		found := false
		for _, l := range p.Log {
			found = found || (strings.Contains(l, "[DEBUG]") && strings.Contains(l, "tick"))
		}
		assert.True(c, found, "a tick debug line in %v", p.Log)
	}, 10*time.Second, 20*time.Millisecond)
}

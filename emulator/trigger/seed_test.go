package trigger_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// TestSeed_Triggers: bindings in a seed file run once their plugin is up;
// one whose config the plugin refuses says so in its state.
func TestSeed_Triggers(t *testing.T) {
	bucket := t.TempDir()
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"ironlocal_seed":1,
		"codes":[{"name":"csv","image":"x","command":"cat \"$PAYLOAD_FILE\"; :"}],
		"triggers":[
			{"name":"good","plugin":"upload","config":{"dir":`+quote(bucket)+`},"action":{"type":"task","code_name":"csv"}},
			{"name":"bad","plugin":"upload","config":{"folder":"/x"},"action":{"type":"task","code_name":"csv"}}
		]}`), 0o644))
	srv := start(t, server.Options{Seed: seed, PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")

	views := map[string]trigger.BindingView{}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		bs, err := srv.Triggers().Bindings(context.Background())
		if !assert.NoError(c, err) || !assert.Len(c, bs, 2) {
			return
		}
		for _, b := range bs {
			views[b.Name] = b
		}
		assert.Equal(c, trigger.StateRunning, views["good"].State)
		assert.NotEmpty(c, views["good"].Status)
		assert.True(c, strings.HasPrefix(views["bad"].State, "invalid config: "), views["bad"].State)
	}, 20*time.Second, 20*time.Millisecond)
	require.Contains(t, views["bad"].State, `dir: required; unknown field "folder"`)

	require.NoError(t, os.WriteFile(filepath.Join(bucket, "a.csv"), []byte("x"), 0o644))
	finishedTasks(t, srv, "csv", 1)
}

func TestSeed_TriggerWithBadAction(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	require.NoError(t, os.WriteFile(seed, []byte(`{"ironlocal_seed":1,
		"triggers":[{"name":"x","plugin":"upload","config":{},"action":{"type":"task"}}]}`), 0o644))
	_, err := server.Start(server.Options{Listen: "127.0.0.1:0", Ephemeral: true, Seed: seed, PluginsDirs: []string{}})
	require.Error(t, err)
	require.Contains(t, err.Error(), `triggers[0] ("x"): action.code_name is required`)
}

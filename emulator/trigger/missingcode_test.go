package trigger_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// A task action naming a code that does not exist is accepted (the code
// may be uploaded later) but its state says events will fail until then.
func TestBinding_MissingCodeWarns(t *testing.T) {
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	h, ctx := srv.Triggers(), context.Background()
	cfg, err := json.Marshal(map[string]string{"dir": t.TempDir()})
	require.NoError(t, err)

	v, err := h.CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload", Config: cfg,
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "later"}})
	require.NoError(t, err, "accepted: codes may be uploaded after the binding")
	const want = `code "later" does not exist yet; events will fail until it is uploaded`
	require.Equal(t, want, v.Warning)
	require.NotContains(t, v.State, "warning", "the state stays the run's, which callers compare")

	list, err := h.Bindings(ctx)
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.Equal(t, want, list[0].Warning, "the list says it too")

	shellCode(t, srv, "later", `:`)
	got, err := h.Binding(ctx, v.ID)
	require.NoError(t, err)
	require.Empty(t, got.Warning, "uploaded: no warning")

	msg, err := h.CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload", Config: cfg,
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q"}})
	require.NoError(t, err)
	require.Empty(t, msg.Warning, "a message action names no code")
}

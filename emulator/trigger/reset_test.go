package trigger_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// TestReset_StopsBindings_SnapshotBringsThemBack: a reset removes the
// bindings and stops their runs; importing a snapshot taken before brings
// them back running.
func TestReset_StopsBindings_SnapshotBringsThemBack(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "http")}}, "http")
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"path":"/x"}]}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "hits"}})
	require.NoError(t, err)
	addr := bindingRunning(t, srv, b.ID).StatusAttrs["address"]

	var snap bytes.Buffer
	require.NoError(t, srv.Control().ExportSnapshot(ctx, &snap, emulator.SnapshotOptions{}))
	require.NoError(t, srv.Control().Reset(ctx))
	bs, err := srv.Triggers().Bindings(ctx)
	require.NoError(t, err)
	require.Empty(t, bs)
	require.Eventually(t, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 20*time.Millisecond, "the binding's listener closed")

	require.NoError(t, srv.Control().ImportSnapshot(ctx, &snap))
	bindingRunning(t, srv, b.ID)
}

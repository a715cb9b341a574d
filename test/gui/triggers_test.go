package gui

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// Window coordinates of the Triggers screen at 1280×800.
const (
	navTriggersY             = 456
	bindingRowX, bindingRowY = 250, 142 // the first binding of the table
	traceEventX, traceEventY = 900, 160 // the newest traced event
)

// buildPlugins puts the upload and http plugins into dir/plugins, where
// the app next to them finds them.
func buildPlugins(t *testing.T, dir string) {
	t.Helper()
	require.NoError(t, os.Symlink(testbin.PluginsDirWith(t, "upload", "http"), filepath.Join(dir, "plugins")))
}

// screenshotsTriggers binds "*.csv dropped in a folder → run csv-import",
// "POST /orders → run order (sync)" and "any file in that folder → post
// its key to the audit queue", fires and replays events, and shoots the
// Triggers screen with the first binding's trace.
func screenshotsTriggers(t *testing.T, ctx context.Context, a *app, shot func(string)) {
	t.Helper()
	for _, nc := range []client.NewCode{
		{Name: "csv-import", Image: "acme/csv-import:1.0", Command: `echo "imported $(wc -c < "$PAYLOAD_FILE") bytes"`},
		{Name: "order", Image: "acme/order:3.2", Command: `echo '{"statusCode":201,"body":"accepted"}'`},
	} {
		_, err := a.c.RegisterCode(ctx, nc)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		ps, err := a.c.TriggerPlugins(ctx)
		running := 0
		for _, p := range ps {
			if p.State == "running" {
				running++
			}
		}
		return err == nil && running == 2
	}, waitLimit, 50*time.Millisecond, "the upload and http plugins run")
	bucket := t.TempDir()
	csv, err := a.c.CreateTrigger(ctx, client.NewTrigger{Name: "csv drop", Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(bucket) + `,"prefix":"in/","suffix":".csv","events":["created"]}`),
		Action: client.TriggerAction{Type: "task", CodeName: "csv-import", Priority: client.Ptr(1)}})
	require.NoError(t, err)
	_, err = a.c.CreateTrigger(ctx, client.NewTrigger{Name: "orders api", Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"POST","path":"/orders","mode":"sync"}]}`),
		Action: client.TriggerAction{Type: "task", CodeName: "order"}})
	require.NoError(t, err)
	audit, err := a.c.CreateTrigger(ctx, client.NewTrigger{Name: "audit", Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(bucket) + `}`),
		Action: client.TriggerAction{Type: "message", Queue: "audit", Template: `{"key": {{json (index .Payload.Records 0).s3.object.key}}}`}})
	require.NoError(t, err)
	// A binding reports its status once it watches the folder; files
	// dropped before that are, as on S3, no events of it.
	for _, id := range []string{csv.ID, audit.ID} {
		require.Eventually(t, func() bool {
			b, err := a.c.Trigger(ctx, id)
			return err == nil && b.State == "running" && b.Status != ""
		}, waitLimit, 50*time.Millisecond, "binding %s watches the bucket", id)
	}
	require.NoError(t, os.MkdirAll(filepath.Join(bucket, "in"), 0o755))
	for _, f := range []string{"in/customers.csv", "in/orders-2026-11.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(bucket, f), []byte("id,name\n1,ann\n"), 0o600))
	}
	fired, err := a.c.FireTrigger(ctx, csv.ID, "", nil)
	require.NoError(t, err)
	edited := `{"Records":[{"s3":{"object":{"key":"in/replayed.csv","size":12}}}]}`
	_, err = a.c.ReplayTriggerEvent(ctx, csv.ID, fired.ID, &edited)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		evs, err := a.c.TriggerEvents(ctx, csv.ID, 0)
		return err == nil && len(evs) >= 4
	}, waitLimit, 50*time.Millisecond, "the dropped files reach the trace")
	require.Eventually(t, func() bool {
		evs, err := a.c.TriggerEvents(ctx, audit.ID, 0)
		return err == nil && len(evs) >= 2
	}, waitLimit, 50*time.Millisecond, "the dropped files reach the audit trace")

	tmp := filepath.Join(t.TempDir(), "tmp.png")
	a.key(t, "Escape")
	a.click(t, navX, navTriggersY)
	a.capture(t, tmp)
	a.click(t, bindingRowX, bindingRowY) // csv drop
	a.capture(t, tmp)
	a.click(t, traceEventX, traceEventY) // the newest event, open for replay
	shot("triggers.png")
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

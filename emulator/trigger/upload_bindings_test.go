package trigger_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// matchedKeys waits until binding id's trace holds a matched plugin event
// for each of keys and returns those events by key.
func matchedKeys(t *testing.T, srv *server.Server, id string, keys ...string) map[string]emulator.TriggerEvent {
	t.Helper()
	var got map[string]emulator.TriggerEvent
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		evs, err := srv.Triggers().Events(context.Background(), id, 0)
		if !assert.NoError(c, err) {
			return
		}
		got = map[string]emulator.TriggerEvent{}
		for _, e := range evs {
			if e.Source == trigger.SourcePlugin && e.Type == "s3:ObjectCreated:Put" {
				assert.Equal(c, emulator.TriggerMatched, e.Outcome, "%s: %s", e.Attrs["key"], e.Reason)
				got[e.Attrs["key"]] = e
			}
		}
		for _, k := range keys {
			assert.Contains(c, got, k)
		}
	}, 20*time.Second, 20*time.Millisecond)
	return got
}

// TestUpload_TwoBindings: two bindings of the upload plugin, one queueing a
// task and one posting a templated message, each trace their own folder's
// files; on a folder they share, each gets every file.
func TestUpload_TwoBindings(t *testing.T) {
	ctx := context.Background()
	csvDir, auditDir := t.TempDir(), t.TempDir()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	shellCode(t, srv, "csv-import", `cat "$PAYLOAD_FILE"; :`)

	csv, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(csvDir) + `,"prefix":"in/","suffix":".csv","events":["created"]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "csv-import"}})
	require.NoError(t, err)
	audit, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quote(auditDir) + `,"events":["created"]}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "audit",
			Template: `{"key": {{json (index .Payload.Records 0).s3.object.key}}}`}})
	require.NoError(t, err)
	bindingRunning(t, srv, csv.ID)
	bindingRunning(t, srv, audit.ID)

	require.NoError(t, os.Mkdir(filepath.Join(csvDir, "in"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(csvDir, "in", "customers.csv"), []byte("id\n1\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(auditDir, "report.pdf"), []byte("%PDF"), 0o644))

	csvEvs := matchedKeys(t, srv, csv.ID, "in/customers.csv")
	tasks := finishedTasks(t, srv, "csv-import", 1)
	require.Equal(t, tasks[0].ID, csvEvs["in/customers.csv"].TaskID)
	auditEvs := matchedKeys(t, srv, audit.ID, "report.pdf")
	require.NotContains(t, auditEvs, "in/customers.csv", "a binding sees only its own folder")
	requireAuditMessage(t, srv, auditEvs["report.pdf"], "report.pdf")

	// Both bindings on the same folder: each traces every file.
	shared := t.TempDir()
	for _, id := range []string{csv.ID, audit.ID} {
		b, err := srv.Triggers().Binding(ctx, id)
		require.NoError(t, err)
		cfg := map[string]any{}
		require.NoError(t, json.Unmarshal(b.Config, &cfg))
		cfg["dir"] = shared
		raw, err := json.Marshal(cfg)
		require.NoError(t, err)
		_, err = srv.Triggers().UpdateBinding(ctx, id, trigger.BindingPatch{Config: raw})
		require.NoError(t, err)
		bindingRunning(t, srv, id)
	}
	require.NoError(t, os.Mkdir(filepath.Join(shared, "in"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(shared, "in", "orders.csv"), []byte("id\n2\n"), 0o644))

	csvEvs = matchedKeys(t, srv, csv.ID, "in/orders.csv")
	tasks = finishedTasks(t, srv, "csv-import", 2)
	require.Contains(t, taskLog(t, srv, csvEvs["in/orders.csv"].TaskID), "in/orders.csv")
	auditEvs = matchedKeys(t, srv, audit.ID, "in/orders.csv")
	requireAuditMessage(t, srv, auditEvs["in/orders.csv"], "in/orders.csv")
}

// requireAuditMessage checks the message ev posted to the audit queue is
// the template rendered for key.
func requireAuditMessage(t *testing.T, srv *server.Server, ev emulator.TriggerEvent, key string) {
	t.Helper()
	require.Len(t, ev.MessageIDs, 1)
	id, ok := emulator.ParseMessageID(ev.MessageIDs[0])
	require.True(t, ok, ev.MessageIDs[0])
	m, err := srv.MQ().GetMessage(context.Background(), project, "audit", id)
	require.NoError(t, err)
	require.JSONEq(t, `{"key":`+quote(key)+`}`, m.Body)
}

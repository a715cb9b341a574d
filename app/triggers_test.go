package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// triggerUI starts the UI against an emulator whose plugins dir holds the
// built-in upload plugin and waits until the screen shows it running.
func triggerUI(t *testing.T) *testUI {
	t.Helper()
	u := newTestUI(t, server.Options{PluginsDirs: []string{testbin.PluginsDirWith(t, "upload")}})
	u.locked(func() { u.showScreen(u.triggers) })
	u.eventually(t, "the upload plugin runs", func() bool {
		p, ok := u.triggers.pluginByName("upload")
		return ok && p.State == "running"
	})
	return u
}

// newBindingForm opens the New binding form with the upload plugin picked.
func newBindingForm(t *testing.T, u *testUI) *bindingDetail {
	t.Helper()
	var d *bindingDetail
	u.locked(func() {
		test.Tap(findButton(t, u.triggers.listBox, "New binding"))
		d = u.triggers.binding
		require.NotNil(t, d)
		require.Equal(t, "upload", d.plugin.Selected, "the only plugin is picked")
		require.NotNil(t, d.config, "the config form is generated from the schema")
	})
	return d
}

func TestTriggers_InvalidFormRefusedBeforeAnyRequest(t *testing.T) {
	u := triggerUI(t)
	d := newBindingForm(t, u)
	bucket := t.TempDir()
	for _, c := range []struct {
		fill func()
		want string
	}{
		{func() {}, "dir is required"},
		{func() { d.config.field("dir").entry.SetText(bucket); d.config.field("settle_ms").entry.SetText("soon") }, `settle_ms: "soon" is not a number`},
		{func() { d.config.field("settle_ms").entry.SetText("1.5") }, "settle_ms: \"1.5\" is not a whole number"},
		{func() { d.config.field("settle_ms").entry.SetText("70000") }, "settle_ms: 70000 is above the maximum 60000"},
		{func() { d.config.field("settle_ms").entry.SetText("10") }, "name the code to run"},
		{func() { d.code.SetText("csv"); d.delay.SetText("-3") }, `delay: "-3" is not a whole number of seconds`},
		{func() { d.delay.SetText(""); d.tmpl.SetText("{{.Payload") }, "template:"},
	} {
		var calls int64
		u.locked(func() {
			c.fill()
			before := u.calls.Load()
			test.Tap(d.save)
			calls = u.calls.Load() - before
			require.Contains(t, d.errLabel.Text, c.want)
			require.Contains(t, u.lastNotice(), c.want)
		})
		require.Zero(t, calls, "no call to ironlocal was started for %q", c.want)
	}
	bs, err := u.c.Triggers(context.Background())
	require.NoError(t, err)
	require.Empty(t, bs)
}

func TestTriggers_CreateFireReplay(t *testing.T) {
	u := triggerUI(t)
	u.registerEcho(t, "csv-import")
	ctx := context.Background()
	bucket := t.TempDir()

	d := newBindingForm(t, u)
	u.eventually(t, "the codes reach the form", func() bool { return len(d.codes) == 1 })
	u.locked(func() {
		// Every kind of generated field: string, integer, enum, array of enum.
		d.name.SetText("csv drop")
		d.config.field("dir").entry.SetText(bucket)
		d.config.field("prefix").entry.SetText("in/")
		d.config.field("suffix").entry.SetText(".csv")
		d.config.field("settle_ms").entry.SetText("20")
		d.config.field("format").sel.SetSelected("s3")
		d.config.field("events").checks.SetSelected([]string{"created"})
		d.code.SetText("csv-import")
		d.priority.SetSelected("1")
		test.Tap(d.save)
	})
	var id string
	u.eventually(t, "the binding is listed and open", func() bool {
		if len(u.triggers.bindings) != 1 || u.triggers.binding == nil {
			return false
		}
		id = u.triggers.bindings[0].ID
		return u.triggers.binding.id == id && u.triggers.bindings[0].State == "running"
	})
	b, err := u.c.Trigger(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "csv drop", b.Name)
	require.JSONEq(t, `{"dir":`+quoteJSON(bucket)+`,"prefix":"in/","suffix":".csv","settle_ms":20,"format":"s3","events":["created"]}`, string(b.Config))
	require.Equal(t, client.TriggerAction{Type: "task", CodeName: "csv-import", Priority: client.Ptr(1)}, b.Action)
	u.locked(func() {
		text, _ := u.triggers.cell(0, 2)
		require.Equal(t, "task for csv-import", text)
	})

	// Fire the plugin's first sample, as offered.
	d = u.triggers.binding
	u.locked(func() {
		require.Equal(t, "s3 put", d.sample.Selected)
		require.Contains(t, d.firePay.Text, `"key": "in/report+2026.csv"`)
		test.Tap(d.fire)
	})
	var fired client.TriggerEvent
	u.eventually(t, "the trace shows the outcome and the task", func() bool {
		if len(d.events) == 0 {
			return false
		}
		fired = d.events[0]
		return fired.Outcome == "matched" && fired.TaskID != "" && fired.Source == "fire"
	})
	u.eventually(t, "the bindings table shows the last outcome", func() bool {
		text, _ := u.triggers.cell(0, 5)
		return strings.Contains(text, "matched → task "+fired.TaskID)
	})

	// Replay it with an edited payload.
	u.locked(func() {
		d.trace.Select(0)
		require.True(t, strings.HasPrefix(d.replayPy.Text, "{"))
		d.replayPy.SetText(`{"edited": true}`)
		test.Tap(d.replay)
	})
	var replayed client.TriggerEvent
	u.eventually(t, "the replay is traced", func() bool {
		if len(d.events) < 2 {
			return false
		}
		replayed = d.events[0]
		return replayed.ReplayOf == fired.ID && replayed.TaskID != ""
	})
	task, err := u.c.Task(ctx, replayed.TaskID)
	require.NoError(t, err)
	require.Equal(t, `{"edited":true}`, task.Payload)

	// A real event: a file dropped in the bucket.
	require.NoError(t, os.MkdirAll(filepath.Join(bucket, "in"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(bucket, "in", "orders.csv"), []byte("a,b\n"), 0o600))
	u.eventually(t, "the plugin's event reaches the trace live", func() bool {
		return len(d.events) >= 3 && d.events[0].Source == "plugin" && d.events[0].Outcome == "matched"
	})
}

func TestTriggers_EditDisableDeleteAndServerMessage(t *testing.T) {
	u := triggerUI(t)
	ctx := context.Background()
	bucket := t.TempDir()
	b, err := u.c.CreateTrigger(ctx, client.NewTrigger{Name: "to queue", Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + quoteJSON(bucket) + `,"events":["removed"]}`),
		Action: client.TriggerAction{Type: "message", Queue: "uploads"}})
	require.NoError(t, err)
	u.eventually(t, "listed", func() bool { _, ok := u.triggers.bindingByID(b.ID); return ok })

	var d *bindingDetail
	u.locked(func() {
		u.triggers.openBinding(b.ID)
		d = u.triggers.binding
		require.Equal(t, bucket, d.config.field("dir").entry.Text, "the form shows the stored config")
		require.Equal(t, []string{"removed"}, d.config.field("events").checks.Selected)
		require.Equal(t, actionMessage, d.kind.Selected)
		require.Equal(t, "uploads", d.queue.Text)
		d.enabled.SetChecked(false)
		d.config.field("suffix").entry.SetText(".json")
		test.Tap(d.save)
	})
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		got, err := u.c.Trigger(ctx, b.ID)
		if assert.NoError(c, err) {
			assert.False(c, got.Enabled)
			assert.JSONEq(c, `{"dir":`+quoteJSON(bucket)+`,"events":["removed"],"suffix":".json"}`, string(got.Config))
		}
	}, waitFor, poll)
	u.eventually(t, "the table says disabled", func() bool {
		text, _ := u.triggers.cell(0, 3)
		return text == "no"
	})

	// A config the server refuses: its msg in a notice.
	u.locked(func() {
		d.config.field("dir").entry.SetText(filepath.Join(bucket, "missing", "dir"))
		d.enabled.SetChecked(true)
		test.Tap(d.save)
	})
	u.eventually(t, "the server's msg is shown", func() bool {
		n := u.lastNotice()
		return strings.Contains(n, "save the binding") && strings.Contains(n, filepath.Join("missing", "dir"))
	})
	got, err := u.c.Trigger(ctx, b.ID)
	require.NoError(t, err)
	require.False(t, got.Enabled, "the refused save changed nothing")

	u.locked(func() {
		test.Tap(d.del)
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "deleted and the pane closed", func() bool {
		return u.triggers.binding == nil && len(u.triggers.bindings) == 0
	})
	_, err = u.c.Trigger(ctx, b.ID)
	require.True(t, client.IsNotFound(err))
}

func TestTriggers_PluginStateAndLog(t *testing.T) {
	u := triggerUI(t)
	var pid int
	u.locked(func() {
		u.triggers.pluginList.Select(0)
		d := u.triggers.plugin
		require.NotNil(t, d)
		require.Contains(t, d.state.Text, "running")
		require.Contains(t, d.info.Text, "emits s3:ObjectCreated:Put")
		require.NotEmpty(t, d.log, "the plugin's log lines")
		p, _ := u.triggers.pluginByName("upload")
		pid = p.PID
	})
	require.Positive(t, pid)
	// The plugin dies (this test's emulator started it): the screen follows
	// the supervisor restarting it.
	proc, err := os.FindProcess(pid)
	require.NoError(t, err)
	require.NoError(t, proc.Kill())
	u.eventually(t, "restarted, and the pane says so", func() bool {
		p, ok := u.triggers.pluginByName("upload")
		return ok && p.State == "running" && p.PID != pid && p.Restarts == 1 &&
			strings.Contains(u.triggers.plugin.info.Text, "1 restart")
	})
}

func TestTriggers_PluginSummary(t *testing.T) {
	crashed := client.TriggerPlugin{Name: "upload", State: "crashed", Restarts: 2,
		Message: "crashed: signal: killed, restarting in 1s"}
	require.Equal(t, "crashed: signal: killed, restarting in 1s · 2 restarts", pluginSummary(crashed))
	require.Equal(t, widget.WarningImportance, pluginImportance("crashed"))
	failed := client.TriggerPlugin{Name: "bad", State: "failed", Error: "bad: not a plugin (handshake: timeout)"}
	require.Equal(t, "bad: not a plugin (handshake: timeout)", pluginSummary(failed))
	require.Equal(t, widget.DangerImportance, pluginImportance("failed"))
	require.Equal(t, "matched → task t1", outcomeLine(client.TriggerEvent{Outcome: "matched", TaskID: "t1"}))
	require.Equal(t, "filtered: suffix .csv", outcomeLine(client.TriggerEvent{Outcome: "filtered", Reason: "suffix .csv"}))
	require.Equal(t, "matched → message m1, m2", outcomeLine(client.TriggerEvent{Outcome: "matched", MessageIDs: []string{"m1", "m2"}}))
}

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

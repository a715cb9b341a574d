package trigger_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Bounds on what a binding may cost (issue 19 §1, §4): templates, bindings
// per project, event size.

// uploadBinding creates an upload binding posting to queue q with the given
// template.
func uploadBinding(t *testing.T, srv *server.Server, template string) (trigger.BindingView, error) {
	t.Helper()
	return srv.Triggers().CreateBinding(context.Background(), trigger.BindingInput{ProjectID: project, Plugin: "upload",
		Config: json.RawMessage(`{"dir":` + strconv.Quote(t.TempDir()) + `}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q", Template: template}})
}

func TestBounds_TemplateBombFailsTheEventNotTheDaemon(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	// Bombs only when the event asks: the same binding must go on working.
	b, err := uploadBinding(t, srv, `{{if .Payload.bomb}}{{range 30000000}}0123456789{{end}}`+
		`{{else if .Payload.spin}}{{range 1000000000000}}{{end}}{{else}}ok {{.Payload.n}}{{end}}`)
	require.NoError(t, err)

	fire := func(payload string) emulator.TriggerEvent {
		t.Helper()
		te, err := srv.Triggers().Fire(ctx, b.ID, trigger.Fire{EventType: "x", Payload: json.RawMessage(payload)})
		require.NoError(t, err)
		return te
	}
	big := fire(`{"bomb":true}`)
	require.Equal(t, emulator.TriggerFailed, big.Outcome)
	require.Contains(t, big.Reason, "over the 262144 byte limit")

	spin := fire(`{"spin":true}`)
	require.Equal(t, emulator.TriggerFailed, spin.Outcome)
	require.Contains(t, spin.Reason, "template ran too long")

	ok := fire(`{"n":1}`)
	require.Equal(t, emulator.TriggerMatched, ok.Outcome, ok.Reason)
	msgs, err := srv.MQ().Peek(ctx, project, "q", 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.Equal(t, "ok 1", msgs[0].Body)
}

func TestBounds_TemplateRefusedAtCreate(t *testing.T) {
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	for _, tmpl := range []string{
		`{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`,
		strings.Repeat("x", 16<<10+1),
		`{{range}}`,
	} {
		_, err := uploadBinding(t, srv, tmpl)
		require.ErrorIs(t, err, emulator.ErrInvalid)
		require.ErrorContains(t, err, "action.template")
	}
}

func TestBounds_BindingsPerProject(t *testing.T) {
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}, MaxBindings: 2}, "upload")
	for range 2 {
		_, err := uploadBinding(t, srv, "")
		require.NoError(t, err)
	}
	_, err := uploadBinding(t, srv, "")
	require.ErrorIs(t, err, emulator.ErrConflict)
	require.ErrorContains(t, err, "already has 2 trigger bindings")

	// Another project has its own count.
	_, err = srv.Triggers().CreateBinding(context.Background(), trigger.BindingInput{ProjectID: "000000000000000000000002",
		Plugin: "upload", Config: json.RawMessage(`{"dir":` + strconv.Quote(t.TempDir()) + `}`),
		Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q"}})
	require.NoError(t, err)
}

func TestBounds_OversizedEventIsTracedFailed(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "upload")}}, "upload")
	b, err := uploadBinding(t, srv, "")
	require.NoError(t, err)
	huge := `"` + strings.Repeat("x", sdk.MaxEventBytes) + `"`
	te, err := srv.Triggers().Fire(ctx, b.ID, trigger.Fire{EventType: "x", Payload: json.RawMessage(huge)})
	require.NoError(t, err)
	require.Equal(t, emulator.TriggerFailed, te.Outcome)
	require.Contains(t, te.Reason, "over the 6291456 byte event limit")
	require.Empty(t, te.Payload, "the trace keeps none of it")
}

package test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/stretchr/testify/require"
)

// StartDaemonWithPlugins starts ironlocald with the built-in plugins
// (--plugins-dir) and waits until every plugin runs.
func StartDaemonWithPlugins(t testing.TB, args ...string) *Daemon {
	t.Helper()
	d := StartDaemon(t, append([]string{"--plugins-dir", testbin.PluginsDir(t)}, args...)...)
	c := newAPIClient(d.URL)
	require.Eventually(t, func() bool {
		var list struct {
			Plugins []struct {
				State string `json:"state"`
			} `json:"plugins"`
		}
		status, err := c.do(context.Background(), http.MethodGet, "/_ironlocal/plugins", nil, &list)
		if err != nil || status != http.StatusOK || len(list.Plugins) < len(testbin.Builtins) {
			return false
		}
		for _, p := range list.Plugins {
			if p.State != "running" {
				return false
			}
		}
		return true
	}, 30*time.Second, 20*time.Millisecond, "the built-in plugins never all ran\n%s", d.Output())
	return d
}

// binding is what the control plane shows of a trigger binding.
type binding struct {
	ID          string            `json:"id"`
	Plugin      string            `json:"plugin"`
	State       string            `json:"state"`
	Status      string            `json:"status"`
	StatusAttrs map[string]string `json:"status_attrs"`
	Config      json.RawMessage   `json:"config"`
}

// createBinding posts a binding ({"project_id":…,"plugin":…,"config":…,
// "action":…} as raw JSON) and returns the status and the raw answer.
func createBinding(t *testing.T, d *Daemon, body string) (int, string) {
	t.Helper()
	return rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/triggers", "application/json", body,
		map[string]string{"Authorization": "OAuth " + testToken})
}

// mustCreateBinding creates a binding and returns its id.
func mustCreateBinding(t *testing.T, d *Daemon, body string) string {
	t.Helper()
	status, answer := createBinding(t, d, body)
	require.Equal(t, http.StatusCreated, status, answer)
	var b binding
	require.NoError(t, json.Unmarshal([]byte(answer), &b), answer)
	require.NotEmpty(t, b.ID, answer)
	return b.ID
}

// getBinding reads a binding as the control plane shows it.
func getBinding(t *testing.T, d *Daemon, id string) binding {
	t.Helper()
	var b binding
	status, err := newAPIClient(d.URL).do(context.Background(), http.MethodGet, "/_ironlocal/triggers/"+id, nil, &b)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	return b
}

// waitBindingRunning waits until the binding's plugin runs it and returns
// what the control plane then shows.
func waitBindingRunning(t *testing.T, d *Daemon, id string) binding {
	t.Helper()
	var b binding
	require.Eventually(t, func() bool {
		b = getBinding(t, d, id)
		return b.State == "running"
	}, 30*time.Second, 20*time.Millisecond, "binding %s never ran", id)
	return b
}

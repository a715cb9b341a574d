package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The built-in trigger plugins, built once per test binary into
// binDir/plugins: ironlocald finds plugins/ next to its own binary, so a
// daemon started by StartDaemonWithPlugins runs the real plugin binaries.

var (
	pluginsOnce sync.Once
	pluginsErr  error
)

// builtinPlugins are the commands under ./plugins that ship with ironlocald.
var builtinPlugins = []string{"upload", "http", "redis", "queue"}

// StartDaemonWithPlugins builds the built-in plugins (once), starts
// ironlocald beside them and waits until every plugin runs.
func StartDaemonWithPlugins(t testing.TB, args ...string) *Daemon {
	t.Helper()
	bin := daemonBinary(t)
	pluginsOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			pluginsErr = err
			return
		}
		args := []string{"build", "-o", filepath.Join(filepath.Dir(bin), "plugins") + string(filepath.Separator)}
		for _, p := range builtinPlugins {
			args = append(args, "./plugins/"+p)
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			pluginsErr = fmt.Errorf("go build the plugins: %w\n%s", err, b)
		}
	})
	if pluginsErr != nil {
		t.Fatal(pluginsErr)
	}
	d := StartDaemon(t, args...)
	c := newAPIClient(d.URL)
	require.Eventually(t, func() bool {
		var list struct {
			Plugins []struct {
				State string `json:"state"`
			} `json:"plugins"`
		}
		status, err := c.do(context.Background(), http.MethodGet, "/_ironlocal/plugins", nil, &list)
		if err != nil || status != http.StatusOK || len(list.Plugins) < len(builtinPlugins) {
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

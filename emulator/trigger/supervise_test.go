package trigger_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

func TestSupervisor_KilledPluginRestarts(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "http", "upload")}}, "http", "upload")
	shellCode(t, srv, "order", answer)
	b, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"POST","path":"/orders/{id}","mode":"sync"}]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "order"}})
	require.NoError(t, err)
	addr := bindingRunning(t, srv, b.ID).StatusAttrs["address"]
	resp, body := do(t, http.MethodPost, "http://"+addr+"/orders/1", "{}")
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)

	before := waitPlugin(t, srv, "http", trigger.StateRunning)
	other := waitPlugin(t, srv, "upload", trigger.StateRunning)
	require.NotZero(t, before.PID)
	sub := srv.Bus().Subscribe(1024)
	defer sub.Close()
	require.NoError(t, syscall.Kill(before.PID, syscall.SIGKILL))

	// The crash is reported with its reason and the backoff.
	var crashed string
	require.Eventually(t, func() bool {
		for {
			select {
			case ev := <-sub.C:
				if ev.Type == emulator.EventTriggerState && ev.Attrs["state"] == trigger.StateCrashed {
					crashed, _ = ev.Attrs["message"].(string)
					return true
				}
			default:
				return false
			}
		}
	}, 10*time.Second, 5*time.Millisecond)
	require.Contains(t, crashed, "crashed: signal: killed, restarting in")

	// The emulator kept answering, the other plugin never noticed.
	resp, body = do(t, http.MethodGet, srv.URL()+"/version", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	still, _ := pluginState(srv, "upload")
	require.Equal(t, other.PID, still.PID)
	require.Equal(t, trigger.StateRunning, still.State)

	// The plugin comes back and its binding fires again.
	after := waitPlugin(t, srv, "http", trigger.StateRunning)
	require.NotEqual(t, before.PID, after.PID)
	require.Equal(t, 1, after.Restarts)
	addr = bindingRunning(t, srv, b.ID).StatusAttrs["address"]
	resp, body = do(t, http.MethodPost, "http://"+addr+"/orders/2", "{}")
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	require.Equal(t, "order 2", body)
}

func TestSupervisor_BadBinaries(t *testing.T) {
	dir := pluginDir(t, "http")
	script := func(name, text string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), mode))
	}
	script("hello", "#!/bin/sh\necho hello\n", 0o755)
	script("sleeper", "#!/bin/sh\nexec sleep 30\n", 0o755)
	script("future", "#!/bin/sh\necho '1|2|tcp|127.0.0.1:1|grpc'\nexec sleep 30\n", 0o755)
	script("README.txt", "not executable, not a plugin\n", 0o644)

	began := time.Now()
	srv := start(t, server.Options{PluginsDirs: []string{dir}, PluginStartTimeout: time.Second}, "http")
	for _, tc := range []struct{ file, want string }{
		{"hello", "not a trigger plugin"},
		{"sleeper", "no handshake within the start timeout"},
		{"future", "speaks another trigger protocol version"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			st := waitPlugin(t, srv, tc.file, trigger.StateFailed)
			require.Contains(t, st.Error, filepath.Join(dir, tc.file), "the error names the file")
			require.Contains(t, st.Error, tc.want)
		})
	}
	require.Less(t, time.Since(began), 15*time.Second, "bad binaries never hang the host")
	for _, p := range srv.Triggers().Plugins() {
		require.False(t, strings.HasSuffix(p.Path, "README.txt"), "files without an execute bit are not plugins")
	}
	// The good plugin serves bindings all along.
	shellCode(t, srv, "order", answer)
	_, err := srv.Triggers().CreateBinding(context.Background(), trigger.BindingInput{ProjectID: project, Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"path":"/x"}]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "order"}})
	require.NoError(t, err)
	_, err = srv.Triggers().CreateBinding(context.Background(), trigger.BindingInput{ProjectID: project, Plugin: "nope",
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "order"}})
	require.ErrorIs(t, err, emulator.ErrInvalid)
	require.Contains(t, err.Error(), `no trigger plugin named "nope"`)
}

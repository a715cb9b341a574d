package trigger_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

const project = "000000000000000000000001"

// pluginDir returns a fresh plugins dir holding the named plugins (the
// built-ins, or the SDK's example "ticker").
func pluginDir(t *testing.T, names ...string) string {
	t.Helper()
	return testbin.PluginsDirWith(t, names...)
}

// start runs an emulator on the process runtime with the plugins in dirs
// and waits until every plugin named in ready runs.
func start(t *testing.T, opts server.Options, ready ...string) *server.Server {
	t.Helper()
	opts.Runtime = "process"
	srv := server.RunT(t, opts)
	for _, name := range ready {
		waitPlugin(t, srv, name, trigger.StateRunning)
	}
	return srv
}

func pluginState(srv *server.Server, name string) (trigger.PluginState, bool) {
	for _, p := range srv.Triggers().Plugins() {
		if p.Name == name || filepath.Base(p.Path) == name {
			return p, true
		}
	}
	return trigger.PluginState{}, false
}

func waitPlugin(t *testing.T, srv *server.Server, name, state string) trigger.PluginState {
	t.Helper()
	var got trigger.PluginState
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		p, ok := pluginState(srv, name)
		if assert.True(c, ok, "plugin %s discovered", name) {
			assert.Equal(c, state, p.State, "plugin %s: %s %s", name, p.Message, p.Error)
		}
		got = p
	}, 20*time.Second, 20*time.Millisecond)
	return got
}

// shellCode registers a process-runtime code package running command.
func shellCode(t *testing.T, srv *server.Server, name, command string) {
	t.Helper()
	_, err := srv.Worker().UploadCode(context.Background(), project, worker.CodeUpload{Name: name,
		Image: "ironlocal/none", Command: command})
	require.NoError(t, err)
}

// finishedTask waits until a task for code has finished and returns it.
func finishedTasks(t *testing.T, srv *server.Server, code string, n int) []emulator.Task {
	t.Helper()
	var tasks []emulator.Task
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		all, err := srv.Worker().ListTasks(context.Background(), project, emulator.TaskFilter{CodeName: code}, 0, 100)
		if !assert.NoError(c, err) {
			return
		}
		tasks = tasks[:0]
		for _, tk := range all {
			if tk.Status.Terminal() {
				tasks = append(tasks, tk)
			}
		}
		assert.GreaterOrEqual(c, len(tasks), n)
	}, 20*time.Second, 20*time.Millisecond)
	return tasks
}

func taskLog(t *testing.T, srv *server.Server, id string) string {
	t.Helper()
	out, err := srv.Worker().Log(context.Background(), project, id, true)
	require.NoError(t, err)
	return string(out)
}

package server_test

import (
	"net/http"
	"net/rpc"
	"net/rpc/jsonrpc"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/dockertest"
)

// Debug tasks, end to end: a real Delve in a FROM-scratch task container,
// driven over its JSON-RPC API (the protocol editors speak to a headless
// dlv) by net/rpc's JSON-RPC client: the task pauses at a breakpoint,
// outlives its timeout while paused, and finishes when let go.

// Delve's JSON-RPC 2 API, the parts the test uses (service/rpc2, service/api).
type (
	dlvBreakpoint struct {
		ID           int    `json:"id,omitempty"`
		FunctionName string `json:"functionName,omitempty"`
	}
	dlvCreateBreakpointIn struct{ Breakpoint dlvBreakpoint }
	dlvCommand            struct {
		Name string `json:"name"`
	}
	dlvState struct {
		Exited        bool `json:"exited"`
		ExitStatus    int  `json:"exitStatus"`
		CurrentThread *struct {
			Function *struct {
				Name string `json:"name"`
			} `json:"function"`
			Breakpoint *dlvBreakpoint `json:"breakPoint"`
		} `json:"currentThread"`
	}
	dlvCommandOut struct{ State dlvState }
	dlvDetachIn   struct{ Kill bool }
)

// debugCode is the code of the debug fixture: Delve starts the worker and
// waits for a client on the port ironlocal gives it (host network) or on
// the code's debug_port (a network of its own, published on 127.0.0.1).
func debugCode(listen string) map[string]any {
	return map[string]any{
		"image":         dockertest.DebugImage,
		"debug_port":    2345,
		"debug_command": "/dlv exec --headless --api-version=2 --accept-multiclient --listen=" + listen + " /worker --",
	}
}

func TestDocker_debugTask(t *testing.T) {
	dockertest.BuildDebugImage(t)
	for _, tc := range []struct{ name, network, listen string }{
		{"host network: a free host port", "", "127.0.0.1:$(DEBUG_PORT)"},
		{"own network: the debug port published", "bridge", ":2345"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newE2E(t, e2eRuntimes[0], server.Options{Runtime: "docker", DockerNetwork: tc.network}, debugCode(tc.listen))
			e.code(t, "debuggee", nil)
			id := e.queue(t, "debuggee", map[string]any{"message": "debugged"}, map[string]any{"debug": true, "timeout": 1})

			task := waitDebugAddress(t, e, id)
			require.True(t, task.Debug)
			dlv := dialDelve(t, task.DebugAddress)

			var bp struct{ Breakpoint dlvBreakpoint }
			require.NoError(t, dlv.Call("RPCServer.CreateBreakpoint", dlvCreateBreakpointIn{dlvBreakpoint{FunctionName: "main.run"}}, &bp))
			var out dlvCommandOut
			require.NoError(t, dlv.Call("RPCServer.Command", dlvCommand{Name: "continue"}, &out))
			require.False(t, out.State.Exited)
			require.NotNil(t, out.State.CurrentThread)
			require.NotNil(t, out.State.CurrentThread.Breakpoint, "stopped, but not at a breakpoint")
			require.Equal(t, bp.Breakpoint.ID, out.State.CurrentThread.Breakpoint.ID)
			require.Equal(t, "main.run", out.State.CurrentThread.Function.Name)

			// Paused past its 1 s timeout, the task still runs.
			time.Sleep(1500 * time.Millisecond)
			require.Equal(t, "running", e.task(t, id).Status)

			require.NoError(t, dlv.Call("RPCServer.Command", dlvCommand{Name: "continue"}, &out))
			require.True(t, out.State.Exited)
			require.Equal(t, 0, out.State.ExitStatus)
			_ = dlv.Call("RPCServer.Detach", dlvDetachIn{Kill: true}, &struct{}{})
			done := e.waitStatus(t, id, "complete")
			require.Empty(t, done.DebugAddress, "the debugger went with the task")
			require.Contains(t, e.log(t, id), "debugged")

			// Debug again: the same run, in debug mode, naming the first.
			var again struct {
				Tasks []struct{ ID string } `json:"tasks"`
			}
			e.call(t, http.MethodPost, "/_ironlocal/tasks/"+e2eProject+"/"+id+"/debug", nil, &again)
			require.Len(t, again.Tasks, 1)
			rerun := waitDebugAddress(t, e, again.Tasks[0].ID)
			require.Equal(t, "debug", rerun.Source)
			require.Equal(t, id, rerun.SourceID)
			require.Equal(t, task.Payload, rerun.Payload)
			dlv = dialDelve(t, rerun.DebugAddress)
			require.NoError(t, dlv.Call("RPCServer.Command", dlvCommand{Name: "continue"}, &out))
			require.True(t, out.State.Exited)
			_ = dlv.Call("RPCServer.Detach", dlvDetachIn{Kill: true}, &struct{}{})
			e.waitStatus(t, rerun.ID, "complete")
			require.Contains(t, e.log(t, rerun.ID), "debugged")
		})
	}
}

// waitDebugAddress waits until the debug task says where its debugger
// listens.
func waitDebugAddress(t *testing.T, e *e2e, id string) e2eTask {
	t.Helper()
	var task e2eTask
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		task = e.task(c, id)
		assert.NotEmpty(c, task.DebugAddress, "status %s: %s", task.Status, task.Msg)
	}, e2eWait, 20*time.Millisecond)
	return task
}

// dialDelve connects a JSON-RPC client to a headless Delve, retrying while
// it starts listening (a published port accepts, then resets, until then).
func dialDelve(t *testing.T, addr string) *rpc.Client {
	t.Helper()
	var c *rpc.Client
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var err error
		if c, err = jsonrpc.Dial("tcp", addr); err == nil {
			var version struct{ DelveVersion string }
			if err = c.Call("RPCServer.GetVersion", struct{}{}, &version); err != nil {
				_ = c.Close()
			}
		}
		assert.NoError(ct, err)
	}, e2eWait, 50*time.Millisecond)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

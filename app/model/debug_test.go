package model

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

func TestDebugLanguageOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		command string
		port    int
		want    DebugLanguage
	}{
		{"delve", "/dlv exec --headless --listen=127.0.0.1:$(DEBUG_PORT) /worker --", 0, DebugGo},
		{"node --inspect-brk", "node --inspect-brk=127.0.0.1:$(DEBUG_PORT) /mnt/task/worker.js", 0, DebugNode},
		{"--inspect alone", "/usr/bin/nodejs18 --inspect=9230 w.js", 0, DebugNode},
		{"debugpy", "python3 -m debugpy --listen 127.0.0.1:$(DEBUG_PORT) --wait-for-client w.py", 0, DebugPython},
		{"jdwp", "java -agentlib:jdwp=transport=dt_socket,server=y,address=127.0.0.1:$(DEBUG_PORT) -jar w.jar", 0, DebugJava},
		{"the command wins over the port", "/dlv exec /w", 9229, DebugGo},
		{"upper case", "/DLV exec /w", 0, DebugGo},
		{"port 2345", "/start-debugger", 2345, DebugGo},
		{"port 9229", "/start-debugger", 9229, DebugNode},
		{"port 5678", "", 5678, DebugPython},
		{"port 5005", "", 5005, DebugJava},
		{"unknown", "sh -c 'sleep 3 # $(DEBUG_PORT)'", 4000, ""},
		{"nothing set", "", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DebugLanguageOf(tc.command, tc.port); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLaunchJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		lang DebugLanguage
		addr string
		want string // compact
	}{
		{"go", DebugGo, "127.0.0.1:41233",
			`{"name":"ironlocal task","type":"go","request":"attach","mode":"remote","host":"127.0.0.1","port":41233}`},
		{"node", DebugNode, "127.0.0.1:9229",
			`{"type":"node","request":"attach","name":"ironlocal task","address":"127.0.0.1","port":9229,"localRoot":"${workspaceFolder}","remoteRoot":"/mnt/task"}`},
		{"python", DebugPython, "127.0.0.1:5678",
			`{"type":"debugpy","request":"attach","name":"ironlocal task","connect":{"host":"127.0.0.1","port":5678},"pathMappings":[{"localRoot":"${workspaceFolder}","remoteRoot":"/mnt/task"}]}`},
		{"ipv6 host", DebugGo, `[::1]:7`,
			`{"name":"ironlocal task","type":"go","request":"attach","mode":"remote","host":"::1","port":7}`},
		{"java", DebugJava, "127.0.0.1:5005",
			`{"type":"java","request":"attach","name":"ironlocal task","hostName":"127.0.0.1","port":5005}`},
		{"unknown language", "", "127.0.0.1:5005", ""},
		{"no port", DebugGo, "127.0.0.1", ""},
		{"bad port", DebugGo, "127.0.0.1:x", ""},
		{"empty address", DebugGo, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := LaunchJSON(tc.lang, tc.addr)
			if tc.want == "" {
				require.Empty(t, got)
				return
			}
			require.NotContains(t, got, "\n", "one line, wrapped by the pane")
			require.Contains(t, got, `{"`)
			require.Contains(t, got, `", "`, "spaced as written by hand")
			require.Contains(t, got, `": `)
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, []byte(got)), got)
			require.Equal(t, tc.want, compact.String(), "the documented entry, keys in its order")
		})
	}
}

func TestFoldTaskEvent_debug(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	task := client.Task{ID: "t1", Status: client.TaskRunning, Debug: true}
	FoldTaskEvent(&task, client.Event{Type: "task.debugging", TaskID: "t1", At: at,
		Attrs: map[string]any{"address": "127.0.0.1:41233"}})
	require.Equal(t, "127.0.0.1:41233", task.DebugAddress)
	require.True(t, task.Debug)

	FoldTaskEvent(&task, client.Event{Type: "task.finished", TaskID: "t1", At: at.Add(time.Second),
		Attrs: map[string]any{"status": "complete"}})
	require.Empty(t, task.DebugAddress, "the debugger ends with the task")
	require.True(t, task.Debug, "still a debug task")

	FoldTaskEvent(&task, client.Event{Type: "task.debugging", TaskID: "t1", At: at,
		Attrs: map[string]any{"address": "127.0.0.1:41233"}})
	require.Empty(t, task.DebugAddress, "an ended task (read after the event) gets no address")

	opened := client.Task{ID: "t2"} // a pane opened on an id not read yet
	FoldTaskEvent(&opened, client.Event{Type: "task.debugging", TaskID: "t2", Attrs: map[string]any{"address": "127.0.0.1:1"}})
	require.Equal(t, "127.0.0.1:1", opened.DebugAddress)
}

func TestDebugText(t *testing.T) {
	for _, tc := range []struct {
		name string
		task client.Task
		want string
	}{
		{"not a debug task", client.Task{Status: client.TaskRunning}, ""},
		{"queued", client.Task{Debug: true, Status: client.TaskQueued}, "the debugger's address shows here once it listens"},
		{"starting", client.Task{Debug: true, Status: client.TaskRunning}, "waiting for its debugger"},
		{"listening", client.Task{Debug: true, Status: client.TaskRunning, DebugAddress: "127.0.0.1:41233"},
			"Debugger listening on 127.0.0.1:41233"},
		{"ended", client.Task{Debug: true, Status: client.TaskComplete}, "its debugger is gone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := DebugText(tc.task)
			if tc.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, tc.want)
		})
	}
}

func TestTaskStatusLine(t *testing.T) {
	require.Equal(t, "running · debug · code hello · priority 1 · stopped",
		TaskStatusLine(client.Task{Status: client.TaskRunning, Debug: true, CodeName: "hello", Priority: 1, Msg: "stopped"}))
	require.Equal(t, "queued · code hello · priority 0", TaskStatusLine(client.Task{Status: client.TaskQueued, CodeName: "hello"}))
}

func TestKeepDebugAddress(t *testing.T) {
	listening := client.Task{ID: "t", Status: client.TaskRunning, Debug: true, DebugAddress: "127.0.0.1:41233"}
	for _, tc := range []struct {
		name  string
		old   client.Task
		newer client.Task
		want  string
	}{
		{"a read older than the event keeps it", listening, client.Task{ID: "t", Status: client.TaskRunning}, "127.0.0.1:41233"},
		{"a read with an address wins", listening, client.Task{ID: "t", Status: client.TaskRunning, DebugAddress: "127.0.0.1:2"}, "127.0.0.1:2"},
		{"ended: gone", listening, client.Task{ID: "t", Status: client.TaskComplete}, ""},
		{"another task", listening, client.Task{ID: "u", Status: client.TaskRunning}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, KeepDebugAddress(tc.old, tc.newer).DebugAddress)
		})
	}
}

func TestParseDebugPort(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		err  string
	}{
		{"", 0, ""}, {" 2345 ", 2345, ""}, {"0", 0, ""}, {"65535", 65535, ""},
		{"65536", 0, "must be a TCP port"}, {"-1", 0, "must be a TCP port"}, {"dlv", 0, "whole number"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseDebugPort(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			if got > 0 {
				require.Equal(t, strings.TrimSpace(tc.in), FormatDebugPort(got))
			}
		})
	}
	require.Empty(t, FormatDebugPort(0))
}

func TestSpaced(t *testing.T) {
	in := `{"a":"x:y, \"z\": 1","b":[1,2],"c":{"d":"\\"}}`
	want := `{"a": "x:y, \"z\": 1", "b": [1, 2], "c": {"d": "\\"}}`
	require.Equal(t, want, spaced([]byte(in)), "blanks outside strings only")
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

const cliProject = "000000000000000000000001"

// cliAgainst runs `ironlocald ARGS… --url srv` in-process.
func cliAgainst(srv *server.Server) func(args ...string) (int, string, string) {
	return func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code, ok := runCommand(append(args, "--url", srv.URL()), &stdout, &stderr)
		if !ok {
			return -1, stdout.String(), "not a command"
		}
		return code, stdout.String(), stderr.String()
	}
}

func TestCLI_Control(t *testing.T) {
	srv := server.RunT(t, server.Options{VirtualClock: true, Runtime: "process", SnapshotDir: t.TempDir()})
	cli := cliAgainst(srv)
	ctx := context.Background()

	t.Run("reset", func(t *testing.T) {
		_, err := srv.MQ().PostMessages(ctx, cliProject, "gone", []mq.NewMessage{{Body: "x"}})
		require.NoError(t, err)
		code, stdout, stderr := cli("reset")
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, "reset: ironlocal is empty\n", stdout)
		_, err = srv.MQ().GetQueue(ctx, cliProject, "gone")
		assert.ErrorIs(t, err, emulator.ErrNotFound)

		code, stdout, _ = cli("reset", "--json")
		require.Equal(t, 0, code)
		assert.JSONEq(t, `{"msg":"Reset"}`, stdout)
	})

	t.Run("clock", func(t *testing.T) {
		before := srv.VirtualClock().Now()
		code, stdout, stderr := cli("clock", "advance", "1h")
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, time.Hour, srv.VirtualClock().Now().Sub(before))
		assert.Contains(t, stdout, "(virtual clock)")

		code, stdout, stderr = cli("clock", "now", "--json")
		require.Equal(t, 0, code, stderr)
		var ck struct {
			Now     time.Time `json:"now"`
			Virtual bool      `json:"virtual"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &ck))
		assert.True(t, ck.Virtual)
		assert.True(t, ck.Now.Equal(before.Add(time.Hour)), "got %v, want %v", ck.Now, before.Add(time.Hour))

		to := before.Add(3 * time.Hour).UTC()
		code, _, stderr = cli("clock", "set", to.Format(time.RFC3339Nano))
		require.Equal(t, 0, code, stderr)
		assert.True(t, srv.VirtualClock().Now().Equal(to))

		code, _, stderr = cli("clock", "set", before.UTC().Format(time.RFC3339Nano))
		assert.Equal(t, 1, code, "backwards is refused")
		assert.Contains(t, stderr, "POST /_ironlocal/clock: 400")

		code, _, stderr = cli("clock", "advance", "soon")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, `"soon" is not a duration`)
	})

	t.Run("faults", func(t *testing.T) {
		code, stdout, stderr := cli("faults", "add", "--service", "mq", "--resource", "jobs", "--method", "POST", "--status", "503", "--times", "2")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "mq POST jobs → 503, 2 times")

		code, stdout, stderr = cli("faults", "list", "--json")
		require.Equal(t, 0, code, stderr)
		var list struct {
			Faults []struct {
				ID     string `json:"id"`
				Status int    `json:"status"`
			} `json:"faults"`
		}
		require.NoError(t, json.Unmarshal([]byte(stdout), &list))
		require.Len(t, list.Faults, 1)
		assert.Equal(t, 503, list.Faults[0].Status)
		id := list.Faults[0].ID

		code, stdout, _ = cli("faults", "list")
		require.Equal(t, 0, code)
		assert.Contains(t, stdout, id+"  mq POST jobs → 503, 2 times  (0 hits)")

		code, stdout, _ = cli("faults", "rm", id)
		require.Equal(t, 0, code)
		assert.Equal(t, "removed fault "+id+"\n", stdout)
		code, _, stderr = cli("faults", "rm", id)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "DELETE /_ironlocal/faults/"+id+": 404")

		code, _, _ = cli("faults", "add", "--latency", "1ms")
		require.Equal(t, 0, code)
		code, stdout, _ = cli("faults", "clear")
		require.Equal(t, 0, code)
		assert.Equal(t, "faults cleared\n", stdout)
		code, stdout, _ = cli("faults", "list")
		require.Equal(t, 0, code)
		assert.Equal(t, "no faults\n", stdout)

		code, _, stderr = cli("faults", "add", "--service", "mq")
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, "give --status or --latency")
	})

	t.Run("snapshot", func(t *testing.T) {
		_, err := srv.MQ().PostMessages(ctx, cliProject, "keep", []mq.NewMessage{{Body: "x"}})
		require.NoError(t, err)
		file := filepath.Join(t.TempDir(), "state.snapshot")
		code, stdout, stderr := cli("snapshot", "download", file)
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "downloaded snapshot to "+file)
		require.FileExists(t, file)

		code, _, stderr = cli("reset")
		require.Equal(t, 0, code, stderr)
		code, stdout, stderr = cli("snapshot", "load", file)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, "loaded snapshot "+file+"\n", stdout)
		q, err := srv.MQ().GetQueue(ctx, cliProject, "keep")
		require.NoError(t, err)
		assert.EqualValues(t, 1, q.Size)

		code, stdout, stderr = cli("snapshot", "save", "s1", "--json")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, `"name": "s1"`)
		code, _, stderr = cli("snapshot", "save", "s1")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "409")
		code, stdout, stderr = cli("snapshot", "save", "--overwrite", "s1")
		require.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "saved snapshot s1 (")

		bad := filepath.Join(t.TempDir(), "bad")
		require.NoError(t, os.WriteFile(bad, []byte("not a snapshot"), 0o600))
		code, _, stderr = cli("snapshot", "load", bad)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "PUT /_ironlocal/snapshot: 400")

		code, _, _ = cli("snapshot", "save")
		assert.Equal(t, 2, code, "NAME is missing")
	})

	t.Run("seed load", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "seed.json")
		require.NoError(t, os.WriteFile(file, []byte(`{"ironlocal_seed":1,"project_id":"`+cliProject+`",
			"queues":[{"name":"seeded","messages":[{"body":"one"},{"body":"two"}]}],
			"caches":[{"name":"conf","items":[{"key":"k","value":"v"}]}]}`), 0o600))
		code, stdout, stderr := cli("seed", "load", file)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, "loaded "+file+"\n", stdout)
		q, err := srv.MQ().GetQueue(ctx, cliProject, "seeded")
		require.NoError(t, err)
		assert.EqualValues(t, 2, q.Size)

		// Loaded on top: a second load adds the messages again.
		code, _, stderr = cli("seed", "load", file, "--json")
		require.Equal(t, 0, code, stderr)
		q, err = srv.MQ().GetQueue(ctx, cliProject, "seeded")
		require.NoError(t, err)
		assert.EqualValues(t, 4, q.Size)

		// A bad seed loads nothing and says where it is wrong.
		bad := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(bad, []byte(`{"ironlocal_seed":1,"project_id":"`+cliProject+`",
			"queues":[{"name":"half"}],"caches":[{"name":"c","items":[{"key":"","value":"v"}]}]}`), 0o600))
		code, _, stderr = cli("seed", "load", bad)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "400")
		assert.Contains(t, stderr, "caches[0]")
		_, err = srv.MQ().GetQueue(ctx, cliProject, "half")
		assert.ErrorIs(t, err, emulator.ErrNotFound, "the dry run failed: nothing loaded")
	})
}

// TestCLI_TaskDebug: `task debug` queues a debug task and prints where its
// debugger listens; `--again` re-runs a task in debug mode.
func TestCLI_TaskDebug(t *testing.T) {
	testtool.Need(t, "sh")
	srv := server.RunT(t, server.Options{Runtime: "process"})
	cli := cliAgainst(srv)
	ctx := context.Background()
	debugCommand := "sh -c 'sleep 1 # a debugger would listen on 127.0.0.1:$(DEBUG_PORT)'"
	_, err := srv.Worker().UploadCode(ctx, cliProject, worker.CodeUpload{Name: "dbg", Image: "unused", Command: "true",
		DebugCommand: &debugCommand})
	require.NoError(t, err)

	code, stdout, stderr := cli("task", "debug", "dbg", "--payload", "p1")
	require.Equal(t, 0, code, stderr)
	assert.Regexp(t, `^task [0-9a-f]{24}: debugger at 127\.0\.0\.1:\d+ `, stdout)
	id := strings.Fields(stdout)[1]
	id = strings.TrimSuffix(id, ":")

	code, stdout, stderr = cli("task", "debug", "--again", id, "--json")
	require.Equal(t, 0, code, stderr)
	var again struct {
		ID, Source, Payload string
		SourceID            string `json:"source_id"`
		DebugAddress        string `json:"debug_address"`
		Debug               bool
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &again))
	assert.Equal(t, "debug", again.Source)
	assert.Equal(t, id, again.SourceID)
	assert.Equal(t, "p1", again.Payload)
	assert.True(t, again.Debug)
	assert.Contains(t, again.DebugAddress, "127.0.0.1:")

	code, _, _ = cli("task", "debug")
	assert.Equal(t, 2, code, "a code or --again is required")
	_, err = srv.Worker().UploadCode(ctx, cliProject, worker.CodeUpload{Name: "nodebug", Image: "unused", Command: "true"})
	require.NoError(t, err)
	code, _, stderr = cli("task", "debug", "nodebug")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no debug_port")
}

func TestCLI_TasksAndQueue(t *testing.T) {
	srv := server.RunT(t, server.Options{Runtime: "process"})
	cli := cliAgainst(srv)
	ctx := context.Background()
	paused := -1 // tasks of a paused code stay queued
	_, err := srv.Worker().UploadCode(ctx, cliProject, worker.CodeUpload{Name: "slow", Image: "x", Command: "true", MaxConcurrency: &paused})
	require.NoError(t, err)
	var ids []string
	for range 2 {
		id, err := srv.Worker().QueueTask(ctx, cliProject, "slow", "{}")
		require.NoError(t, err)
		ids = append(ids, id)
	}

	code, _, stderr := cli("wait-idle", "--timeout", "50ms")
	assert.Equal(t, 1, code, "queued tasks keep it busy")
	assert.Contains(t, stderr, "408")

	code, stdout, stderr := cli("tasks", "cancel", "--status", "queued", "--dry-run", "--json")
	require.Equal(t, 0, code, stderr)
	assert.JSONEq(t, `{"matched":2,"eligible":2,"done":0,"remaining":0,"dry_run":true}`, stdout)
	for _, id := range ids {
		tk, err := srv.Worker().GetTask(ctx, cliProject, id)
		require.NoError(t, err)
		assert.Equal(t, emulator.TaskQueued, tk.Status, "a dry run changes nothing")
	}

	code, stdout, stderr = cli("tasks", "cancel", "--status", "queued,running", "--code", "slow")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "cancelled 2 tasks (2 matched)\n", stdout)
	for _, id := range ids {
		tk, err := srv.Worker().GetTask(ctx, cliProject, id)
		require.NoError(t, err)
		assert.Equal(t, emulator.TaskCancelled, tk.Status)
	}

	code, stdout, stderr = cli("tasks", "retry", "--status", "cancelled")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "retried 0 tasks (2 matched)\n", stdout, "cancelled tasks are not retried")

	code, _, stderr = cli("tasks", "retry", "--status", "bogus")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "POST /_ironlocal/tasks/"+cliProject+"/bulk: 400")

	code, stdout, stderr = cli("wait-idle", "--timeout", "5s", "--push", "settled")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "idle\n", stdout)
	code, _, _ = cli("wait-idle", "--push", "sometimes")
	assert.Equal(t, 2, code)

	t.Run("queue redrive", func(t *testing.T) {
		mids, err := srv.MQ().PostMessages(ctx, cliProject, "dlq", []mq.NewMessage{{Body: "a"}, {Body: "b"}, {Body: "c"}})
		require.NoError(t, err)
		code, stdout, stderr := cli("queue", "redrive", "dlq", "--to", "jobs", "--ids", mids[0].String()+","+mids[1].String())
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, "moved 2 messages from dlq to jobs\n", stdout)
		q, err := srv.MQ().GetQueue(ctx, cliProject, "jobs")
		require.NoError(t, err)
		assert.EqualValues(t, 2, q.Size)

		code, stdout, stderr = cli("queue", "redrive", "--json", "--to", "jobs", "dlq", "--max", "5")
		require.Equal(t, 0, code, stderr)
		assert.JSONEq(t, `{"moved":1,"to":"jobs"}`, stdout)

		code, _, stderr = cli("queue", "redrive", "nowhere")
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "/redrive: 4")

		code, _, _ = cli("queue", "redrive")
		assert.Equal(t, 2, code)
	})
}

func TestCLI_UsageAndHelp(t *testing.T) {
	run := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code, ok := runCommand(args, &stdout, &stderr)
		require.True(t, ok, "%v is a command", args)
		return code, stdout.String(), stderr.String()
	}
	code, stdout, _ := run("help")
	require.Equal(t, 0, code)
	for _, want := range []string{"reset", "snapshot download FILE", "clock advance DURATION", "wait-idle",
		"faults add", "tasks cancel", "queue redrive QUEUE", "trigger fire", "completion bash|zsh|fish", "exec"} {
		assert.Contains(t, stdout, want)
	}
	code, stdout, _ = run("help", "tasks")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "tasks retry")

	code, stdout, _ = run("tasks", "cancel", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "-dry-run")

	code, _, stderr := run("clock", "rewind")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `unknown command "rewind"`)
	code, _, stderr = run("faults")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "faults rm ID")
	code, _, _ = run("reset", "--bogus")
	assert.Equal(t, 2, code)
	code, _, _ = run("reset", "extra")
	assert.Equal(t, 2, code)

	_, ok := runCommand([]string{"--listen", ":0"}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.False(t, ok, "daemon flags are not a command")
	assert.Contains(t, subcommandNames(), "wait-idle")
}

func TestCLI_Completion(t *testing.T) {
	script := func(shell string) string {
		var stdout, stderr bytes.Buffer
		code, _ := runCommand([]string{"completion", shell}, &stdout, &stderr)
		require.Equal(t, 0, code, stderr.String())
		return stdout.String()
	}
	for _, shell := range []string{"zsh", "fish"} {
		s := script(shell)
		assert.Contains(t, s, "--dry-run", shell)
		assert.Contains(t, s, "snapshot save", shell)
	}
	var stderr bytes.Buffer
	code, _ := runCommand([]string{"completion", "tcsh"}, &bytes.Buffer{}, &stderr)
	assert.Equal(t, 2, code)

	bash := testtool.Need(t, "bash")
	file := filepath.Join(t.TempDir(), "ironlocald.bash")
	require.NoError(t, os.WriteFile(file, []byte(script("bash")), 0o600))
	complete := func(words ...string) []string {
		sh := `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ironlocald; echo "${COMPREPLY[@]}"`
		out, err := exec.Command(bash, append([]string{"-c", sh, "bash", file}, words...)...).CombinedOutput()
		require.NoError(t, err, "%s", out)
		return strings.Fields(string(out))
	}
	tests := []struct {
		name  string
		words []string
		want  []string
	}{
		{"command", []string{"ironlocald", "sn"}, []string{"snapshot"}},
		{"daemon flag", []string{"ironlocald", "--virtual-c"}, []string{"--virtual-clock"}},
		{"subcommand", []string{"ironlocald", "clock", ""}, []string{"now", "advance", "set"}},
		{"flag of a subcommand", []string{"ironlocald", "tasks", "cancel", "--d"}, []string{"--dry-run"}},
		{"flag of a group", []string{"ironlocald", "wait-idle", "--p"}, []string{"--project", "--push"}},
		{"shells", []string{"ironlocald", "completion", ""}, []string{"bash", "zsh", "fish"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ElementsMatch(t, tc.want, complete(tc.words...))
		})
	}
}

// TestCLI_CodeLink: `code link` runs a code from a folder, and an edit is
// what the next task runs; `code unlink` ends it.
func TestCLI_CodeLink(t *testing.T) {
	srv := server.RunT(t, server.Options{Runtime: "process"})
	cli := cliAgainst(srv)
	ctx := context.Background()
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	require.NoError(t, os.WriteFile(script, []byte("echo first\n"), 0o755))

	code, stdout, stderr := cli("code", "link", "hello", dir, "--command", "sh run.sh")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "code hello runs "+dir+"\n", stdout)

	run := func() string {
		t.Helper()
		tasks, err := srv.Worker().QueueTasks(ctx, cliProject, []worker.NewTask{{CodeName: "hello", Payload: "{}"}})
		require.NoError(t, err)
		var out []byte
		require.Eventually(t, func() bool {
			got, err := srv.Worker().GetTask(ctx, cliProject, tasks[0].ID)
			if err != nil || !got.Status.Terminal() {
				return false
			}
			out, err = srv.Worker().Log(ctx, cliProject, tasks[0].ID, true)
			return err == nil
		}, 30*time.Second, 20*time.Millisecond)
		return strings.TrimSpace(string(out))
	}
	assert.Equal(t, "first", run())
	require.NoError(t, os.WriteFile(script, []byte("echo edited\n"), 0o755))
	assert.Equal(t, "edited", run(), "the next task runs the folder as it is")

	code, stdout, stderr = cli("code", "watch", "hello")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "code hello: a change in "+dir+" re-runs its last task\n", stdout)
	c, err := srv.Worker().CodeByName(ctx, cliProject, "hello")
	require.NoError(t, err)
	assert.True(t, c.Watch)
	code, _, stderr = cli("code", "watch", "hello", "--off")
	require.Equal(t, 0, code, stderr)
	c, err = srv.Worker().CodeByName(ctx, cliProject, "hello")
	require.NoError(t, err)
	assert.False(t, c.Watch)
	assert.Equal(t, dir, c.LinkedDir, "watch off keeps the link")

	code, stdout, stderr = cli("code", "unlink", "hello", "--json")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, `"name": "hello"`)

	code, _, stderr = cli("code", "link", "nowhere", filepath.Join(dir, "missing"), "--command", "true")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "400")
	code, _, _ = cli("code", "link", "hello")
	assert.Equal(t, 2, code, "DIR is required")
}

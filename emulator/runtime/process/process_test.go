package process

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// run runs spec on a fresh runtime and returns the result and both streams.
func run(t *testing.T, ctx context.Context, spec emulator.TaskSpec) (emulator.ExitResult, string, string) {
	t.Helper()
	stdout, stderr := runtimetest.NewBuffer(""), runtimetest.NewBuffer("")
	res, err := New(Options{Dir: t.TempDir()}).Run(ctx, spec, emulator.Output{Stdout: stdout, Stderr: stderr})
	require.NoError(t, err)
	return res, stdout.String(), stderr.String()
}

func sh(script string) []string { return []string{"sh", "-c", script} }

func TestRuntime_Run(t *testing.T) {
	t.Run("complete with output", func(t *testing.T) {
		res, stdout, stderr := run(t, t.Context(), emulator.TaskSpec{
			TaskID:  "t1",
			Command: sh("echo hello; echo oops >&2"),
		})
		require.Equal(t, emulator.ExitResult{ExitCode: 0}, res)
		require.Equal(t, "hello\n", stdout)
		require.Equal(t, "oops\n", stderr)
	})

	t.Run("one writer for both streams", func(t *testing.T) {
		var log bytes.Buffer // not safe for concurrent use: the runtime serialises
		res, err := New(Options{Dir: t.TempDir()}).Run(t.Context(), emulator.TaskSpec{
			TaskID:  "t1",
			Command: sh("for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done"),
		}, emulator.Output{Stdout: &log, Stderr: &log})
		require.NoError(t, err)
		require.Equal(t, 0, res.ExitCode)
		require.Len(t, strings.Fields(log.String()), 10)
	})

	t.Run("non-zero exit", func(t *testing.T) {
		res, _, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: sh("exit 3")})
		require.Equal(t, emulator.ExitResult{ExitCode: 3}, res)
	})

	t.Run("single command string runs through sh", func(t *testing.T) {
		res, stdout, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: []string{"echo a && echo b"}})
		require.Equal(t, 0, res.ExitCode)
		require.Equal(t, "a\nb\n", stdout)
	})

	t.Run("timeout kills the process group", func(t *testing.T) {
		// The child sleep prints its pid, then the shell waits for it.
		res, stdout, _ := run(t, t.Context(), emulator.TaskSpec{
			TaskID:  "t1",
			Command: sh("sleep 300 & echo $!; wait"),
			Timeout: 2 * time.Second,
		})
		require.True(t, res.TimedOut, "result %+v", res)
		require.False(t, res.Stopped)
		require.Equal(t, 137, res.ExitCode)
		pid, err := strconv.Atoi(strings.TrimSpace(stdout))
		require.NoError(t, err, "stdout %q", stdout)
		require.True(t, processGone(pid), "child sleep %d still running", pid)
	})

	t.Run("ctx cancel stops the task", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		stdout := runtimetest.NewBuffer("started")
		done := make(chan emulator.ExitResult, 1)
		go func() {
			res, err := New(Options{Dir: t.TempDir()}).Run(ctx, emulator.TaskSpec{
				TaskID:  "t1",
				Command: sh("echo started; sleep 300"),
			}, emulator.Output{Stdout: stdout})
			if err != nil {
				t.Errorf("run: %v", err)
			}
			done <- res
		}()
		<-stdout.Seen
		cancel()
		res := <-done
		require.True(t, res.Stopped, "result %+v", res)
		require.False(t, res.TimedOut)
		require.Equal(t, 137, res.ExitCode)
	})

	t.Run("ctx already done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		res, _, _ := run(t, ctx, emulator.TaskSpec{TaskID: "t1", Command: sh("echo never")})
		require.Equal(t, emulator.ExitResult{ExitCode: -1, Stopped: true}, res)
	})

	t.Run("start error", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			command []string
			want    string
		}{
			{name: "not found", command: []string{"/nonexistent/ironlocal-binary"}, want: "/nonexistent/ironlocal-binary"},
			{name: "no command", command: nil, want: "needs a command"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, _, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: tc.command})
				require.Equal(t, -1, res.ExitCode)
				require.Contains(t, res.StartError, tc.want)
			})
		}
	})

	t.Run("iron args in order", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			command []string
		}{
			{name: "argv", command: []string{"sh", "-c", `printf '%s\n' "$@"`, "sh"}},
			{name: "shell command line", command: []string{`printf '%s\n'`}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, stdout, _ := run(t, t.Context(), emulator.TaskSpec{
					TaskID:   "task-7",
					Command:  tc.command,
					IronArgs: true,
				})
				require.Equal(t, 0, res.ExitCode, "result %+v", res)
				args := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				require.Len(t, args, 8, "args %q", args)
				require.Equal(t, []string{"-d", "-payload", "-config", "-id"}, []string{args[0], args[2], args[4], args[6]})
				require.Equal(t, "task-7", args[7])
				require.Equal(t, "task", filepath.Base(args[1]))
				require.Equal(t, filepath.Join(filepath.Dir(args[1]), "iron", "payload.json"), args[3])
				require.Equal(t, filepath.Join(filepath.Dir(args[1]), "iron", "config"), args[5])
			})
		}
	})

	t.Run("files and environment", func(t *testing.T) {
		t.Setenv("IRONLOCAL_TEST_NOT_INHERITED", "leak")
		res, stdout, _ := run(t, t.Context(), emulator.TaskSpec{
			TaskID:  "task-8",
			Command: sh(`cat "$PAYLOAD_FILE"; echo; cat "$CONFIG_FILE"; echo; echo "$TASK_ID"; pwd; echo "$TASK_DIR"; echo "$FOO"; echo "[$IRONLOCAL_TEST_NOT_INHERITED]"; echo "$PAYLOAD_FILE"`),
			Env:     map[string]string{"FOO": "bar", "TASK_ID": "overridden"},
			Payload: []byte(`{"message":"hi"}`),
			Config:  []byte("key=value"),
		})
		require.Equal(t, 0, res.ExitCode, "result %+v", res)
		lines := strings.Split(stdout, "\n")
		require.Len(t, lines, 9, "stdout %q", stdout)
		require.Equal(t, `{"message":"hi"}`, lines[0])
		require.Equal(t, "key=value", lines[1])
		require.Equal(t, "task-8", lines[2], "the runtime's TASK_ID wins over spec.Env")
		require.Equal(t, lines[4], lines[3], "working directory is TASK_DIR")
		require.Equal(t, "bar", lines[5])
		require.Equal(t, "[]", lines[6], "only PATH and HOME are inherited")
		require.False(t, strings.HasPrefix(lines[7], lines[4]+"/"), "payload %s inside TASK_DIR %s", lines[7], lines[4])
		_, err := os.Stat(lines[4])
		require.ErrorIs(t, err, fs.ErrNotExist, "task dir removed after the run")
	})

	t.Run("code zip extracted", func(t *testing.T) {
		code := zipOf(t, map[string]zipEntry{
			"run.sh":       {mode: 0o755, body: "#!/bin/sh\ncat sub/data.txt\n"},
			"sub/data.txt": {mode: 0o644, body: "from the zip"},
		})
		res, stdout, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: []string{"./run.sh"}, CodeZip: code})
		require.Equal(t, 0, res.ExitCode, "result %+v", res)
		require.Equal(t, "from the zip", stdout)
	})

	t.Run("zip slip refused", func(t *testing.T) {
		for _, name := range []string{"../evil.sh", "/abs/evil.sh", "a/../../evil.sh"} {
			t.Run(name, func(t *testing.T) {
				dir := t.TempDir()
				code := zipOf(t, map[string]zipEntry{name: {mode: 0o755, body: "evil"}})
				res, err := New(Options{Dir: dir}).Run(t.Context(), emulator.TaskSpec{
					TaskID: "t1", Command: sh("true"), CodeZip: code,
				}, emulator.Output{})
				require.NoError(t, err)
				require.Equal(t, -1, res.ExitCode)
				require.Contains(t, res.StartError, "escapes")
				entries, err := os.ReadDir(dir)
				require.NoError(t, err)
				require.Empty(t, entries, "nothing left in the runtime dir")
			})
		}
	})

	t.Run("zip special files refused", func(t *testing.T) {
		for name, mode := range map[string]fs.FileMode{"fifo": fs.ModeNamedPipe | 0o644, "device": fs.ModeDevice | 0o644, "socket": fs.ModeSocket | 0o644} {
			t.Run(name, func(t *testing.T) {
				code := zipOf(t, map[string]zipEntry{name: {mode: mode, body: "x"}})
				res, _, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: sh("true"), CodeZip: code})
				require.Equal(t, -1, res.ExitCode)
				require.Contains(t, res.StartError, `extract code zip: entry "`+name+`": unsupported file type`)
			})
		}
	})

	t.Run("zip symlink cannot redirect writes", func(t *testing.T) {
		outside := t.TempDir()
		code := zipOf(t, map[string]zipEntry{
			"link":      {mode: fs.ModeSymlink | 0o777, body: outside},
			"link/evil": {mode: 0o644, body: "evil"},
		})
		res, _, _ := run(t, t.Context(), emulator.TaskSpec{TaskID: "t1", Command: sh("true"), CodeZip: code})
		require.Equal(t, -1, res.ExitCode)
		require.NotEmpty(t, res.StartError)
		_, err := os.Stat(filepath.Join(outside, "evil"))
		require.ErrorIs(t, err, fs.ErrNotExist)
	})
}

func TestRuntime_Run_codeLimits(t *testing.T) {
	limits := codezip.Limits{MaxBytes: 1 << 20, MaxEntries: 100}
	for _, tc := range []struct {
		name      string
		zip       []byte
		wantError string
	}{
		{name: "declared sizes over the limit", zip: runtimetest.ZeroZip(t, "zeros.bin", 2<<20),
			wantError: "extract code zip: the zip's files add up to 2 MiB, over the 1 MiB limit (--max-code-bytes)"},
		{name: "too many entries", zip: runtimetest.ManyEntriesZip(t, 101),
			wantError: "extract code zip: the zip has 101 entries, over the limit of 100 (--max-code-entries)"},
		{name: "entry larger than its declared size", zip: runtimetest.LyingZip(t, "bomb.bin", 32<<20, 1024),
			wantError: `extract code zip: entry "bomb.bin": holds more data than the 1024 bytes the zip declares for it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			res, err := New(Options{Dir: dir, CodeLimits: limits}).Run(t.Context(), emulator.TaskSpec{
				TaskID: "t1", Command: sh("true"), CodeZip: tc.zip,
			}, emulator.Output{})
			require.NoError(t, err)
			require.Equal(t, emulator.ExitResult{ExitCode: -1, StartError: tc.wantError}, res)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			require.Empty(t, entries, "nothing left in the runtime dir")
		})
	}

	t.Run("within the limits", func(t *testing.T) {
		code := runtimetest.ZeroZip(t, "zeros.bin", 1<<20)
		res, err := New(Options{Dir: t.TempDir(), CodeLimits: limits}).Run(t.Context(), emulator.TaskSpec{
			TaskID: "t1", Command: sh("test $(wc -c < zeros.bin) -eq 1048576"), CodeZip: code,
		}, emulator.Output{})
		require.NoError(t, err)
		require.Equal(t, emulator.ExitResult{}, res)
	})
}

// A zip whose directory understates an entry writes no more than it
// declared to disk before extraction stops (it wrote 2 GiB per task).
func TestExtractZip_diskBounded(t *testing.T) {
	dir := t.TempDir()
	err := extractZip(dir, runtimetest.LyingZip(t, "bomb.bin", 32<<20, 1024), codezip.Limits{})
	require.ErrorContains(t, err, "holds more data than the 1024 bytes the zip declares")
	var written int64
	require.NoError(t, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		written += info.Size()
		return err
	}))
	require.LessOrEqual(t, written, int64(1024))
}

// processGone reports whether pid has exited; a zombie awaiting its reaper
// counts as gone.
func processGone(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// Fields after the parenthesised command name: state is the first.
	rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
	state := strings.Fields(rest)[0]
	return state == "Z" || state == "X"
}

type zipEntry struct {
	mode fs.FileMode
	body string
}

// zipOf builds a zip with entries sorted by name, so a symlink precedes the
// entries written through it.
func zipOf(t *testing.T, entries map[string]zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(entries)) {
		e := entries[name]
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

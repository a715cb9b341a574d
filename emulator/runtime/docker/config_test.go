package docker

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// These tests need no engine.

func TestTaskArchive(t *testing.T) {
	type entry struct {
		typ  byte
		mode int64
		body string
	}
	read := func(t *testing.T, data []byte) map[string]entry {
		t.Helper()
		got := map[string]entry{}
		tr := tar.NewReader(bytes.NewReader(data))
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return got
			}
			require.NoError(t, err)
			body, err := io.ReadAll(tr)
			require.NoError(t, err)
			got[h.Name] = entry{typ: h.Typeflag, mode: h.Mode, body: string(body) + h.Linkname}
		}
	}
	zipOf := func(t *testing.T, files map[string]fs.FileMode) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, mode := range files {
			h := &zip.FileHeader{Name: name}
			h.SetMode(mode)
			w, err := zw.CreateHeader(h)
			require.NoError(t, err)
			_, err = w.Write([]byte("x"))
			require.NoError(t, err)
		}
		require.NoError(t, zw.Close())
		return buf.Bytes()
	}

	t.Run("layout", func(t *testing.T) {
		var data bytes.Buffer
		err := writeTaskArchive(&data, emulator.TaskSpec{
			Payload: []byte(`{"a":1}`),
			CodeZip: zipOf(t, map[string]fs.FileMode{"run.sh": 0o755, "lib/data.txt": 0o644, "link": fs.ModeSymlink | 0o777}),
		}, codezip.Limits{})
		require.NoError(t, err)
		require.Equal(t, map[string]entry{
			"mnt/":                  {tar.TypeDir, 0o755, ""},
			"mnt/iron/":             {tar.TypeDir, 0o777, ""},
			"mnt/task/":             {tar.TypeDir, 0o777, ""},
			"mnt/iron/payload.json": {tar.TypeReg, 0o666, `{"a":1}`},
			"mnt/iron/config":       {tar.TypeReg, 0o666, ""},
			"mnt/task/run.sh":       {tar.TypeReg, 0o777, "x"},
			"mnt/task/lib/":         {tar.TypeDir, 0o777, ""},
			"mnt/task/lib/data.txt": {tar.TypeReg, 0o666, "x"},
			"mnt/task/link":         {tar.TypeSymlink, 0o777, "x"},
		}, read(t, data.Bytes()))
	})

	t.Run("special files refused", func(t *testing.T) {
		err := writeTaskArchive(io.Discard, emulator.TaskSpec{CodeZip: zipOf(t, map[string]fs.FileMode{"fifo": fs.ModeNamedPipe | 0o644})}, codezip.Limits{})
		require.EqualError(t, err, `extract code zip: entry "fifo": unsupported file type p---------`)
	})

	t.Run("zip slip refused", func(t *testing.T) {
		for _, name := range []string{"../evil", "/etc/evil", "a/../../evil"} {
			t.Run(name, func(t *testing.T) {
				err := writeTaskArchive(io.Discard, emulator.TaskSpec{CodeZip: zipOf(t, map[string]fs.FileMode{name: 0o644})}, codezip.Limits{})
				require.ErrorContains(t, err, "escapes")
			})
		}
	})
}

// The archive streams: writing a zip that extracts to 64 MiB allocates a
// small fraction of that (it used to be built in memory, zip and tar both).
func TestTaskArchive_streams(t *testing.T) {
	const size = 64 << 20
	spec := emulator.TaskSpec{CodeZip: runtimetest.ZeroZip(t, "zeros.bin", size)}
	var written countingWriter
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := writeTaskArchive(&written, spec, codezip.Limits{})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.Greater(t, int64(written), int64(size))
	allocated := after.TotalAlloc - before.TotalAlloc
	require.Less(t, allocated, uint64(8<<20), "writing the task archive allocated %d bytes", allocated)
}

func TestTaskArchive_limits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		zip     []byte
		limits  codezip.Limits
		wantErr string
	}{
		{name: "declared bytes over the limit", zip: runtimetest.ZeroZip(t, "a", 2<<20), limits: codezip.Limits{MaxBytes: 1 << 20},
			wantErr: "extract code zip: the zip's files add up to 2 MiB, over the 1 MiB limit (--max-code-bytes)"},
		{name: "entries over the limit", zip: runtimetest.ManyEntriesZip(t, 5), limits: codezip.Limits{MaxEntries: 4},
			wantErr: "extract code zip: the zip has 5 entries, over the limit of 4 (--max-code-entries)"},
		{name: "an entry larger than declared", zip: runtimetest.LyingZip(t, "bomb.bin", 16<<20, 1024),
			wantErr: `extract code zip: entry "bomb.bin": holds more data than the 1024 bytes the zip declares for it`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var written countingWriter
			err := writeTaskArchive(&written, emulator.TaskSpec{CodeZip: tc.zip}, tc.limits)
			require.EqualError(t, err, tc.wantErr)
			require.Less(t, int64(written), int64(64<<10), "the archive went on after the limit")
		})
	}
}

type countingWriter int64

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}

func TestRuntime_containerConfig(t *testing.T) {
	r := &Runtime{instance: "i1", network: "host", labels: map[string]string{"caller": "c"}}
	iron := []string{"-d", "/mnt/task", "-payload", "/mnt/iron/payload.json", "-config", "/mnt/iron/config", "-id", "t1"}
	imageCmd := []string{"default"}

	for _, tc := range []struct {
		name           string
		command        []string
		ironArgs       bool
		wantEntrypoint []string
		wantCmd        []string
	}{
		{name: "image defaults", wantEntrypoint: nil, wantCmd: nil},
		{name: "image with iron args", ironArgs: true, wantCmd: append([]string{"default"}, iron...)},
		{name: "argv", command: []string{"/bin/app", "x"}, wantEntrypoint: []string{"/bin/app", "x"}},
		{name: "argv with iron args", command: []string{"/bin/app"}, ironArgs: true, wantEntrypoint: append([]string{"/bin/app"}, iron...)},
		{name: "shell line", command: []string{"ruby app.rb"}, wantEntrypoint: []string{"sh", "-c", "ruby app.rb"}},
		{name: "shell line with iron args", command: []string{"ruby app.rb"}, ironArgs: true,
			wantEntrypoint: append([]string{"sh", "-c", `ruby app.rb "$@"`, "sh"}, iron...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, host := r.containerConfig(emulator.TaskSpec{
				TaskID: "t1", Image: "img", Command: tc.command, IronArgs: tc.ironArgs,
				Env:      map[string]string{"A": "1", "TASK_ID": "spoofed"},
				Labels:   map[string]string{"ironlocal.task": "spoofed", "code": "k"},
				MemoryMB: 128, CPUs: 1.5,
			}, imageCmd)
			require.Equal(t, tc.wantEntrypoint, cfg.Entrypoint)
			require.Equal(t, tc.wantCmd, cfg.Cmd)
			require.Equal(t, "/mnt/task", cfg.WorkingDir)
			require.Equal(t, []string{"A=1", "CONFIG_FILE=/mnt/iron/config", "PAYLOAD_FILE=/mnt/iron/payload.json", "TASK_DIR=/mnt/task", "TASK_ID=t1"}, cfg.Env)
			require.Equal(t, map[string]string{"caller": "c", "code": "k", LabelInstance: "i1", LabelTask: "t1", LabelImage: "img"}, cfg.Labels)
			require.Equal(t, int64(128<<20), host.Memory)
			require.Equal(t, int64(128<<20), host.MemorySwap)
			require.Equal(t, int64(1.5e9), host.NanoCPUs)
			require.Equal(t, "host", string(host.NetworkMode))
			require.False(t, host.Privileged)
			require.Empty(t, host.Mounts)
			require.Empty(t, host.Binds)
		})
	}
}

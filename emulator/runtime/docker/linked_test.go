package docker

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// TestRuntime_Run_linkedFolder: a linked code's task sees the folder's
// files as they are when it starts, streamed into TASK_DIR (never from a
// warm image of an earlier task), without the folder's .git.
func TestRuntime_Run_linkedFolder(t *testing.T) {
	r := newRuntime(t, Options{})
	require.Equal(t, emulator.CodeDirStreamed, r.CodeDirMode())
	dir := t.TempDir()
	put := func(name, body string) {
		t.Helper()
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	put("hello.txt", "v1")
	put("sub/deep.txt", "deep")
	put(".git/HEAD", "ref: refs/heads/main")
	spec := func() emulator.TaskSpec {
		return emulator.TaskSpec{TaskID: "task-" + randomID(t), Image: fixtureImage, CodeDir: dir,
			Payload: []byte(`{"print_files":["hello.txt","sub/deep.txt",".git/HEAD"]}`)}
	}

	got := runTask(t, t.Context(), r, spec())
	require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
	require.Contains(t, got.stdout, "file hello.txt: v1\n")
	require.Contains(t, got.stdout, "file sub/deep.txt: deep\n")
	require.Contains(t, got.stdout, "file .git/HEAD: error:", "the repository is left out")

	put("hello.txt", "v2, longer than v1")
	for range 2 { // the second run is where a warm image would be used
		got = runTask(t, t.Context(), r, spec())
		require.Equal(t, 0, got.res.ExitCode, "result %+v, stderr %q", got.res, got.stderr)
		require.Contains(t, got.stdout, "file hello.txt: v2, longer than v1\n")
	}

	t.Run("a missing folder is the task's start error", func(t *testing.T) {
		s := spec()
		s.CodeDir = filepath.Join(dir, "gone")
		got := runTask(t, t.Context(), r, s)
		require.Equal(t, -1, got.res.ExitCode)
		require.Contains(t, got.res.StartError, "copy linked folder")
	})
}

package client_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

// TestLinkCode runs a code linked to a folder end to end on the process
// runtime: each task runs the folder's files as they are when it starts,
// with no new revision; watch mode re-runs the last task on a save; a
// snapshot keeps the link, and one naming a folder this machine lacks is
// refused with the reason.
func TestLinkCode(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	write := func(body string) {
		t.Helper()
		require.NoError(t, os.WriteFile(script, []byte(body), 0o644))
	}
	write("echo v1 \"$(cat \"$PAYLOAD_FILE\")\"\n")
	run := func(payload string) client.Task {
		t.Helper()
		id, err := c.QueueTask(ctx, client.NewTask{CodeName: "linked", Payload: payload})
		require.NoError(t, err)
		waitTask(t, c, id, client.TaskComplete)
		task, err := c.Task(ctx, id)
		require.NoError(t, err)
		return task
	}
	logOf := func(id string) string {
		t.Helper()
		l, err := c.TaskLog(ctx, id)
		require.NoError(t, err)
		return l
	}

	code, err := c.LinkCode(ctx, "linked", client.CodeLink{Dir: dir, Command: "sh run.sh"})
	require.NoError(t, err)
	require.Equal(t, dir, code.LinkedDir)
	require.True(t, code.Linked)
	require.Equal(t, 1, code.Rev)

	t.Run("each task runs the folder as it is", func(t *testing.T) {
		first := run("a")
		require.Equal(t, "v1 a\n", logOf(first.ID))
		require.Equal(t, dir, first.CodeDir)
		require.Equal(t, "folder", first.CodeDirMode)

		write("echo v2 \"$(cat \"$PAYLOAD_FILE\")\"\n")
		second := run("b")
		require.Equal(t, "v2 b\n", logOf(second.ID), "the edit, without an upload")
		got, err := c.Code(ctx, code.ID)
		require.NoError(t, err)
		require.Equal(t, 1, got.Rev, "no revision per change")
		revs, err := c.CodeRevisions(ctx, code.ID, client.Page{})
		require.NoError(t, err)
		require.Len(t, revs, 1)
	})

	t.Run("watch re-runs the last task on a save", func(t *testing.T) {
		_, err := c.LinkCode(ctx, "linked", client.CodeLink{Dir: dir, Watch: true})
		require.NoError(t, err)
		got, err := c.Code(ctx, code.ID)
		require.NoError(t, err)
		require.True(t, got.Watch)
		require.Equal(t, 1, got.Rev, "changing the watch is no revision")
		last := run("c")

		write("echo v3 \"$(cat \"$PAYLOAD_FILE\")\"\n")
		rerun := waitRerun(t, c, last.ID)
		require.Equal(t, "watch", rerun.Source)
		require.Equal(t, "c", rerun.Payload)
		waitTask(t, c, rerun.ID, client.TaskComplete)
		require.Equal(t, "v3 c\n", logOf(rerun.ID))

		// A broken script is that run's failure, nothing else.
		write("echo broken (\n")
		failed := waitRerun(t, c, rerun.ID)
		waitTask(t, c, failed.ID, client.TaskError)
		got, err = c.Code(ctx, code.ID)
		require.NoError(t, err)
		require.Equal(t, 1, got.Rev)
		require.True(t, got.Watch)

		// A pinned payload replaces the last task's.
		pinned := "pinned"
		_, err = c.LinkCode(ctx, "linked", client.CodeLink{Dir: dir, Watch: true, Payload: &pinned})
		require.NoError(t, err)
		write("echo v4 \"$(cat \"$PAYLOAD_FILE\")\"\n")
		again := waitRerun(t, c, failed.ID)
		require.Equal(t, "pinned", again.Payload)
		waitTask(t, c, again.ID, client.TaskComplete)
		require.Equal(t, "v4 pinned\n", logOf(again.ID))

		_, err = c.LinkCode(ctx, "linked", client.CodeLink{Dir: dir})
		require.NoError(t, err)
	})

	t.Run("a snapshot keeps the link", func(t *testing.T) {
		var snap bytes.Buffer
		_, err := c.ExportSnapshot(ctx, &snap)
		require.NoError(t, err)
		_, err = c.UnlinkCode(ctx, "linked")
		require.NoError(t, err)
		require.NoError(t, c.ImportSnapshot(ctx, bytes.NewReader(snap.Bytes()), int64(snap.Len())))
		got, err := c.Code(ctx, code.ID)
		require.NoError(t, err)
		require.Equal(t, dir, got.LinkedDir)
		require.Equal(t, "v4 d\n", logOf(run("d").ID))
	})

	t.Run("an import naming a missing folder is refused", func(t *testing.T) {
		gone := t.TempDir()
		_, err := c.LinkCode(ctx, "elsewhere", client.CodeLink{Dir: gone, Command: "true"})
		require.NoError(t, err)
		var snap bytes.Buffer
		_, err = c.ExportSnapshot(ctx, &snap)
		require.NoError(t, err)
		require.NoError(t, os.Remove(gone))
		err = c.ImportSnapshot(ctx, bytes.NewReader(snap.Bytes()), int64(snap.Len()))
		require.Equal(t, 400, client.StatusOf(err), "%v", err)
		require.ErrorContains(t, err, `code "elsewhere"`)
		require.ErrorContains(t, err, gone+" does not exist on this machine")
	})

	t.Run("unlink", func(t *testing.T) {
		got, err := c.UnlinkCode(ctx, "linked")
		require.NoError(t, err)
		require.False(t, got.Linked)
		require.Empty(t, got.LinkedDir)
	})

	t.Run("refused", func(t *testing.T) {
		for name, l := range map[string]client.CodeLink{
			"relative dir": {Dir: "some/dir", Command: "true"},
			"missing dir":  {Dir: filepath.Join(dir, "nope"), Command: "true"},
			"a file":       {Dir: script, Command: "true"},
			"no command":   {Dir: dir},
		} {
			_, err := c.LinkCode(ctx, "new-"+name, l)
			require.Equal(t, 400, client.StatusOf(err), "%s: %v", name, err)
		}
	})
}

// waitRerun waits for the watch re-run of task after and returns it.
func waitRerun(t *testing.T, c *client.Client, after string) client.Task {
	t.Helper()
	var out client.Task
	require.Eventually(t, func() bool {
		tasks, err := c.Tasks(ctxT(t), client.TaskQuery{CodeName: "linked"})
		if err != nil {
			return false
		}
		for _, task := range tasks {
			if task.Source == "watch" && task.SourceID == after {
				out = task
				return true
			}
		}
		return false
	}, wait, 20*time.Millisecond, "no watch re-run of task %s", after)
	return out
}

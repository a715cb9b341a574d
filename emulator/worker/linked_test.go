package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

// fakeWatcher is a FolderWatcher the test drives: change reports a path
// under a watched folder as the real one would, through skip.
type fakeWatcher struct {
	mu      sync.Mutex
	watches map[string]*fakeWatch // by dir
	changed chan struct{}
}

type fakeWatch struct {
	ctx     context.Context
	skip    func(string, bool) bool
	changed func(string)
}

func newFakeWatcher() *fakeWatcher {
	return &fakeWatcher{watches: map[string]*fakeWatch{}, changed: make(chan struct{}, 100)}
}

func (f *fakeWatcher) Watch(ctx context.Context, dir string, skip func(string, bool) bool, changed func(string)) error {
	f.mu.Lock()
	f.watches[dir] = &fakeWatch{ctx: ctx, skip: skip, changed: changed}
	f.mu.Unlock()
	f.changed <- struct{}{}
	<-ctx.Done()
	f.changed <- struct{}{}
	return nil
}

// active reports whether dir is watched now.
func (f *fakeWatcher) active(dir string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := f.watches[dir]
	return w != nil && w.ctx.Err() == nil
}

// change reports rel under dir; it returns false when skip left it out.
func (f *fakeWatcher) change(t *testing.T, dir, rel string) bool {
	t.Helper()
	f.mu.Lock()
	w := f.watches[dir]
	f.mu.Unlock()
	require.NotNil(t, w, "%s is not watched", dir)
	p := filepath.Join(dir, rel)
	if w.skip(p, false) {
		return false
	}
	w.changed(p)
	return true
}

func TestLinkCode_Watch(t *testing.T) {
	fw := newFakeWatcher()
	h := newProcessHarness(t, worker.Config{Watcher: fw})
	h.start()
	ctx := context.Background()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "run.sh"), []byte(`cat "$PAYLOAD_FILE"`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".ironignore"), []byte("*.out\n"), 0o644))

	code, err := h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "w", Dir: dir, Command: "sh run.sh", Watch: true})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return fw.active(dir) }, waitFor, time.Millisecond)

	t.Run("nothing to re-run before a task", func(t *testing.T) {
		require.True(t, fw.change(t, dir, "run.sh"))
		h.on(t).settle()
		require.Empty(t, h.on(t).tasksOf("w"))
	})

	first := h.queue("w", "hello")
	h.waitStatus(first.ID, emulator.TaskComplete)
	require.Equal(t, "hello", h.log(first.ID))

	t.Run("ignored paths are skipped", func(t *testing.T) {
		require.False(t, fw.change(t, dir, "result.out"), ".ironignore")
		require.False(t, fw.change(t, dir, ".git/HEAD"), "the repository")
	})

	t.Run("a burst of changes is one re-run", func(t *testing.T) {
		for range 5 {
			require.True(t, fw.change(t, dir, "run.sh"))
		}
		var rerun emulator.Task
		require.Eventually(t, func() bool {
			tasks := h.tasksOf("w")
			rerun = tasks[0]
			return len(tasks) == 2
		}, waitFor, 5*time.Millisecond)
		require.Equal(t, emulator.SourceWatch, rerun.Source)
		require.Equal(t, first.ID, rerun.SourceID)
		require.Equal(t, "hello", rerun.Payload)
		h.waitStatus(rerun.ID, emulator.TaskComplete)
		h.on(t).settle()
		require.Len(t, h.tasksOf("w"), 2)
	})

	t.Run("the watch survives a restart", func(t *testing.T) {
		h.closeService(h.svc)
		require.Eventually(t, func() bool { return !fw.active(dir) }, waitFor, time.Millisecond, "Close stops the watch")
		h.start()
		require.Eventually(t, func() bool { return fw.active(dir) }, waitFor, time.Millisecond, "Start resumes it")
	})

	t.Run("unlink stops the watch", func(t *testing.T) {
		got, err := h.svc.UnlinkCode(ctx, project, "w")
		require.NoError(t, err)
		require.False(t, got.Linked())
		require.Eventually(t, func() bool { return !fw.active(dir) }, waitFor, time.Millisecond)
		require.Equal(t, code.ID, got.ID)
	})

	t.Run("delete stops the watch", func(t *testing.T) {
		_, err := h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "w", Dir: dir, Watch: true})
		require.NoError(t, err)
		require.Eventually(t, func() bool { return fw.active(dir) }, waitFor, time.Millisecond)
		require.NoError(t, h.svc.DeleteCode(ctx, project, code.ID))
		require.Eventually(t, func() bool { return !fw.active(dir) }, waitFor, time.Millisecond)
	})
}

func TestLinkCode_Revisions(t *testing.T) {
	h := newProcessHarness(t, worker.Config{})
	h.start()
	ctx := context.Background()
	dir, other := t.TempDir(), t.TempDir()

	c, err := h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "r", Dir: dir, Command: "true"})
	require.NoError(t, err)
	require.Equal(t, 1, c.Rev)
	c, err = h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "r", Dir: dir})
	require.NoError(t, err)
	require.Equal(t, 1, c.Rev, "the same link: no revision")
	require.Equal(t, "true", c.Command, "an empty command keeps the code's")
	c, err = h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "r", Dir: other})
	require.NoError(t, err)
	require.Equal(t, 2, c.Rev, "another folder: a revision")

	_, err = h.svc.LinkCode(ctx, project, worker.CodeLink{Name: "r", Dir: dir, Watch: true})
	require.ErrorIs(t, err, emulator.ErrUnavailable, "no watcher configured")

	h.code("r", cmdTrue)
	c, err = h.svc.GetCode(ctx, project, c.ID)
	require.NoError(t, err)
	require.False(t, c.Linked(), "an upload replaces the folder")
}

package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// exportTestInto opens Export test… on the Events screen, types dir as
// the folder (what the folder chooser fills in) and taps Export.
func (u *testUI) exportTestInto(t *testing.T, dir string, fromSelected bool) {
	t.Helper()
	u.locked(func() {
		u.showScreen(u.events)
		test.Tap(findButton(t, u.events.root, "Export test…"))
		f := u.events.exportForm
		require.NotNil(t, f, "the dialog opens")
		top := u.win.Canvas().Overlays().Top()
		require.LessOrEqual(t, top.MinSize().Width, u.win.Canvas().Size().Width, "the dialog fits the window")
		require.Equal(t, "TestRecorded", f.name.Text)
		require.True(t, findButton(t, top, "Export").Disabled(), "no folder yet")
		if fromSelected {
			require.Equal(t, exportFromSelected, f.from.Selected, "the span begins at the selected event")
		} else {
			require.Equal(t, []string{exportFromStart}, f.from.Options, "nothing selected: the journal's start")
		}
		f.dir.SetText(dir)
		f.name.SetText("Testing")
		require.True(t, findButton(t, top, "Export").Disabled(), "go test would skip Testing")
		f.name.SetText("TestQueueAndCache")
		answerConfirm(t, u, "Export")
		require.Nil(t, u.events.exportForm, "the dialog closed")
	})
}

// Export test… writes the regression test of the session from the
// selected event to now (the writes before it as setup), and says what
// it checks; a task still running makes it refuse, writing nothing.
func TestEvents_ExportTest(t *testing.T) {
	t.Run("writes the test", func(t *testing.T) {
		u := newTestUI(t, server.Options{VirtualClock: true})
		ctx := context.Background()
		_, err := u.c.PostMessages(ctx, "jobs", client.NewMessage{Body: "one"}, client.NewMessage{Body: "two"})
		require.NoError(t, err)
		_, err = u.c.AdvanceClock(ctx, time.Second)
		require.NoError(t, err)
		_, err = u.c.PutItem(ctx, "prefs", "colour", client.ItemPut{Value: "blue"})
		require.NoError(t, err)

		s := u.events
		stored := -1
		u.eventually(t, "the item's event arrives", func() bool {
			for id, e := range s.visibleEvents() {
				if e.Type == "cache.item_stored" {
					stored = id
				}
			}
			return stored >= 0
		})
		u.locked(func() {
			u.showScreen(s)
			s.list.Select(stored) // selects it, and opens the item
			require.True(t, s.marked)
			require.Equal(t, "cache.item_stored", s.mark.Type)
		})

		dir := filepath.Join(t.TempDir(), "recorded")
		u.exportTestInto(t, dir, true)
		want := "Wrote " + filepath.Join(dir, "recorded_test.go") + ": 2 writes (1 setup), 1 queue, 1 item, 0 tasks checked"
		u.eventually(t, "exported", func() bool { return u.lastNotice() == want })
		for _, f := range []string{"recorded_test.go", "testdata/seed.json", "testdata/inputs.json", "testdata/expect.json"} {
			require.FileExists(t, filepath.Join(dir, f))
		}
		src, err := os.ReadFile(filepath.Join(dir, "recorded_test.go"))
		require.NoError(t, err)
		require.Contains(t, string(src), "func TestQueueAndCache(t *testing.T)")
		inputs, err := os.ReadFile(filepath.Join(dir, "testdata", "inputs.json"))
		require.NoError(t, err)
		require.Equal(t, 1, strings.Count(string(inputs), `"setup": true`), "the post before the selected event is setup")
		u.locked(func() {
			require.LessOrEqual(t, u.win.Content().MinSize().Width, u.win.Canvas().Size().Width, "the window does not grow")
		})
	})

	t.Run("refuses while a task runs", func(t *testing.T) {
		u := newTestUI(t, server.Options{VirtualClock: true})
		ctx := context.Background()
		_, err := u.c.PostMessages(ctx, "jobs", client.NewMessage{Body: "one"})
		require.NoError(t, err)
		_, err = u.c.RegisterCode(ctx, client.NewCode{Name: "slow", Image: "local/slow:latest", Command: "sleep 5; true"})
		require.NoError(t, err) // true takes the -payload … arguments the runtime appends: sleep refuses them
		id, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "slow", Payload: "{}"})
		require.NoError(t, err)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			task, err := u.c.Task(ctx, id)
			assert.NoError(c, err)
			assert.Equal(c, client.TaskRunning, task.Status)
		}, waitFor, poll)

		dir := t.TempDir()
		u.exportTestInto(t, dir, false)
		u.eventually(t, "refused", func() bool {
			return u.lastNotice() == "Could not export the test: task "+id+" is still running: wait until ironlocal is idle (ironlocald wait-idle), then export"
		})
		left, err := os.ReadDir(dir)
		require.NoError(t, err)
		require.Empty(t, left, "nothing is written")
	})
}

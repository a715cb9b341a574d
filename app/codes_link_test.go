package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// A folder linked through the Link folder… form: its script is what a
// task runs; with watch on, a save re-runs the open task and the Tasks
// pane follows the new run; Unlink ends the link.
func TestCodes_LinkFolderWatchAndUnlink(t *testing.T) {
	u := newTestUI(t, server.Options{Runtime: "process"})
	dir := t.TempDir()
	script := filepath.Join(dir, "run.sh")
	require.NoError(t, os.WriteFile(script, []byte("echo linked-v1\n"), 0o644))

	u.locked(func() {
		u.showScreen(u.codes)
		u.codes.openLinkForm()
		f := u.codes.link
		f.name.SetText("live")
		f.dir.SetText(dir)
		f.command.SetText("sh run.sh")
		f.payload.SetText("{not json")
		before := u.calls.Load()
		test.Tap(f.submit)
		require.Equal(t, before, u.calls.Load(), "a pinned payload that is not JSON sends nothing")
		require.NotEmpty(t, f.errLabel.Text)
		f.payload.SetText("")
		test.Tap(f.submit)
	})
	u.eventually(t, "the code is listed, open and linked", func() bool {
		d := u.codes.detail
		return len(u.codes.codes) == 1 && d != nil && d.code.Name == "live" && d.code.Linked
	})
	u.locked(func() {
		d := u.codes.detail
		require.Contains(t, d.linkRow.text.Text, "linked to "+dir)
		require.True(t, d.linkRow.root.Visible())
		require.False(t, d.linkRow.watch.Checked)
		require.Contains(t, codeSummary(u.codes.codes[0]), "linked "+dir, "the list row says so too")
	})

	ctx := context.Background()
	id, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "live", Payload: "{}"})
	require.NoError(t, err)
	u.locked(func() {
		u.showScreen(u.tasks)
		u.tasks.openTask(id)
	})
	u.eventually(t, "the task ran the folder's script", func() bool {
		d := u.tasks.detail
		return d != nil && d.id == id && d.task.Status == client.TaskComplete &&
			strings.Contains(d.log.buf.Text(), "linked-v1")
	})

	u.locked(func() { u.codes.detail.linkRow.watch.SetChecked(true) })
	u.eventually(t, "the code is watched", func() bool {
		d := u.codes.detail
		return d != nil && d.code.Watch && strings.Contains(d.linkRow.text.Text, "watching")
	})
	require.NoError(t, os.WriteFile(script, []byte("echo linked-v2\n"), 0o644))
	u.eventually(t, "the Tasks pane follows the watch re-run and tails its log", func() bool {
		d := u.tasks.detail
		return d != nil && d.id != id && d.task.Source == model.SourceWatch && d.task.SourceID == id &&
			strings.Contains(d.log.buf.Text(), "linked-v2")
	})

	u.locked(func() {
		r := u.codes.detail.linkRow
		r.askUnlink()
		require.NotNil(t, r.asked)
		r.asked.do()
	})
	u.eventually(t, "the code is no longer linked", func() bool {
		d := u.codes.detail
		return d != nil && !d.code.Linked && d.code.LinkedDir == "" && !d.linkRow.root.Visible()
	})
	got, err := u.c.Codes(ctx, client.Page{})
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.False(t, got[0].Linked)
}

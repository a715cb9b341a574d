package app

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

// tapCopyAs taps the "Copy as…" button under root and then the menu's
// first item (curl, when the pane has one request).
func tapCopyAs(t *testing.T, u *testUI, root fyne.CanvasObject) {
	t.Helper()
	test.Tap(findButton(t, root, "Copy as…"))
	menu, ok := u.win.Canvas().Focused().(*widget.PopUpMenu) // it takes the focus
	require.True(t, ok, "the button opens a menu")
	require.NotEmpty(t, menu.Items)
	item, ok := menu.Items[0].(fyne.Tappable)
	require.True(t, ok)
	test.Tap(item)
}

// runCurl runs what the clipboard holds through bash.
func runCurl(t *testing.T, u *testUI) string {
	t.Helper()
	testtool.Need(t, "curl")
	out, err := exec.Command(testtool.Need(t, "bash"), "-c", u.app.Clipboard().Content()).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestCopyAs_SelectedMessageItemAndTask(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	base := u.srv.URL()

	t.Run("message", func(t *testing.T) {
		_, err := u.c.PostMessages(ctx, "jobs", client.NewMessage{Body: `{"order": 42}`})
		require.NoError(t, err)
		u.locked(func() {
			u.showScreen(u.queues)
			u.queues.open("jobs")
		})
		b := u.queues.detail.browser
		u.eventually(t, "the message is browsed", func() bool { return len(b.msgs) == 1 })
		u.locked(func() {
			b.selected = b.msgs[0].ID
			b.showSelected()
			tapCopyAs(t, u, b.pane)
		})
		got := u.app.Clipboard().Content()
		require.True(t, strings.HasPrefix(got, "curl -sS --fail-with-body -X POST '"+base+"/3/projects/"), got)
		require.Contains(t, got, `'{"messages":[{"body":"{\"order\": 42}"}]}'`)
		require.Contains(t, u.lastNotice(), "as curl copied")
		runCurl(t, u)
		ms, err := u.c.Peek(ctx, "jobs", 10)
		require.NoError(t, err)
		require.Len(t, ms, 2, "the copied curl posted the message again")
		require.Equal(t, ms[0].Body, ms[1].Body)
	})

	t.Run("item", func(t *testing.T) {
		_, err := u.c.PutItem(ctx, "prefs", "colour", client.ItemPut{Value: "blue", ExpiresIn: 600})
		require.NoError(t, err)
		u.locked(func() {
			u.showScreen(u.cache)
			u.cache.open("prefs")
		})
		d := u.cache.detail
		u.eventually(t, "the item is browsed", func() bool { return len(d.items) == 1 })
		u.locked(func() {
			d.edit(d.items[0])
			tapCopyAs(t, u, d.root) // put, then get: a submenu each
			menu := u.copyAsMenu(d.copyRequests)
			require.Len(t, menu.Items, 2)
			require.Equal(t, "Put item colour in cache prefs", menu.Items[0].Label)
			menu.Items[0].ChildMenu.Items[0].Action() // as curl
		})
		got := u.app.Clipboard().Content()
		require.Contains(t, got, "-X PUT '"+base+"/1/projects/")
		require.Contains(t, got, "/caches/prefs/items/colour'")
		require.NoError(t, u.c.DeleteItem(ctx, "prefs", "colour"))
		runCurl(t, u)
		it, err := u.c.Item(ctx, "prefs", "colour")
		require.NoError(t, err)
		require.Equal(t, "blue", it.String())
	})

	t.Run("task", func(t *testing.T) {
		u.registerEcho(t, "echo")
		id, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "echo", Payload: `{"v":1}`, Priority: client.Ptr(1), Label: "l"})
		require.NoError(t, err)
		u.eventually(t, "the task is listed", func() bool { _, ok := u.tasks.task(id); return ok })
		u.locked(func() {
			u.showScreen(u.tasks)
			u.tasks.openTask(id)
		})
		u.eventually(t, "the pane holds the whole task", func() bool {
			return u.tasks.detail != nil && u.tasks.detail.task.CodeID != ""
		})
		u.locked(func() { tapCopyAs(t, u, u.tasks.detail.root) })
		got := u.app.Clipboard().Content()
		require.Contains(t, got, "-X POST '"+base+"/2/projects/")
		require.Contains(t, got, `"code_name":"echo","payload":"{\"v\":1}","priority":1`)
		out := runCurl(t, u)
		require.Contains(t, out, `"tasks"`)
		ts, err := u.c.Tasks(ctx, client.TaskQuery{Label: "l"})
		require.NoError(t, err)
		require.Len(t, ts, 2, "the copied curl queued the task again")
	})
}

func TestCopyAs_WrongFormSaysWhy(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.newTask()
		f := u.tasks.form
		require.Nil(t, u.copyAsMenu(f.copyRequests), "no code picked: no menu")
		require.Equal(t, "Could not copy the request: pick a code package", u.lastNotice())
	})
}

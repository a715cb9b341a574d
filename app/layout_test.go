package app

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// A task whose message is one long line (Docker's "image not found" runs
// to 2,000 characters) must not make the window wider: the content's
// MinSize stays within the window, and the window keeps its size.
func TestLayout_LongTaskMessageKeepsWindowSize(t *testing.T) {
	u := newTestUI(t, server.Options{})
	ctx := context.Background()
	_, err := u.c.RegisterCode(ctx, client.NewCode{Name: "slow", Image: "local/slow:latest", Command: "sleep 30"})
	require.NoError(t, err)
	id, err := u.c.QueueTask(ctx, client.NewTask{CodeName: "slow", Payload: "{}", Delay: 3600})
	require.NoError(t, err)
	long := "pull access denied for local/missing, repository does not exist: " +
		strings.Repeat("image-not-found-", 60) + strings.Repeat(" word", 150)
	require.GreaterOrEqual(t, len(long), 1700)
	require.NoError(t, u.c.SetTaskProgress(ctx, id, 10, long))

	var before, min fyne.Size
	u.locked(func() {
		u.showScreen(u.tasks)
		before = u.win.Canvas().Size()
		u.tasks.openTask(id)
	})
	u.eventually(t, "the long message shows", func() bool {
		return u.tasks.detail != nil && strings.Contains(u.tasks.detail.status.Text, "image-not-found-image")
	})
	u.locked(func() {
		min = u.win.Content().MinSize()
		require.Equal(t, before, u.win.Canvas().Size(), "the window keeps its size")
		require.LessOrEqual(t, min.Width, before.Width, "the content fits the window (MinSize %v)", min)
		require.LessOrEqual(t, min.Height, before.Height, "the content fits the window (MinSize %v)", min)
		// The pane's close button stays inside the window.
		d := u.tasks.detail.root
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(d)
		require.LessOrEqual(t, pos.X+d.Size().Width, before.Width+1, "the detail pane ends inside the window")
		require.Less(t, u.tasks.detail.status.MinSize().Width, float32(400), "the status line wraps")
	})
}

// The disconnection banner lies over the main area: the content does not
// move when it shows. It names ironlocal and its address, not a Go dial
// error, which is one tap away.
func TestLayout_BannerOverlaysAndSpeaksPlainly(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		main := u.shell.main
		d := fyne.CurrentApp().Driver()
		before, size := d.AbsolutePositionForObject(main), main.Size()
		raw := "dial tcp 127.0.0.1:4766: connect: connection refused"
		u.setConnected(false, raw)
		require.True(t, u.shell.banner.Visible())
		require.Equal(t, before, d.AbsolutePositionForObject(main), "the main area stays where it was")
		require.Equal(t, size, main.Size())
		require.Contains(t, u.shell.bannerText.Text, "ironlocal at "+u.URL()+" stopped answering; reconnecting")
		require.NotContains(t, u.shell.bannerText.Text, "dial tcp")

		test.Tap(u.shell.bannerText)
		require.NotNil(t, u.shell.popup)
		require.True(t, u.shell.popup.Visible())
		require.Contains(t, popupText(u.shell.popup), raw, "the raw error is one tap away")
		u.shell.popup.Hide()
		u.setConnected(true, "")
		require.Equal(t, before, d.AbsolutePositionForObject(main))
	})
}

// Notices show in the status strip at the bottom, over no button of the
// main area, and close at once on a tap.
func TestLayout_NoticesCoverNothingAndClose(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.showScreen(u.tasks)
		u.tasks.openNewTask()
		d := fyne.CurrentApp().Driver()
		u.notifyError("queue the task", fmt.Errorf("a long reason %s", strings.Repeat("x ", 300)))
		require.True(t, u.shell.noticeClose.Visible())
		strip := d.AbsolutePositionForObject(u.shell.notices)
		main := d.AbsolutePositionForObject(u.shell.main)
		require.GreaterOrEqual(t, strip.Y, main.Y+u.shell.main.Size().Height,
			"the strip lies below the main area, so it covers none of its buttons")
		btn := u.tasks.form.submit
		bp := d.AbsolutePositionForObject(btn)
		require.Less(t, bp.Y+btn.Size().Height, strip.Y, "the form's button is above the strip")

		test.Tap(u.shell.noticeText)
		require.Contains(t, popupText(u.shell.popup), "a long reason", "the whole notice is one tap away")
		u.shell.popup.Hide()

		test.Tap(u.shell.noticeClose)
		require.Empty(t, u.shell.noticeText.Text, "closed at once")
		require.False(t, u.shell.noticeClose.Visible())
	})
}

// popupText is every label's text in a pop-up.
func popupText(p *widget.PopUp) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			b.WriteString(w.Text + "\n")
		case *fyne.Container:
			for _, c := range w.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(w.Content)
		}
	}
	walk(p.Content)
	return b.String()
}

// TestLayout_TopBarFitsTheWindow: the top bar's items fit a 1280 px
// window, also with a test container's name in the connection label; an
// overflowing bar squeezed every screen (the Overview's cards overlapped,
// seen under Xvfb once the Connect button joined the bar).
func TestLayout_TopBarFitsTheWindow(t *testing.T) {
	u := newTestUI(t, server.Options{})
	u.locked(func() {
		u.shell.conn.SetText("test TestOrders_WithAVeryLon… · connected")
		require.LessOrEqual(t, u.shell.root.MinSize().Width, float32(1280), "the window content asks for more than 1280 px")
	})
}

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/ironlocal/ironlocal/app/model"
)

// tray is the system tray menu: status, open the window, copy the env,
// quit. With a tray, closing the window keeps ironlocal serving.
type tray struct {
	u      *UI
	desk   desktop.App
	menu   *fyne.Menu
	status *fyne.MenuItem
}

// EnableTray puts ironlocal in the system tray of desk and makes closing
// the window hide it instead of quitting. Call it only where a tray is
// shown (main decides: a desktop driver and, on Linux, a session bus).
func (u *UI) EnableTray(desk desktop.App, icon fyne.Resource) {
	t := &tray{u: u, desk: desk}
	t.status = fyne.NewMenuItem("", nil)
	t.status.Disabled = true
	open := fyne.NewMenuItem("Open ironlocal", func() {
		u.win.Show()
		u.win.RequestFocus()
	})
	copyEnv := fyne.NewMenuItem("Copy IRON_* exports", func() {
		c := u.client()
		u.copyText("IRON_* exports", model.IronEnv(c.URL(), c.Token(), c.Project()))
	})
	quit := fyne.NewMenuItem("Quit (stops ironlocal)", func() { u.app.Quit() })
	quit.IsQuit = true
	if u.be.Attached {
		quit.Label = "Quit"
	}
	t.menu = fyne.NewMenu("ironlocal", t.status, fyne.NewMenuItemSeparator(), open, copyEnv, fyne.NewMenuItemSeparator(), quit)
	u.tray = t
	t.update()
	if icon != nil {
		desk.SetSystemTrayIcon(icon)
	}
	desk.SetSystemTrayWindow(u.win)
	u.win.SetCloseIntercept(func() {
		u.win.Hide()
		u.notify("ironlocal keeps serving; the tray icon brings the window back")
	})
}

// update mirrors the connection state in the tray menu.
func (t *tray) update() {
	state := "connected"
	if !t.u.connected {
		state = "disconnected"
	}
	t.status.Label = "ironlocal · " + state + " · " + t.u.be.Client.URL()
	t.desk.SetSystemTrayMenu(t.menu)
}

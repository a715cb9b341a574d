package app

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// shell is the window's frame (DESIGN "The window"): the navigation rail on
// the left, the top bar (project selector, connection state, address with a
// copy button, the clock with its virtual badge), a banner when the
// connection is lost, the main area, and non-modal notices at the bottom
// right.
type shell struct {
	root       fyne.CanvasObject
	nav        *escList
	main       *fyne.Container
	project    *widget.Select
	conn       *widget.Label
	addr       *widget.Label
	clock      *widget.Label
	virtual    *widget.Label
	theme      *widget.Select
	banner     *fyne.Container
	bannerText *widget.Label
	notices    *fyne.Container
	// shown keeps the last notices' texts (what tests read).
	shown []string
}

const noticeLife = 6 * time.Second

func newShell(u *UI) *shell {
	s := &shell{main: container.NewStack()}
	s.nav = newEscList(func() { u.escape() },
		func() int { return len(u.screens) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.HomeIcon()), widget.NewLabel("Data & settings"))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			box := o.(*fyne.Container)
			box.Objects[0].(*widget.Icon).SetResource(u.screens[id].icon())
			box.Objects[1].(*widget.Label).SetText(u.screens[id].title())
		})
	s.nav.OnSelected = func(id widget.ListItemID) {
		if id != u.current {
			u.show(id)
		}
	}

	s.project = widget.NewSelect(u.projects, func(p string) { u.setProject(p) })
	s.project.SetSelected(u.project)
	mode := "embedded"
	if u.be.Attached {
		mode = "attached"
	}
	s.conn = widget.NewLabel(mode + " · connecting…")
	s.addr = widget.NewLabel(u.be.Client.URL())
	copyAddr := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { u.copyText("Address", u.be.Client.URL()) })
	s.clock = widget.NewLabel("")
	s.virtual = widget.NewLabelWithStyle("virtual clock", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.virtual.Importance = widget.WarningImportance
	s.virtual.Hide()
	s.theme = widget.NewSelect([]string{themeSystem, themeLight, themeDark}, func(v string) { u.setTheme(v) })
	s.theme.SetSelected(u.themeChoice())
	about := widget.NewButtonWithIcon("", theme.InfoIcon(), func() { u.showAbout() })

	top := container.NewHBox(
		widget.NewLabelWithStyle("ironlocal", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabel("project"), container.New(fixedWidth(250), s.project),
		layout.NewSpacer(),
		s.conn, s.addr, copyAddr, s.clock, s.virtual, s.theme, about)

	s.bannerText = widget.NewLabel("")
	s.bannerText.Importance = widget.DangerImportance
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameError))
	bg.FillColor = withAlpha(theme.Color(theme.ColorNameError), 0x30)
	s.banner = container.NewStack(bg, container.NewPadded(s.bannerText))
	s.banner.Hide()

	s.notices = container.NewVBox()
	overlay := container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), s.notices), nil, nil)
	s.root = container.NewBorder(
		container.NewVBox(top, widget.NewSeparator(), s.banner),
		nil,
		container.NewHBox(s.nav, widget.NewSeparator()),
		nil,
		container.NewStack(s.main, overlay))
	return s
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// showClock shows ironlocal's time, with the badge when it is virtual; the
// label is left alone (no repaint) when it shows that time already.
func (s *shell) showClock(now time.Time, virtual bool) {
	text := now.Local().Format("15:04:05")
	if virtual {
		text = now.Local().Format("2006-01-02 15:04:05")
		s.virtual.Show()
	} else {
		s.virtual.Hide()
	}
	if s.clock.Text != text {
		s.clock.SetText(text)
	}
}

// setConnected shows the connection state and the banner when it is lost.
func (u *UI) setConnected(ok bool, why string) {
	if ok == u.connected && (ok || u.shell.banner.Visible()) {
		return
	}
	u.connected = ok
	mode := "embedded"
	if u.be.Attached {
		mode = "attached"
	}
	if ok {
		u.shell.conn.SetText(mode + " · connected")
		u.shell.conn.Importance = widget.SuccessImportance
		u.shell.banner.Hide()
	} else {
		u.shell.conn.SetText(mode + " · disconnected")
		u.shell.conn.Importance = widget.DangerImportance
		u.shell.bannerText.SetText("Lost the connection to " + u.be.Client.URL() + " (" + why + "); reconnecting…")
		u.shell.banner.Show()
	}
	u.shell.conn.Refresh()
	if u.tray != nil {
		u.tray.update()
	}
}

// notify shows a non-modal notice that goes away by itself.
func (u *UI) notify(msg string) { u.notice(msg, widget.MediumImportance) }

// notifyError shows a failed call: what was attempted and ironlocal's msg.
func (u *UI) notifyError(what string, err error) {
	u.notice("Could not "+what+": "+errorText(err), widget.DangerImportance)
}

func (u *UI) notice(msg string, imp widget.Importance) {
	s := u.shell
	s.shown = append(s.shown, msg)
	if len(s.shown) > 50 {
		s.shown = s.shown[len(s.shown)-50:]
	}
	label := widget.NewLabel(msg)
	label.Importance = imp
	label.Wrapping = fyne.TextWrapWord
	var card *fyne.Container
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.notices.Remove(card) })
	closeBtn.Importance = widget.LowImportance
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	bg.StrokeWidth = 1
	bg.CornerRadius = theme.InputRadiusSize()
	body := container.NewBorder(nil, nil, nil, closeBtn, label)
	card = container.New(fixedWidth(380), container.NewStack(bg, container.NewPadded(body)))
	s.notices.Add(card)
	for len(s.notices.Objects) > 4 {
		s.notices.Remove(s.notices.Objects[0])
	}
	time.AfterFunc(noticeLife, func() { u.onUI(func() { s.notices.Remove(card) }) })
}

// fixedWidth lays its objects out at a fixed width and their own height
// (wrapped labels then grow downwards).
type fixedWidth float32

func (w fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	var h float32
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

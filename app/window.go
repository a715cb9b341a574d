package app

import (
	"image/color"
	"strings"
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
	bannerBg   *canvas.Rectangle
	bannerText *tapLabel
	bannerWhy  string // the raw error behind the banner
	// notices is the status strip: the latest notice and its close button.
	notices     *fyne.Container
	noticeText  *tapLabel
	noticeClose *widget.Button
	noticeFull  string
	noticeGen   int
	popup       *widget.PopUp // the last text pop-up (tests)
	// shown keeps the last notices' texts (what tests read).
	shown []string
}

const noticeLife = 6 * time.Second

// mainMin is the most the main area asks of the window: a screen whose
// content is wider or taller is clipped, never the window resized.
var mainMin = fyne.NewSize(720, 420)

// paint sets the colours the shell draws itself (not through a widget):
// at start and after a theme change.
func (s *shell) paint() {
	s.bannerBg.FillColor = withAlpha(theme.Color(theme.ColorNameError), 0x30)
	s.bannerBg.Refresh()
}

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
	s.conn = widget.NewLabel(u.connMode() + " · connecting…")
	s.addr = widget.NewLabel(u.be.Client.URL())
	copyAddr := widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() { u.copyText("Address", u.be.Client.URL()) })
	s.clock = widget.NewLabel("")
	s.virtual = widget.NewLabelWithStyle("virtual clock", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.virtual.Importance = widget.WarningImportance
	s.virtual.Hide()
	s.theme = widget.NewSelect([]string{themeSystem, themeLight, themeDark}, func(v string) { u.setTheme(v) })
	s.theme.SetSelected(u.themeChoice())
	about := widget.NewButtonWithIcon("", theme.InfoIcon(), func() { u.showAbout() })

	// Everything fits 1280 px: the project list says what it is in its
	// placeholder, and the theme choice is as wide as its longest item.
	s.project.PlaceHolder = "project"
	top := container.NewHBox(
		widget.NewLabelWithStyle("ironlocal", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.New(fixedWidth(236), s.project),
		layout.NewSpacer(),
		u.conn.button, s.conn, s.addr, copyAddr, s.clock, s.virtual, container.New(fixedWidth(104), s.theme), about)

	// The banner lies over the top of the main area (it never pushes the
	// content down under the pointer); the raw error is one tap away.
	s.bannerText = newTapLabel("", func() { u.showText("Connection error", s.bannerWhy) })
	s.bannerText.Importance = widget.DangerImportance
	s.bannerText.Wrapping = fyne.TextWrapWord
	s.bannerBg = canvas.NewRectangle(color.Transparent)
	s.banner = container.NewStack(s.bannerBg, container.NewPadded(s.bannerText))
	s.banner.Hide()

	// Notices live in a status strip of their own at the bottom of the
	// window: they cover no button, and the strip keeps its height whether
	// a notice shows or not.
	s.noticeText = newTapLabel("", func() { u.showText("Notice", s.noticeFull) })
	s.noticeText.Truncation = fyne.TextTruncateEllipsis
	s.noticeClose = widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.clearNotice() })
	s.noticeClose.Importance = widget.LowImportance
	s.noticeClose.Hide()
	s.notices = container.NewBorder(nil, nil, nil, s.noticeClose, s.noticeText)
	strip := container.NewVBox(widget.NewSeparator(), s.notices)

	s.root = container.NewBorder(
		container.NewVBox(top, widget.NewSeparator(), u.inspect.root),
		strip,
		container.NewHBox(s.nav, widget.NewSeparator()),
		nil,
		container.NewStack(boundMin(s.main, mainMin), container.NewVBox(s.banner)))
	s.paint()
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
	mode := u.connMode()
	if ok {
		u.shell.conn.SetText(mode + " · connected")
		u.shell.conn.Importance = widget.SuccessImportance
		u.shell.banner.Hide()
	} else {
		u.shell.conn.SetText(mode + " · disconnected")
		u.shell.conn.Importance = widget.DangerImportance
		u.shell.bannerWhy = why
		u.shell.bannerText.SetText(disconnectedText(u.be.Client.URL()))
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
	s.noticeGen++
	gen := s.noticeGen
	s.noticeFull = msg
	s.noticeText.Importance = imp
	s.noticeText.SetText(firstLine(msg))
	s.noticeClose.Show()
	time.AfterFunc(noticeLife, func() {
		u.onUI(func() {
			if s.noticeGen == gen {
				s.clearNotice()
			}
		})
	})
}

// clearNotice empties the status strip (its close button, or the notice's
// time is up).
func (s *shell) clearNotice() {
	s.noticeFull = ""
	s.noticeText.SetText("")
	s.noticeClose.Hide()
}

// disconnectedText is the banner's line when ironlocal at addr stops
// answering (the Go dial error is one tap away, not the message).
func disconnectedText(addr string) string {
	return "ironlocal at " + addr + " stopped answering; reconnecting… (details)"
}

// firstLine is s up to its first line break, with … when more follows.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// showText opens a pop-up with the whole of a text that is elided where
// it shows, with a button copying it.
func (u *UI) showText(title, text string) {
	if text == "" {
		return
	}
	body := widget.NewLabel(text)
	body.Wrapping = fyne.TextWrapBreak
	body.Selectable = true
	var pop *widget.PopUp
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		u.app.Clipboard().SetContent(text)
		pop.Hide()
	})
	closeBtn := widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() { pop.Hide() })
	content := container.NewBorder(boldLabel(title), container.NewHBox(layout.NewSpacer(), copyBtn, closeBtn), nil, nil,
		container.NewVScroll(body))
	pop = widget.NewModalPopUp(content, u.win.Canvas())
	pop.Resize(fyne.NewSize(560, 320))
	pop.Show()
	u.shell.popup = pop
}

// linkButton is an id shown as a link: a flat button, its text aligned
// with the text around it, opening what the id names.
func linkButton(text string, open func()) *widget.Button {
	b := widget.NewButton(text, open)
	b.Importance = widget.LowImportance
	b.Alignment = widget.ButtonAlignLeading
	return b
}

// tapLabel is a label that runs onTap when tapped (an elided line whose
// whole text is one tap away).
type tapLabel struct {
	widget.Label
	onTap func()
}

func newTapLabel(text string, onTap func()) *tapLabel {
	l := &tapLabel{onTap: onTap}
	l.Text = text
	l.ExtendBaseWidget(l)
	return l
}

func (l *tapLabel) Tapped(*fyne.PointEvent) {
	if l.onTap != nil {
		l.onTap()
	}
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

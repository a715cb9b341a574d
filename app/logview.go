package app

import (
	"context"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
)

// logView shows a logBuffer: a virtualised list of lines that follows the
// end while output arrives (until the user scrolls up), a search that
// highlights matching lines and jumps between them, copy and save.
type logView struct {
	u       *UI
	buf     *model.LogBuffer
	list    *escList
	follow  *widget.Check
	search  *keyEntry
	matches *widget.Label
	note    *widget.Label
	root    fyne.CanvasObject
	name    string // file name offered by Save

	hits     map[int]bool
	hitOrder []int
	hitAt    int
	// autoOffset is the scroll offset after the last automatic scroll to
	// the end: a smaller offset later means the user scrolled up.
	autoOffset float32
}

func newLogView(u *UI) *logView {
	v := &logView{u: u, buf: model.NewLogBuffer(200_000), hits: map[int]bool{}}
	v.list = newEscList(func() { u.escape() },
		func() int { return v.buf.Len() },
		func() fyne.CanvasObject {
			l := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			l := o.(*widget.Label)
			if id >= v.buf.Len() {
				l.SetText("")
				return
			}
			l.Importance = widget.MediumImportance
			if v.hits[id] {
				l.Importance = widget.WarningImportance
			}
			l.SetText(v.buf.Line(id))
		})
	v.list.HideSeparators = true
	v.list.OnSelected = func(widget.ListItemID) { v.list.UnselectAll() }
	v.follow = widget.NewCheck("Follow", func(on bool) {
		if on {
			v.scrollToEnd()
		}
	})
	v.follow.Checked = true
	v.search = newKeyEntry(u, false)
	v.search.SetPlaceHolder("Search the log")
	v.search.OnChanged = func(string) { v.find(false) }
	v.search.OnSubmitted = func(string) { v.find(true) }
	v.matches = widget.NewLabel("")
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() { u.copyText("Log", v.buf.Text()) })
	saveBtn := widget.NewButtonWithIcon("Save…", theme.DocumentSaveIcon(), v.save)
	bar := container.NewBorder(nil, nil, boldLabel("Log"),
		container.NewHBox(v.matches, v.follow, copyBtn, saveBtn), v.search)
	v.note = widget.NewLabel("")
	v.note.Importance = widget.LowImportance
	v.note.Wrapping = fyne.TextWrapWord
	v.note.Hide()
	v.root = container.NewBorder(container.NewVBox(bar, v.note), nil, nil, nil, v.list)
	return v
}

// hint shows a line about the log above it ("" hides it).
func (v *logView) hint(s string) {
	v.note.SetText(s)
	if s == "" {
		v.note.Hide()
	} else {
		v.note.Show()
	}
}

// set replaces the output.
func (v *logView) set(text string) {
	v.buf.Set(text)
	v.changed()
}

// add appends output as it arrives.
func (v *logView) add(chunk string) {
	if v.follow.Checked && v.list.GetScrollOffset() < v.autoOffset-1 {
		v.follow.SetChecked(false) // the user scrolled up: stop following
	}
	v.buf.Append(chunk)
	v.changed()
}

func (v *logView) changed() {
	if v.search.Text != "" {
		v.find(false)
	}
	v.list.Refresh()
	if v.follow.Checked {
		v.scrollToEnd()
	}
}

func (v *logView) scrollToEnd() {
	// List scrolls through a scroller its renderer makes: MinSize makes
	// the renderer when the pane has not been drawn yet.
	v.list.MinSize()
	v.list.ScrollToBottom()
	v.autoOffset = v.list.GetScrollOffset()
}

// find highlights the lines matching the search; next jumps to the next
// one.
func (v *logView) find(next bool) {
	v.hitOrder = v.buf.Find(v.search.Text)
	v.hits = make(map[int]bool, len(v.hitOrder))
	for _, i := range v.hitOrder {
		v.hits[i] = true
	}
	switch {
	case v.search.Text == "":
		v.matches.SetText("")
	case len(v.hitOrder) == 0:
		v.matches.SetText("no match")
	default:
		v.matches.SetText(strconv.Itoa(len(v.hitOrder)) + " lines")
	}
	if next && len(v.hitOrder) > 0 {
		v.hitAt = (v.hitAt + 1) % len(v.hitOrder)
		v.follow.SetChecked(false)
		v.list.ScrollTo(v.hitOrder[v.hitAt])
	}
	v.list.Refresh()
}

// save writes the log to a file the user picks.
func (v *logView) save() {
	text := v.buf.Text()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		act(v.u, "save the log", func(context.Context) error { return writePrivate(path, []byte(text)) },
			func() { v.u.notify("Log saved to " + path) })
	}, v.u.win)
	d.SetFileName(v.name)
	d.Show()
}

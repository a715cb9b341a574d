package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// Esc closes the detail pane (DESIGN "The window"). Fyne hands keys to the
// focused widget, and a tapped table or list takes the focus, so the
// tables and lists pass Esc on instead of swallowing it.

// escTable is a widget.Table that hands Esc to esc (and, built by
// newColumnTable, sorts, resizes and shows whole cells: table.go).
type escTable struct {
	widget.Table
	esc func()

	// Set by newColumnTable (table.go).
	cols     []column
	rows     func() int
	cell     func(row, col int) (string, widget.Importance)
	fit      []int // runes each column shows at its first width
	sortCol  int   // -1: the screen's order
	sortDesc bool
	order    []int // table row → screen row while sorted
	peek     bool  // a right click is finding its cell
	peeked   *widget.TableCellID
	popup    *widget.PopUp // the last cell pop-up (tests)
	// painted is the theme generation each cell label was drawn in.
	painted map[*widget.Label]uint64
}

func newEscTable(esc func(), length func() (int, int), create func() fyne.CanvasObject,
	update func(widget.TableCellID, fyne.CanvasObject)) *escTable {
	t := &escTable{esc: esc}
	t.Length, t.CreateCell, t.UpdateCell = length, create, update
	t.ExtendBaseWidget(t)
	return t
}

func (t *escTable) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyEscape {
		t.esc()
		return
	}
	t.Table.TypedKey(e)
}

// escList is a widget.List that hands Esc to esc.
type escList struct {
	widget.List
	esc func()
}

func newEscList(esc func(), length func() int, create func() fyne.CanvasObject,
	update func(widget.ListItemID, fyne.CanvasObject)) *escList {
	l := &escList{esc: esc}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

func (l *escList) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeyEscape {
		l.esc()
		return
	}
	l.List.TypedKey(e)
}

// keyEntry is a widget.Entry that keeps the window's keys working while it
// has the focus: Ctrl+F and Ctrl+N reach the window (an Entry would
// swallow them), and Esc leaves the field and closes the detail pane.
type keyEntry struct {
	widget.Entry
	u *UI
}

func newKeyEntry(u *UI, multiLine bool) *keyEntry {
	e := &keyEntry{u: u}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if cs, ok := s.(*desktop.CustomShortcut); ok && e.u.windowShortcut(cs) {
		return
	}
	e.Entry.TypedShortcut(s)
}

func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.u.win.Canvas().Unfocus()
		e.u.escape()
		return
	}
	e.Entry.TypedKey(k)
}

package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// emptyState is what an empty list shows over itself: one line saying
// what the screen holds and how it fills, and the first action.
type emptyState struct {
	text   *widget.Label
	action *widget.Button
	box    *fyne.Container
}

func newEmptyState(text, action string, do func()) *emptyState {
	e := &emptyState{text: widget.NewLabel(text)}
	e.text.Wrapping = fyne.TextWrapWord
	e.text.Alignment = fyne.TextAlignCenter
	e.action = widget.NewButton(action, do)
	e.action.Importance = widget.HighImportance
	e.box = container.NewVBox(e.text, container.NewCenter(e.action))
	e.box.Hide()
	return e
}

// over lays the empty state over list.
func (e *emptyState) over(list fyne.CanvasObject) fyne.CanvasObject {
	return overList(list, container.NewPadded(e.box))
}

// overList lays an empty list's explanation over the middle of it: the
// rows stay uncovered, so the first row that arrives is where it belongs
// (and a click meant for it never lands on the first action).
func overList(list, empty fyne.CanvasObject) fyne.CanvasObject {
	return container.NewStack(list, container.NewVBox(layout.NewSpacer(), empty, layout.NewSpacer()))
}

// show shows or hides it.
func (e *emptyState) show(empty bool) {
	if empty == e.box.Visible() {
		return
	}
	if empty {
		e.box.Show()
	} else {
		e.box.Hide()
	}
}

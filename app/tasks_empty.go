package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
)

// The Tasks screen's empty state: one line saying what to do, the first
// action (New task) and the request that would fill the list.

func (s *tasksScreen) newEmptyState() *fyne.Container {
	s.emptyText = widget.NewLabel("")
	s.emptyText.Wrapping = fyne.TextWrapWord
	s.emptyText.Alignment = fyne.TextAlignCenter
	s.emptyCurl = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	s.emptyCurl.Wrapping = fyne.TextWrapBreak
	s.emptyCurl.Selectable = true
	queue := widget.NewButtonWithIcon("New task", theme.ContentAddIcon(), s.openNewTask)
	queue.Importance = widget.HighImportance
	copyCurl := widget.NewButtonWithIcon("Copy curl", theme.ContentCopyIcon(), func() {
		s.u.copyText("curl command", s.emptyCurl.Text)
	})
	s.emptyActions = container.NewVBox(container.NewCenter(container.NewHBox(queue, copyCurl)), s.emptyCurl)
	box := container.NewVBox(s.emptyText, s.emptyActions)
	c := container.NewPadded(container.NewVBox(box))
	c.Hide()
	return c
}

// showEmptyState shows or hides the empty state for the rows drawn (UI
// goroutine).
func (s *tasksScreen) showEmptyState() {
	s.mu.Lock()
	total := len(s.tasks)
	text := model.EmptyTasksText(total, len(s.visible), s.loading)
	s.mu.Unlock()
	if text == "" {
		s.empty.Hide()
		return
	}
	s.emptyText.SetText(text)
	if total == 0 {
		s.emptyCurl.SetText(model.QueueCurl(s.u.URL(), s.u.project))
		s.emptyActions.Show()
	} else {
		s.emptyActions.Hide()
	}
	s.empty.Show()
}

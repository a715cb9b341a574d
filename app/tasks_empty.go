package app

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The Tasks screen's empty state: one line saying what to do, the first
// action (New task) and the request that would fill the list.

// emptyTasksText is the line shown over an empty table ("" when the table
// has rows or is loading).
func emptyTasksText(total, visible int, loading bool) string {
	switch {
	case loading || visible > 0:
		return ""
	case total > 0:
		return fmt.Sprintf("No task matches the filter (%d hidden): clear the search or pick All statuses / All codes.", total)
	}
	return "No tasks yet. Queue one with New task (Ctrl+N), or from any Iron client or curl:"
}

// queueCurl is the curl command that queues a task in project through the
// Iron API at url (the token stays in $IRON_TOKEN: never shown).
func queueCurl(url, project string) string {
	return fmt.Sprintf(`curl -X POST -H "Authorization: OAuth $IRON_TOKEN" -H "Content-Type: application/json" `+
		`-d '{"tasks":[{"code_name":"CODE","payload":"{}"}]}' %s/2/projects/%s/tasks`, url, project)
}

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
	text := emptyTasksText(total, len(s.visible), s.loading)
	s.mu.Unlock()
	if text == "" {
		s.empty.Hide()
		return
	}
	s.emptyText.SetText(text)
	if total == 0 {
		s.emptyCurl.SetText(queueCurl(s.u.URL(), s.u.project))
		s.emptyActions.Show()
	} else {
		s.emptyActions.Hide()
	}
	s.empty.Show()
}

package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Bulk repair on the Tasks screen: retry or cancel every task the filter
// bar selects. The count comes first (a dry run of the control plane's
// bulk route), in one confirmation; the rules (which tasks an action
// applies to) are the server's.

// bulk counts the tasks action would change under the current filter,
// asks once, then acts (UI goroutine).
func (s *tasksScreen) bulk(action client.BulkAction) {
	s.mu.Lock()
	f := model.BulkFilter(s.filter)
	s.mu.Unlock()
	c := s.u.client()
	run(s.u, "count the tasks", func(ctx context.Context) (client.BulkResult, error) {
		return c.BulkTasks(ctx, action, f, true)
	}, func(r client.BulkResult) {
		title, question, note := model.BulkQuestion(action, r)
		if question == "" {
			s.u.notify(note)
			return
		}
		do := func() {
			run(s.u, string(action)+" the tasks", func(ctx context.Context) (client.BulkResult, error) {
				return c.BulkTasks(ctx, action, f, false)
			}, func(r client.BulkResult) { s.u.notify(model.BulkDone(action, r)) })
		}
		s.asked = &asked{title: title, question: question, do: do}
		s.u.confirm(title, question, do)
	})
}

// asked is the last confirmation the screen showed (tests answer it).
type asked struct {
	title, question string
	do              func()
}

// showBulkMenu offers the bulk actions under the Bulk… button.
func (s *tasksScreen) showBulkMenu() {
	menu := fyne.NewMenu("",
		fyne.NewMenuItem("Retry the failed tasks matching the filter…", func() { s.bulk(client.BulkRetry) }),
		fyne.NewMenuItem("Cancel the queued and running tasks matching the filter…", func() { s.bulk(client.BulkCancel) }))
	widget.ShowPopUpMenuAtRelativePosition(menu, s.u.win.Canvas(), fyne.NewPos(0, s.bulkBtn.Size().Height), s.bulkBtn)
}

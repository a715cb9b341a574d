package app

import (
	"context"
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// Bulk repair on the Tasks screen: retry or cancel every task the filter
// bar selects. The count comes first (a dry run of the control plane's
// bulk route), in one confirmation; the rules (which tasks an action
// applies to) are the server's.

// bulkFilter is the server-side form of the screen's filter.
func bulkFilter(f model.TaskFilter) client.BulkFilter {
	bf := client.BulkFilter{CodeName: f.Code, Query: f.Text}
	if f.Status != "" {
		bf.Statuses = []client.TaskStatus{f.Status}
	}
	return bf
}

// bulkQuestion is the confirmation of a bulk action after its dry run
// ("" when nothing would change: then none is asked, and note says so).
func bulkQuestion(action client.BulkAction, r client.BulkResult) (title, question, note string) {
	of := fmt.Sprintf("%d of the %d tasks matching the filter", r.Eligible, r.Matched)
	if r.Eligible == r.Matched {
		of = fmt.Sprintf("the %d tasks matching the filter", r.Matched)
		if r.Matched == 1 {
			of = "the task matching the filter"
		}
	}
	switch action {
	case client.BulkRetry:
		if r.Eligible == 0 {
			if r.Matched == 1 {
				return "", "", "Nothing to retry: the task matching the filter has not failed, or was retried already."
			}
			return "", "", "Nothing to retry: none of the " + model.Counted(r.Matched, "task") +
				" matching the filter failed without being retried already."
		}
		return "Retry tasks", fmt.Sprintf("Retry %s (failed, not retried yet)? Each is queued again as a linked copy.", of), ""
	default:
		if r.Eligible == 0 {
			if r.Matched == 1 {
				return "", "", "Nothing to cancel: the task matching the filter is neither queued nor running."
			}
			return "", "", "Nothing to cancel: none of the " + model.Counted(r.Matched, "task") + " matching the filter is queued or running."
		}
		return "Cancel tasks", fmt.Sprintf("Cancel %s (queued or running)?", of), ""
	}
}

// bulkDone is the notice after a bulk action.
func bulkDone(action client.BulkAction, r client.BulkResult) string {
	verb := "Cancelled"
	if action == client.BulkRetry {
		verb = "Retried"
	}
	s := verb + " " + taskCount(r.Done)
	if r.Remaining > 0 {
		verb := " more match"
		if r.Remaining == 1 {
			verb = " more matches"
		}
		s += "; " + strconv.Itoa(r.Remaining) + verb + ": run it again"
	}
	return s
}

// bulk counts the tasks action would change under the current filter,
// asks once, then acts (UI goroutine).
func (s *tasksScreen) bulk(action client.BulkAction) {
	s.mu.Lock()
	f := bulkFilter(s.filter)
	s.mu.Unlock()
	c := s.u.client()
	run(s.u, "count the tasks", func(ctx context.Context) (client.BulkResult, error) {
		return c.BulkTasks(ctx, action, f, true)
	}, func(r client.BulkResult) {
		title, question, note := bulkQuestion(action, r)
		if question == "" {
			s.u.notify(note)
			return
		}
		do := func() {
			run(s.u, string(action)+" the tasks", func(ctx context.Context) (client.BulkResult, error) {
				return c.BulkTasks(ctx, action, f, false)
			}, func(r client.BulkResult) { s.u.notify(bulkDone(action, r)) })
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

// taskCount is "1 task" or "n tasks".
func taskCount(n int) string { return model.Counted(n, "task") }

// showBulkMenu offers the bulk actions under the Bulk… button.
func (s *tasksScreen) showBulkMenu() {
	menu := fyne.NewMenu("",
		fyne.NewMenuItem("Retry the failed tasks matching the filter…", func() { s.bulk(client.BulkRetry) }),
		fyne.NewMenuItem("Cancel the queued and running tasks matching the filter…", func() { s.bulk(client.BulkCancel) }))
	widget.ShowPopUpMenuAtRelativePosition(menu, s.u.win.Canvas(), fyne.NewPos(0, s.bulkBtn.Size().Height), s.bulkBtn)
}

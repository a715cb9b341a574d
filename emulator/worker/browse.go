package worker

import (
	"context"
	"slices"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// Browsing for the control plane: every task of a project, newest first,
// page by page (the Iron list stops at 100 pages of 100).

// Browse limits: a page holds at most MaxBrowseLimit tasks, and one call
// examines at most BrowseScanBudget (a filter with few matches returns a
// short page and a cursor to go on from).
const (
	DefaultBrowseLimit = 100
	MaxBrowseLimit     = 1000
	BrowseScanBudget   = 10000
)

// TaskBrowse selects a page: tasks older than task Before ("" = from the
// newest), at most Limit, of code CodeName and in one of Statuses when
// set, matching Search (case-insensitive, in the id, code name, label,
// msg or payload) when set.
type TaskBrowse struct {
	Before   string
	Limit    int
	CodeName string
	Statuses []emulator.TaskStatus
	Search   string
}

// TaskPage is one page of tasks. When More is set, Next is the cursor of
// the next page (the last task examined).
type TaskPage struct {
	Tasks []emulator.Task
	Next  string
	More  bool
}

// BrowseTasks returns a page of the project's tasks, newest first.
func (s *Service) BrowseTasks(ctx context.Context, project string, tb TaskBrowse) (TaskPage, error) {
	limit := tb.Limit
	if limit <= 0 {
		limit = DefaultBrowseLimit
	}
	limit = min(limit, MaxBrowseLimit)
	search := strings.ToLower(tb.Search)
	var page TaskPage
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		page = TaskPage{}
		scanned := 0
		return tx.TasksBefore(project, tb.CodeName, tb.Before, func(t emulator.Task) (bool, error) {
			if len(page.Tasks) == limit || scanned == BrowseScanBudget {
				page.More = true
				return false, nil
			}
			scanned++
			page.Next = t.ID
			if len(tb.Statuses) > 0 && !slices.Contains(tb.Statuses, t.Status) || search != "" && !taskMatches(t, search) {
				return true, nil
			}
			page.Tasks = append(page.Tasks, t)
			return true, nil
		})
	})
	if !page.More {
		page.Next = ""
	}
	return page, err
}

func taskMatches(t emulator.Task, lower string) bool {
	for _, f := range []string{t.ID, t.CodeName, t.Label, t.Msg, t.Payload} {
		if strings.Contains(strings.ToLower(f), lower) {
			return true
		}
	}
	return false
}

// Projects lists the projects that have a code, a task or a schedule.
func (s *Service) Projects(ctx context.Context) ([]string, error) {
	var out []string
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		out, err = tx.WorkerProjects()
		return err
	})
	return out, err
}

// ProjectCounts counts the project's codes, schedules and tasks by status
// from index keys alone (no record is read).
func (s *Service) ProjectCounts(ctx context.Context, project string) (emulator.WorkerCounts, error) {
	var c emulator.WorkerCounts
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		c, err = tx.WorkerCounts(project)
		return err
	})
	return c, err
}

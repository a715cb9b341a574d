package worker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Bulk repair for the control plane: retry or cancel every task a filter
// selects, the count first (a dry run) so a person confirms a number.

// BulkAction is what Bulk does to each selected task.
type BulkAction string

const (
	// BulkRetry retries each task that failed (error, timeout or killed:
	// the statuses automatic retries apply to) and was not retried yet,
	// as the retry route does (a linked copy, queued now).
	BulkRetry BulkAction = "retry"
	// BulkCancel cancels each queued or running task, as the cancel route
	// does.
	BulkCancel BulkAction = "cancel"
)

// MaxBulkTasks bounds how many tasks one Bulk call acts on; Remaining
// says how many more a second call would take.
const MaxBulkTasks = 10000

// BulkFilter selects tasks as the Tasks screen and the browse route do.
// Zero fields match everything; several statuses match any of them.
type BulkFilter struct {
	CodeName string
	Statuses []emulator.TaskStatus
	Label    string
	// Search matches (case-insensitively) the id, code name, label, msg
	// or payload.
	Search string
	// From and To bound created_at; zero = open.
	From, To time.Time
}

// BulkResult counts what Bulk found and did: Matched tasks pass the
// filter, Eligible of them the action applies to, Done were acted on (0
// in a dry run), Remaining eligible ones were left for another call (over
// MaxBulkTasks).
type BulkResult struct {
	Matched, Eligible, Done, Remaining int
}

// Bulk retries or cancels every task of the project that f selects and
// the action applies to (newest first); with dryRun it only counts them.
func (s *Service) Bulk(ctx context.Context, project string, action BulkAction, f BulkFilter, dryRun bool) (BulkResult, error) {
	var eligible func(emulator.Task) bool
	switch action {
	case BulkRetry:
		eligible = func(t emulator.Task) bool { return t.Status.Retryable() && t.RetryTaskID == "" }
	case BulkCancel:
		eligible = func(t emulator.Task) bool { return !t.Status.Terminal() }
	default:
		return BulkResult{}, emulator.Invalid("action must be retry or cancel")
	}
	for _, st := range f.Statuses {
		if !slices.Contains(emulator.TaskStatuses, st) {
			return BulkResult{}, emulator.Invalid("unknown task status %q", st)
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return BulkResult{}, emulator.Invalid("to_time is before from_time")
	}
	var res BulkResult
	var ids []string
	search := strings.ToLower(f.Search)
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		res, ids = BulkResult{}, ids[:0]
		return tx.TasksBefore(project, f.CodeName, "", func(t emulator.Task) (bool, error) {
			if !bulkMatches(t, f, search) {
				return true, ctx.Err()
			}
			res.Matched++
			if eligible(t) {
				res.Eligible++
				if len(ids) < MaxBulkTasks {
					ids = append(ids, t.ID)
				}
			}
			return true, ctx.Err()
		})
	})
	if err != nil || dryRun {
		return res, err
	}
	for _, id := range ids {
		var done bool
		switch action {
		case BulkRetry:
			done, err = s.retryFailed(ctx, project, id)
		case BulkCancel:
			done, err = s.cancelUnfinished(ctx, project, id)
		}
		if errors.Is(err, emulator.ErrNotFound) {
			continue // deleted meanwhile (reset)
		}
		if err != nil {
			return res, err
		}
		if done {
			res.Done++
		}
	}
	res.Remaining = res.Eligible - len(ids)
	return res, nil
}

func bulkMatches(t emulator.Task, f BulkFilter, search string) bool {
	switch {
	case len(f.Statuses) > 0 && !slices.Contains(f.Statuses, t.Status),
		f.Label != "" && t.Label != f.Label,
		!f.From.IsZero() && t.CreatedAt.Before(f.From),
		!f.To.IsZero() && t.CreatedAt.After(f.To),
		search != "" && !taskMatches(t, search):
		return false
	}
	return true
}

// retryFailed retries a task if it still failed and was not retried (it
// may have changed since the scan).
func (s *Service) retryFailed(ctx context.Context, project, id string) (bool, error) {
	var retry emulator.Task
	done := false
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		done = false
		t, err := tx.Task(project, id)
		if err != nil || !t.Status.Retryable() || t.RetryTaskID != "" {
			return err
		}
		retry, err = s.retryOf(tx, t, 0, t.RetryCount)
		done = err == nil
		return err
	})
	if err != nil || !done {
		return false, err
	}
	s.disp.enqueue(retry)
	s.publish(taskEvent(emulator.EventTaskQueued, retry))
	return true, nil
}

// cancelUnfinished cancels a task if it is still queued or running.
func (s *Service) cancelUnfinished(ctx context.Context, project, id string) (bool, error) {
	t, err := s.GetTask(ctx, project, id)
	if err != nil || t.Status.Terminal() {
		return false, err
	}
	return true, s.CancelTask(ctx, project, id)
}

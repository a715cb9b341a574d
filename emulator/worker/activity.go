package worker

import (
	"context"
	"slices"
	"sync"

	"github.com/ironlocal/ironlocal/emulator"
)

// Bounds of the activity log: the last MaxActivityPerTask requests of each
// of the last MaxActivityTasks tasks that made any.
const (
	MaxActivityPerTask = 200
	MaxActivityTasks   = 1000
)

// activityLog holds what tasks did through their tokens' requests, in
// memory: it is a debugging aid, bounded, lost at a restart (the tokens
// are too) and cleared by reset. Keeping it out of the store keeps
// every request a task makes free of a write.
type activityLog struct {
	mu     sync.Mutex
	byTask map[string][]emulator.TaskActivity
	order  []string // task ids, oldest first (eviction order)
}

func newActivityLog() *activityLog {
	return &activityLog{byTask: map[string][]emulator.TaskActivity{}}
}

func (l *activityLog) add(taskID string, a emulator.TaskActivity) {
	l.mu.Lock()
	defer l.mu.Unlock()
	list, ok := l.byTask[taskID]
	if !ok {
		if len(l.order) >= MaxActivityTasks {
			delete(l.byTask, l.order[0])
			l.order = slices.Delete(l.order, 0, 1)
		}
		l.order = append(l.order, taskID)
	}
	if len(list) >= MaxActivityPerTask {
		list = slices.Delete(list, 0, len(list)-MaxActivityPerTask+1)
	}
	l.byTask[taskID] = append(list, a)
}

func (l *activityLog) list(taskID string) []emulator.TaskActivity {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.byTask[taskID])
}

func (l *activityLog) reset() {
	l.mu.Lock()
	clear(l.byTask)
	l.order = nil
	l.mu.Unlock()
}

// RecordActivity records a request a task made with its token against the
// task. Only requests for the task's own project count (permissive mode
// lets the token reach others, as any token); a failed request (not 2xx)
// touched nothing, so it keeps its method, path and status only. It never
// blocks on the store.
func (s *Service) RecordActivity(tok emulator.TaskToken, project string, a emulator.TaskActivity) {
	if tok.TaskID == "" || project != "" && project != tok.Project {
		return
	}
	if a.Status < 200 || a.Status > 299 {
		a.Kind, a.Queue, a.Cache, a.Key, a.TaskIDs, a.MessageIDs = "", "", "", "", nil, nil
	}
	a.At = s.clock.Now()
	s.activity.add(tok.TaskID, a)
}

// Activity lists what a task did through its token's requests, oldest
// first (the last MaxActivityPerTask). An unknown task is NotFound.
func (s *Service) Activity(ctx context.Context, project, id string) ([]emulator.TaskActivity, error) {
	if err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		_, err := tx.Task(project, id)
		return err
	}); err != nil {
		return nil, err
	}
	return s.activity.list(id), nil
}

package worker

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// NewTask is one task of a queue request (spec §3.3). Nil fields take
// defaults.
type NewTask struct {
	CodeName   string
	Payload    string
	Priority   *int
	Timeout    *int
	Delay      *int
	Cluster    string
	Label      string
	ScheduleID string
	// Source says what queued the task; empty: a schedule when ScheduleID
	// is set, a trigger binding when Label is "trigger:<binding id>" (what
	// the plugin host sets), else the API.
	Source emulator.TaskSource
	// SourceID names what Source names (with Source only).
	SourceID string
	// Debug runs the task for a debugger (an ironlocal extension): no
	// timeout, its code's debug command, a debug port on 127.0.0.1.
	Debug bool
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Service) validateNewTask(nt NewTask) error {
	if nt.CodeName == "" {
		return emulator.Invalid("code_name is required")
	}
	if len(nt.Payload) > MaxPayloadBytes {
		return emulator.TooLarge("payload is %d bytes, over the %d byte limit", len(nt.Payload), MaxPayloadBytes)
	}
	if d := nt.Delay; d != nil && (*d < 0 || *d > MaxDelay) {
		return emulator.Invalid("delay must be between 0 and %d seconds", MaxDelay)
	}
	if t := nt.Timeout; t != nil && *t < 0 {
		return emulator.Invalid("timeout must not be negative")
	}
	return nil
}

// QueueTasks queues a batch of tasks; the batch is all-or-nothing.
func (s *Service) QueueTasks(ctx context.Context, project string, batch []NewTask) ([]emulator.Task, error) {
	if len(batch) == 0 {
		return nil, emulator.Invalid("tasks must be a non-empty array")
	}
	if len(batch) > MaxTasksPerQueue {
		return nil, emulator.Invalid("Too many tasks: at most %d per request", MaxTasksPerQueue)
	}
	for _, nt := range batch {
		if err := s.validateNewTask(nt); err != nil {
			return nil, err
		}
	}
	// Chaos mode's delays are drawn before the transaction, which may run
	// more than once, so each task takes one chance.
	delays := s.chaosDelays(batch)
	var tasks []emulator.Task
	codes := map[string]emulator.CodePackage{}
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		tasks = tasks[:0]
		for i, nt := range batch {
			code, err := tx.CodeByName(project, nt.CodeName)
			if err != nil {
				return err
			}
			codes[code.ID] = code
			t := s.newTask(code, nt)
			if d := delays[i]; d > 0 && t.RunnableAt.Before(t.CreatedAt.Add(d)) {
				t.RunnableAt = t.CreatedAt.Add(d)
			}
			if err := tx.PutTask(nil, t); err != nil {
				return err
			}
			tasks = append(tasks, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The dispatcher learns a code's limits when it first sees it: after a
	// restart only codes with recovered tasks are known.
	for _, c := range codes {
		s.disp.codeChanged(c)
	}
	for _, t := range tasks {
		s.disp.enqueue(t)
		s.publish(taskEvent(emulator.EventTaskQueued, t))
	}
	return tasks, nil
}

// chaosDelays draws chaos mode's start delay of each task of a batch.
func (s *Service) chaosDelays(batch []NewTask) []time.Duration {
	delays := make([]time.Duration, len(batch))
	if s.cfg.Chaos == nil {
		return delays
	}
	for i, nt := range batch {
		if inject, d := s.cfg.Chaos.Chance(emulator.ChaosDelayTask, nt.CodeName); inject {
			delays[i] = d
		}
	}
	return delays
}

// QueueTask queues one task with default settings; IronMQ's ironworker://
// push subscribers use it.
func (s *Service) QueueTask(ctx context.Context, project, codeName, payload string) (string, error) {
	tasks, err := s.QueueTasks(ctx, project, []NewTask{{CodeName: codeName, Payload: payload, Source: emulator.SourcePush}})
	if err != nil {
		return "", err
	}
	return tasks[0].ID, nil
}

func (s *Service) newTask(code emulator.CodePackage, nt NewTask) emulator.Task {
	now := s.clock.Now()
	t := emulator.Task{
		ID: s.ids.ObjectID(), Project: code.Project, CodeID: code.ID, CodeHistoryID: code.LatestHistoryID,
		CodeName: code.Name, CodeRev: code.Rev, Status: emulator.TaskQueued, Payload: nt.Payload,
		Priority: code.DefaultPriority, Timeout: DefaultTimeout, Cluster: nt.Cluster, Label: nt.Label,
		ScheduleID: nt.ScheduleID, CreatedAt: now, UpdatedAt: now, RunnableAt: now, Seq: s.seq.Add(1),
	}
	// Priorities outside 0–2 mean "unset" (ironcli sends -3).
	if p := nt.Priority; p != nil && *p >= 0 && *p <= 2 {
		t.Priority = *p
	}
	if v := nt.Timeout; v != nil && *v > 0 {
		t.Timeout = *v
	}
	t.Timeout = min(t.Timeout, s.cfg.MaxTimeout)
	if v := nt.Delay; v != nil && *v > 0 {
		t.Delay = *v
		t.RunnableAt = now.Add(time.Duration(*v) * time.Second)
	}
	if t.Cluster == "" {
		t.Cluster = "default"
	}
	t.Debug = nt.Debug
	t.Source, t.SourceID = nt.Source, nt.SourceID
	switch {
	case t.Source != "":
	case nt.ScheduleID != "":
		t.Source, t.SourceID = emulator.SourceSchedule, nt.ScheduleID
	case strings.HasPrefix(nt.Label, "trigger:"):
		t.Source, t.SourceID = emulator.SourceTrigger, strings.TrimPrefix(nt.Label, "trigger:")
	default:
		t.Source = emulator.SourceAPI
	}
	return t
}

func taskEvent(typ emulator.EventType, t emulator.Task) emulator.Event {
	return emulator.Event{Type: typ, Project: t.Project, TaskID: t.ID, Code: t.CodeName,
		Attrs: map[string]any{"status": string(t.Status), "msg": t.Msg}}
}

// GetTask returns a task.
func (s *Service) GetTask(ctx context.Context, project, id string) (emulator.Task, error) {
	var t emulator.Task
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		t, err = tx.Task(project, id)
		return err
	})
	return t, err
}

// ListTasks lists tasks newest first.
func (s *Service) ListTasks(ctx context.Context, project string, f emulator.TaskFilter, p, perPage int) ([]emulator.Task, error) {
	offset, limit := page(p, perPage)
	var out []emulator.Task
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		out, err = tx.ListTasks(project, f, offset, limit)
		return err
	})
	return out, err
}

// Log returns the task's output (stdout and stderr interleaved, or stdout
// only). Until the task has finished it answers "Log not found", as the
// clients expect, unless live logs are on.
func (s *Service) Log(ctx context.Context, project, id string, stdoutOnly bool) ([]byte, error) {
	var out bytes.Buffer
	err := s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		t, err := tx.Task(project, id)
		if err != nil {
			return err
		}
		if !t.Status.Terminal() && !s.cfg.LiveLogs {
			return emulator.NotFound("Log not found")
		}
		chunks, err := tx.Log(project, id)
		for _, c := range chunks {
			if !stdoutOnly || !c.Stderr {
				out.Write(c.Data)
			}
		}
		return err
	})
	return out.Bytes(), err
}

// CancelTask cancels a queued task at once, or stops a running one (it is
// marked cancelled when its runner returns). A finished task keeps its
// status and the call succeeds: the official Python client's own test
// cancels every task in the list, finished ones included (spec §3.3).
func (s *Service) CancelTask(ctx context.Context, project, id string) error {
	var t emulator.Task
	running, cancelled := false, false
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		running, cancelled = false, false
		if t, err = tx.Task(project, id); err != nil {
			return err
		}
		switch t.Status {
		case emulator.TaskRunning:
			running = true
			return nil
		case emulator.TaskQueued:
			old := t
			now := s.clock.Now()
			t.Status, t.Msg, t.UpdatedAt, t.EndTime = emulator.TaskCancelled, "Cancelled", now, now
			cancelled = true
			return tx.PutTask(&old, t)
		}
		return nil // already finished: nothing to do
	})
	if err != nil {
		return err
	}
	if running {
		s.disp.stop(id, stopCancel)
		return nil
	}
	if !cancelled {
		return nil
	}
	s.disp.dequeue(t)
	s.publish(taskEvent(emulator.EventTaskFinished, t))
	return nil
}

// SetProgress records a running task's percent and message.
func (s *Service) SetProgress(ctx context.Context, project, id string, percent int, msg string) error {
	if percent < 0 || percent > 100 {
		return emulator.Invalid("percent must be between 0 and 100")
	}
	if len(msg) > MaxPayloadBytes {
		return emulator.TooLarge("msg is over the %d byte limit", MaxPayloadBytes)
	}
	var t emulator.Task
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		var err error
		if t, err = tx.Task(project, id); err != nil {
			return err
		}
		old := t
		t.Percent, t.Msg, t.UpdatedAt = percent, msg, s.clock.Now()
		return tx.PutTask(&old, t)
	})
	if err != nil {
		return err
	}
	s.publish(emulator.Event{Type: emulator.EventTaskProgress, Project: project, TaskID: id, Code: t.CodeName,
		Attrs: map[string]any{"percent": percent, "msg": msg}})
	return nil
}

// RetryTask queues a copy of a task after delay seconds, linking the two
// (original_task_id / retry_task_id). Any task can be retried: one still
// queued or running keeps going (spec §3.3; the official Python client's own
// test retries a task right after queueing it). A task retried by hand gets
// no automatic retry when it fails: it already has one.
func (s *Service) RetryTask(ctx context.Context, project, id string, delay int) (emulator.Task, error) {
	if delay < 0 || delay > MaxDelay {
		return emulator.Task{}, emulator.Invalid("delay must be between 0 and %d seconds", MaxDelay)
	}
	var retry emulator.Task
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		t, err := tx.Task(project, id)
		if err != nil {
			return err
		}
		retry, err = s.retryOf(tx, t, delay, t.RetryCount)
		return err
	})
	if err != nil {
		return emulator.Task{}, err
	}
	s.disp.enqueue(retry)
	s.publish(taskEvent(emulator.EventTaskQueued, retry))
	return retry, nil
}

// DebugAgain queues a debug run of a task exactly as it ran: the same code
// revision, payload, priority, timeout, label and cluster, and the image,
// command, config and env vars it started with (a task that never started
// takes its code's of the moment). The new task's source names the old one.
func (s *Service) DebugAgain(ctx context.Context, project, id string) (emulator.Task, error) {
	var again emulator.Task
	var code emulator.CodePackage
	err := s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		t, err := tx.Task(project, id)
		if err != nil {
			return err
		}
		if code, err = tx.Code(project, t.CodeID); err != nil {
			return err
		}
		prio, timeout := t.Priority, t.Timeout
		again = s.newTask(code, NewTask{CodeName: t.CodeName, Payload: t.Payload, Priority: &prio, Timeout: &timeout,
			Cluster: t.Cluster, Label: t.Label, Source: emulator.SourceDebug, SourceID: t.ID, Debug: true})
		again.CodeHistoryID, again.CodeRev = t.CodeHistoryID, t.CodeRev
		again.Replay = t.Ran
		if again.Replay == nil {
			again.Replay = t.Replay
		}
		return tx.PutTask(nil, again)
	})
	if err != nil {
		return emulator.Task{}, err
	}
	s.disp.codeChanged(code)
	s.disp.enqueue(again)
	s.publish(taskEvent(emulator.EventTaskQueued, again))
	return again, nil
}

// retryOf stores a new task copying t and links them.
func (s *Service) retryOf(tx emulator.WorkerTx, t emulator.Task, delay, retryCount int) (emulator.Task, error) {
	code, err := tx.Code(t.Project, t.CodeID)
	if err != nil {
		return emulator.Task{}, err
	}
	s.disp.codeChanged(code)
	prio, timeout := t.Priority, t.Timeout
	r := s.newTask(code, NewTask{CodeName: t.CodeName, Payload: t.Payload, Priority: &prio, Timeout: &timeout,
		Delay: &delay, Cluster: t.Cluster, Label: t.Label, ScheduleID: t.ScheduleID})
	r.RetryCount = retryCount
	r.Source, r.SourceID = emulator.SourceRetry, t.ID
	r.OriginalTaskID = t.ID
	if t.OriginalTaskID != "" {
		r.OriginalTaskID = t.OriginalTaskID
	}
	if err := tx.PutTask(nil, r); err != nil {
		return emulator.Task{}, err
	}
	old := t
	t.RetryTaskID = r.ID
	return r, tx.PutTask(&old, t)
}

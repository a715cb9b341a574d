package worker

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// stopReason says why a running task was stopped; it decides the status the
// task ends in.
type stopReason int

const (
	stopCancel   stopReason = iota + 1 // user cancel → cancelled
	stopShutdown                       // emulator stopping → killed, retried per code
	stopReset                          // state wiped → nothing recorded
	stopChaos                          // chaos mode killed it → killed, retried per code
)

// run is one task being executed.
type run struct {
	cancel context.CancelFunc
	mu     sync.Mutex
	reason stopReason
	// chaosKill: chaos mode kills this run once it has started working.
	chaosKill bool
}

func (r *run) stop(reason stopReason) {
	r.mu.Lock()
	if r.reason == 0 {
		r.reason = reason
	}
	r.mu.Unlock()
	r.cancel()
}

func (r *run) stopped() stopReason {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reason
}

// dispatcher holds the in-memory working set of queued tasks (the store is
// the source of truth; recover rebuilds this at start) and starts tasks in
// order: priority 2 > 1 > 0, then FIFO, under per-code max_concurrency, the
// pause flag and the global slot limit.
type dispatcher struct {
	s *Service

	mu            sync.Mutex
	ready         map[string]*taskHeap // code id → runnable tasks
	delayed       delayHeap            // tasks waiting for RunnableAt
	limits        map[string]int       // code id → max_concurrency
	running       map[string]*run      // task id → run
	runningByCode map[string]int
	closed        bool
	paused        bool // Service.Pause: start nothing

	// alarm wakes the loop: a poke, or the earliest delayed task due.
	alarm *emulator.Alarm
	// runEnded is closed (and replaced) whenever a task runner ends, so
	// reset can wait for the runners it stopped.
	runEnded chan struct{}
}

func newDispatcher(s *Service) *dispatcher {
	d := &dispatcher{s: s, alarm: emulator.NewAlarm(s.clock), runEnded: make(chan struct{})}
	d.clear()
	return d
}

func (d *dispatcher) clear() {
	d.ready = map[string]*taskHeap{}
	d.delayed = nil
	d.limits = map[string]int{}
	d.running = map[string]*run{}
	d.runningByCode = map[string]int{}
}

func (d *dispatcher) poke() { d.alarm.Poke() }

// recover marks tasks left running by a previous process as killed
// (retrying them per their code) and loads the queued ones.
func (d *dispatcher) recover(ctx context.Context) error {
	var retried []emulator.Task
	err := d.s.store.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		retried = retried[:0]
		var stale []emulator.Task
		if err := tx.TasksInStatus(emulator.TaskRunning, func(t emulator.Task) error {
			stale = append(stale, t)
			return nil
		}); err != nil {
			return err
		}
		for _, t := range stale {
			r, err := d.s.recordEnd(tx, t, emulator.TaskKilled, "ironlocal stopped while the task was running", t.ExitCode)
			if err != nil {
				return err
			}
			if r != nil {
				retried = append(retried, *r)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recover running tasks: %w", err)
	}
	return d.s.store.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		codes := map[string]bool{}
		return tx.TasksInStatus(emulator.TaskQueued, func(t emulator.Task) error {
			if !codes[t.CodeID] {
				codes[t.CodeID] = true
				if c, err := tx.Code(t.Project, t.CodeID); err == nil {
					d.codeChanged(c)
				}
			}
			d.enqueue(t)
			return nil
		})
	})
}

func (d *dispatcher) start() { d.s.bg.Loop("worker dispatcher", d.loop) }

// loop starts tasks whenever something changed (poke: a task queued or
// ended, a code's limits changed, the clock moved) or the earliest delayed
// task comes due. It does not poll.
func (d *dispatcher) loop(ctx context.Context) {
	for {
		d.dispatchAll()
		var next time.Time
		d.mu.Lock()
		if len(d.delayed) > 0 {
			next = d.delayed[0].RunnableAt
		}
		d.mu.Unlock()
		d.alarm.Set(next)
		if !d.alarm.Wait(ctx) {
			return
		}
	}
}

// dispatchAll starts every task that may start now.
func (d *dispatcher) dispatchAll() {
	for {
		d.mu.Lock()
		if d.closed || d.paused {
			d.mu.Unlock()
			return
		}
		t, ok := d.pickLocked(d.s.clock.Now())
		if !ok {
			d.mu.Unlock()
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		r := &run{cancel: cancel}
		if c := d.s.cfg.Chaos; c != nil { // drawn here, in dispatch order: one goroutine
			r.chaosKill, _ = c.Chance(emulator.ChaosKillTask, t.CodeName+"/"+t.ID)
		}
		d.running[t.ID] = r
		d.runningByCode[t.CodeID]++
		d.mu.Unlock()
		started := d.s.bg.Go("task "+t.ID, func(owned context.Context) {
			// Closing the owner stops the task as a shutdown would.
			unlink := context.AfterFunc(owned, func() { r.stop(stopShutdown) })
			defer func() { // also after a panic in execute
				unlink()
				cancel()
				d.runEnd(t)
			}()
			d.s.execute(ctx, t, r)
		})
		if !started { // closing: the task stays queued in the store
			cancel()
			d.runEnd(t)
			return
		}
	}
}

// runEnd forgets a task runner that ended.
func (d *dispatcher) runEnd(t emulator.Task) {
	d.mu.Lock()
	delete(d.running, t.ID)
	if d.runningByCode[t.CodeID]--; d.runningByCode[t.CodeID] <= 0 {
		delete(d.runningByCode, t.CodeID)
	}
	close(d.runEnded)
	d.runEnded = make(chan struct{})
	d.mu.Unlock()
	d.poke()
	d.s.notifyIdle()
}

// pickLocked chooses the next task: due delayed tasks become ready, then the
// best head among codes that have room.
func (d *dispatcher) pickLocked(now time.Time) (emulator.Task, bool) {
	for len(d.delayed) > 0 && !d.delayed[0].RunnableAt.After(now) {
		d.pushReady(heap.Pop(&d.delayed).(emulator.Task))
	}
	if len(d.running) >= d.s.cfg.Slots {
		return emulator.Task{}, false
	}
	var best *taskHeap
	for code, h := range d.ready {
		if h.Len() == 0 {
			continue
		}
		if lim := d.limits[code]; lim < 0 || lim > 0 && d.runningByCode[code] >= lim {
			continue
		}
		if best == nil || before((*h)[0], (*best)[0]) {
			best = h
		}
	}
	if best == nil {
		return emulator.Task{}, false
	}
	t := heap.Pop(best).(emulator.Task)
	if best.Len() == 0 {
		delete(d.ready, t.CodeID) // per-code state lives while the code has tasks
	}
	return t, true
}

func (d *dispatcher) pushReady(t emulator.Task) {
	h, ok := d.ready[t.CodeID]
	if !ok {
		h = &taskHeap{}
		d.ready[t.CodeID] = h
	}
	heap.Push(h, t)
}

// enqueue adds a queued task (new, retried or recovered).
func (d *dispatcher) enqueue(t emulator.Task) {
	d.mu.Lock()
	if t.RunnableAt.After(d.s.clock.Now()) {
		heap.Push(&d.delayed, t)
	} else {
		d.pushReady(t)
	}
	d.mu.Unlock()
	d.poke()
}

// dequeue forgets a queued task that was cancelled.
func (d *dispatcher) dequeue(t emulator.Task) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if h, ok := d.ready[t.CodeID]; ok {
		if h.remove(t.ID); h.Len() == 0 {
			delete(d.ready, t.CodeID)
		}
	}
	d.delayed.remove(t.ID)
}

// codeChanged refreshes the dispatch limits of a code package.
func (d *dispatcher) codeChanged(c emulator.CodePackage) {
	d.mu.Lock()
	d.limits[c.ID] = c.MaxConcurrency
	d.mu.Unlock()
	d.poke()
}

// codeDeleted lifts the limits of a deleted code package (a pause would
// hold its queued tasks forever): they are dispatched and end in error.
func (d *dispatcher) codeDeleted(id string) {
	d.mu.Lock()
	delete(d.limits, id)
	d.mu.Unlock()
	d.poke()
}

// pause stops (or lets again) tasks from starting.
func (d *dispatcher) pause(paused bool) {
	d.mu.Lock()
	d.paused = paused
	d.mu.Unlock()
	d.poke()
}

// stop stops a running task.
func (d *dispatcher) stop(taskID string, reason stopReason) {
	d.mu.Lock()
	r, ok := d.running[taskID]
	d.mu.Unlock()
	if ok {
		r.stop(reason)
	}
}

func (d *dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.running) > 0 || len(d.delayed) > 0 {
		return false
	}
	for _, h := range d.ready {
		if h.Len() > 0 {
			return false
		}
	}
	return true
}

func (d *dispatcher) stopAll(reason stopReason) {
	d.mu.Lock()
	for _, r := range d.running {
		r.stop(reason)
	}
	d.mu.Unlock()
}

// reset stops every task without recording results, forgets the queue, and
// waits (bounded by ctx) until the stopped runners are gone, so none writes
// into the wiped store.
func (d *dispatcher) reset(ctx context.Context) error {
	d.mu.Lock()
	d.ready, d.delayed, d.limits = map[string]*taskHeap{}, nil, map[string]int{}
	d.mu.Unlock()
	d.stopAll(stopReset)
	for {
		d.mu.Lock()
		n, ended := len(d.running), d.runEnded
		d.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("reset: %d tasks still stopping: %w", n, ctx.Err())
		case <-ended:
		}
	}
}

// shutdown stops dispatching and stops running tasks (they end killed);
// the owner's Close then waits for their runners to record it.
func (d *dispatcher) shutdown() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.stopAll(stopShutdown)
}

// before orders dispatch: higher priority first, then FIFO.
func before(a, b emulator.Task) bool {
	if a.Priority != b.Priority {
		return a.Priority > b.Priority
	}
	return a.Seq < b.Seq
}

type taskHeap []emulator.Task

func (h taskHeap) Len() int           { return len(h) }
func (h taskHeap) Less(i, j int) bool { return before(h[i], h[j]) }
func (h taskHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *taskHeap) Push(x any)        { *h = append(*h, x.(emulator.Task)) }
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (h *taskHeap) remove(id string) {
	for i, t := range *h {
		if t.ID == id {
			heap.Remove(h, i)
			return
		}
	}
}

type delayHeap []emulator.Task

func (h delayHeap) Len() int { return len(h) }
func (h delayHeap) Less(i, j int) bool {
	if !h[i].RunnableAt.Equal(h[j].RunnableAt) {
		return h[i].RunnableAt.Before(h[j].RunnableAt)
	}
	return h[i].Seq < h[j].Seq
}
func (h delayHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *delayHeap) Push(x any)   { *h = append(*h, x.(emulator.Task)) }
func (h *delayHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

func (h *delayHeap) remove(id string) {
	for i, t := range *h {
		if t.ID == id {
			heap.Remove(h, i)
			return
		}
	}
}

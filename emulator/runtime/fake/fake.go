// Package fake is a deterministic emulator.Runtime for unit tests: no
// processes, no containers. What a task does is scripted by its command
// line: the output it writes, the gates it waits at (opened by the test),
// how long it runs on the emulator's clock, and how it ends. With a virtual
// clock (emulator.ShiftNotifier) durations and timeouts pass only when the
// test moves the clock, so nothing depends on the machine's speed.
package fake

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Script is what one task does: its steps in order, then its result.
type Script struct {
	Steps  []Step
	Result emulator.ExitResult // how it ends when every step is done
}

// Step writes its output, then waits until its gate is open (when it names
// one) and until Wait has passed on the clock.
type Step struct {
	Stdout, Stderr string
	Gate           string
	Wait           time.Duration
}

// Run is one task the runtime was given.
type Run struct {
	Spec   emulator.TaskSpec
	Ended  bool
	Result emulator.ExitResult // set once Ended
}

// Runtime runs scripted tasks. It is safe for concurrent use.
type Runtime struct {
	clock   emulator.Clock
	virtual bool

	mu      sync.Mutex
	scripts map[string]func(emulator.TaskSpec) Script
	open    map[string]time.Time // gate → when it opened
	openAll time.Time
	runs    []*Run
	ended   []*Run
	changed chan struct{} // closed and replaced on every change
}

var _ emulator.Runtime = (*Runtime)(nil)

// New returns a runtime reading time from clock.
func New(clock emulator.Clock) *Runtime {
	r := &Runtime{clock: clock, scripts: map[string]func(emulator.TaskSpec) Script{},
		open: map[string]time.Time{}, changed: make(chan struct{})}
	if n, ok := clock.(emulator.ShiftNotifier); ok {
		r.virtual = true
		n.OnShift(func(time.Time) { r.update(func() {}) })
	}
	return r
}

// Name returns "fake".
func (r *Runtime) Name() string { return "fake" }

// NeedsImage returns false: like the process runtime, it runs commands.
func (r *Runtime) NeedsImage() bool { return false }

// CodeDirMode returns CodeDirInPlace, as the process runtime does; scripts
// see spec.CodeDir.
func (r *Runtime) CodeDirMode() emulator.CodeDirMode { return emulator.CodeDirInPlace }

// Handle scripts the tasks whose command line (spec.Command joined by
// spaces) is command. A task with an unscripted command fails to start.
func (r *Runtime) Handle(command string, script func(spec emulator.TaskSpec) Script) {
	r.update(func() { r.scripts[command] = script })
}

// Open opens a gate for good: tasks waiting at it go on, later ones pass.
func (r *Runtime) Open(gate string) {
	r.update(func() {
		if _, ok := r.open[gate]; !ok {
			r.open[gate] = r.clock.Now()
		}
	})
}

// OpenAll opens every gate, now and later.
func (r *Runtime) OpenAll() {
	r.update(func() {
		if r.openAll.IsZero() {
			r.openAll = r.clock.Now()
		}
	})
}

// openedAt says whether gate is open at now and since when (the later of
// its opening and begin); the empty gate is always open.
func (r *Runtime) openedAt(gate string, begin time.Time) (time.Time, bool) {
	if gate == "" {
		return begin, true
	}
	at, ok := r.open[gate]
	if !r.openAll.IsZero() && (!ok || r.openAll.Before(at)) {
		at, ok = r.openAll, true
	}
	if at.Before(begin) {
		at = begin
	}
	return at, ok
}

// Runs returns every task run so far, in start order.
func (r *Runtime) Runs() []Run { return r.snapshot(func() []*Run { return r.runs }) }

// Ended returns the runs that ended, in end order.
func (r *Runtime) Ended() []Run { return r.snapshot(func() []*Run { return r.ended }) }

func (r *Runtime) snapshot(list func() []*Run) []Run {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Run, 0, len(list()))
	for _, run := range list() {
		out = append(out, *run)
	}
	return out
}

func (r *Runtime) update(f func()) {
	r.mu.Lock()
	f()
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// Run plays the task's script. The spec's timeout and ctx end it early, as
// TimedOut and Stopped.
func (r *Runtime) Run(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (emulator.ExitResult, error) {
	command := strings.Join(spec.Command, " ")
	r.mu.Lock()
	script, ok := r.scripts[command]
	run := &Run{Spec: spec}
	r.runs = append(r.runs, run)
	// The run starts when it is seen to: a test that sees it in Runs and
	// moves the clock moves it from this start.
	start := r.clock.Now()
	r.mu.Unlock()
	res := emulator.ExitResult{ExitCode: -1, StartError: fmt.Sprintf("fake runtime: no script for command %q", command)}
	if ok {
		res = r.play(ctx, spec, script(spec), out, start)
	}
	r.update(func() {
		run.Ended, run.Result = true, res
		r.ended = append(r.ended, run)
	})
	return res, nil
}

func (r *Runtime) play(ctx context.Context, spec emulator.TaskSpec, sc Script, out emulator.Output, start time.Time) emulator.ExitResult {
	if sc.Result.StartError != "" {
		return sc.Result
	}
	begin := start // when the step began: when the one before ended, in clock time
	for _, step := range sc.Steps {
		write(out.Stdout, step.Stdout)
		write(out.Stderr, step.Stderr)
		for {
			r.mu.Lock()
			changed, now := r.changed, r.clock.Now()
			since, open := r.openedAt(step.Gate, begin)
			r.mu.Unlock()
			if spec.Timeout > 0 && !now.Before(start.Add(spec.Timeout)) {
				return emulator.ExitResult{ExitCode: -1, TimedOut: true}
			}
			if open && !now.Before(since.Add(step.Wait)) {
				begin = since.Add(step.Wait)
				break
			}
			if !r.wait(ctx, changed, r.nextDue(now, start, spec.Timeout, open, since, step.Wait)) {
				return emulator.ExitResult{ExitCode: -1, Stopped: true}
			}
		}
	}
	return sc.Result
}

// nextDue is how long until a timeout or a step's wait ends on a wall
// clock; a virtual clock needs no timer (moving it reports a change).
func (r *Runtime) nextDue(now, start time.Time, timeout time.Duration, open bool, since time.Time, wait time.Duration) time.Duration {
	if r.virtual {
		return 0
	}
	var d time.Duration
	if timeout > 0 {
		d = start.Add(timeout).Sub(now)
	}
	if open && (d == 0 || since.Add(wait).Sub(now) < d) {
		d = since.Add(wait).Sub(now)
	}
	return max(d, 0)
}

// wait blocks until a change, d (when positive) or ctx's end; false on the
// latter.
func (r *Runtime) wait(ctx context.Context, changed <-chan struct{}, d time.Duration) bool {
	var due <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		due = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-changed:
	case <-due:
	}
	return true
}

func write(w io.Writer, s string) {
	if w != nil && s != "" {
		_, _ = io.WriteString(w, s)
	}
}

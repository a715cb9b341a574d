package worker_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/runtime/fake"
	"github.com/ironlocal/ironlocal/emulator/runtime/process"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

const project = "5f0c6e8a1b2c3d4e5f6a7b8c"

// waitFor bounds every wait for a state change. Tests never assert on
// timing: the deadline only keeps a hang from stalling the run.
const waitFor = 30 * time.Second

// Commands of the test code packages, as the fake runtime plays them
// (scripts). Durations and timeouts pass on the harness's virtual clock.
const (
	cmdEcho = "echo-payload" // prints the payload, exits 0
	cmdTrue = "true"         // exits 0
	// cmdGated waits until the test opens the gate named by its payload
	// (open), then exits 0; cmdGatedFail then exits 1.
	cmdGated     = "gated"
	cmdGatedFail = "gated-fail"
	cmdHang      = "hang"         // runs until stopped or timed out
	cmdFail      = "fail"         // writes "oops\n" to stderr, exits 3
	cmdRetryMe   = "attempt-fail" // prints "attempt\n", exits 1
	cmdChatty    = "chatty"       // prints "0123456789abcdef\n"
	// cmdTalk prints out1, waits at gate g1, writes err1 to stderr, waits
	// at gate g2, prints out2.
	cmdTalk = "talk"
)

// scripts are the fake runtime's behaviour of each command.
var scripts = map[string]func(emulator.TaskSpec) fake.Script{
	cmdEcho: func(spec emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Stdout: string(spec.Payload)}}}
	},
	cmdTrue: func(emulator.TaskSpec) fake.Script { return fake.Script{} },
	cmdGated: func(spec emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Gate: string(spec.Payload)}}}
	},
	cmdGatedFail: func(spec emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Gate: string(spec.Payload)}}, Result: emulator.ExitResult{ExitCode: 1}}
	},
	cmdHang: func(emulator.TaskSpec) fake.Script { return fake.Script{Steps: []fake.Step{{Gate: "never"}}} },
	cmdFail: func(emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Stderr: "oops\n"}}, Result: emulator.ExitResult{ExitCode: 3}}
	},
	cmdRetryMe: func(emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Stdout: "attempt\n"}}, Result: emulator.ExitResult{ExitCode: 1}}
	},
	cmdChatty: func(emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Stdout: "0123456789abcdef\n"}}}
	},
	cmdTalk: func(emulator.TaskSpec) fake.Script {
		return fake.Script{Steps: []fake.Step{{Stdout: "out1\n", Gate: "g1"}, {Stderr: "err1\n", Gate: "g2"}, {Stdout: "out2\n"}}}
	},
}

// harness is a worker service on an in-memory Badger store, running tasks
// on the fake runtime (or, for tests of what a real runtime gives a task,
// as local processes), with a virtual clock.
type harness struct {
	t     *testing.T
	store *badgerstore.Store
	clock *clock.Virtual
	ids   emulator.IDs
	bus   *emulator.Bus
	cfg   worker.Config
	svc   *worker.Service
	// rt plays the tasks' scripts; nil with the process runtime.
	rt *fake.Runtime
	// dir is the process runtime's scratch directory ($OUT).
	dir string
}

// newHarness opens the store and returns a harness whose service is not
// started yet (see start), so a test can seed the store first.
func newHarness(t *testing.T, cfg worker.Config) *harness {
	t.Helper()
	st := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(t, st.Open())
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	if cfg.ImageIronArgs == nil {
		off := false
		cfg.ImageIronArgs = &off // plain `sh -c` command lines
	}
	vc := clock.NewVirtual(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC))
	rt := fake.New(vc)
	for command, script := range scripts {
		rt.Handle(command, script)
	}
	return &harness{t: t, store: st, clock: vc, ids: idgen.NewRandom(vc), bus: emulator.NewBus(), cfg: cfg, rt: rt, dir: t.TempDir()}
}

// newProcessHarness is newHarness with tasks run as local processes: code
// commands are `sh -c` command lines with OUT set to h.dir.
func newProcessHarness(t *testing.T, cfg worker.Config) *harness {
	h := newHarness(t, cfg)
	h.rt = nil
	return h
}

// start starts a fresh service on the harness's store (as a restarted
// emulator would) and closes it when the test ends.
func (h *harness) start() *worker.Service {
	h.t.Helper()
	svc := h.newService()
	require.NoError(h.t, svc.Start(context.Background()))
	h.clock.OnShift(func(time.Time) { svc.ClockMoved() })
	h.t.Cleanup(func() { h.closeService(svc) })
	h.svc = svc
	return svc
}

// newService builds a service without starting it.
func (h *harness) newService() *worker.Service {
	var rt emulator.Runtime = h.rt
	if h.rt == nil {
		rt = process.New(process.Options{Dir: h.t.TempDir()})
	}
	return worker.New(h.store, rt, h.ids, h.clock, h.bus, h.cfg, nil)
}

func (h *harness) closeService(svc *worker.Service) {
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	require.NoError(h.t, svc.Close(ctx))
}

// running starts a harness with a default config.
func running(t *testing.T) *harness {
	h := newHarness(t, worker.Config{})
	h.start()
	return h
}

// codeOpt changes a code upload.
type codeOpt func(*worker.CodeUpload)

func maxConcurrency(n int) codeOpt {
	return func(u *worker.CodeUpload) { u.MaxConcurrency = &n }
}

func retries(n, delay int) codeOpt {
	return func(u *worker.CodeUpload) { u.Retries, u.RetriesDelay = &n, &delay }
}

// code registers an image code package (the process runtime ignores the
// image) running command.
func (h *harness) code(name, command string, opts ...codeOpt) emulator.CodePackage {
	h.t.Helper()
	return h.codeOn(h.svc, name, command, opts...)
}

func (h *harness) codeOn(svc *worker.Service, name, command string, opts ...codeOpt) emulator.CodePackage {
	h.t.Helper()
	u := worker.CodeUpload{Name: name, Image: "ironlocal/test", Command: command, EnvVars: map[string]string{"OUT": h.dir}}
	for _, o := range opts {
		o(&u)
	}
	c, err := svc.UploadCode(context.Background(), project, u)
	require.NoError(h.t, err)
	return c
}

// taskOpt changes a queued task.
type taskOpt func(*worker.NewTask)

func priority(p int) taskOpt { return func(nt *worker.NewTask) { nt.Priority = &p } }
func delay(s int) taskOpt    { return func(nt *worker.NewTask) { nt.Delay = &s } }
func timeout(s int) taskOpt  { return func(nt *worker.NewTask) { nt.Timeout = &s } }

// queue queues one task and returns it.
func (h *harness) queue(codeName, payload string, opts ...taskOpt) emulator.Task {
	h.t.Helper()
	nt := worker.NewTask{CodeName: codeName, Payload: payload}
	for _, o := range opts {
		o(&nt)
	}
	tasks, err := h.svc.QueueTasks(context.Background(), project, []worker.NewTask{nt})
	require.NoError(h.t, err)
	require.Len(h.t, tasks, 1)
	return tasks[0]
}

func (h *harness) task(id string) emulator.Task {
	h.t.Helper()
	task, err := h.svc.GetTask(context.Background(), project, id)
	require.NoError(h.t, err)
	return task
}

// waitStatus polls the task until it reaches want and returns it.
func (h *harness) waitStatus(id string, want emulator.TaskStatus) emulator.Task {
	h.t.Helper()
	var last emulator.Task
	require.EventuallyWithT(h.t, func(c *assert.CollectT) {
		last = h.taskNow(c, id)
		assert.Equal(c, want, last.Status)
	}, waitFor, 5*time.Millisecond, "task %s: want status %s", id, want)
	return last
}

// taskNow, scheduleNow and logNow read inside an EventuallyWithT condition,
// where a failure must be collected, not raised.
func (h *harness) taskNow(c *assert.CollectT, id string) emulator.Task {
	task, err := h.svc.GetTask(context.Background(), project, id)
	assert.NoError(c, err)
	return task
}

func (h *harness) scheduleNow(c *assert.CollectT, id string) emulator.Schedule {
	sc, err := h.svc.GetSchedule(context.Background(), project, id)
	assert.NoError(c, err)
	return sc
}

func (h *harness) logNow(c *assert.CollectT, id string) string {
	b, err := h.svc.Log(context.Background(), project, id, false)
	assert.NoError(c, err)
	return string(b)
}

// waitIdle polls until no task is queued or running.
func (h *harness) waitIdle() {
	h.t.Helper()
	require.Eventually(h.t, h.svc.Idle, waitFor, 5*time.Millisecond, "service still busy")
}

// open lets the gated task with this payload finish; "all" opens every gate.
func (h *harness) open(payload string) {
	if payload == "all" {
		h.rt.OpenAll()
		return
	}
	h.rt.Open(payload)
}

// lines lists the payloads of the gated tasks that "started", or that passed
// their gate and ended ("order"), in that order.
func (h *harness) lines(record string) []string {
	h.t.Helper()
	runs := h.rt.Runs()
	if record == "order" {
		runs = h.rt.Ended()
	}
	var out []string
	for _, run := range runs {
		gated := slices.Contains([]string{cmdGated, cmdGatedFail}, strings.Join(run.Spec.Command, " "))
		if gated && (record == "started" || !run.Result.Stopped && !run.Result.TimedOut) {
			out = append(out, string(run.Spec.Payload))
		}
	}
	return out
}

// waitRunning waits until the task's runtime run has begun (hang and gated
// commands then wait for the clock or a gate).
func (h *harness) waitRunning(taskID string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		for _, run := range h.rt.Runs() {
			if run.Spec.TaskID == taskID {
				return true
			}
		}
		return false
	}, waitFor, time.Millisecond, "task %s never reached the runtime", taskID)
}

// waitStarted polls until every payload has started (is past its gate's
// first line).
func (h *harness) waitStarted(payloads ...string) {
	h.t.Helper()
	require.Eventually(h.t, func() bool {
		started := h.lines("started")
		for _, p := range payloads {
			if !slices.Contains(started, p) {
				return false
			}
		}
		return true
	}, waitFor, 5*time.Millisecond, "tasks %v did not start", payloads)
}

// settle waits until the dispatcher has made a pass after everything the
// test did so far: a witness task of its own code runs to the end. Tasks
// that were runnable by then have been started.
func (h *harness) settle() {
	h.t.Helper()
	h.code("witness", cmdTrue)
	w := h.queue("witness", "")
	h.waitStatus(w.ID, emulator.TaskComplete)
}

// tasksOf lists the tasks of a code, newest first.
func (h *harness) tasksOf(codeName string) []emulator.Task {
	h.t.Helper()
	tasks, err := h.svc.ListTasks(context.Background(), project, emulator.TaskFilter{CodeName: codeName}, 0, 100)
	require.NoError(h.t, err)
	return tasks
}

func (h *harness) log(id string) string {
	h.t.Helper()
	b, err := h.svc.Log(context.Background(), project, id, false)
	require.NoError(h.t, err)
	return string(b)
}

func statuses(tasks []emulator.Task) map[emulator.TaskStatus]int {
	out := map[emulator.TaskStatus]int{}
	for _, t := range tasks {
		out[t.Status]++
	}
	return out
}

// on returns the harness reporting to t: subtests sharing a harness must
// fail themselves, not their parent.
func (h *harness) on(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

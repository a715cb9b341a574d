package worker_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/idgen"
	"github.com/ironlocal/ironlocal/emulator/runtime/process"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
	"github.com/ironlocal/ironlocal/emulator/worker"
)

const project = "5f0c6e8a1b2c3d4e5f6a7b8c"

// waitFor bounds every wait for a state change. Tests never assert on
// timing: the deadline only keeps a hang from stalling the run.
const waitFor = 30 * time.Second

// Commands of the test code packages. They run under `sh -c` (the process
// runtime) with OUT set to the test's scratch directory.
const (
	// cmdEcho prints the payload.
	cmdEcho = `cat "$PAYLOAD_FILE"`
	// cmdGated records its payload in $OUT/started, waits until the test
	// creates $OUT/open-<payload> or $OUT/open-all, then appends the
	// payload to $OUT/order.
	cmdGated = `p=$(cat "$PAYLOAD_FILE"); echo "$p" >> "$OUT/started"; ` +
		`while [ ! -e "$OUT/open-$p" ] && [ ! -e "$OUT/open-all" ]; do sleep 0.02; done; ` +
		`echo "$p" >> "$OUT/order"`
)

// harness is a worker service on an in-memory Badger store, running tasks
// as local processes, with a virtual clock.
type harness struct {
	t     *testing.T
	store *badgerstore.Store
	clock *clock.Virtual
	ids   emulator.IDs
	bus   *emulator.Bus
	cfg   worker.Config
	svc   *worker.Service
	// dir is the tasks' scratch directory ($OUT): gates and records.
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
	return &harness{t: t, store: st, clock: vc, ids: idgen.NewRandom(vc), bus: emulator.NewBus(), cfg: cfg, dir: t.TempDir()}
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
	rt := process.New(process.Options{Dir: h.t.TempDir()})
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
	require.Eventually(h.t, func() bool {
		last = h.task(id)
		return last.Status == want
	}, waitFor, 5*time.Millisecond, "task %s: want status %s", id, want)
	return last
}

// waitIdle polls until no task is queued or running.
func (h *harness) waitIdle() {
	h.t.Helper()
	require.Eventually(h.t, h.svc.Idle, waitFor, 5*time.Millisecond, "service still busy")
}

// open lets the gated task with this payload finish; "all" opens every gate.
func (h *harness) open(payload string) {
	h.t.Helper()
	require.NoError(h.t, os.WriteFile(filepath.Join(h.dir, "open-"+payload), nil, 0o644))
}

// lines reads a record file written by the tasks ($OUT/name).
func (h *harness) lines(name string) []string {
	h.t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, name))
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(h.t, err)
	return strings.Fields(string(b))
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
	h.code("witness", "true")
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

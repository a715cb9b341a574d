package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
)

// IronWorker figures. Each starts its own daemon on a fresh data directory
// with the runtime it measures and stops it at the end.

// processImage is the image of the codes the process-runtime figures
// register: the API wants an image (or a zip), the process runtime runs
// the code's command and never looks at it.
const processImage = "ironbench/unused"

// figDocker compares queue → complete of a trivial task on the docker
// runtime with a bare `docker run --rm` of the same image, interleaved in
// one run so both see the same engine and load. The emulator's time runs
// from sending POST /tasks to reading the task.finished event on the
// /_ironlocal/events stream (subscribed beforehand); the bare run uses the
// emulator's network mode (host) so only the emulator's own work differs.
// One untimed task first: after it the code has a warm image (the runtime
// commits the task's files once, in the background, and later tasks are
// created from it with the payload passed to a starter), as every task
// after a code's first has.
func figDocker(ctx context.Context, e *env) (outcome, error) {
	if reason := e.dockerMissing(ctx); reason != "" {
		return outcome{skip: reason}, nil
	}
	imgNote, err := e.ensureImage(ctx, fixtureImage)
	if err != nil {
		return outcome{}, err
	}
	d, err := e.freshDaemon(ctx, "--runtime", "docker")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	task, closeTask, err := dockerTasks(ctx, e.client(d), fixtureImage, "")
	if err != nil {
		return outcome{}, err
	}
	defer closeTask()

	var dispatched []time.Duration // queue → task.running, for the detail
	emulated := func() (time.Duration, error) {
		took, running, err := task()
		dispatched = append(dispatched, running)
		return took, err
	}
	bare := func() (time.Duration, error) { return bench.DockerRun(ctx, fixtureImage, "--network", "host") }

	// One of each to warm the engine's caches, then interleaved pairs whose
	// order alternates so neither side always runs first.
	if _, err := emulated(); err != nil {
		return outcome{}, err
	}
	if _, err := bare(); err != nil {
		return outcome{}, err
	}
	dispatched = dispatched[:0]
	const runs = 10
	emu, raw, err := interleave(runs, emulated, bare)
	if err != nil {
		return outcome{}, err
	}
	me, mr := bench.Median(emu), bench.Median(raw)
	return outcome{
		value: float64(me) / float64(mr),
		detail: fmt.Sprintf("median %s vs `docker run --rm --network host` %s (%s); %d runs each, interleaved; emulator min %s, max %s, queue → task.running p50 %s; %s",
			ms(me), ms(mr), signedMS(me-mr), runs, ms(minOf(emu)), ms(maxOf(emu)), ms(bench.Median(dispatched)), imgNote),
	}, nil
}

// figDockerCold is figDocker for a cold start: each run starts a daemon,
// registers a code whose config no earlier run had (so the engine holds no
// warm image of it) and times its first task. The runtime inspects the
// image, creates the container and puts the task's files in whole: on the
// starter's stdin when the engine has a starter image of the base image
// (an earlier task of it built one), else by a copy into the container.
func figDockerCold(ctx context.Context, e *env) (outcome, error) {
	if reason := e.dockerMissing(ctx); reason != "" {
		return outcome{skip: reason}, nil
	}
	imgNote, err := e.ensureImage(ctx, fixtureImage)
	if err != nil {
		return outcome{}, err
	}
	emulated := func() (time.Duration, error) {
		// A config never seen before: no warm image of it exists, so
		// the task's files go in whole (streamed to the starter of the
		// image's starter image when the engine has one, else copied).
		return e.firstTask(ctx, fixtureImage, "cold start "+strconv.FormatInt(time.Now().UnixNano(), 36))
	}
	bare := func() (time.Duration, error) { return bench.DockerRun(ctx, fixtureImage, "--network", "host") }
	return e.coldVersusDocker(ctx, emulated, bare, "a fresh daemon for each; "+imgNote)
}

// firstTask times the first task of a code of image with config on a
// fresh daemon of the Docker runtime.
func (e *env) firstTask(ctx context.Context, image, config string) (time.Duration, error) {
	d, err := e.freshDaemon(ctx, "--runtime", "docker")
	if err != nil {
		return 0, err
	}
	defer e.stop(d)
	task, closeTask, err := dockerTasks(ctx, e.client(d), image, config)
	if err != nil {
		return 0, err
	}
	defer closeTask()
	took, _, err := task()
	return took, err
}

// coldVersusDocker warms the engine with a docker run of the fixture, then
// runs emulated and bare six times each, interleaved, and gives the ratio
// of their medians; what says how the runs were made.
func (e *env) coldVersusDocker(ctx context.Context, emulated, bare func() (time.Duration, error), what string) (outcome, error) {
	if _, err := bench.DockerRun(ctx, fixtureImage, "--network", "host"); err != nil { // warm the engine
		return outcome{}, err
	}
	const runs = 6
	emu, raw, err := interleave(runs, emulated, bare)
	if err != nil {
		return outcome{}, err
	}
	me, mr := bench.Median(emu), bench.Median(raw)
	return outcome{
		value: float64(me) / float64(mr),
		detail: fmt.Sprintf("median %s vs `docker run --rm --network host` %s (%s); %d runs each, interleaved, %s; emulator min %s, max %s",
			ms(me), ms(mr), signedMS(me-mr), runs, what, ms(minOf(emu)), ms(maxOf(emu))),
	}, nil
}

// figDockerNewImage is figDockerCold for an image the engine and the
// runtime have never seen: each run builds two images from the fixture
// with a label of their own (new ids, the same layers), then times the
// first task of a code naming one on a fresh daemon against `docker run
// --rm` of the other. No starter image of a never-seen image exists, so
// the task's files are copied in: what a user's first task of a new image
// costs.
func figDockerNewImage(ctx context.Context, e *env) (outcome, error) {
	if reason := e.dockerMissing(ctx); reason != "" {
		return outcome{skip: reason}, nil
	}
	imgNote, err := e.ensureImage(ctx, fixtureImage)
	if err != nil {
		return outcome{}, err
	}
	var built []string
	defer func() {
		for _, ref := range built {
			_ = bench.RemoveImage(context.WithoutCancel(ctx), ref)
		}
	}()
	newImage := func() (string, error) {
		ref, err := bench.NewImage(ctx, fixtureImage, strconv.FormatInt(time.Now().UnixNano(), 36))
		if err == nil {
			built = append(built, ref)
		}
		return ref, err
	}
	emulated := func() (time.Duration, error) {
		img, err := newImage()
		if err != nil {
			return 0, err
		}
		return e.firstTask(ctx, img, "")
	}
	bare := func() (time.Duration, error) {
		img, err := newImage()
		if err != nil {
			return 0, err
		}
		return bench.DockerRun(ctx, img, "--network", "host")
	}
	return e.coldVersusDocker(ctx, emulated, bare, "each of an image built for it, a fresh daemon for each; base "+imgNote)
}

// dockerTasks registers the trivial docker code on c and returns a
// function that queues one task and times it from POST /tasks to its
// task.finished event (and to its task.running event), checking that it
// completed; closeTask ends the event subscription.
func dockerTasks(ctx context.Context, c *bench.Client, image, config string) (task func() (took, running time.Duration, err error), closeTask func(), err error) {
	const code = "bench-docker"
	if _, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: image, Config: config}); err != nil {
		return nil, nil, err
	}
	events, err := c.Events(ctx, "task.running", "task.finished")
	if err != nil {
		return nil, nil, err
	}
	task = func() (time.Duration, time.Duration, error) {
		t0 := time.Now()
		ids, err := c.QueueTasks(ctx, []client.NewTask{{CodeName: code, Payload: "{}"}})
		if err != nil {
			return 0, 0, err
		}
		running, err := waitTask(ctx, events, ids[0], 60*time.Second)
		if err != nil {
			return 0, 0, err
		}
		ev, err := waitTask(ctx, events, ids[0], 60*time.Second)
		if err != nil {
			return 0, 0, err
		}
		if running.Type != "task.running" || ev.Status() != "complete" {
			return 0, 0, fmt.Errorf("task %s: events %s then %s (%s: %v), want task.running then a complete task.finished",
				ids[0], running.Type, ev.Type, ev.Status(), ev.Attrs["msg"])
		}
		return ev.Received.Sub(t0), running.Received.Sub(t0), nil
	}
	return task, func() { events.Close() }, nil
}

// interleave runs a and b runs times each, in pairs whose order alternates
// so neither side always runs first, and returns their times.
func interleave(runs int, a, b func() (time.Duration, error)) (as, bs []time.Duration, err error) {
	type side struct {
		run  func() (time.Duration, error)
		took *[]time.Duration
	}
	for i := range runs {
		pair := []side{{a, &as}, {b, &bs}}
		if i%2 == 1 {
			slices.Reverse(pair)
		}
		for _, s := range pair {
			took, err := s.run()
			if err != nil {
				return nil, nil, err
			}
			*s.took = append(*s.took, took)
		}
	}
	return as, bs, nil
}

// waitTask waits up to timeout for the event of task id on events.
func waitTask(ctx context.Context, events *bench.EventStream, id string, timeout time.Duration) (bench.Event, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ev, err := events.WaitFor(ctx, func(ev bench.Event) bool { return ev.TaskID == id })
	if err != nil {
		return ev, fmt.Errorf("wait for an event of task %s: %w", id, err)
	}
	return ev, nil
}

// figProcStart: queue → process started on the process runtime. The task
// itself records when it started: its command is a bash script (exec'd
// directly, no sh in between) that writes $EPOCHREALTIME to a file named
// after $TASK_ID, so the figure includes bash's own start-up. One task at a
// time; the clock starts when POST /tasks is sent.
func figProcStart(ctx context.Context, e *env) (outcome, error) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return outcome{skip: "needs bash: the task stamps its start with $EPOCHREALTIME"}, nil
	}
	dir := filepath.Join(e.work, "procstart")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return outcome{}, err
	}
	script := filepath.Join(e.work, "procstart.sh")
	if err := os.WriteFile(script, []byte("#!"+bash+"\nprintf '%s' \"$EPOCHREALTIME\" > \"$IRONBENCH_STARTED/$TASK_ID\"\n"), 0o755); err != nil {
		return outcome{}, err
	}
	d, err := e.freshDaemon(ctx, "--runtime", "process")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const code = "procstart"
	if _, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: script, EnvVars: map[string]string{"IRONBENCH_STARTED": dir}}); err != nil {
		return outcome{}, err
	}
	events, err := c.Events(ctx, "task.running", "task.finished")
	if err != nil {
		return outcome{}, err
	}
	defer events.Close()

	const warm, samples = 5, 100
	started, dispatched := bench.NewRecorder(samples), bench.NewRecorder(samples)
	for i := range warm + samples {
		t0 := time.Now()
		ids, err := c.QueueTasks(ctx, []client.NewTask{{CodeName: code}})
		if err != nil {
			return outcome{}, err
		}
		running, err := waitTask(ctx, events, ids[0], 10*time.Second)
		if err != nil {
			return outcome{}, err
		}
		finished, err := waitTask(ctx, events, ids[0], 10*time.Second)
		if err != nil {
			return outcome{}, err
		}
		if running.Type != "task.running" || finished.Status() != "complete" {
			return outcome{}, fmt.Errorf("task %s: events %s then %s (%s: %v), want task.running then a complete task.finished",
				ids[0], running.Type, finished.Type, finished.Status(), finished.Attrs["msg"])
		}
		b, err := os.ReadFile(filepath.Join(dir, ids[0]))
		if err != nil {
			return outcome{}, fmt.Errorf("task %s left no start stamp: %w", ids[0], err)
		}
		at, err := parseEpochRealtime(string(b))
		if err != nil {
			return outcome{}, fmt.Errorf("task %s: %w", ids[0], err)
		}
		if i >= warm {
			started.Add(at.Sub(t0))
			dispatched.Add(running.Received.Sub(t0))
		}
	}
	s, r := started.Summary(), dispatched.Summary()
	return outcome{
		value: float64(s.P50) / float64(time.Millisecond),
		detail: fmt.Sprintf("p90 %s, p99 %s over %d tasks one at a time; task.running event p50 %s; start stamped by the task (bash $EPOCHREALTIME)",
			ms(s.P90), ms(s.P99), s.N, ms(r.P50)),
	}, nil
}

// parseEpochRealtime reads bash's $EPOCHREALTIME: seconds since the epoch
// with a fraction, whose separator follows the locale ("." or ",").
func parseEpochRealtime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	secs, frac, _ := strings.Cut(strings.Replace(s, ",", ".", 1), ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, fmt.Errorf("not an $EPOCHREALTIME: %q", s)
	}
	var nsec int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, fmt.Errorf("not an $EPOCHREALTIME: %q", s)
		}
		for range 9 - len(frac) {
			n *= 10
		}
		nsec = n
	}
	return time.Unix(sec, nsec), nil
}

// figProcTasks: 1,000 tasks running `true` on the process runtime with 8
// slots, queued in batches of 100 one after another; the clock runs from
// the first POST /tasks until GET /_ironlocal/wait-idle answers.
func figProcTasks(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx, "--runtime", "process", "--task-slots", "8")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const code, n, warm = "true", 1000, 16
	codeID, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: "true"})
	if err != nil {
		return outcome{}, err
	}
	batch := make([]client.NewTask, 100)
	for i := range batch {
		batch[i] = client.NewTask{CodeName: code}
	}
	if _, err := c.QueueTasks(ctx, batch[:warm]); err != nil {
		return outcome{}, err
	}
	if err := c.WaitIdle(ctx, 30*time.Second); err != nil {
		return outcome{}, fmt.Errorf("warm-up tasks: %w", err)
	}

	d0, _ := d.CPUTime()
	t0 := time.Now()
	for range n / len(batch) {
		if _, err := c.QueueTasks(ctx, batch); err != nil {
			return outcome{}, err
		}
	}
	queued := time.Since(t0)
	if err := c.WaitIdle(ctx, 60*time.Second); err != nil {
		return outcome{}, fmt.Errorf("wait for %d tasks: %w", n, err)
	}
	elapsed := time.Since(t0)
	d1, derr := d.CPUTime()
	stats, err := c.CodeStats(ctx, codeID)
	if err != nil {
		return outcome{}, err
	}
	complete := stats["complete"] - warm
	out := outcome{
		value: float64(complete) / elapsed.Seconds(),
		detail: fmt.Sprintf("%s of %s complete in %s (POSTs done after %s)",
			thousands(complete), thousands(n), elapsed.Round(10*time.Millisecond), queued.Round(time.Millisecond)),
	}
	if derr == nil && d1 > 0 {
		out.detail += fmt.Sprintf("; daemon CPU %.1f cores", (d1-d0).Seconds()/elapsed.Seconds())
	}
	if complete != n {
		out.fail = fmt.Sprintf("%d of %d tasks complete; statuses %v", complete, n, nonZero(stats))
	}
	return out, nil
}

func nonZero(m map[client.TaskStatus]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] != 0 {
			parts = append(parts, string(k)+" "+strconv.Itoa(m[k]))
		}
	}
	return strings.Join(parts, ", ")
}

// figSched: 1,000 schedules (run_times 1) whose start_at values are spread
// evenly over 5 s, starting 1 s after they are created, on the real clock.
// Each fire queues a task (`true` on the process runtime, so they also
// run); its created_at, stamped by the emulator when the schedule fired,
// is compared with the schedule's start_at.
func figSched(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx, "--runtime", "process")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const code, n = "sched", 1000
	const lead, spread = time.Second, 5 * time.Second
	if _, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: "true"}); err != nil {
		return outcome{}, err
	}
	base := time.Now().Add(lead).UTC()
	starts := spreadTimes(base, spread, n)
	ids := make([]string, 0, n)
	for b := 0; b < n; b += 100 {
		batch := make([]client.NewSchedule, 0, 100)
		for _, at := range starts[b : b+100] {
			batch = append(batch, client.NewSchedule{CodeName: code, StartAt: at, RunTimes: 1})
		}
		got, err := c.CreateSchedules(ctx, batch)
		if err != nil {
			return outcome{}, err
		}
		ids = append(ids, got...)
	}
	if late := time.Since(base); late > 0 {
		return outcome{}, fmt.Errorf("creating %d schedules took longer than the %s lead (%s late)", n, lead, late.Round(time.Millisecond))
	}
	if err := sleepCtx(ctx, time.Until(starts[n-1].Add(200*time.Millisecond))); err != nil {
		return outcome{}, err
	}
	if err := c.WaitIdle(ctx, 30*time.Second); err != nil {
		return outcome{}, err
	}

	fired := map[string]time.Time{} // schedule id → its task's created_at
	for p := 0; ; p++ {
		tasks, err := c.ListTasks(ctx, bench.TaskPage(code, p, 100))
		if err != nil {
			return outcome{}, err
		}
		for _, t := range tasks {
			if prev, ok := fired[t.ScheduleID]; !ok || t.CreatedAt.Before(prev) {
				fired[t.ScheduleID] = t.CreatedAt.Time
			}
		}
		if len(tasks) < 100 {
			break
		}
	}
	rec := bench.NewRecorder(n)
	missing, early := 0, 0
	for i, id := range ids {
		at, ok := fired[id]
		if !ok {
			missing++
			continue
		}
		if at.Before(starts[i]) {
			early++
		}
		rec.Add(at.Sub(starts[i]))
	}
	if rec.Len() == 0 {
		return outcome{}, errors.New("no schedule fired")
	}
	s := rec.Summary()
	out := outcome{
		value: float64(s.P99) / float64(time.Millisecond),
		detail: fmt.Sprintf("p50 %s, max %s; task created_at − start_at of %s schedules spread over %s",
			ms(s.P50), ms(s.Max), thousands(n), spread),
	}
	if missing > 0 || early > 0 {
		out.fail = fmt.Sprintf("%d of %d schedules never fired, %d fired before start_at", missing, n, early)
	}
	return out, nil
}

// spreadTimes returns n times from base, evenly spaced over spread, each
// on a whole millisecond: the Iron API writes a task's created_at to the
// millisecond (cut, as the real service does), so a start_at with more
// digits would make a task created on time look early.
func spreadTimes(base time.Time, spread time.Duration, n int) []time.Time {
	out := make([]time.Time, n)
	for i := range out {
		out[i] = base.Add(spread * time.Duration(i) / time.Duration(n)).Truncate(time.Millisecond)
	}
	return out
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// figTaskList: 10,000 tasks of a paused code (max_concurrency 1, paused
// with pause_task_queue) stay queued; list their first page repeatedly,
// then resume and check that the first tasks to start come in dispatch
// order: priority 2 > 1 > 0, then FIFO.
func figTaskList(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx, "--runtime", "process")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const code, n, lists, checked = "list", 10_000, 200, 50
	codeID, err := c.UploadCode(ctx, client.NewCode{Name: code, Image: processImage, Command: "true", MaxConcurrency: client.Ptr(1)})
	if err != nil {
		return outcome{}, err
	}
	if err := c.PauseTaskQueue(ctx, codeID); err != nil {
		return outcome{}, err
	}
	prios := taskListPriorities(n)
	ids := make([]string, 0, n)
	t0 := time.Now()
	for b := 0; b < n; b += 100 { // one batch after another: FIFO is request order
		batch := make([]client.NewTask, 100)
		for i := range batch {
			batch[i] = client.NewTask{CodeName: code, Priority: client.Ptr(prios[b+i])}
		}
		got, err := c.QueueTasks(ctx, batch)
		if err != nil {
			return outcome{}, err
		}
		ids = append(ids, got...)
	}
	queued := time.Since(t0)

	rec := bench.NewRecorder(lists)
	page := bench.TaskPage(code, 0, 100)
	for range lists {
		t0 := time.Now()
		tasks, err := c.ListTasks(ctx, page)
		if err != nil {
			return outcome{}, err
		}
		rec.Add(time.Since(t0))
		if len(tasks) != 100 {
			return outcome{}, fmt.Errorf("GET /tasks?code_name=%s&per_page=100 returned %d tasks, want 100", page.CodeName, len(tasks))
		}
	}
	l := rec.Summary()
	out := outcome{
		value:  float64(l.P50) / float64(time.Millisecond),
		detail: fmt.Sprintf("p99 %s over %d lists; %s tasks queued in %s", ms(l.P99), lists, thousands(n), queued.Round(10*time.Millisecond)),
	}

	events, err := c.Events(ctx, "task.running")
	if err != nil {
		return outcome{}, err
	}
	defer events.Close()
	if err := c.ResumeTaskQueue(ctx, codeID); err != nil {
		return outcome{}, err
	}
	var runOrder []string
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for len(runOrder) < checked {
		ev, err := events.WaitFor(wctx, func(bench.Event) bool { return true })
		if err != nil {
			return outcome{}, fmt.Errorf("wait for %d tasks to start (%d did): %w", checked, len(runOrder), err)
		}
		runOrder = append(runOrder, ev.TaskID)
	}
	if err := c.PauseTaskQueue(ctx, codeID); err != nil {
		return outcome{}, err
	}
	started := make([]client.Task, 0, checked)
	for _, id := range runOrder {
		t, err := c.GetTask(ctx, id)
		if err != nil {
			return outcome{}, err
		}
		started = append(started, t)
	}
	slices.SortStableFunc(started, func(a, b client.Task) int { return a.StartTime.Compare(b.StartTime.Time) })
	byStart := make([]string, len(started))
	for i, t := range started {
		byStart[i] = t.ID
	}
	index := make(map[string]int, n)
	for i, id := range ids {
		index[id] = i
	}
	want := dispatchOrder(prios, checked)
	for i, id := range byStart {
		if got := index[id]; got != want[i] || runOrder[i] != id {
			out.fail = fmt.Sprintf("started task %d was #%d (priority %d), want #%d (priority %d); events agree with start_time: %v",
				i+1, got, prios[got], want[i], prios[want[i]], slices.Equal(runOrder, byStart))
			return out, nil
		}
	}
	out.detail += fmt.Sprintf("; order ✓ (first %d started: priority then FIFO)", checked)
	return out, nil
}

// taskListPriorities gives n tasks their priorities: 2 for one in 500, 1
// for another one in 500, 0 for the rest, so the first tasks to start cross
// every priority level and each level's FIFO order is visible.
func taskListPriorities(n int) []int {
	out := make([]int, n)
	for i := range out {
		switch i % 500 {
		case 499:
			out[i] = 2
		case 249:
			out[i] = 1
		}
	}
	return out
}

// dispatchOrder returns the indices (into prios, which is in queue order)
// of the first n tasks the dispatch rule starts: higher priority first,
// then FIFO.
func dispatchOrder(prios []int, n int) []int {
	idx := make([]int, len(prios))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(prios[b], prios[a]) })
	return idx[:min(n, len(idx))]
}

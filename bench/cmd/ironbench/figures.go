package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// figure is one row of the table. To add a figure, append to figures: the
// printer and the -only flag pick it up.
type figure struct {
	name  string // -only key
	title string // {workers} and {depth} are filled in
	goal  bench.Goal
	run   func(ctx context.Context, e *env) (outcome, error)
	// share is the goal for the figure as a fraction of the bare
	// net/http ceiling (ceiling.go); 0 when the figure has no ceiling.
	share float64
	// byShare makes share the row's target and verdict, with goal's
	// absolute figure only shown beside it: on a shared 2-core machine
	// the absolute rate moves with whatever else runs, the fraction of
	// the ceiling measured in the same run much less.
	byShare bool
}

// outcome is what a figure measured: value is compared with the goal,
// detail is shown next to it, and a non-empty fail overrides the verdict
// (the figure ran but something it checks was wrong). A non-empty skip
// says why the figure could not run here (no Docker engine): the row is
// marked skipped, which is not a failure.
type outcome struct {
	value  float64
	detail string
	fail   string
	skip   string
	// ceiling is the same load measured on a bare net/http server, for
	// figures with a share goal.
	ceiling *ceiling
}

var figures = []figure{
	{"start", "start to /version 200, empty data dir", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "ms"}, figStart, 0, false},
	{"ready", "start to ready with {depth} messages stored", bench.Goal{Cmp: bench.Below, Limit: 1, Unit: "s"}, figReadyDeep, 0, false},
	{"rss", "idle RSS after start", bench.Goal{Cmp: bench.Below, Limit: 40, Unit: "MB"}, figIdleRSS, 0, false},
	{"post", "post, batches of 100", bench.Goal{Cmp: bench.AtLeast, Limit: 50_000, Unit: "msgs/s"}, figPost, 0.5, false},
	{"reserve", "reserve + delete, batches of 100", bench.Goal{Cmp: bench.AtLeast, Limit: 20_000, Unit: "msgs/s"}, figReserveDelete, 0, false},
	{name: "single", title: "one message post → reserve → delete, {workers} clients", goal: bench.Goal{Cmp: bench.AtLeast, Limit: 5_000, Unit: "msgs/s"}, run: figSingle, share: 0.65, byShare: true},
	{"depth", "reserve p50 at {depth} messages deep vs at 1k", bench.Goal{Cmp: bench.AtMost, Limit: 2, Unit: "×"}, figDepth, 0, false},
	{name: "cache", title: "cache put + get, {workers} clients", goal: bench.Goal{Cmp: bench.AtLeast, Limit: 20_000, Unit: "ops/s"}, run: figCache, share: 0.75, byShare: true},
	{"idle", "idle CPU with 2,000 long-poll reserves waiting (wait=30)", bench.Goal{Cmp: bench.Below, Limit: 0.05, Unit: "cores"}, figIdlePoll, 0, false},
	{"longpoll", "long poll: post → a parked consumer's reserve returns it, p50, 1k msgs/s to 8 consumers (wait=2)", bench.Goal{Cmp: bench.Below, Limit: 10, Unit: "ms"}, figLongPoll, 0, false},
	{"churn", "RSS under queue and cache churn: last third vs middle third of the run", bench.Goal{Cmp: bench.AtMost, Limit: 1.1, Unit: "×"}, figChurn, 0, false},
	{"memload", "peak RSS under sustained mixed load on 6 fixed queues and caches", bench.Goal{Cmp: bench.Below, Limit: 100, Unit: "MB"}, figMemLoad, 0, false},
	// IronWorker
	{"docker", "docker runtime: queue → complete, trivial image, a code's later tasks (warm start), vs bare `docker run --rm`", bench.Goal{Cmp: bench.AtMost, Limit: 1.10, Unit: "×"}, figDocker, 0, false},
	{"dockercold", "docker runtime: a new code's first task on a fresh daemon (cold start: no warm image of the code yet) vs bare `docker run --rm`", bench.Goal{Cmp: bench.AtMost, Limit: 1.10, Unit: "×"}, figDockerCold, 0, false},
	{"dockernew", "docker runtime: the first task of an image never seen (built for the run) on a fresh daemon vs bare `docker run --rm` of another", bench.Goal{Cmp: bench.AtMost, Limit: 1.10, Unit: "×"}, figDockerNewImage, 0, false},
	{"procstart", "process runtime: queue → process started, p50", bench.Goal{Cmp: bench.Below, Limit: 10, Unit: "ms"}, figProcStart, 0, false},
	{"proctasks", "process runtime: 1,000 trivial tasks, 8 slots", bench.Goal{Cmp: bench.AtLeast, Limit: 200, Unit: "tasks/s"}, figProcTasks, 0, false},
	{"sched", "scheduler fire-time error p99, 1,000 fires, real clock", bench.Goal{Cmp: bench.Below, Limit: 50, Unit: "ms"}, figSched, 0, false},
	{"tasklist", "10k queued tasks: list p50 (per_page 100), dispatch order", bench.Goal{Cmp: bench.Below, Limit: 50, Unit: "ms"}, figTaskList, 0, false},
	// IronMQ push queues
	{"push", "push delivery to a local 200 subscriber, {workers} posting clients", bench.Goal{Cmp: bench.AtLeast, Limit: 3_000, Unit: "msgs/s"}, figPush, 0, false},
	{"pushlat", "push latency post → subscriber receives, p50", bench.Goal{Cmp: bench.Below, Limit: 10, Unit: "ms"}, figPushLat, 0, false},
	{"pullpush", "post → reserve → delete, {workers} clients, while 10 push queues deliver 1k msgs/s, vs pull-only", bench.Goal{Cmp: bench.AtLeast, Limit: 0.85, Unit: "×"}, figPullPush, 0, false},
	// Trigger plugins
	{"plugstart", "trigger plugin start to ready (spawn → handshake → Info)", bench.Goal{Cmp: bench.Below, Limit: 100, Unit: "ms"}, figPluginStart, 0, false},
	{"trigq", "trigger event → task queued p50, slowest of upload, http, redis", bench.Goal{Cmp: bench.Below, Limit: 20, Unit: "ms"}, figTriggerQueued, 0, false},
	{"httpasync", "http trigger, async requests (202 with a task id), {workers} clients", bench.Goal{Cmp: bench.AtLeast, Limit: 2_000, Unit: "req/s"}, figHTTPAsync, 0, false},
	{"httpsync", "http trigger, sync round trip overhead over the task's own (process runtime), p50", bench.Goal{Cmp: bench.Below, Limit: 30, Unit: "ms"}, figHTTPSync, 0, false},
	// Test suites
	{"tcrun", "tcironlocal.Run → ready (container start to health)", bench.Goal{Cmp: bench.Below, Limit: 1, Unit: "s"}, figTCRun, 0, false},
	{"imgsize", "container image size", bench.Goal{Cmp: bench.Below, Limit: 25, Unit: "MB"}, figImageSize, 0, false},
	{"reset", "POST /_ironlocal/reset, median", bench.Goal{Cmp: bench.Below, Limit: 50, Unit: "ms"}, figReset, 0, false},
	{"snapshot", "snapshot export + import of 100k messages", bench.Goal{Cmp: bench.Below, Limit: 2, Unit: "s"}, figSnapshot, 0, false},
	// The desktop app (figures_app.go)
	{"appstart", "desktop app cold start to its first frame (Xvfb)", bench.Goal{Cmp: bench.Below, Limit: 1, Unit: "s"}, figAppStart, 0, false},
	{"apprss", "desktop app RSS with 10k tasks loaded", bench.Goal{Cmp: bench.Below, Limit: 120, Unit: "MB"}, figAppRSS, 0, false},
	{"appfilter", "desktop app: filter 10k tasks (one keystroke, BenchmarkFilterTasks)", bench.Goal{Cmp: bench.Below, Limit: 100, Unit: "ms"}, figAppFilter, 0, false},
	{"appui", "desktop app UI timer lag, worst second, while 1k tasks/s and 2k msgs/s flow", bench.Goal{Cmp: bench.Below, Limit: 50, Unit: "ms"}, figAppUI, 0, false},
	{"appbrowse", "desktop app: open a 100k-message queue, first page shown (BenchmarkQueueBrowser)", bench.Goal{Cmp: bench.Below, Limit: 200, Unit: "ms"}, figAppBrowse, 0, false},
	{"apppage", "desktop app: next page of a 100k-message queue shown", bench.Goal{Cmp: bench.Below, Limit: 100, Unit: "ms"}, figAppPage, 0, false},
	{"appevents", "desktop app: Events screen, one second of 2k events/s (BenchmarkEventsScreen; heap bounded by its ring)", bench.Goal{Cmp: bench.Below, Limit: 100, Unit: "ms"}, figAppEvents, 0, false},
	{"appmsgrss", "desktop app RSS after paging through a 100k-message queue (Xvfb)", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "MB"}, figAppMsgRSS, 0, false},
	// The desktop app while 5,200 tasks drain, against a bare Fyne window (figures_app_drain.go)
	{"appdrainlag", "desktop app UI lag p95 of seconds while 5,200 tasks drain (screens switching)", bench.Goal{Cmp: bench.Below, Limit: 50, Unit: "ms"}, figAppDrainLag, 0, false},
	{"appdrainworst", "desktop app UI lag, worst second while 5,200 tasks drain", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "ms"}, figAppDrainWorst, 0, false},
	{"appswitch", "desktop app screen switch p95 while 5,200 tasks drain", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "ms"}, figAppSwitch, 0, false},
	{"appidlebare", "desktop app idle RSS above a bare Fyne window's (same run)", bench.Goal{Cmp: bench.Below, Limit: 60, Unit: "MB"}, figAppIdleOverBare, 0, false},
	{"apploadbare", "desktop app RSS holding 5,200 draining tasks, above a bare Fyne window's", bench.Goal{Cmp: bench.Below, Limit: 150, Unit: "MB"}, figAppLoadedOverBare, 0, false},
	{"appsnaprss", "desktop app RSS 30 s after a 16 MB snapshot export + import, above before (BenchmarkSnapshotRoundTrip)", bench.Goal{Cmp: bench.Below, Limit: 30, Unit: "MB"}, figAppSnapshotRSS, 0, false},
}

// figStart: median time from exec to the first 200 on GET /version, each
// start on a fresh empty data directory.
func figStart(ctx context.Context, e *env) (outcome, error) {
	var (
		took     []time.Duration
		badStops int
		stopErr  error
	)
	for range e.starts {
		dir, err := e.freshDir()
		if err != nil {
			return outcome{}, err
		}
		d, err := e.start(ctx, dir)
		if err != nil {
			return outcome{}, err
		}
		took = append(took, d.Ready)
		// Stopping right after readiness also checks that a SIGTERM
		// arriving as soon as the port answers still shuts down cleanly.
		if _, err := e.stop(d); err != nil {
			e.logf("  graceful stop right after ready: %v", err)
			badStops++
			stopErr = cmp.Or(stopErr, err)
		}
	}
	med := bench.Median(took)
	out := outcome{
		value:  float64(med) / float64(time.Millisecond),
		detail: fmt.Sprintf("median of %d; min %s, max %s", len(took), ms(minOf(took)), ms(maxOf(took))),
	}
	if badStops > 0 {
		out.fail = fmt.Sprintf("%d of %d SIGTERMs sent right after ready got no clean exit: %s",
			badStops, len(took), firstLine(stopErr.Error()))
	}
	return out, nil
}

// figReadyDeep fills a queue with e.depth messages, stops the daemon with
// SIGTERM, restarts it on the same directory and times readiness. figDepth
// reuses the directory (no daemon idles meanwhile, so none competes with
// the throughput figures for the CPU).
func figReadyDeep(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.freshDir()
	if err != nil {
		return outcome{}, err
	}
	d, err := e.start(ctx, dir)
	if err != nil {
		return outcome{}, err
	}
	filled, err := e.fill(ctx, e.client(d), deepQueue, e.depth)
	if err != nil {
		return outcome{}, err
	}
	stopped, err := e.stop(d)
	if err != nil {
		return outcome{}, fmt.Errorf("graceful stop with %d messages: %w", e.depth, err)
	}
	e.logf("  stopped with SIGTERM in %s; restarting on the same data dir", stopped.Round(time.Millisecond))
	d, err = e.start(ctx, dir)
	if err != nil {
		return outcome{}, err
	}
	out := outcome{
		value: d.Ready.Seconds(),
		detail: fmt.Sprintf("filled in %s at %s msgs/s; SIGTERM stop %s",
			filled.Round(100*time.Millisecond), bench.Sig3(float64(e.depth)/filled.Seconds()), ms(stopped)),
	}
	size, err := e.client(d).QueueSize(ctx, deepQueue)
	if err != nil {
		return outcome{}, fmt.Errorf("queue info after restart: %w", err)
	}
	if size != int64(e.depth) {
		out.fail = fmt.Sprintf("queue size after restart is %d, want %d", size, e.depth)
		return out, nil
	}
	out.detail += "; size " + strconv.FormatInt(size, 10) + " ✓"
	if _, err := e.stop(d); err != nil {
		return outcome{}, fmt.Errorf("stop after the restart: %w", err)
	}
	e.deepDir = dir
	return out, nil
}

// figIdleRSS: VmRSS one second after readiness on an empty data directory.
func figIdleRSS(ctx context.Context, e *env) (outcome, error) {
	dir, err := e.freshDir()
	if err != nil {
		return outcome{}, err
	}
	d, err := e.start(ctx, dir)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return outcome{}, ctx.Err()
	}
	rss, err := d.RSS()
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: float64(rss) / 1e6, detail: "VmRSS 1 s after ready"}, nil
}

// throughput runs op against d for e.dur with e.workers clients. The
// detail it returns gives the latency of one op (named what) and the CPU
// the daemon and this harness used, in cores: on a small machine the
// harness's share explains part of the result. With -pprof it also saves
// the daemon's CPU and allocation profiles of the measured time.
func (e *env) throughput(ctx context.Context, d *bench.Daemon, what string, op bench.Op) (bench.Result, string, error) {
	m, err := e.measure(ctx, d, op, e.pprofDir != "")
	if err != nil {
		return m.res, "", err
	}
	return m.res, m.detail(what, e.sideName(d)), nil
}

// measured is one load run (or the sum of several): what the load
// generator saw and the CPU each process spent meanwhile.
type measured struct {
	res       bench.Result
	daemonCPU time.Duration // the server's (0 when it cannot be read)
	selfCPU   time.Duration // this harness's
	wall      time.Duration // warm-up included, as the CPU is
	requests  int64         // sent by this harness, warm-up included
	// Context switches of the server's threads (-1 when they cannot be
	// read) and of this harness's, warm-up included.
	daemonSwitches, selfSwitches int64
}

// measure runs op against d for e.dur with e.workers clients (after the
// warm-up) and reads both processes' CPU around it. With profile it also
// saves the daemon's CPU and allocation profiles of the measured time.
func (e *env) measure(ctx context.Context, d *bench.Daemon, op bench.Op, profile bool) (measured, error) {
	var profiles sync.WaitGroup
	if profile {
		e.profile(ctx, d, &profiles)
	}
	d0, derr0 := d.CPUTime()
	c0, cerr0 := d.ContextSwitches()
	s0, t0, r0, sc0 := bench.SelfCPUTime(), time.Now(), bench.Requests(), bench.SelfContextSwitches()
	res, err := bench.Load{Workers: e.workers, Duration: e.dur, Warmup: warmup}.Run(ctx, op)
	m := measured{res: res, wall: time.Since(t0), daemonSwitches: -1}
	d1, derr1 := d.CPUTime()
	c1, cerr1 := d.ContextSwitches()
	m.selfCPU, m.requests = bench.SelfCPUTime()-s0, bench.Requests()-r0
	m.selfSwitches = bench.SelfContextSwitches() - sc0
	if derr0 == nil && derr1 == nil {
		m.daemonCPU = d1 - d0
	}
	if cerr0 == nil && cerr1 == nil {
		m.daemonSwitches = c1 - c0
	}
	profiles.Wait()
	return m, err
}

// add sums another run of the same op into m.
func (m *measured) add(o measured) {
	m.res.Add(o.res)
	m.daemonCPU += o.daemonCPU
	m.selfCPU += o.selfCPU
	m.wall += o.wall
	m.requests += o.requests
	if m.daemonSwitches < 0 || o.daemonSwitches < 0 {
		m.daemonSwitches = -1
	} else {
		m.daemonSwitches += o.daemonSwitches
	}
	m.selfSwitches += o.selfSwitches
}

// detail renders the latency of one op (named what) and the CPU the
// server (named side) and this harness used, in cores and per request: on
// a small machine the harness's share explains part of the result.
func (m measured) detail(what, side string) string {
	l := m.res.Latency.Summary()
	detail := fmt.Sprintf("%s p50 %s, p99 %s", what, ms(l.P50), ms(l.P99))
	if m.daemonCPU <= 0 || m.selfCPU <= 0 || m.wall <= 0 {
		return detail
	}
	wall := m.wall.Seconds()
	detail += fmt.Sprintf("; CPU cores: %s %.1f, harness %.1f", side, m.daemonCPU.Seconds()/wall, m.selfCPU.Seconds()/wall)
	// CPU per request: the warm-up's requests count too, as its CPU
	// does, so the quotient is the same whole run's.
	if n := time.Duration(m.requests); n > 0 {
		detail += fmt.Sprintf("; CPU per request: %s %s, harness %s", side, us(m.daemonCPU/n), us(m.selfCPU/n))
	}
	// Context switches per request: a hand-off between goroutines that
	// parks or wakes a thread shows here, and costs more than its CPU
	// suggests on a virtual machine; unlike the CPU, the count hardly
	// moves with the neighbours.
	if n := float64(m.requests); n > 0 && m.daemonSwitches >= 0 {
		detail += fmt.Sprintf("; context switches per request: %s %.2f, harness %.2f",
			side, float64(m.daemonSwitches)/n, float64(m.selfSwitches)/n)
	}
	return detail
}

func (e *env) sideName(d *bench.Daemon) string {
	if d == e.bare || (d != nil && d == e.floorD) {
		return "server"
	}
	return "daemon"
}

// figPost: batches of 100 posted by e.workers clients to one queue.
func figPost(ctx context.Context, e *env) (outcome, error) {
	d, err := e.mainDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	c := e.client(d)
	payload := bench.MessagesBody(100, messageBody)
	op := func(c *bench.Client) bench.Op {
		return func(ctx context.Context, _ int) (int, error) {
			return 100, c.PostMessages(ctx, "post", payload)
		}
	}
	res, detail, ceil, err := e.againstCeiling(ctx, d, "batch", op(c), op)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: res.ItemsPerSec(), detail: detail, ceiling: ceil}, nil
}

// figReserveDelete: e.workers clients reserve 100 and batch-delete them
// from a prefilled queue.
func figReserveDelete(ctx context.Context, e *env) (outcome, error) {
	d, err := e.mainDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	c := e.client(d)
	const q = "reserve"
	if _, err := e.fill(ctx, c, q, e.prefill); err != nil {
		return outcome{}, err
	}
	res, detail, err := e.throughput(ctx, d, "reserve+delete", func(ctx context.Context, _ int) (int, error) {
		msgs, err := c.Reserve(ctx, q, 100, 60)
		if err != nil {
			return 0, err
		}
		if len(msgs) == 0 {
			return 0, bench.ErrDone
		}
		return len(msgs), c.DeleteMessages(ctx, q, msgs)
	})
	if err != nil {
		return outcome{}, err
	}
	out := outcome{value: res.ItemsPerSec(), detail: detail}
	if res.Drained {
		out.detail += fmt.Sprintf("; queue of %s drained after %s", thousands(e.prefill), res.Elapsed.Round(100*time.Millisecond))
	}
	return out, nil
}

// figSingle: each of e.workers clients loops post 1 → reserve 1 → delete
// it, on one shared queue. Every reserve finds a message: each client has
// posted one before it reserves.
func figSingle(ctx context.Context, e *env) (outcome, error) {
	d, err := e.mainDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	c := e.client(d)
	const q = "single"
	empty := make([]int, e.workers) // reserves that found nothing, per worker
	res, detail, ceil, err := e.againstCeiling(ctx, d, "round trip", roundTrip(c, q, empty),
		func(c *bench.Client) bench.Op { return roundTrip(c, q, make([]int, e.workers)) })
	if err != nil {
		return outcome{}, err
	}
	out := outcome{value: res.ItemsPerSec(), detail: detail, ceiling: ceil}
	if n := sum(empty); n > 0 {
		out.fail = fmt.Sprintf("%d reserves returned no message although one was posted before each", n)
	}
	return out, nil
}

// roundTrip is the op of figSingle: post one message to q, reserve one,
// delete it. A reserve that finds nothing counts in empty[worker].
func roundTrip(c *bench.Client, q string, empty []int) bench.Op {
	payload := bench.MessagesBody(1, messageBody)
	return func(ctx context.Context, w int) (int, error) {
		if err := c.PostMessages(ctx, q, payload); err != nil {
			return 0, err
		}
		msgs, err := c.Reserve(ctx, q, 1, 60)
		if err != nil {
			return 0, err
		}
		if len(msgs) == 0 {
			empty[w]++
			return 0, nil
		}
		return 1, c.DeleteMessage(ctx, q, msgs[0])
	}
}

// figDepth compares reserve latency on a deep queue with a 1k queue in the
// same daemon: one client alternates between them (so background load hits
// both alike), reserving one message, deleting it and posting one back so
// both depths stay put. Only the reserve is timed.
func figDepth(ctx context.Context, e *env) (outcome, error) {
	d, err := e.deepDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const shallow = "shallow"
	if _, err := e.fill(ctx, c, shallow, 1000); err != nil {
		return outcome{}, err
	}
	payload := bench.MessagesBody(1, messageBody)
	const warmRounds, maxRounds = 200, 5000
	recs := map[string]*bench.Recorder{shallow: bench.NewRecorder(maxRounds), deepQueue: bench.NewRecorder(maxRounds)}
	deadline := time.Now().Add(2 * e.dur)
	for i := 0; i < warmRounds+maxRounds && time.Now().Before(deadline); i++ {
		for _, q := range []string{shallow, deepQueue} {
			t0 := time.Now()
			msgs, err := c.Reserve(ctx, q, 1, 60)
			took := time.Since(t0)
			if err != nil {
				return outcome{}, err
			}
			if len(msgs) != 1 {
				return outcome{}, fmt.Errorf("reserve on %s returned %d messages, want 1", q, len(msgs))
			}
			if i >= warmRounds {
				recs[q].Add(took)
			}
			if err := c.DeleteMessage(ctx, q, msgs[0]); err != nil {
				return outcome{}, err
			}
			if err := c.PostMessages(ctx, q, payload); err != nil {
				return outcome{}, err
			}
		}
	}
	n := recs[deepQueue].Len()
	if n == 0 {
		return outcome{}, errors.New("no samples within the time bound")
	}
	p50s, p50d := recs[shallow].Percentile(50), recs[deepQueue].Percentile(50)
	return outcome{
		value: float64(p50d) / float64(p50s),
		detail: fmt.Sprintf("p50 %s at %s vs %s at 1k; %s samples each",
			ms(p50d), shortCount(e.depth), ms(p50s), thousands(n)),
	}, nil
}

// figCache: each client puts a key then gets it back, over 1,024 keys per
// client; both calls count as operations.
func figCache(ctx context.Context, e *env) (outcome, error) {
	d, err := e.mainDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	c := e.client(d)
	const cache = "bench"
	payload := bench.CacheItemBody(messageBody)
	op := func(c *bench.Client) bench.Op {
		next := make([]int, e.workers) // per-worker key counter
		return func(ctx context.Context, w int) (int, error) {
			key := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(next[w]%1024)
			next[w]++
			if err := c.CachePut(ctx, cache, key, payload); err != nil {
				return 0, err
			}
			return 2, c.CacheGet(ctx, cache, key)
		}
	}
	res, detail, ceil, err := e.againstCeiling(ctx, d, "put+get", op(c), op)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: res.ItemsPerSec(), detail: detail, ceiling: ceil}, nil
}

func minOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxOf(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}

func sum(xs []int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}

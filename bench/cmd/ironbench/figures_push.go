package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// IronMQ push figures. The subscriber is an HTTP server inside this
// process (bench.Subscriber) answering 200 at once; each figure starts its
// own daemon on a fresh data directory.

const pushMessages = 10_000 // messages of the push throughput figure

// pushSetup starts a subscriber and a daemon. The returned cleanup stops
// both.
func pushSetup(ctx context.Context, e *env, arrivals int) (*bench.Subscriber, *bench.Daemon, func(), error) {
	sub, err := bench.StartSubscriber(arrivals)
	if err != nil {
		return nil, nil, nil, err
	}
	closeSub := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sub.Close(ctx); err != nil {
			e.logf("  stop subscriber: %v", err)
		}
	}
	d, err := e.freshDaemon(ctx)
	if err != nil {
		closeSub()
		return nil, nil, nil, err
	}
	return sub, d, func() { e.stop(d); closeSub() }, nil
}

// figPush: e.workers clients post pushMessages messages in batches of 100
// to a multicast push queue with one subscriber; the clock runs from the
// first post until the subscriber has received every message.
func figPush(ctx context.Context, e *env) (outcome, error) {
	sub, d, cleanup, err := pushSetup(ctx, e, 0)
	if err != nil {
		return outcome{}, err
	}
	defer cleanup()
	c := e.client(d)
	const q, warm = "push", 100
	if err := c.PutQueue(ctx, q, bench.PushQueueSettings("multicast", sub.URL+"/"+q)); err != nil {
		return outcome{}, err
	}
	payload := bench.MessagesBody(100, messageBody)
	if err := c.PostMessages(ctx, q, payload); err != nil {
		return outcome{}, err
	}
	if err := waitDelivered(ctx, sub, warm, 10*time.Second); err != nil {
		return outcome{}, fmt.Errorf("warm-up: %w", err)
	}

	var profiles sync.WaitGroup // -pprof: the burst, after the harness's warm-up pause
	if e.pprofDir != "" {
		e.profile(ctx, d, &profiles)
	}
	defer profiles.Wait()
	d0, _ := d.CPUTime()
	t0 := time.Now()
	var (
		posted  bench.Result
		postErr error
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		posted, postErr = bench.Load{Workers: e.workers, Ops: pushMessages / 100}.Run(ctx, func(ctx context.Context, _ int) (int, error) {
			return 100, c.PostMessages(ctx, q, payload)
		})
	})
	const deadline = 30 * time.Second
	waitErr := waitDelivered(ctx, sub, warm+pushMessages, deadline)
	elapsed := time.Since(t0)
	wg.Wait()
	d1, derr := d.CPUTime()
	if postErr != nil {
		return outcome{}, postErr
	}
	got := sub.Delivered() - warm
	out := outcome{
		value: float64(got) / elapsed.Seconds(),
		detail: fmt.Sprintf("%s messages delivered in %s (posted in %s); the pusher used %d connections",
			thousands(int(got)), elapsed.Round(10*time.Millisecond), posted.Elapsed.Round(10*time.Millisecond), sub.Connections()),
	}
	if derr == nil && d1 > 0 {
		out.detail += fmt.Sprintf("; daemon CPU %.1f cores", (d1-d0).Seconds()/elapsed.Seconds())
	}
	if waitErr != nil {
		out.detail += fmt.Sprintf("; only %s of %s arrived within %s", thousands(int(got)), thousands(pushMessages), deadline)
	}
	if n := sub.Duplicates(); n > 0 {
		out.fail = fmt.Sprintf("%d messages delivered more than once (no failure or restart happened)", n)
	}
	return out, nil
}

// waitDelivered waits up to timeout for n distinct messages at sub.
func waitDelivered(ctx context.Context, sub *bench.Subscriber, n int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := sub.WaitDelivered(ctx, n); err != nil {
		return fmt.Errorf("%d of %d messages delivered within %s: %w", sub.Delivered(), n, timeout, err)
	}
	return nil
}

// figPushLat: one message at a time is posted to a multicast push queue;
// the latency runs from sending the post to the subscriber reading the
// delivery's headers.
func figPushLat(ctx context.Context, e *env) (outcome, error) {
	sub, d, cleanup, err := pushSetup(ctx, e, 64)
	if err != nil {
		return outcome{}, err
	}
	defer cleanup()
	c := e.client(d)
	const q, warm, samples = "latency", 20, 300
	if err := c.PutQueue(ctx, q, bench.PushQueueSettings("multicast", sub.URL+"/"+q)); err != nil {
		return outcome{}, err
	}
	rec := bench.NewRecorder(samples)
	for i := range warm + samples {
		body := "m" + strconv.Itoa(i)
		t0 := time.Now()
		if err := c.PostMessages(ctx, q, bench.MessagesBody(1, body)); err != nil {
			return outcome{}, err
		}
		a, err := awaitArrival(ctx, sub, body, 5*time.Second)
		if err != nil {
			return outcome{}, err
		}
		if i >= warm {
			rec.Add(a.At.Sub(t0))
		}
	}
	s := rec.Summary()
	out := outcome{
		value:  float64(s.P50) / float64(time.Millisecond),
		detail: fmt.Sprintf("p90 %s, p99 %s, max %s over %d messages posted one at a time", ms(s.P90), ms(s.P99), ms(s.Max), s.N),
	}
	if n := sub.Duplicates(); n > 0 {
		out.fail = fmt.Sprintf("%d messages delivered more than once", n)
	}
	return out, nil
}

// awaitArrival waits for the delivery whose body is body.
func awaitArrival(ctx context.Context, sub *bench.Subscriber, body string, timeout time.Duration) (bench.Arrival, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case a := <-sub.Arrivals():
			if a.Body == body {
				return a, nil
			}
		case <-t.C:
			return bench.Arrival{}, fmt.Errorf("message %q not delivered within %s", body, timeout)
		case <-ctx.Done():
			return bench.Arrival{}, ctx.Err()
		}
	}
}

// Push load of figPullPush: every pushTick, a batch of pushBatch messages
// to each of pushQueues queues.
const (
	pushQueues = 10
	pushBatch  = 10
	pushTick   = 100 * time.Millisecond
)

// pullPushRounds is how many phases with push figPullPush measures, each
// between two pull-only phases.
const pullPushRounds = 2

// figPullPush runs the single post → reserve → delete workload (e.workers
// clients) on a pull queue in alternating phases of e.dur/2 on one daemon:
// pull-only, then with pushQueues multicast push queues delivering a steady
// pushQueues×pushBatch messages per pushTick to the subscriber, then
// pull-only again, pullPushRounds times. The value is the mean rate with
// push over the mean pull-only rate: each push phase sits between two
// pull-only ones, so drift on a shared machine (which moved a single
// before/after pair by 11 %) weighs on both sides alike.
func figPullPush(ctx context.Context, e *env) (outcome, error) {
	sub, d, cleanup, err := pushSetup(ctx, e, 0)
	if err != nil {
		return outcome{}, err
	}
	defer cleanup()
	c := e.client(d)
	queues := make([]string, pushQueues)
	for i := range queues {
		queues[i] = "push-" + strconv.Itoa(i)
		if err := c.PutQueue(ctx, queues[i], bench.PushQueueSettings("multicast", sub.URL+"/"+queues[i])); err != nil {
			return outcome{}, err
		}
	}
	const pull = "pull"
	empty := make([]int, e.workers)
	// run measures the pull workload and the CPU (in cores) the daemon and
	// this process (load generator and subscriber) used meanwhile.
	type phase struct{ rate, daemon, harness float64 }
	run := func(dur time.Duration, profile bool) (phase, error) {
		var profiles sync.WaitGroup
		if profile && e.pprofDir != "" { // -pprof: the first phase with push
			e.profile(ctx, d, &profiles)
		}
		defer profiles.Wait()
		d0, s0, t0 := cpuTime(d), bench.SelfCPUTime(), time.Now()
		res, err := bench.Load{Workers: e.workers, Duration: dur, Warmup: warmup}.Run(ctx, roundTrip(c, pull, empty))
		wall := time.Since(t0).Seconds()
		return phase{res.ItemsPerSec(), (cpuTime(d) - d0).Seconds() / wall, (bench.SelfCPUTime() - s0).Seconds() / wall}, err
	}

	batch := bench.MessagesBody(pushBatch, messageBody)
	var posted int64
	// pushPhase is a phase with push: the pull phase, the delivery rate
	// meanwhile, and whether the deliveries caught up afterwards.
	type pushPhase struct {
		phase
		delivered float64
		backlog   error
	}
	// withPush measures one phase while the feeder posts to the push
	// queues, then waits for the deliveries to catch up.
	withPush := func(profile bool) (pushPhase, error) {
		feedCtx, stopFeed := context.WithCancel(ctx)
		var (
			feedErr error
			feeder  sync.WaitGroup
		)
		feeder.Go(func() {
			tick := time.NewTicker(pushTick)
			defer tick.Stop()
			for {
				for _, q := range queues {
					if err := c.PostMessages(feedCtx, q, batch); err != nil {
						if feedCtx.Err() == nil {
							feedErr = err
						}
						return
					}
					posted += pushBatch
				}
				select {
				case <-feedCtx.Done():
					return
				case <-tick.C:
				}
			}
		})
		if err := sleepCtx(ctx, warmup); err != nil { // let deliveries reach a steady state
			stopFeed()
			feeder.Wait()
			return pushPhase{}, err
		}
		del0, t0 := sub.Delivered(), time.Now()
		ph, err := run(e.dur/2, profile)
		del1, window := sub.Delivered(), time.Since(t0)
		stopFeed()
		feeder.Wait()
		if err != nil {
			return pushPhase{}, err
		}
		if feedErr != nil {
			return pushPhase{}, fmt.Errorf("post to the push queues: %w", feedErr)
		}
		return pushPhase{phase: ph, delivered: float64(del1-del0) / window.Seconds(),
			backlog: waitDelivered(ctx, sub, posted, 20*time.Second)}, nil
	}

	var pullOnly, pushed []phase
	var delivered []float64
	var backlogErrs []string
	first, err := run(e.dur/2, false)
	if err != nil {
		return outcome{}, err
	}
	pullOnly = append(pullOnly, first)
	for round := range pullPushRounds {
		pp, err := withPush(round == 0)
		if err != nil {
			return outcome{}, err
		}
		if pp.backlog != nil {
			backlogErrs = append(backlogErrs, pp.backlog.Error())
		}
		pushed, delivered = append(pushed, pp.phase), append(delivered, pp.delivered)
		after, err := run(e.dur/2, false)
		if err != nil {
			return outcome{}, err
		}
		pullOnly = append(pullOnly, after)
	}
	mean := func(ps []phase, f func(phase) float64) float64 {
		sum := 0.0
		for _, p := range ps {
			sum += f(p)
		}
		return sum / float64(len(ps))
	}
	rate := func(p phase) float64 { return p.rate }
	rates := func(ps []phase) string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = bench.Sig3(p.rate)
		}
		return strings.Join(out, ", ")
	}
	base, with := mean(pullOnly, rate), mean(pushed, rate)
	out := outcome{
		value: with / base,
		detail: fmt.Sprintf("%s msgs/s with push (phases %s) vs %s pull-only (phases %s), alternating; push delivered %s msgs/s meanwhile over %d connections; "+
			"CPU cores with push: daemon %.1f, harness %.1f (pull-only %.1f, %.1f)",
			bench.Sig3(with), rates(pushed), bench.Sig3(base), rates(pullOnly),
			bench.Sig3(sumFloats(delivered)/float64(len(delivered))), sub.Connections(),
			mean(pushed, func(p phase) float64 { return p.daemon }), mean(pushed, func(p phase) float64 { return p.harness }),
			mean(pullOnly, func(p phase) float64 { return p.daemon }), mean(pullOnly, func(p phase) float64 { return p.harness })),
	}
	if len(backlogErrs) > 0 {
		out.detail += "; push fell behind: " + strings.Join(backlogErrs, "; ")
	}
	var problems []string
	if n := sum(empty); n > 0 {
		problems = append(problems, fmt.Sprintf("%d reserves returned no message although one was posted before each", n))
	}
	if n := sub.Duplicates(); n > 0 {
		problems = append(problems, fmt.Sprintf("%d push messages delivered more than once", n))
	}
	out.fail = strings.Join(problems, "; ")
	return out, nil
}

func sumFloats(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// cpuTime is the daemon's CPU time so far, 0 where it cannot be read.
func cpuTime(d *bench.Daemon) time.Duration {
	t, _ := d.CPUTime()
	return t
}

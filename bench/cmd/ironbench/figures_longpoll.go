package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// The long-poll figure's load: posters send single messages, longPollRate
// a second in all, to one queue that longPollConsumers clients drain with
// long polls of longPollWait seconds, as a worker pool does.
const (
	longPollConsumers = 8
	longPollPosters   = 4
	longPollRate      = 1000 // messages a second
	longPollWait      = 2    // seconds
)

// figLongPoll: the time from sending a message's post to a long-polling
// consumer's reserve returning it, p50, on a fresh daemon. Consumers delete
// each message they get and poll again at once, so most of the time they
// are parked on the queue: what the figure shows is how a post wakes them.
// The detail gives the daemon's CPU per message, which counts every
// wake-up, retried reserve and empty poll a message caused. It fails if a
// message is never reserved, or is reserved twice.
func figLongPoll(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	hc := bench.NewHTTPClient(longPollConsumers + longPollPosters)
	defer hc.CloseIdleConnections()
	c, err := bench.NewClient(hc, d.URL, project, token)
	if err != nil {
		return outcome{}, err
	}
	const queue = "longpoll"
	// Create the queue: a reserve of a queue never posted to is a 404.
	if err := c.PostMessages(ctx, queue, bench.MessagesBody(1, "-1")); err != nil {
		return outcome{}, err
	}
	if got, err := c.Reserve(ctx, queue, 1, 0); err != nil || len(got) != 1 {
		return outcome{}, fmt.Errorf("empty the queue: %d messages, %v", len(got), err)
	}

	interval := time.Second / longPollRate
	warm := int(warmup / interval)
	n := warm + int(e.dur/interval)
	sent := make([]atomic.Int64, n) // when each message's post was sent, unix ns
	got := make([]atomic.Int32, n)  // how many times each was reserved
	var consumed atomic.Int64

	cctx, stopConsumers := context.WithCancel(ctx)
	var (
		consumers sync.WaitGroup
		errMu     sync.Mutex
		firstErr  error
	)
	fail := func(err error) {
		errMu.Lock()
		defer errMu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	failed := func() error {
		errMu.Lock()
		defer errMu.Unlock()
		return firstErr
	}
	recs := make([]*bench.Recorder, longPollConsumers)
	for w := range recs {
		recs[w] = bench.NewRecorder(n / longPollConsumers)
		consumers.Go(func() {
			for cctx.Err() == nil {
				msgs, err := c.ReserveWaitBodies(cctx, queue, 1, longPollWait)
				arrived := time.Now()
				if err != nil {
					if cctx.Err() == nil {
						fail(fmt.Errorf("long-poll reserve: %w", err))
					}
					return
				}
				for _, m := range msgs {
					i, err := strconv.Atoi(m.Body)
					if err != nil || i < 0 || i >= n {
						fail(fmt.Errorf("reserved a message of body %q, which was not posted", m.Body))
						return
					}
					if i >= warm {
						recs[w].Add(arrived.Sub(time.Unix(0, sent[i].Load())))
					}
					got[i].Add(1)
					consumed.Add(1)
					if err := c.DeleteMessage(cctx, queue, m.Message); err != nil && cctx.Err() == nil {
						fail(fmt.Errorf("delete: %w", err))
						return
					}
				}
			}
		})
	}
	// Whatever ends the figure, the consumers stop before it returns.
	defer func() {
		stopConsumers()
		consumers.Wait()
	}()
	// Let the consumers reach the daemon and park before the first post.
	if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
		return outcome{}, err
	}

	var profiles sync.WaitGroup
	if e.pprofDir != "" {
		e.profile(ctx, d, &profiles)
	}
	start := time.Now()
	var (
		posters sync.WaitGroup
		next    atomic.Int64
		cpu0    time.Duration
	)
	for range longPollPosters {
		posters.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || cctx.Err() != nil {
					return
				}
				if err := sleepCtx(cctx, time.Until(start.Add(time.Duration(i)*interval))); err != nil {
					return
				}
				if i == warm {
					cpu0 = cpuTime(d) // the measured stretch begins
				}
				sent[i].Store(time.Now().UnixNano())
				if err := c.PostMessages(cctx, queue, bench.MessagesBody(1, strconv.Itoa(i))); err != nil {
					fail(fmt.Errorf("post: %w", err))
					return
				}
			}
		})
	}
	posters.Wait()
	cpu1, posted := cpuTime(d), time.Since(start)
	profiles.Wait()
	// Every message should be reserved within moments of the last post.
	deadline := time.Now().Add(10 * time.Second)
	for consumed.Load() < int64(n) && time.Now().Before(deadline) && failed() == nil {
		if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
			return outcome{}, err
		}
	}
	stopConsumers()
	consumers.Wait()
	if err := failed(); err != nil {
		return outcome{}, err
	}

	rec := recs[0]
	for _, r := range recs[1:] {
		rec.Merge(r)
	}
	if rec.Len() == 0 {
		return outcome{}, errors.New("no message was reserved in the measured stretch")
	}
	s := rec.Summary()
	out := outcome{
		value: float64(s.P50) / float64(time.Millisecond),
		detail: fmt.Sprintf("p90 %s, p99 %s, max %s over %s messages posted one at a time at %s msgs/s (%s posted in %s) to %d consumers long-polling with wait=%d",
			ms(s.P90), ms(s.P99), ms(s.Max), thousands(s.N), thousands(longPollRate), thousands(n), posted.Round(time.Millisecond), longPollConsumers, longPollWait),
	}
	if cpu0 > 0 && cpu1 > cpu0 {
		measured := n - warm
		out.detail += fmt.Sprintf("; daemon CPU per message %s (%.2f cores)", us((cpu1-cpu0)/time.Duration(measured)),
			(cpu1-cpu0).Seconds()/(time.Duration(measured)*interval).Seconds())
	}
	var lost, twice int
	for i := range got {
		switch g := got[i].Load(); {
		case g == 0:
			lost++
		case g > 1:
			twice++
		}
	}
	switch {
	case lost > 0:
		out.fail = fmt.Sprintf("%d of %d messages never reserved", lost, n)
	case twice > 0:
		out.fail = fmt.Sprintf("%d messages reserved more than once", twice)
	}
	return out, nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// Figures of an emulator that sits waiting or is used for long: nothing may
// poll (idle CPU stays near zero however many clients wait), and memory
// levels off when names come and go.

const (
	// idleWaiters long-poll reserves wait on one empty queue.
	idleWaiters = 2000
	// idleWindow is how long the idle daemon's CPU is measured.
	idleWindow = 10 * time.Second
	// churnClients run churn rounds at once.
	churnClients = 6
)

// figIdlePoll: with idleWaiters long-poll reserves (wait=30) parked on an
// empty queue, the daemon's CPU use over idleWindow, in cores, and the
// latency of GET /version meanwhile. Each waiter asks again when its wait
// ends, so all of them wait throughout.
func figIdlePoll(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	const queue = "idle"
	c := e.client(d)
	if err := c.PostMessages(ctx, queue, bench.MessagesBody(1, messageBody)); err != nil {
		return outcome{}, err
	}
	if got, err := c.Reserve(ctx, queue, 1, 0); err != nil || len(got) != 1 {
		return outcome{}, fmt.Errorf("empty the queue: %d messages, %v", len(got), err)
	}
	// One connection per waiter, kept apart from the shared pool.
	hc := &http.Client{Timeout: time.Minute, Transport: &http.Transport{Proxy: nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: idleWaiters + 10, DisableCompression: true}}
	defer hc.CloseIdleConnections()
	wc, err := bench.NewClient(hc, d.URL, project, token)
	if err != nil {
		return outcome{}, err
	}

	wctx, stopWaiters := context.WithCancel(ctx)
	var (
		wg       sync.WaitGroup
		sent     atomic.Int64 // requests under way
		answered atomic.Int64 // waits that ended with messages or early
		firstErr atomic.Pointer[error]
	)
	for range idleWaiters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for wctx.Err() == nil {
				sent.Add(1)
				began := time.Now()
				msgs, err := wc.ReserveWait(wctx, queue, 1, 30)
				sent.Add(-1)
				switch {
				case wctx.Err() != nil:
					return
				case err != nil:
					firstErr.CompareAndSwap(nil, &err)
					return
				case len(msgs) > 0 || time.Since(began) < 29*time.Second:
					answered.Add(1)
				}
			}
		}()
	}
	defer func() {
		stopWaiters()
		wg.Wait()
	}()
	// Let every waiter reach the daemon and park.
	deadline := time.Now().Add(30 * time.Second)
	for sent.Load() < idleWaiters && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := sleepCtx(ctx, 2*time.Second); err != nil {
		return outcome{}, err
	}
	if p := firstErr.Load(); p != nil {
		return outcome{}, fmt.Errorf("long poll: %w", *p)
	}
	e.logf("  %d long polls waiting; measuring %s", sent.Load(), idleWindow)

	lat := bench.NewRecorder(int(idleWindow / (100 * time.Millisecond)))
	cpu0, err := d.CPUTime()
	if err != nil {
		return outcome{}, err
	}
	t0 := time.Now()
	for time.Since(t0) < idleWindow {
		start := time.Now()
		if _, err := c.Version(ctx); err != nil {
			return outcome{}, fmt.Errorf("GET /version while idle: %w", err)
		}
		lat.Add(time.Since(start))
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return outcome{}, err
		}
	}
	cpu1, err := d.CPUTime()
	if err != nil {
		return outcome{}, err
	}
	cores := (cpu1 - cpu0).Seconds() / time.Since(t0).Seconds()
	l := lat.Summary()
	out := outcome{value: cores, detail: fmt.Sprintf("%d waiting over %s; GET /version meanwhile p50 %s, max %s",
		sent.Load(), idleWindow, ms(l.P50), ms(l.Max))}
	switch {
	case sent.Load() < idleWaiters:
		out.fail = fmt.Sprintf("only %d of %d long polls were waiting", sent.Load(), idleWaiters)
	case answered.Load() > 0:
		out.fail = fmt.Sprintf("%d long polls on an empty queue ended early", answered.Load())
	}
	return out, nil
}

// figChurn: e.churn of churnClients running rounds back to back, each on
// names of its own (a new queue: 10 posts, reserve, delete them, delete the
// queue; a new cache: put, delete the cache). The daemon's RSS is sampled
// every second; the figure is the mean of the last third over the mean of
// the middle third, so a leak per name shows however fast the machine.
func figChurn(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	post := bench.MessagesBody(10, messageBody)
	item := bench.CacheItemBody(messageBody)
	var rounds atomic.Int64
	round := func(ctx context.Context, w int) (int, error) {
		n := strconv.FormatInt(rounds.Add(1), 10)
		queue, cache := "churn-q-"+n, "churn-c-"+n
		if err := c.PostMessages(ctx, queue, post); err != nil {
			return 0, err
		}
		msgs, err := c.Reserve(ctx, queue, 10, 0)
		if err != nil {
			return 0, err
		}
		if err := c.DeleteMessages(ctx, queue, msgs); err != nil {
			return 0, err
		}
		if err := c.DeleteQueue(ctx, queue); err != nil {
			return 0, err
		}
		if err := c.CachePut(ctx, cache, "k", item); err != nil {
			return 0, err
		}
		return 1, c.DeleteCache(ctx, cache)
	}

	var samples []int64
	sctx, stopSampling := context.WithCancel(ctx)
	sampled := make(chan error, 1)
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				sampled <- nil
				return
			case <-t.C:
				rss, err := d.RSS()
				if err != nil {
					sampled <- err
					return
				}
				samples = append(samples, rss)
			}
		}
	}()
	res, err := bench.Load{Workers: churnClients, Duration: e.churn}.Run(ctx, round)
	stopSampling()
	if serr := <-sampled; err == nil {
		err = serr
	}
	if err != nil {
		return outcome{}, err
	}
	if len(samples) < 6 {
		return outcome{}, errors.New("too few RSS samples: the run was too short")
	}
	third := len(samples) / 3
	middle, last := mean(samples[third:2*third]), mean(samples[2*third:])
	return outcome{value: last / middle, detail: fmt.Sprintf(
		"RSS %s MB middle third → %s MB last third (max %s MB); %s rounds in %s, %d clients, a new queue and cache each",
		bench.Sig3(middle/1e6), bench.Sig3(last/1e6), bench.Sig3(float64(slices.Max(samples))/1e6),
		thousands(int(res.Ops)), e.churn, churnClients)}, nil
}

func mean(xs []int64) float64 {
	var t float64
	for _, x := range xs {
		t += float64(x)
	}
	return t / float64(len(xs))
}

package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// memloadClients each drive one fixed queue and one fixed cache.
const memloadClients = 6

// figMemLoad: the daemon's peak RSS over e.memload of sustained mixed load
// on memloadClients fixed queues and caches, all clients at once, back to
// back: each round posts 10 messages to its queue, reserves and deletes
// them, then puts one of 1,024 keys in its cache (overwriting it from the
// second lap on) and gets it back. Nothing grows but what the store and the
// runtime keep, so the peak is what a desktop pays under sustained use.
func figMemLoad(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	if err := sleepCtx(ctx, time.Second); err != nil {
		return outcome{}, err
	}
	idle, err := d.RSS()
	if err != nil {
		return outcome{}, err
	}
	c := e.client(d)
	post := bench.MessagesBody(10, messageBody)
	item := bench.CacheItemBody(messageBody)
	next := make([]int, memloadClients)
	round := func(ctx context.Context, w int) (int, error) {
		queue, cache := "memload-q"+strconv.Itoa(w), "memload-c"+strconv.Itoa(w)
		if err := c.PostMessages(ctx, queue, post); err != nil {
			return 0, err
		}
		msgs, err := c.Reserve(ctx, queue, 10, 60)
		if err != nil {
			return 0, err
		}
		if err := c.DeleteMessages(ctx, queue, msgs); err != nil {
			return 0, err
		}
		key := strconv.Itoa(next[w] % 1024)
		next[w]++
		if err := c.CachePut(ctx, cache, key, item); err != nil {
			return 0, err
		}
		return 1, c.CacheGet(ctx, cache, key)
	}

	sampler := sampleRSS(ctx, d, time.Second)
	res, err := bench.Load{Workers: memloadClients, Duration: e.memload}.Run(ctx, round)
	if e.pprofDir != "" && err == nil {
		path := filepath.Join(e.pprofDir, e.figure+".heap.pprof")
		if perr := d.Profile(ctx, "heap", 0, token, path); perr != nil {
			e.logf("  %v", perr)
		}
	}
	samples, serr := sampler()
	if err = errors.Join(err, serr); err != nil {
		return outcome{}, err
	}
	if len(samples) < 6 {
		return outcome{}, errors.New("too few RSS samples: the run was too short")
	}
	peak := slices.Max(samples)
	return outcome{value: float64(peak) / 1e6, detail: fmt.Sprintf(
		"mean of the last third %s MB; idle before %s MB; %s s, %d clients, %s rounds/s (10 messages posted, reserved, deleted, a cache put + get each)",
		bench.Sig3(mean(samples[2*len(samples)/3:])/1e6), bench.Sig3(float64(idle)/1e6),
		strconv.Itoa(int(e.memload.Seconds())), memloadClients, bench.Sig3(res.ItemsPerSec()))}, nil
}

// sampleRSS reads d's RSS every interval until the returned function is
// called, which returns the samples.
func sampleRSS(ctx context.Context, d *bench.Daemon, interval time.Duration) func() ([]int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	var (
		samples []int64
		err     error
		wg      sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				rss, rerr := d.RSS()
				if rerr != nil {
					err = rerr
					return
				}
				samples = append(samples, rss)
			}
		}
	})
	return func() ([]int64, error) {
		cancel()
		wg.Wait()
		return samples, err
	}
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// Test-suite figures: what a suite that uses ironlocal waits for.

// figTCRun: tcironlocal.Run with the module's defaults (in-memory store,
// docker runtime through the bound socket), timed from the call until it
// returns: the container is created, started and GET /_ironlocal/health
// answered. One untimed warm-up (testcontainers connects to the engine on
// first use), then the median of five.
func figTCRun(ctx context.Context, e *env) (outcome, error) {
	if reason := e.dockerMissing(ctx); reason != "" {
		return outcome{skip: reason}, nil
	}
	imgNote, err := e.ensureImage(ctx, tcironlocal.DefaultImage)
	if err != nil {
		return outcome{}, err
	}
	testcontainersEnv()
	tclog.SetDefault(tclog.NewNoopLogger())

	run := func() (time.Duration, error) {
		t0 := time.Now()
		ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage)
		took := time.Since(t0)
		if terr := testcontainers.TerminateContainer(ctr); terr != nil {
			err = errors.Join(err, terr)
		}
		return took, err
	}
	first, err := run()
	if err != nil {
		return outcome{}, err
	}
	const runs = 5
	took := make([]time.Duration, 0, runs)
	for range runs {
		t, err := run()
		if err != nil {
			return outcome{}, err
		}
		took = append(took, t)
	}
	med := bench.Median(took)
	return outcome{
		value: med.Seconds(),
		detail: fmt.Sprintf("median of %d; min %s, max %s; first Run of the process %s; %s",
			runs, ms(minOf(took)), ms(maxOf(took)), ms(first), imgNote),
	}, nil
}

// figImageSize: the size `docker image inspect` reports for
// ironlocal/ironlocal:latest (built from this checkout when missing).
func figImageSize(ctx context.Context, e *env) (outcome, error) {
	if reason := e.dockerMissing(ctx); reason != "" {
		return outcome{skip: reason}, nil
	}
	imgNote, err := e.ensureImage(ctx, tcironlocal.DefaultImage)
	if err != nil {
		return outcome{}, err
	}
	size, err := bench.ImageSize(ctx, tcironlocal.DefaultImage)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: float64(size) / 1e6, detail: tcironlocal.DefaultImage + ", uncompressed; " + imgNote}, nil
}

// Contents of the daemon figReset wipes before each reset.
const (
	resetQueues   = 5
	resetMessages = 1000 // per queue
	resetItems    = 100
)

// figReset: POST /_ironlocal/reset on a daemon (on-disk store) holding
// resetQueues queues of resetMessages messages and a cache of resetItems
// items, refilled before each of 20 resets (2 more untimed first).
func figReset(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	batch := bench.MessagesBody(100, messageBody)
	item := bench.CacheItemBody(messageBody)
	fill := func() error {
		for q := range resetQueues {
			for range resetMessages / 100 {
				if err := c.PostMessages(ctx, "reset-"+strconv.Itoa(q), batch); err != nil {
					return err
				}
			}
		}
		for i := range resetItems {
			if err := c.CachePut(ctx, "reset", "k"+strconv.Itoa(i), item); err != nil {
				return err
			}
		}
		return nil
	}
	const warm, runs = 2, 20
	took := make([]time.Duration, 0, runs)
	for i := range warm + runs {
		if err := fill(); err != nil {
			return outcome{}, err
		}
		t0 := time.Now()
		if err := c.Reset(ctx); err != nil {
			return outcome{}, err
		}
		if i >= warm {
			took = append(took, time.Since(t0))
		}
	}
	med := bench.Median(took)
	out := outcome{
		value: float64(med) / float64(time.Millisecond),
		detail: fmt.Sprintf("median of %d; max %s; each wiped %d queues × %s messages and %d cache items",
			runs, ms(maxOf(took)), resetQueues, thousands(resetMessages), resetItems),
	}
	_, err = c.QueueSize(ctx, "reset-0")
	if !client.IsNotFound(err) {
		out.fail = fmt.Sprintf("after a reset GET /queues/reset-0 should be 404, got %v", err)
	}
	return out, nil
}

// figSnapshot fills a queue with 100k messages, then times GET
// /_ironlocal/snapshot (the whole download) plus PUT /_ironlocal/snapshot
// of the same bytes. Between the two, 100 more messages are posted, so the
// size after the import proves it replaced the state.
func figSnapshot(ctx context.Context, e *env) (outcome, error) {
	d, err := e.freshDaemon(ctx)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(d)
	c := e.client(d)
	const q, n = "snapshot", 100_000
	if _, err := e.fill(ctx, c, q, n); err != nil {
		return outcome{}, err
	}
	t0 := time.Now()
	snap, err := c.ExportSnapshot(ctx)
	if err != nil {
		return outcome{}, err
	}
	export := time.Since(t0)
	if err := c.PostMessages(ctx, q, bench.MessagesBody(100, messageBody)); err != nil {
		return outcome{}, err
	}
	t1 := time.Now()
	if err := c.ImportSnapshot(ctx, snap); err != nil {
		return outcome{}, err
	}
	imported := time.Since(t1)
	out := outcome{
		value: (export + imported).Seconds(),
		detail: fmt.Sprintf("export %s, import %s; snapshot %s MB",
			ms(export), ms(imported), bench.Sig3(float64(len(snap))/1e6)),
	}
	size, err := c.QueueSize(ctx, q)
	if err != nil {
		return outcome{}, fmt.Errorf("queue info after the import: %w", err)
	}
	if size != n {
		out.fail = fmt.Sprintf("queue size after the import is %d, want %d", size, n)
		return out, nil
	}
	out.detail += "; size " + strconv.Itoa(n) + " ✓"
	return out, nil
}

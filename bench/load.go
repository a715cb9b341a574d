package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrDone, returned by an Op, stops that worker without failing the run
// (for example: the queue it drains is empty).
var ErrDone = errors.New("worker done")

// Op performs one operation for a worker and returns how many items it
// handled (messages, cache operations). It must honour ctx.
type Op func(ctx context.Context, worker int) (items int, err error)

// Load is a closed-loop load generator: Workers goroutines each run the op
// back to back until Duration has passed or Ops operations have started,
// whichever comes first (a zero bound is no bound; one must be set).
// Operations that start during Warmup are run but not counted.
type Load struct {
	Workers  int
	Duration time.Duration
	Ops      int64
	Warmup   time.Duration
}

// Result is what a run measured (warm-up excluded).
type Result struct {
	Ops     int64         // operations counted
	Items   int64         // items those operations reported
	Elapsed time.Duration // from the end of warm-up to the last worker's stop
	Latency *Recorder     // one sample per counted operation
	Drained bool          // a worker stopped with ErrDone
}

// ItemsPerSec is the measured throughput in items.
func (r Result) ItemsPerSec() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Items) / r.Elapsed.Seconds()
}

// Add sums another run of the same op into r, as if the two had been one
// run: operations, items, measured time and latency samples.
func (r *Result) Add(o Result) {
	r.Ops += o.Ops
	r.Items += o.Items
	r.Elapsed += o.Elapsed
	if r.Latency == nil {
		r.Latency = NewRecorder(0)
	}
	if o.Latency != nil {
		r.Latency.Merge(o.Latency)
	}
	r.Drained = r.Drained || o.Drained
}

// Run drives op until the bounds are reached. The first error other than
// ErrDone stops every worker and is returned with what was measured so far.
func (l Load) Run(ctx context.Context, op Op) (Result, error) {
	if l.Workers < 1 {
		return Result{}, errors.New("load: workers must be at least 1")
	}
	if l.Duration <= 0 && l.Ops <= 0 {
		return Result{}, errors.New("load: set a duration or an op count")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	start := time.Now()
	measureFrom := start.Add(l.Warmup)
	var deadline time.Time
	if l.Duration > 0 {
		deadline = measureFrom.Add(l.Duration)
	}
	var (
		started  atomic.Int64
		items    atomic.Int64
		drained  atomic.Bool
		errOnce  sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	recs := make([]*Recorder, l.Workers)
	for w := range l.Workers {
		recs[w] = NewRecorder(1024)
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				if !deadline.IsZero() && !t0.Before(deadline) {
					return
				}
				counted := !t0.Before(measureFrom)
				if counted && l.Ops > 0 && started.Add(1) > l.Ops {
					return
				}
				n, err := op(ctx, w)
				if errors.Is(err, ErrDone) {
					drained.Store(true)
					return
				}
				if err != nil {
					if ctx.Err() == nil { // not a casualty of another worker's failure
						errOnce.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				if counted {
					recs[w].Add(time.Since(t0))
					items.Add(int64(n))
				}
			}
		})
	}
	wg.Wait()
	end := time.Now()

	res := Result{Items: items.Load(), Latency: NewRecorder(0), Drained: drained.Load()}
	for _, r := range recs {
		res.Latency.Merge(r)
	}
	res.Ops = int64(res.Latency.Len())
	if end.After(measureFrom) {
		res.Elapsed = end.Sub(measureFrom)
	}
	if firstErr == nil && ctx.Err() != nil {
		firstErr = context.Cause(ctx)
	}
	return res, firstErr
}

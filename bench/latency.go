package bench

import (
	"math"
	"slices"
	"time"
)

// Recorder collects latency samples. It is not safe for concurrent use: the
// load generator gives each worker its own and merges them at the end.
type Recorder struct {
	samples []time.Duration
	sorted  bool
}

// NewRecorder returns a recorder with room for capacity samples.
func NewRecorder(capacity int) *Recorder {
	return &Recorder{samples: make([]time.Duration, 0, capacity)}
}

// Add records one sample.
func (r *Recorder) Add(d time.Duration) {
	r.samples = append(r.samples, d)
	r.sorted = false
}

// Merge appends the samples of o.
func (r *Recorder) Merge(o *Recorder) {
	r.samples = append(r.samples, o.samples...)
	r.sorted = false
}

// Len is the number of samples.
func (r *Recorder) Len() int { return len(r.samples) }

// Percentile returns the p-th percentile (0–100) by the nearest-rank
// method: the smallest sample with at least p% of the samples at or below
// it. It returns 0 when there are no samples.
func (r *Recorder) Percentile(p float64) time.Duration {
	if !r.sorted {
		slices.Sort(r.samples)
		r.sorted = true
	}
	return Percentile(r.samples, p)
}

// Summary returns the usual percentiles.
func (r *Recorder) Summary() Summary {
	return Summary{N: r.Len(), P50: r.Percentile(50), P90: r.Percentile(90), P99: r.Percentile(99),
		Max: r.Percentile(100)}
}

// Summary is a latency distribution in brief.
type Summary struct {
	N                  int
	P50, P90, P99, Max time.Duration
}

// Percentile returns the p-th percentile (0–100) of sorted, an ascending
// slice, by the nearest-rank method; 0 for an empty slice. p is clamped to
// [0, 100].
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	p = min(max(p, 0), 100)
	rank := int(math.Ceil(p / 100 * float64(n)))
	return sorted[min(max(rank, 1), n)-1]
}

// Median returns the median (nearest-rank 50th percentile) of ds without
// modifying it.
func Median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return Percentile(s, 50)
}

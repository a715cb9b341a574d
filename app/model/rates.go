package model

// RateSeries is a fixed window of per-second counts, oldest first.
type RateSeries struct {
	samples []float64
	current float64 // counted in the second under way
}

func NewRateSeries(n int) *RateSeries { return &RateSeries{samples: make([]float64, n)} }

// Add counts n occurrences in the current second.
func (r *RateSeries) Add(n int) { r.current += float64(n) }

// Roll closes the current second.
func (r *RateSeries) Roll() {
	copy(r.samples, r.samples[1:])
	r.samples[len(r.samples)-1] = r.current
	r.current = 0
}

// Last is the latest complete second.
func (r *RateSeries) Last() float64 { return r.samples[len(r.samples)-1] }

// Peak is the largest sample.
func (r *RateSeries) Peak() float64 {
	var m float64
	for _, v := range r.samples {
		m = max(m, v)
	}
	return m
}

// Samples are the complete seconds, oldest first (the slice is the
// series' own: read it, do not keep it).
func (r *RateSeries) Samples() []float64 { return r.samples }

package control

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
)

// Pause is a test paused for a look at the emulator's state (tcironlocal's
// Inspect with IRONLOCAL_INSPECT=1): it blocks until someone resumes it
// (the app's "Resume test"), or its own timeout passes.
type Pause struct {
	ID string
	// Test is the paused test's name, as the test gave it.
	Test string
	// Since is when it paused, on the wall clock (the emulator's clock may
	// be virtual and frozen).
	Since time.Time
}

// maxTestName bounds the test name a pause carries.
const maxTestName = 1024

// maxResumed is how many resumed pauses are remembered, so a test whose
// long poll was between requests when it was resumed still learns it.
const maxResumed = 64

// pauses holds the paused tests. Resume and wait meet on a channel per
// pause, closed on resume.
type pauses struct {
	mu      sync.Mutex
	seq     int
	active  map[string]*pause
	resumed []string // most recent last, at most maxResumed
}

type pause struct {
	Pause
	done chan struct{}
}

// PauseTest records that test is paused and returns the pause; the test
// then waits on WaitResumed.
func (s *Service) PauseTest(test string) (Pause, error) {
	if !utf8.ValidString(test) || len(test) > maxTestName {
		return Pause{}, emulator.Invalid("test must be valid UTF-8 of at most %d bytes", maxTestName)
	}
	p := &s.pauses
	p.mu.Lock()
	p.seq++
	if p.active == nil {
		p.active = map[string]*pause{}
	}
	pp := &pause{Pause: Pause{ID: strconv.Itoa(p.seq), Test: test, Since: time.Now().UTC()}, done: make(chan struct{})}
	p.active[pp.ID] = pp
	p.mu.Unlock()
	s.bus.Publish(emulator.Event{Type: emulator.EventTestPaused, At: s.clock.Now(), Attrs: map[string]any{"id": pp.ID, "test": test}})
	return pp.Pause, nil
}

// Pauses lists the paused tests, oldest first.
func (s *Service) Pauses() []Pause {
	p := &s.pauses
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Pause, 0, len(p.active))
	for _, pp := range p.active {
		out = append(out, pp.Pause)
	}
	sortPauses(out)
	return out
}

func sortPauses(ps []Pause) {
	slices.SortFunc(ps, func(a, b Pause) int { return cmp.Compare(num(a.ID), num(b.ID)) })
}

func num(id string) int {
	n, _ := strconv.Atoi(id)
	return n
}

// ResumeTests resumes pause id, or every paused test when id is "", and
// returns those resumed. An id neither paused nor recently resumed is
// emulator.ErrNotFound; resuming one already resumed does nothing.
func (s *Service) ResumeTests(id string) ([]Pause, error) {
	p := &s.pauses
	p.mu.Lock()
	var done []*pause
	if id == "" {
		for _, pp := range p.active {
			done = append(done, pp)
		}
	} else if pp, ok := p.active[id]; ok {
		done = append(done, pp)
	} else if !p.wasResumed(id) {
		p.mu.Unlock()
		return nil, emulator.NotFound("No paused test " + strconv.Quote(id))
	}
	out := make([]Pause, 0, len(done))
	for _, pp := range done {
		delete(p.active, pp.ID)
		close(pp.done)
		p.resumed = append(p.resumed, pp.ID)
		out = append(out, pp.Pause)
	}
	if n := len(p.resumed) - maxResumed; n > 0 {
		p.resumed = append(p.resumed[:0], p.resumed[n:]...)
	}
	p.mu.Unlock()
	sortPauses(out)
	for _, pp := range out {
		s.bus.Publish(emulator.Event{Type: emulator.EventTestResumed, At: s.clock.Now(), Attrs: map[string]any{"id": pp.ID, "test": pp.Test}})
	}
	return out, nil
}

func (p *pauses) wasResumed(id string) bool { return slices.Contains(p.resumed, id) }

// WaitResumed blocks until pause id is resumed (nil) or ctx ends (its
// error). An unknown id is emulator.ErrNotFound.
func (s *Service) WaitResumed(ctx context.Context, id string) error {
	p := &s.pauses
	p.mu.Lock()
	pp, ok := p.active[id]
	resumed := !ok && p.wasResumed(id)
	p.mu.Unlock()
	switch {
	case resumed:
		return nil
	case !ok:
		return emulator.NotFound("No paused test " + strconv.Quote(id))
	}
	select {
	case <-pp.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

package emulator

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
)

// Goroutines owns a component's background goroutines, as nats-server's
// startGoRoutine does: every one is named and started through Go, Loop or
// AfterFunc, which refuse once Close has begun, and Close stops them in
// reverse start order. A panic never takes the process down: it is logged
// with its stack, and a Loop is started again after a backoff.
//
// The zero value is not usable; call NewGoroutines.
type Goroutines struct {
	log *slog.Logger
	// MinBackoff and MaxBackoff bound the pause before a panicked loop
	// restarts: it starts at MinBackoff and doubles on each panic in a row,
	// up to MaxBackoff. Set them before the first Loop.
	MinBackoff, MaxBackoff time.Duration

	mu     sync.Mutex
	closed bool
	seq    uint64
	live   map[uint64]*routine
	timers map[uint64]*time.Timer
}

type routine struct {
	seq    uint64
	name   string
	cancel context.CancelFunc
	done   chan struct{}
}

// NewGoroutines returns an owner that logs panics to log (nil discards).
func NewGoroutines(log *slog.Logger) *Goroutines {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Goroutines{log: log, MinBackoff: 100 * time.Millisecond, MaxBackoff: 30 * time.Second,
		live: map[uint64]*routine{}, timers: map[uint64]*time.Timer{}}
}

// Go runs fn once in a new goroutine with a context that ends when Close
// reaches it. A panic in fn is recovered and logged (deferred calls in fn
// have run). It returns false, without running fn, once Close has begun.
func (g *Goroutines) Go(name string, fn func(ctx context.Context)) bool {
	return g.start(name, func(ctx context.Context) { g.protect(name, fn, ctx) })
}

// Loop runs fn in a new goroutine until fn returns. If fn panics, the panic
// is logged and fn is started again after a backoff (unless Close began
// meanwhile), so a loop that hits one bad record carries on. It returns
// false, without running fn, once Close has begun.
func (g *Goroutines) Loop(name string, fn func(ctx context.Context)) bool {
	return g.start(name, func(ctx context.Context) {
		backoff := time.Duration(0)
		for {
			began := time.Now()
			if !g.protect(name, fn, ctx) {
				return // returned normally
			}
			switch {
			case backoff == 0 || time.Since(began) > g.MaxBackoff:
				backoff = g.MinBackoff // the first panic in a while
			default:
				backoff = min(2*backoff, g.MaxBackoff)
			}
			g.log.Warn("restarting background loop", "goroutine", name, "backoff", backoff.String())
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	})
}

// AfterFunc runs fn in an owned goroutine after d, unless Close begins
// first (the timer is then stopped and fn never runs). It returns false
// once Close has begun.
func (g *Goroutines) AfterFunc(name string, d time.Duration, fn func(ctx context.Context)) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.seq++
	id := g.seq
	g.timers[id] = time.AfterFunc(d, func() {
		g.mu.Lock()
		_, pending := g.timers[id]
		delete(g.timers, id)
		g.mu.Unlock()
		if pending {
			g.Go(name, fn)
		}
	})
	return true
}

// start tracks and runs body; the routine's context ends when Close
// reaches it.
func (g *Goroutines) start(name string, body func(ctx context.Context)) bool {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return false
	}
	g.seq++
	ctx, cancel := context.WithCancel(context.Background())
	r := &routine{seq: g.seq, name: name, cancel: cancel, done: make(chan struct{})}
	g.live[r.seq] = r
	g.mu.Unlock()
	go func() {
		defer func() {
			cancel()
			g.mu.Lock()
			delete(g.live, r.seq)
			g.mu.Unlock()
			close(r.done)
		}()
		body(ctx)
	}()
	return true
}

// protect runs fn and reports whether it panicked; the panic is logged.
func (g *Goroutines) protect(name string, fn func(ctx context.Context), ctx context.Context) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			panicked = true
			g.log.Error("background goroutine panicked", "goroutine", name, "panic", fmt.Sprint(v),
				"stack", string(debug.Stack()))
		}
	}()
	fn(ctx)
	return false
}

// Close refuses new goroutines, stops pending AfterFunc timers, then ends
// each goroutine's context in reverse start order, waiting for it to return
// before moving to the previous one. If ctx ends first, every remaining
// context is ended at once and the error names the goroutines still
// running. Close is idempotent; later calls wait like the first.
func (g *Goroutines) Close(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	for id, t := range g.timers {
		t.Stop()
		delete(g.timers, id)
	}
	rs := make([]*routine, 0, len(g.live))
	for _, r := range g.live {
		rs = append(rs, r)
	}
	g.mu.Unlock()
	slices.SortFunc(rs, func(a, b *routine) int { return cmp.Compare(b.seq, a.seq) })
	for i, r := range rs {
		r.cancel()
		select {
		case <-r.done:
		case <-ctx.Done():
			var names []string
			for _, rest := range rs[i:] {
				rest.cancel()
				select {
				case <-rest.done:
				default:
					names = append(names, rest.name)
				}
			}
			if len(names) == 0 {
				return nil
			}
			return fmt.Errorf("goroutines still running: %s: %w", strings.Join(names, ", "), ctx.Err())
		}
	}
	return nil
}

// Running returns the names of the goroutines running now, oldest first
// (health reports and tests).
func (g *Goroutines) Running() []string {
	g.mu.Lock()
	rs := make([]*routine, 0, len(g.live))
	for _, r := range g.live {
		rs = append(rs, r)
	}
	g.mu.Unlock()
	slices.SortFunc(rs, func(a, b *routine) int { return cmp.Compare(a.seq, b.seq) })
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.name
	}
	return names
}

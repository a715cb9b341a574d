package trigger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// run is one binding running in its plugin.
type run struct {
	binding emulator.Binding
	proc    *proc
	cancel  context.CancelFunc
	done    chan struct{}
	slots   chan struct{} // Concurrent events being acted on

	mu     sync.Mutex
	state  string // "running" or "error: …, retrying in Ns"
	status string // the plugin's SetStatus
	attrs  map[string]string
}

// running reports whether r is a run that has not ended (one whose plugin
// went away as it started ends at once and may be replaced).
func running(r *run) bool {
	if r == nil {
		return false
	}
	select {
	case <-r.done:
		return false
	default:
		return true
	}
}

func (r *run) stop() {
	r.cancel()
	<-r.done
}

func (r *run) setState(s string) {
	r.mu.Lock()
	r.state = s
	r.mu.Unlock()
}

func (r *run) setStatus(s string, attrs map[string]string) {
	r.mu.Lock()
	r.status, r.attrs = s, attrs
	r.mu.Unlock()
}

// restartRun (re)starts binding b if its plugin is running, stopping the
// run of its previous version first.
func (h *Host) restartRun(b emulator.Binding) {
	h.mu.Lock()
	old := h.runs[b.ID]
	delete(h.runs, b.ID)
	p := h.byName[b.Plugin]
	h.mu.Unlock()
	if old != nil {
		old.stop()
	}
	if p != nil && b.Enabled {
		h.startRun(b, p)
	}
}

func (h *Host) stopRun(id string) {
	h.mu.Lock()
	r := h.runs[id]
	delete(h.runs, id)
	h.mu.Unlock()
	if r != nil {
		r.stop()
	}
}

// startRun runs b in plugin p until stopped. A Run that returns an error is
// started again after a backoff; the plugin crashing stops the run (the
// supervisor starts it again once the plugin is back).
func (h *Host) startRun(b emulator.Binding, p *proc) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &run{binding: b, proc: p, cancel: cancel, done: make(chan struct{}), state: StateRunning,
		slots: make(chan struct{}, maxConcurrentEvents)}
	h.mu.Lock()
	if h.closed || running(h.runs[b.ID]) {
		h.mu.Unlock()
		cancel()
		return
	}
	h.runs[b.ID] = r
	h.mu.Unlock()
	if !h.g.Go("trigger-binding "+b.ID, func(gctx context.Context) {
		defer close(r.done)
		stop := context.AfterFunc(gctx, cancel)
		defer stop()
		h.runLoop(ctx, r)
	}) {
		close(r.done)
		cancel()
	}
}

// maxConcurrentEvents bounds the Concurrent events of one binding acted on
// at once; past it the plugin's stream waits.
const maxConcurrentEvents = 32

// dispatch acts on ev: inline (in emit order), or, for a Concurrent event,
// in its own goroutine once one of the binding's slots is free. The run
// waits for those before it ends.
func (h *Host) dispatch(ctx context.Context, b emulator.Binding, ev sdk.Event, slots chan struct{}, inflight *sync.WaitGroup) {
	if !ev.Concurrent {
		h.handle(ctx, b, ev)
		return
	}
	select {
	case slots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	inflight.Go(func() {
		defer func() {
			<-slots
			if v := recover(); v != nil {
				h.log.Error("trigger event handling panicked", "binding", b.ID, "event", ev.ID, "panic", fmt.Sprint(v),
					"stack", string(debug.Stack()))
			}
		}()
		h.handle(ctx, b, ev)
	})
}

func (h *Host) runLoop(ctx context.Context, r *run) {
	b := r.binding
	backoff := h.cfg.MinBackoff
	api := &hostAPI{h: h, b: b, r: r}
	// Seeded and imported bindings were stored without the plugin's
	// checks: a config it refuses keeps the binding from running.
	var cfg any
	if err := json.Unmarshal(b.Config, &cfg); err == nil {
		err = checkConfig(ctx, r.proc, b.Plugin, b.Config, cfg)
		if err != nil && ctx.Err() == nil && !errors.Is(err, emulator.ErrUnavailable) {
			r.setState("invalid config: " + err.Error())
			<-ctx.Done()
			return
		}
	}
	for {
		trig := r.proc.trigger()
		if trig == nil {
			return
		}
		r.setState(StateRunning)
		began := time.Now()
		var inflight sync.WaitGroup
		err := trig.Run(ctx, sdk.Binding{ID: b.ID, ProjectID: b.Project, Config: b.Config, Action: string(b.Action.Type)},
			api, func(ev sdk.Event) { h.dispatch(ctx, b, ev, r.slots, &inflight) })
		inflight.Wait()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			r.setState("stopped: the plugin's Run returned")
			<-ctx.Done()
			return
		}
		if time.Since(began) > time.Minute {
			backoff = h.cfg.MinBackoff
		}
		h.log.Warn("trigger binding run failed", "binding", b.ID, "plugin", b.Plugin, "err", err, "backoff", backoff.String())
		r.setState(fmt.Sprintf("error: %v, retrying in %s", err, backoff.Round(time.Millisecond)))
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, h.cfg.MaxBackoff)
	}
}

package app

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"

	"github.com/ironlocal/ironlocal/client"
)

// The bridge: the one place where goroutines meet the UI goroutine (as
// rymdport's internal/transport/bridge). Every call to ironlocal runs in a
// goroutine started by run or act; its result is applied to the widgets
// through onUI, which is the only caller of fyne.Do in the package.
//
// Widget callbacks (taps, typing) already run on the UI goroutine: they
// change widgets directly and start calls with run/act, never onUI.

// onUI applies fn to the widgets on the UI goroutine. u.mu is held while
// fn runs so that tests, whose driver runs fyne.Do inline, can read the
// widgets consistently (see lockedUI in the tests).
func (u *UI) onUI(fn func()) {
	if u.ctx.Err() != nil {
		return
	}
	uiDo(func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		fn()
	})
}

// onSession is onUI for a result of connection sess (the context of a
// follow loop or a call): dropped once the window switched to another
// ironlocal.
func (u *UI) onSession(sess context.Context, fn func()) {
	u.onUI(func() {
		if sess.Err() == nil {
			fn()
		}
	})
}

// QuitWhenDone quits a when ctx ends (main's signal context).
func QuitWhenDone(ctx context.Context, a fyne.App) {
	go func() {
		<-ctx.Done()
		uiDo(a.Quit)
	}()
}

// uiDo is the package's only use of fyne.Do.
func uiDo(fn func()) { fyne.Do(fn) }

// run calls fn off the UI goroutine and hands its result to done on the
// UI goroutine. A failure is shown as a notice naming what was attempted,
// with the server's msg.
//
// The call belongs to the connection current when run is called: when the
// window switches to another ironlocal (connect.go), the call is cancelled
// and its result dropped.
func run[T any](u *UI, what string, fn func(ctx context.Context) (T, error), done func(T)) {
	sess := u.session()
	u.goBackground(func(context.Context) {
		v, err := fn(sess)
		if sess.Err() != nil {
			return
		}
		u.onUI(func() {
			if sess.Err() != nil {
				return // the window moved to another ironlocal meanwhile
			}
			if err != nil {
				u.notifyError(what, err)
				return
			}
			if done != nil {
				done(v)
			}
		})
	})
}

// act is run for calls that return nothing but an error.
func act(u *UI, what string, fn func(ctx context.Context) error, done func()) {
	run(u, what, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) },
		func(struct{}) {
			if done != nil {
				done()
			}
		})
}

// goBackground starts fn in a goroutine owned by the UI: Close cancels its
// context and waits for it.
func (u *UI) goBackground(fn func(ctx context.Context)) { u.start(fn, true) }

// goInternal is goBackground for the UI's own housekeeping (redraws), which
// calls nothing and so is not counted in u.calls.
func (u *UI) goInternal(fn func(ctx context.Context)) { u.start(fn, false) }

func (u *UI) start(fn func(ctx context.Context), count bool) {
	u.wgMu.Lock()
	defer u.wgMu.Unlock()
	if u.ctx.Err() != nil {
		return
	}
	u.wg.Add(1)
	if count {
		u.calls.Add(1)
	}
	go func() {
		defer u.wg.Done()
		fn(u.ctx)
	}()
}

// every calls fn on the UI goroutine every d until the UI closes.
func (u *UI) every(d time.Duration, fn func()) {
	u.goBackground(func(ctx context.Context) {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				u.onUI(fn)
			}
		}
	})
}

// redrawEvery is the shortest interval between two redraws of a screen
// kept live by the event stream: however fast events flow, a list is
// refreshed at most five times a second.
const redrawEvery = 200 * time.Millisecond

// throttle runs a redraw on the UI goroutine at most once per interval,
// with at most one redraw pending: requests made while one is pending
// fold into it. request may be called from any goroutine.
type throttle struct {
	u       *UI
	every   time.Duration
	redraw  func()
	pending atomic.Bool
	mu      sync.Mutex
	last    time.Time // when redraw last ran
}

func newThrottle(u *UI, every time.Duration, redraw func()) *throttle {
	return &throttle{u: u, every: every, redraw: redraw}
}

// request schedules a redraw (no-op when one is pending already).
func (t *throttle) request() {
	if t.pending.Swap(true) {
		return
	}
	t.mu.Lock()
	wait := t.every - time.Since(t.last)
	t.mu.Unlock()
	t.u.goInternal(func(ctx context.Context) {
		if wait > 0 {
			timer := time.NewTimer(wait)
			defer timer.Stop()
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
		}
		t.u.onUI(t.run)
	})
}

// hold counts now as the last redraw: the next request waits a whole
// interval (the caller redrew by other means just now).
func (t *throttle) hold() {
	t.mu.Lock()
	t.last = time.Now()
	t.mu.Unlock()
}

// run redraws now (UI goroutine); a request made while it runs schedules
// the next redraw.
func (t *throttle) run() {
	t.pending.Store(false)
	t.mu.Lock()
	t.last = time.Now()
	t.mu.Unlock()
	t.redraw()
}

// errorText is what a person needs from an error: the server's msg when
// ironlocal answered, the transport error otherwise.
func errorText(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Msg != "" {
		return ce.Msg
	}
	return err.Error()
}

package app

import (
	"context"
	"errors"
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
func run[T any](u *UI, what string, fn func(ctx context.Context) (T, error), done func(T)) {
	u.goBackground(func(ctx context.Context) {
		v, err := fn(ctx)
		if ctx.Err() != nil {
			return
		}
		u.onUI(func() {
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
func (u *UI) goBackground(fn func(ctx context.Context)) {
	u.wgMu.Lock()
	defer u.wgMu.Unlock()
	if u.ctx.Err() != nil {
		return
	}
	u.wg.Add(1)
	u.calls.Add(1)
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

// errorText is what a person needs from an error: the server's msg when
// ironlocal answered, the transport error otherwise.
func errorText(err error) string {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Msg != "" {
		return ce.Msg
	}
	return err.Error()
}

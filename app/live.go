package app

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// Live updates: one goroutine reads ironlocal's event stream and hands the
// events to the screens in batches (one UI update per batch, at most ten a
// second, however fast events flow). When the stream breaks (an attached
// ironlocal stopped), the banner says so and the loop reconnects with
// backoff. On every connect the screens (re)load: events from then on
// arrive, so nothing falls between a load and the live updates.

const (
	batchEvery = 100 * time.Millisecond
	batchMax   = 2000
)

// follow runs for one connection: ctx ends when the window switches to
// another ironlocal (connect.go) or closes.
func (u *UI) follow(ctx context.Context, c *client.Client) {
	backoff := 250 * time.Millisecond
	for ctx.Err() == nil {
		events, err := c.Events(ctx)
		if err == nil {
			// The stream is open: check the API answers too before saying
			// "connected" (a stream can open on a server still starting).
			_, err = c.Version(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			why := errorText(err)
			u.onSession(ctx, func() { u.setConnected(false, why) })
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
		// (Re)load everything now that the stream is open: events from
		// here on arrive, and none in between is lost.
		u.onSession(ctx, func() {
			u.setConnected(true, "")
			u.readClock()
			u.loadProjects()
			for _, s := range u.screens {
				s.reload()
			}
			u.inspect.reload()
		})
		u.pump(ctx, events)
		if ctx.Err() != nil {
			return
		}
		u.onSession(ctx, func() { u.setConnected(false, "the event stream ended") })
	}
}

// pump batches events from one stream until it ends.
func (u *UI) pump(ctx context.Context, events <-chan client.Event) {
	var batch []client.Event
	tick := time.NewTicker(batchEvery)
	defer tick.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		b := batch
		batch = nil
		u.onSession(ctx, func() { u.apply(b) })
	}
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-events:
			if !ok {
				flush()
				return
			}
			batch = append(batch, e)
			if len(batch) >= batchMax {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// apply hands a batch to every screen (UI goroutine). Events of other
// projects only add the project to the selector.
func (u *UI) apply(batch []client.Event) {
	u.inspect.apply(batch)
	u.conn.apply(batch)
	mine := batch[:0:0]
	for _, e := range batch {
		u.addProject(e.ProjectID)
		switch {
		case e.Type == "clock.changed" || e.Type == "state.reset" || e.Type == "state.imported":
			mine = append(mine, e)
			u.readClock()
		case e.ProjectID == "" || e.ProjectID == u.project:
			mine = append(mine, e)
		}
	}
	u.overview.record(batch)
	if len(mine) == 0 {
		return
	}
	for _, s := range u.screens {
		s.apply(mine)
	}
}

// isReset reports whether events replaced the whole state (every screen
// reloads).
func isReset(events []client.Event) bool {
	for _, e := range events {
		if e.Type == "state.reset" || e.Type == "state.imported" {
			return true
		}
	}
	return false
}

package app

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"time"
)

// The UI probe is a hidden diagnostic for the benchmark harness's
// responsiveness figure (main starts it when IRONLOCAL_UI_PROBE names a
// file). A timer asks the UI goroutine, through the bridge, to run a
// callback every probeEvery, and notes how late each one runs; once a
// second it appends a JSON line to the file:
//
//	{"at":1764370000123,"max_lag_ms":3.2,"ticks":98,"tasks":10000}
//
// at is the Unix time in ms at the end of the second, max_lag_ms the
// worst lag in it (a callback still waiting counts as late as it is so
// far), ticks the callbacks that ran and tasks how many tasks the Tasks
// screen holds.
//
// With switching on (IRONLOCAL_UI_PROBE_SWITCH), the probe also moves the
// window to the next of the busiest screens (Tasks, Queues, Overview,
// Events) once a second, as a user clicking through them would, and adds
// "switch_ms": from asking the UI goroutine to switch until a callback
// queued right after the switch has run, i.e. the switch itself, the
// frame that shows it, and any wait for the UI goroutine before both.
const probeEvery = 10 * time.Millisecond

type probeLine struct {
	At       int64   `json:"at"`
	MaxLagMS float64 `json:"max_lag_ms"`
	Ticks    int     `json:"ticks"`
	Tasks    int     `json:"tasks"`
	SwitchMS float64 `json:"switch_ms,omitempty"`
}

// StartProbe starts the UI probe writing to path (created or truncated);
// it stops when the UI closes. switching makes it move between screens
// and time each switch.
func (u *UI) StartProbe(path string, switching bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	var (
		mu      sync.Mutex
		sentAt  time.Time // the callback in flight was asked for then; zero when none is
		maxLag  time.Duration
		ticks   int
		tasks   int
		switchT time.Duration // the last switch's time, 0 when none ended in this second
		next    int
		enc     = json.NewEncoder(f)
		onTimer = func() {
			mu.Lock()
			if !sentAt.IsZero() {
				mu.Unlock()
				return // one callback in flight at a time: its lag grows
			}
			at := time.Now()
			sentAt = at
			mu.Unlock()
			u.onUI(func() { // (the test driver runs it inline: mu is not held here)
				u.tasks.mu.Lock()
				n := len(u.tasks.tasks) // the model: its fold goroutine writes it under this lock
				u.tasks.mu.Unlock()
				mu.Lock()
				defer mu.Unlock()
				maxLag = max(maxLag, time.Since(at))
				ticks++
				tasks = n
				sentAt = time.Time{}
			})
		}
		report = func() {
			mu.Lock()
			now := time.Now()
			if !sentAt.IsZero() {
				maxLag = max(maxLag, now.Sub(sentAt))
			}
			line := probeLine{At: now.UnixMilli(), MaxLagMS: float64(maxLag.Microseconds()) / 1000, Ticks: ticks, Tasks: tasks,
				SwitchMS: float64(switchT.Microseconds()) / 1000}
			maxLag, ticks, switchT = 0, 0, 0
			mu.Unlock()
			_ = enc.Encode(line)
		}
		switchScreen = func() {
			targets := []screen{u.tasks, u.queues, u.overview, u.events}
			target := targets[next%len(targets)]
			next++
			at := time.Now()
			u.onUI(func() {
				u.showScreen(target)
				// Queued from another goroutine, so it runs once the UI
				// goroutine is free again: after the switch's frame.
				go uiDo(func() {
					mu.Lock()
					switchT = max(time.Since(at), time.Microsecond)
					mu.Unlock()
				})
			})
		}
	)
	u.goBackground(func(ctx context.Context) {
		defer f.Close()
		timer := time.NewTicker(probeEvery)
		defer timer.Stop()
		second := time.NewTicker(time.Second)
		defer second.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
				onTimer()
			case <-second.C:
				report()
				if switching {
					switchScreen()
				}
			}
		}
	})
	return nil
}

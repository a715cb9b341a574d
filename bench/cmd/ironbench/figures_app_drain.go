package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
)

// The desktop app under a draining task queue, against a bare Fyne window
// (issue 21 §3): while 5,200 tasks drain through the process runtime the
// UI probe (app/probe.go) times its callbacks and switches screens once a
// second; the app's RSS is compared with a window of the same binary that
// holds one label (IRONLOCAL_BARE_WINDOW, main.go), measured in the same
// run, since the software OpenGL driver alone maps ~120 MB under Xvfb.

const (
	drainTasks = 5200
	drainFor   = 30 * time.Second
)

// drainResult is what one drain run measured; the figures share it.
type drainResult struct {
	lags, switches []float64 // per second, ms
	rss            []int64   // per second, during the drain
	idle           []int64   // the app with an empty store, before
	bare           []int64   // the bare window
	drained        int       // tasks finished in the window
	err            error
}

var (
	drainOnce sync.Once
	drained   drainResult
)

func (e *env) drainRun(ctx context.Context) (drainResult, string) {
	if skip := e.appToolsMissing(); skip != "" {
		return drainResult{}, skip
	}
	drainOnce.Do(func() { drained = e.measureDrain(ctx) })
	return drained, ""
}

func (e *env) measureDrain(ctx context.Context) (r drainResult) {
	x, skip, err := e.appSetup(ctx)
	if skip != "" || err != nil {
		return drainResult{err: cmpErr(err, skip)}
	}
	defer x.stop()
	if r.bare, err = e.bareWindowRSS(ctx, x); err != nil {
		return drainResult{err: fmt.Errorf("bare window: %w", err)}
	}
	if r.idle, _, _, err = e.appRSS(ctx, x, "", 0); err != nil {
		return drainResult{err: fmt.Errorf("idle app: %w", err)}
	}

	probe := filepath.Join(e.work, "drain-probe.jsonl")
	os.Setenv("IRONLOCAL_UI_PROBE_SWITCH", "1") // read by the app startApp runs
	app, err := e.startApp(ctx, x, "", probe)
	os.Unsetenv("IRONLOCAL_UI_PROBE_SWITCH")
	if err != nil {
		return drainResult{err: err}
	}
	defer e.stop(app)
	c := e.client(app)
	codeID, err := c.UploadCode(ctx, client.NewCode{Name: "drain", Image: processImage, Command: "true"})
	if err == nil {
		err = c.PauseTaskQueue(ctx, codeID) // all 5,200 held first, as a backlog is
	}
	for b := 0; err == nil && b < drainTasks; b += 100 {
		batch := make([]client.NewTask, min(100, drainTasks-b))
		for i := range batch {
			batch[i] = client.NewTask{CodeName: "drain", Payload: fmt.Sprintf(`{"n":%d}`, b+i)}
		}
		_, err = c.QueueTasks(ctx, batch)
	}
	if err == nil {
		err = waitProbe(ctx, probe, "5,200 tasks held", func(p probeLine) bool { return p.Tasks >= drainTasks })
	}
	if err != nil {
		return drainResult{err: err}
	}
	start := time.Now()
	if err := c.ResumeTaskQueue(ctx, codeID); err != nil {
		return drainResult{err: err}
	}
	samples := sampleRSS(ctx, app, time.Second)
	if err := sleepCtx(ctx, drainFor); err != nil {
		return drainResult{err: err}
	}
	end := time.Now()
	if r.rss, err = samples(); err != nil {
		return drainResult{err: err}
	}
	stats, err := c.CodeStats(ctx, codeID)
	if err != nil {
		return drainResult{err: err}
	}
	r.drained = stats[client.TaskComplete]
	if err := sleepCtx(ctx, 1500*time.Millisecond); err != nil { // the last second's line
		return drainResult{err: err}
	}
	lines, err := readProbe(probe)
	if err != nil {
		return drainResult{err: err}
	}
	for _, l := range lines {
		if l.At > start.UnixMilli() && l.At-1000 < end.UnixMilli() {
			r.lags = append(r.lags, l.MaxLagMS)
			if l.SwitchMS > 0 {
				r.switches = append(r.switches, l.SwitchMS)
			}
		}
	}
	if len(r.lags) < int(drainFor/time.Second)-2 || len(r.switches) == 0 {
		r.err = fmt.Errorf("the UI probe wrote %d lines (%d switches) during the %s drain", len(r.lags), len(r.switches), drainFor)
	}
	return r
}

func cmpErr(err error, skip string) error {
	if err != nil {
		return err
	}
	return errors.New(skip)
}

// bareWindowRSS runs the app binary as a bare window (IRONLOCAL_BARE_WINDOW)
// and samples its RSS for 5 s once it is mapped and drawn.
func (e *env) bareWindowRSS(ctx context.Context, x *xserver) ([]int64, error) {
	e.seq++
	cfgDir := filepath.Join(e.work, fmt.Sprintf("bare-config-%d", e.seq))
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, e.appBin)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "XDG_CONFIG_HOME="+cfgDir, "DBUS_SESSION_BUS_ADDRESS=",
		"LANG=en_US.UTF-8", "IRONLOCAL_BARE_WINDOW=1")
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	for deadline := time.Now().Add(appWait); ; {
		if win := x.window(ctx); win != "" {
			if blank, err := x.blank(ctx, win); err == nil && !blank {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.New("the bare window never showed")
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
	var rss []int64
	for range 5 {
		if err := sleepCtx(ctx, time.Second); err != nil {
			return nil, err
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
		if err != nil {
			return nil, err
		}
		v, err := bench.ParseVmRSS(b)
		if err != nil {
			return nil, err
		}
		rss = append(rss, v)
	}
	return rss, nil
}

func mb(v int64) string { return bench.Sig3(float64(v)/1e6) + " MB" }

func percentile(v []float64, p float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

// figAppDrainLag: the UI probe's lag at the 95th percentile of seconds
// while 5,200 tasks drain and the window switches screens every second.
func figAppDrainLag(ctx context.Context, e *env) (outcome, error) {
	r, skip := e.drainRun(ctx)
	if skip != "" || r.err != nil {
		return outcome{skip: skip}, r.err
	}
	return outcome{value: percentile(r.lags, 0.95), detail: fmt.Sprintf(
		"each second's worst UI callback delay, %d seconds of the drain; median %s ms; %s tasks finished in %s",
		len(r.lags), bench.Sig3(percentile(r.lags, 0.5)), thousands(r.drained), drainFor)}, nil
}

// figAppDrainWorst: the worst second of the same run.
func figAppDrainWorst(ctx context.Context, e *env) (outcome, error) {
	r, skip := e.drainRun(ctx)
	if skip != "" || r.err != nil {
		return outcome{skip: skip}, r.err
	}
	return outcome{value: slices.Max(r.lags), detail: fmt.Sprintf("the worst of %d seconds while 5,200 tasks drain", len(r.lags))}, nil
}

// figAppSwitch: screen switches (Tasks, Queues, Overview, Events in turn)
// while the tasks drain, from the request to the frame after it, p95.
func figAppSwitch(ctx context.Context, e *env) (outcome, error) {
	r, skip := e.drainRun(ctx)
	if skip != "" || r.err != nil {
		return outcome{skip: skip}, r.err
	}
	return outcome{value: percentile(r.switches, 0.95), detail: fmt.Sprintf(
		"%d switches; median %s ms, worst %s ms", len(r.switches),
		bench.Sig3(percentile(r.switches, 0.5)), bench.Sig3(slices.Max(r.switches)))}, nil
}

// figAppIdleOverBare: the idle app's RSS (embedded emulator, empty store)
// above the bare window's.
func figAppIdleOverBare(ctx context.Context, e *env) (outcome, error) {
	r, skip := e.drainRun(ctx)
	if skip != "" || r.err != nil {
		return outcome{skip: skip}, r.err
	}
	over := slices.Max(r.idle) - slices.Max(r.bare)
	return outcome{value: float64(over) / 1e6, detail: fmt.Sprintf("app %s, bare Fyne window %s (peak VmRSS over 5 s)",
		mb(slices.Max(r.idle)), mb(slices.Max(r.bare)))}, nil
}

// figAppLoadedOverBare: the app's peak RSS while it holds 5,200 tasks and
// they drain, above the bare window's.
func figAppLoadedOverBare(ctx context.Context, e *env) (outcome, error) {
	r, skip := e.drainRun(ctx)
	if skip != "" || r.err != nil {
		return outcome{skip: skip}, r.err
	}
	over := slices.Max(r.rss) - slices.Max(r.bare)
	return outcome{value: float64(over) / 1e6, detail: fmt.Sprintf("app peak %s during the drain, bare Fyne window %s",
		mb(slices.Max(r.rss)), mb(slices.Max(r.bare)))}, nil
}

// figAppSnapshotRSS: the app's RSS 30 s after it exported a 16 MB snapshot
// and imported it back (BenchmarkSnapshotRoundTrip, in-process like the
// app with its embedded emulator), above its RSS before.
func figAppSnapshotRSS(ctx context.Context, e *env) (outcome, error) {
	out, err := appGoBench(ctx, e, "BenchmarkSnapshotRoundTrip")
	if err != nil {
		return outcome{}, err
	}
	_, _, m, err := benchResult(out, "BenchmarkSnapshotRoundTrip")
	if err != nil {
		return outcome{}, err
	}
	after, err := strconv.ParseFloat(m["rss_after_MB"], 64)
	if err != nil {
		return outcome{}, fmt.Errorf("no rss_after_MB in %v", m)
	}
	return outcome{value: after, detail: fmt.Sprintf("snapshot %s MB streamed to a file and back; RSS before %s MB, peak %s MB above it",
		m["snapshot_MB"], m["rss_before_MB"], m["rss_peak_MB"])}, nil
}

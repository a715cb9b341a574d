package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/bench"
	"github.com/ironlocal/ironlocal/client"
)

// The desktop app figures run the real app binary (cgo, Fyne) under Xvfb
// with its embedded emulator (--runtime process), drive it with xdotool and
// the API, and read its window with ImageMagick's import. Without those
// tools they are skipped, saying what is missing; appfilter needs none.

const (
	appScreenW, appScreenH = 1280, 800
	// appWait bounds every wait for the app (window, first frame, tasks).
	appWait = 60 * time.Second
	// appTasks is how many tasks the RSS figure loads.
	appTasks = 10_000
	// The responsiveness figure's load: every appLoadTick one request
	// posts appLoadMsgs messages and one queues appLoadTasks tasks.
	appLoadTick  = 10 * time.Millisecond
	appLoadMsgs  = 20 // 2k messages/s
	appLoadTasks = 10 // 1k tasks/s
	appLoadFor   = 10 * time.Second
)

// appToolsMissing says which tool the GUI figures lack ("" when none).
func (e *env) appToolsMissing() string {
	tools := []string{"Xvfb", "xdotool", "import"}
	if e.appBin == "" {
		tools = append(tools, "gcc") // to build the app (cgo)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " not found: the desktop app figures need Xvfb, xdotool, ImageMagick and a C compiler (`./.ci/deps.sh gui` installs them)"
		}
	}
	return ""
}

// appBinary builds the desktop app (cgo) into the work directory, once,
// unless -app named one.
func (e *env) appBinary(ctx context.Context) (string, error) {
	if e.appBin != "" {
		abs, err := filepath.Abs(e.appBin) // as /proc names it (rssParts)
		e.appBin = abs
		return abs, err
	}
	root, err := e.moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(e.work, "ironlocal")
	e.logf("  building the desktop app (cgo; the first build takes minutes)")
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the desktop app: %w\n%s", err, out)
	}
	e.logf("  built in %s", time.Since(t0).Round(100*time.Millisecond))
	e.appBin = bin
	return bin, nil
}

// xserver is an Xvfb display.
type xserver struct {
	display string
	cmd     *exec.Cmd
	done    chan struct{}
}

// startXvfb starts Xvfb on a display it picks itself (-displayfd).
func startXvfb(ctx context.Context) (*xserver, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// -noreset: by default Xvfb resets when its last client leaves, and an
	// app started in that moment cannot open the display (GLFW panics:
	// "X11: Failed to open display"), as the figures start one app after
	// another.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", fmt.Sprintf("%dx%dx24", appScreenW, appScreenH), "-nolisten", "tcp", "-noreset")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	x := &xserver{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(x.done) }()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- strings.TrimSpace(s)
	}()
	select {
	case n := <-line:
		if _, err := strconv.Atoi(n); err != nil {
			x.stop()
			return nil, fmt.Errorf("Xvfb reported no display number (%q)", n)
		}
		x.display = ":" + n
		return x, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	x.stop()
	return nil, errors.New("Xvfb did not start within 10s")
}

func (x *xserver) stop() {
	_ = x.cmd.Process.Signal(os.Interrupt)
	select {
	case <-x.done:
	case <-time.After(5 * time.Second):
		_ = x.cmd.Process.Kill()
		<-x.done
	}
}

// output runs an X client on the display and returns its stdout.
func (x *xserver) output(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// window returns the id of the app's mapped window ("" while there is none).
func (x *xserver) window(ctx context.Context) string {
	out, err := x.output(ctx, "xdotool", "search", "--onlyvisible", "--name", "^ironlocal")
	if err != nil {
		return "" // xdotool exits 1 when nothing matches
	}
	if f := strings.Fields(string(out)); len(f) > 0 {
		return f[0]
	}
	return ""
}

// blank reports whether the window shows one colour only (nothing drawn).
func (x *xserver) blank(ctx context.Context, win string) (bool, error) {
	out, err := x.output(ctx, "import", "-silent", "-window", win, "-depth", "8", "ppm:-")
	if err != nil {
		return false, err
	}
	return uniformPPM(out)
}

var ppmHeader = regexp.MustCompile(`^P6\s+(\d+)\s+(\d+)\s+(\d+)\s`)

// uniformPPM reports whether a binary PPM (8-bit) has a single colour.
func uniformPPM(b []byte) (bool, error) {
	m := ppmHeader.FindSubmatchIndex(b)
	if m == nil {
		return false, errors.New("the screenshot is not a binary PPM")
	}
	w, _ := strconv.Atoi(string(b[m[2]:m[3]]))
	h, _ := strconv.Atoi(string(b[m[4]:m[5]]))
	if maxval, _ := strconv.Atoi(string(b[m[6]:m[7]])); maxval > 255 {
		return false, errors.New("16-bit PPM screenshots are not read")
	}
	px := b[m[1]:]
	if w*h == 0 || len(px) < 3*w*h {
		return false, fmt.Errorf("a %d×%d PPM with %d bytes of pixels", w, h, len(px))
	}
	px = px[:3*w*h]
	for i := 3; i < len(px); i += 3 {
		if px[i] != px[0] || px[i+1] != px[1] || px[i+2] != px[2] {
			return false, nil
		}
	}
	return true, nil
}

// startApp runs the desktop app on x with its embedded emulator on a free
// port and waits for the API to answer (bench.StartDaemon: the app takes
// ironlocald's flags). dataDir "" is --ephemeral; probe, when set, is the
// file of the UI probe (IRONLOCAL_UI_PROBE, app/probe.go).
func (e *env) startApp(ctx context.Context, x *xserver, dataDir, probe string) (*bench.Daemon, error) {
	e.seq++
	cfgDir := filepath.Join(e.work, fmt.Sprintf("app-config-%d", e.seq))
	if err := os.Mkdir(cfgDir, 0o755); err != nil {
		return nil, err
	}
	env := []string{"DISPLAY=" + x.display, "XDG_CONFIG_HOME=" + cfgDir, "DBUS_SESSION_BUS_ADDRESS=", "LANG=en_US.UTF-8"}
	if probe != "" {
		env = append(env, "IRONLOCAL_UI_PROBE="+probe)
	}
	args := []string{"--log-level", "warn", "--runtime", "process"}
	if e.pprofDir != "" {
		args = append(args, "--pprof") // the embedded emulator serves the whole process's profiles
	}
	d, err := bench.StartDaemon(ctx, bench.DaemonConfig{
		Bin: e.appBin, DataDir: dataDir, Args: args, Env: env,
		LogFile: filepath.Join(e.work, fmt.Sprintf("app-%d.log", e.seq)), ReadyTimeout: appWait,
	})
	if err != nil {
		return nil, err
	}
	e.running = append(e.running, d)
	return d, nil
}

// appSetup checks the tools, builds the app and starts Xvfb; skip says
// why the figure cannot run here.
func (e *env) appSetup(ctx context.Context) (x *xserver, skip string, err error) {
	if skip := e.appToolsMissing(); skip != "" {
		return nil, skip, nil
	}
	if _, err := e.appBinary(ctx); err != nil {
		return nil, "", err
	}
	x, err = startXvfb(ctx)
	return x, "", err
}

// figAppStart: from exec of the app (fresh data and config directories)
// to its window being mapped and to the first screenshot of it that is not
// one flat colour; e.starts starts, median taken.
func figAppStart(ctx context.Context, e *env) (outcome, error) {
	x, skip, err := e.appSetup(ctx)
	if skip != "" || err != nil {
		return outcome{skip: skip}, err
	}
	defer x.stop()
	var frames, mapped, ready, captures []time.Duration
	for range e.starts {
		f, m, r, c, err := e.coldStart(ctx, x)
		if err != nil {
			return outcome{}, err
		}
		frames, mapped, ready, captures = append(frames, f), append(mapped, m), append(ready, r), append(captures, c)
		e.logf("  mapped %s, first frame %s, API %s", ms(m), ms(f), ms(r))
	}
	med := bench.Median(frames)
	return outcome{value: med.Seconds(), detail: fmt.Sprintf(
		"median of %d; window mapped %s, API ready %s; first frame max %s; a frame is seen at the end of the first non-blank `import` of the window (one takes ~%s)",
		len(frames), ms(bench.Median(mapped)), ms(bench.Median(ready)), ms(maxOf(frames)), ms(bench.Median(captures)))}, nil
}

// coldStart starts the app once and returns when its first frame was
// seen, when its window was mapped, when its API answered, and how long
// the screenshot that saw the frame took.
func (e *env) coldStart(ctx context.Context, x *xserver) (frame, mapped, ready, capture time.Duration, err error) {
	dir, err := e.freshDir()
	if err != nil {
		return 0, 0, 0, 0, err
	}
	type started struct {
		d   *bench.Daemon
		err error
	}
	ch := make(chan started, 1)
	t0 := time.Now()
	go func() {
		d, err := e.startApp(ctx, x, dir, "")
		ch <- started{d, err}
	}()
	var (
		app *bench.Daemon
		win string
	)
	failed := func(err error) (time.Duration, time.Duration, time.Duration, time.Duration, error) {
		if app == nil {
			s := <-ch // StartDaemon kills the app it could not see ready
			app = s.d
		}
		if app != nil {
			_, _ = e.stop(app)
		}
		return 0, 0, 0, 0, err
	}
	for deadline := t0.Add(appWait); frame == 0; {
		// An app that could not start, or died, says so (with its log)
		// instead of leaving the wait for a frame to time out.
		if app == nil {
			select {
			case s := <-ch:
				if s.err != nil {
					return 0, 0, 0, 0, fmt.Errorf("the app did not start: %w", s.err)
				}
				app = s.d
			default:
			}
		}
		if app != nil {
			select {
			case <-app.Done():
				return failed(fmt.Errorf("the app exited before its first frame was seen: %w", app.Exited()))
			default:
			}
		}
		if time.Now().After(deadline) {
			found := "none of its windows was found"
			if win != "" {
				found = "its window " + win + " stayed one flat colour"
			}
			return failed(fmt.Errorf("no first frame %s after start (%s)", appWait, found))
		}
		if ctx.Err() != nil {
			return failed(ctx.Err())
		}
		if win == "" {
			if win = x.window(ctx); win == "" {
				_ = sleepCtx(ctx, 5*time.Millisecond)
				continue
			}
			mapped = time.Since(t0)
		}
		c0 := time.Now()
		blank, err := x.blank(ctx, win)
		if err != nil {
			return failed(err)
		}
		if !blank {
			frame, capture = time.Since(t0), time.Since(c0)
		}
	}
	if app == nil {
		s := <-ch
		if s.err != nil {
			return 0, 0, 0, 0, s.err
		}
		app = s.d
	}
	ready = app.Ready
	// The pointer rests on plain text first: Fyne's GLFW driver can crash
	// when a pointer-shape change is applied to a window being destroyed
	// (fyne-io/fyne#5981; test/gui does the same).
	_, _ = x.output(ctx, "xdotool", "mousemove", "--window", win, "40", "20")
	if _, err := e.stop(app); err != nil {
		return 0, 0, 0, 0, fmt.Errorf("stop the app: %w: %w", err, app.Exited())
	}
	return frame, mapped, ready, capture, nil
}

// probeLine is one line of the app's UI probe file (app/probe.go).
type probeLine struct {
	At       int64   `json:"at"`
	MaxLagMS float64 `json:"max_lag_ms"`
	Ticks    int     `json:"ticks"`
	Tasks    int     `json:"tasks"`
	SwitchMS float64 `json:"switch_ms"`
}

func readProbe(path string) ([]probeLine, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []probeLine
	for _, l := range bytes.Split(b, []byte("\n")) {
		var p probeLine
		if len(bytes.TrimSpace(l)) > 0 && json.Unmarshal(l, &p) == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// waitProbe waits until a probe line satisfies ok.
func waitProbe(ctx context.Context, path, what string, ok func(probeLine) bool) error {
	for deadline := time.Now().Add(appWait); time.Now().Before(deadline); {
		lines, _ := readProbe(path)
		if slices.ContainsFunc(lines, ok) {
			return nil
		}
		if err := sleepCtx(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	return fmt.Errorf("the app's UI probe never reported %s within %s", what, appWait)
}

// showTasks switches the app to its Tasks screen the way a user can:
// Ctrl+N (new task, on the Tasks screen) then Esc (close the form).
func (x *xserver) showTasks(ctx context.Context) error {
	win := x.window(ctx)
	if win == "" {
		return errors.New("the app has no window")
	}
	_, err := x.output(ctx, "xdotool", "key", "--window", win, "ctrl+n", "Escape")
	return err
}

// figAppRSS: the app's RSS once its Tasks screen holds 10k tasks read
// from its data directory at start (queued by a headless ironlocald to a
// paused code, so none runs).
func figAppRSS(ctx context.Context, e *env) (outcome, error) {
	x, skip, err := e.appSetup(ctx)
	if skip != "" || err != nil {
		return outcome{skip: skip}, err
	}
	defer x.stop()
	dir, err := e.freshDir()
	if err != nil {
		return outcome{}, err
	}
	if err := e.queuePaused(ctx, dir, appTasks); err != nil {
		return outcome{}, err
	}
	empty, _, _, err := e.appRSS(ctx, x, "", 0)
	if err != nil {
		return outcome{}, err
	}
	rss, loaded, parts, err := e.appRSS(ctx, x, dir, appTasks)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: float64(slices.Max(rss)) / 1e6, detail: fmt.Sprintf(
		"peak VmRSS over the 5 s after the Tasks screen showed %s tasks (listed %s after start), embedded emulator included; "+
			"at the end %s; with no tasks %s MB",
		thousands(appTasks), loaded.Round(100*time.Millisecond), parts, bench.Sig3(float64(slices.Max(empty))/1e6))}, nil
}

// rssParts splits a process's resident memory by mapping (Linux
// /proc/PID/smaps): Mesa's software OpenGL (llvmpipe: libLLVM and the DRI
// driver, which Xvfb makes the app use), the program's own file pages, the
// rest of the shared libraries, and anonymous memory (Go's heap and
// stacks, C's malloc).
func rssParts(pid int, program string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		return "", err
	}
	var gl, prog, libs, anon int64
	var target *int64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":"):
			path := ""
			if len(f) >= 6 {
				path = f[5]
			}
			switch {
			case strings.Contains(path, "libLLVM") || strings.Contains(path, "/dri/"):
				target = &gl
			case path == program:
				target = &prog
			case strings.HasPrefix(path, "/"):
				target = &libs
			default:
				target = &anon
			}
		case len(f) == 3 && f[0] == "Rss:" && target != nil:
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			*target += kb
		}
	}
	mb := func(kb int64) string { return bench.Sig3(float64(kb)/1000) + " MB" }
	return fmt.Sprintf("software OpenGL (libLLVM, DRI) %s, the binary %s, other libraries %s, anonymous %s",
		mb(gl), mb(prog), mb(libs), mb(anon)), nil
}

// appRSS starts the app on dataDir, waits until it holds tasks tasks,
// shows its Tasks screen and samples its RSS every second for 5 s. It
// returns the samples, how long the tasks took to show and the RSS by
// mapping at the end.
func (e *env) appRSS(ctx context.Context, x *xserver, dataDir string, tasks int) ([]int64, time.Duration, string, error) {
	probe := filepath.Join(e.work, fmt.Sprintf("rss-probe-%d.jsonl", e.seq))
	t0 := time.Now()
	app, err := e.startApp(ctx, x, dataDir, probe)
	if err != nil {
		return nil, 0, "", err
	}
	defer e.stop(app)
	if err := waitProbe(ctx, probe, thousands(tasks)+" tasks held", func(p probeLine) bool { return p.Ticks > 0 && p.Tasks >= tasks }); err != nil {
		return nil, 0, "", err
	}
	loaded := time.Since(t0)
	if err := x.showTasks(ctx); err != nil {
		return nil, 0, "", err
	}
	samples := sampleRSS(ctx, app, time.Second)
	if err := sleepCtx(ctx, 5500*time.Millisecond); err != nil {
		return nil, 0, "", err
	}
	rss, err := samples()
	if err == nil && len(rss) == 0 {
		err = errors.New("no RSS sample")
	}
	if err != nil {
		return nil, 0, "", err
	}
	parts, err := rssParts(app.Pid(), e.appBin)
	return rss, loaded, parts, err
}

// queuePaused queues n tasks of a paused code into the data directory
// dir with a headless ironlocald, and stops it.
func (e *env) queuePaused(ctx context.Context, dir string, n int) error {
	d, err := e.startArgs(ctx, dir, "--runtime", "process")
	if err != nil {
		return err
	}
	c := e.client(d)
	codeID, err := c.UploadCode(ctx, client.NewCode{Name: "appbench", Image: processImage, Command: "true"})
	if err == nil {
		err = c.PauseTaskQueue(ctx, codeID)
	}
	for b := 0; err == nil && b < n; b += 100 {
		batch := make([]client.NewTask, min(100, n-b))
		for i := range batch {
			batch[i] = client.NewTask{CodeName: "appbench", Payload: fmt.Sprintf(`{"n":%d}`, b+i)}
		}
		_, err = c.QueueTasks(ctx, batch)
	}
	if _, serr := e.stop(d); err == nil && serr != nil {
		err = fmt.Errorf("stop the daemon that queued the tasks: %w", serr)
	}
	return err
}

// figAppUI: the worst lag, second by second, of the app's UI probe timer
// (a 10 ms timer whose callback runs on the UI goroutine) while the API
// of its embedded emulator takes 1k tasks/s (to a paused code: queued
// events, no processes) and 2k messages/s, the Tasks screen in view.
func figAppUI(ctx context.Context, e *env) (outcome, error) {
	x, skip, err := e.appSetup(ctx)
	if skip != "" || err != nil {
		return outcome{skip: skip}, err
	}
	defer x.stop()
	probe := filepath.Join(e.work, "ui-probe.jsonl")
	app, err := e.startApp(ctx, x, "", probe)
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(app)
	c := e.client(app)
	codeID, err := c.UploadCode(ctx, client.NewCode{Name: "uiload", Image: processImage, Command: "true"})
	if err == nil {
		err = c.PauseTaskQueue(ctx, codeID)
	}
	if err != nil {
		return outcome{}, err
	}
	if err := waitProbe(ctx, probe, "UI callbacks", func(p probeLine) bool { return p.Ticks > 0 }); err != nil {
		return outcome{}, err
	}
	if err := x.showTasks(ctx); err != nil {
		return outcome{}, err
	}
	if err := sleepCtx(ctx, 2*time.Second); err != nil { // the window settles
		return outcome{}, err
	}

	msgs := bench.MessagesBody(appLoadMsgs, messageBody)
	tasks := make([]client.NewTask, appLoadTasks)
	for i := range tasks {
		tasks[i] = client.NewTask{CodeName: "uiload", Payload: `{"ui":"load"}`}
	}
	var (
		wg               sync.WaitGroup
		posted, queued   atomic.Int64
		late             atomic.Int64 // ticks skipped: the requests of earlier ones still in flight
		loadErr          error
		errOnce          sync.Once
		inFlight         = make(chan struct{}, 2*e.workers)
		fail             = func(err error) { errOnce.Do(func() { loadErr = err }) }
		cpu0, _          = app.CPUTime()
		start            = time.Now()
		tick             = time.NewTicker(appLoadTick)
		loadCtx, endLoad = context.WithTimeout(ctx, appLoadFor)
	)
	defer endLoad()
	var profiles sync.WaitGroup
	if e.pprofDir != "" {
		e.profile(ctx, app, &profiles) // the app's CPU and allocations under the load
	}
load:
	for {
		select {
		case <-loadCtx.Done():
			break load
		case <-tick.C:
		}
		for _, req := range []func() error{
			func() error { posted.Add(appLoadMsgs); return c.PostMessages(ctx, "uiload", msgs) },
			func() error { queued.Add(appLoadTasks); _, err := c.QueueTasks(ctx, tasks); return err },
		} {
			select {
			case inFlight <- struct{}{}:
			default:
				late.Add(1)
				continue
			}
			wg.Go(func() {
				defer func() { <-inFlight }()
				if err := req(); err != nil {
					fail(err)
				}
			})
		}
	}
	tick.Stop()
	wg.Wait()
	end := time.Now()
	profiles.Wait()
	took := end.Sub(start).Seconds()
	cpu1, _ := app.CPUTime()
	if loadErr != nil {
		return outcome{}, loadErr
	}
	if err := sleepCtx(ctx, 1500*time.Millisecond); err != nil { // the last second's line
		return outcome{}, err
	}
	lines, err := readProbe(probe)
	if err != nil {
		return outcome{}, err
	}
	var lags []float64
	ticks, held := 0, 0
	for _, l := range lines {
		if l.At > start.UnixMilli() && l.At-1000 < end.UnixMilli() {
			lags = append(lags, l.MaxLagMS)
			ticks += l.Ticks
		}
		held = l.Tasks
	}
	if len(lags) < int(appLoadFor/time.Second)-1 {
		return outcome{}, fmt.Errorf("the UI probe wrote %d lines during the %s load", len(lags), appLoadFor)
	}
	worst := slices.Max(lags)
	slices.Sort(lags)
	return outcome{value: worst, detail: fmt.Sprintf(
		"median second's worst %s ms; %d UI callbacks/s of 100; sent %s tasks/s and %s msgs/s (%d ticks late); the app held %s of %s tasks 1.5 s later; app CPU %.1f cores",
		bench.Sig3(lags[len(lags)/2]), ticks/len(lags), bench.Sig3(float64(queued.Load())/took), bench.Sig3(float64(posted.Load())/took),
		late.Load(), thousands(held), thousands(int(queued.Load())), (cpu1-cpu0).Seconds()/took)}, nil
}

// figAppFilter runs the app's BenchmarkFilterTasks (10k tasks, one
// keystroke in the Tasks screen's search field) with go test.
func figAppFilter(ctx context.Context, e *env) (outcome, error) {
	root, err := e.moduleRoot(ctx)
	if err != nil {
		return outcome{}, err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkFilterTasks$", "-benchmem", "-count", "1", "./app/model")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return outcome{}, fmt.Errorf("go test -bench BenchmarkFilterTasks: %w\n%s", err, out)
	}
	m := benchLine.FindSubmatch(out)
	if m == nil {
		return outcome{}, fmt.Errorf("no BenchmarkFilterTasks result in:\n%s", out)
	}
	nsPerOp, err := strconv.ParseFloat(string(m[2]), 64)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: nsPerOp / 1e6, detail: fmt.Sprintf("go test -bench: %s iterations, %s B/op, %s allocs/op",
		m[1], m[3], m[4])}, nil
}

var benchLine = regexp.MustCompile(`BenchmarkFilterTasks\S*\s+(\d+)\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

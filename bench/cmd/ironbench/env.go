package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

const (
	project = "000000000000000000000001"
	token   = "ironbench"
	warmup  = 300 * time.Millisecond
	// stopTimeout bounds a graceful shutdown before the daemon is killed.
	stopTimeout = 60 * time.Second
)

// messageBody is the body of every posted message (and cached value): 64 bytes.
var messageBody = strings.Repeat("ironbench-", 6) + "body"

// env is what the figures share: the binary, the settings, and daemons
// that several figures reuse. Every daemon it starts is stopped by closeAll.
type env struct {
	bin      string
	appBin   string // the desktop app (-app, or built by the first app figure)
	work     string // temporary directory for data dirs and daemon logs
	workers  int
	dur      time.Duration
	starts   int
	depth    int           // messages in the deep queue: 1M, or 100k with -quick
	prefill  int           // messages prefilled for the reserve + delete figure
	churn    time.Duration // length of the churn figure's run
	http     *http.Client
	progress io.Writer

	version string
	seq     int
	running []*bench.Daemon
	main    *bench.Daemon // fresh daemon shared by the throughput figures
	bare    *bench.Daemon // the bare net/http server of the ceiling column
	// floor, when set, measures the store floor beside the ceiling (see
	// ceiling.go); floorD is its server once started.
	floor  bool
	floorD *bench.Daemon
	// bareDelay, when set, makes the bare server and the store floor sleep
	// that long in each request (bench.BareDelayEnv): a diagnostic.
	bareDelay time.Duration
	memload   time.Duration // length of the memory-under-load run
	// pprofDir, when set, makes every daemon serve profiles (--pprof) and
	// the throughput figures save the daemon's CPU and allocation
	// profiles there (figures measured so are not for the table).
	pprofDir string
	figure   string            // the figure running, to name its profiles
	deepDir  string            // stopped data dir whose deepQueue holds depth messages
	root     string            // module root, once known
	images   map[string]string // image → where ensureImage found it

	dockerChecked bool
	dockerReason  string // why no Docker engine can be used; "" when one answers
}

const deepQueue = "deep"

func (e *env) logf(format string, args ...any) {
	fmt.Fprintf(e.progress, "%s ironbench: %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}

// title fills the {workers} and {depth} placeholders of a figure title.
func (e *env) title(t string) string {
	return strings.NewReplacer("{workers}", strconv.Itoa(e.workers), "{depth}", shortCount(e.depth)).Replace(t)
}

func (e *env) build(ctx context.Context) (string, error) {
	root, err := e.moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(e.work, "ironlocald")
	e.logf("building ironlocald from %s", root)
	t0 := time.Now()
	if err := bench.BuildDaemon(ctx, root, bin); err != nil {
		return "", err
	}
	e.logf("built in %s", time.Since(t0).Round(100*time.Millisecond))
	return bin, nil
}

// freshDir returns a new, empty data directory.
func (e *env) freshDir() (string, error) {
	e.seq++
	dir := filepath.Join(e.work, fmt.Sprintf("data-%d", e.seq))
	return dir, os.Mkdir(dir, 0o755)
}

// start runs a daemon on dataDir and remembers it for closeAll.
func (e *env) start(ctx context.Context, dataDir string) (*bench.Daemon, error) {
	return e.startArgs(ctx, dataDir)
}

// startArgs is start with extra ironlocald flags (e.g. --runtime process).
func (e *env) startArgs(ctx context.Context, dataDir string, args ...string) (*bench.Daemon, error) {
	e.seq++
	args = append([]string{"--log-level", "warn"}, args...)
	if e.pprofDir != "" {
		args = append(args, "--pprof")
	}
	d, err := bench.StartDaemon(ctx, bench.DaemonConfig{
		Bin: e.bin, DataDir: dataDir, Args: args,
		LogFile: filepath.Join(e.work, fmt.Sprintf("daemon-%d.log", e.seq)),
	})
	if err != nil {
		return nil, err
	}
	e.running = append(e.running, d)
	if e.version == "" {
		e.version, _ = e.client(d).Version(ctx)
	}
	return d, nil
}

// stop shuts a daemon down gracefully (SIGTERM) and forgets it.
func (e *env) stop(d *bench.Daemon) (time.Duration, error) {
	e.running = slices.DeleteFunc(e.running, func(x *bench.Daemon) bool { return x == d })
	switch d {
	case e.main:
		e.main = nil
	case e.bare:
		e.bare = nil
	}
	// A pre-dialed keep-alive connection that never carried a request
	// holds up net/http's graceful shutdown for 5 s; a client that goes
	// away closes its pool, so do that first.
	e.http.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
	defer cancel()
	return d.Stop(ctx)
}

func (e *env) closeAll() {
	for len(e.running) > 0 {
		d := e.running[len(e.running)-1]
		if _, err := e.stop(d); err != nil {
			e.logf("stop daemon: %v", err)
		}
	}
	e.http.CloseIdleConnections()
}

func (e *env) client(d *bench.Daemon) *bench.Client {
	c, err := bench.NewClient(e.http, d.URL, project, token)
	if err != nil {
		panic(err) // d.URL is the daemon's own http://host:port: a bad one is a bug of this command
	}
	return c
}

// profile saves the daemon's CPU and allocation profiles of the next
// e.dur (after the warm-up) to e.pprofDir as <figure>.cpu.pprof and
// <figure>.allocs.pprof; wg is done when both are written.
func (e *env) profile(ctx context.Context, d *bench.Daemon, wg *sync.WaitGroup) {
	secs := max(1, int(e.dur/time.Second))
	for _, kind := range []struct{ name, file string }{{"profile", "cpu"}, {"allocs", "allocs"}} {
		path := filepath.Join(e.pprofDir, e.figure+"."+kind.file+".pprof")
		wg.Go(func() {
			if err := sleepCtx(ctx, warmup); err != nil {
				return
			}
			if err := d.Profile(ctx, kind.name, secs, token, path); err != nil {
				e.logf("  %v", err)
				return
			}
			e.logf("  wrote %s", path)
		})
	}
}

// freshDaemon starts a daemon with extra flags on a new, empty data
// directory. The caller stops it.
func (e *env) freshDaemon(ctx context.Context, args ...string) (*bench.Daemon, error) {
	dir, err := e.freshDir()
	if err != nil {
		return nil, err
	}
	return e.startArgs(ctx, dir, args...)
}

// moduleRoot is the root of the ironlocal checkout (for fixtures/build.sh
// and `make image`).
func (e *env) moduleRoot(ctx context.Context) (string, error) {
	if e.root == "" {
		root, err := bench.ModuleRoot(ctx, ".")
		if err != nil {
			return "", err
		}
		e.root = root
	}
	return e.root, nil
}

// mainDaemon returns the daemon the throughput figures share, starting it
// on a fresh data directory the first time.
func (e *env) mainDaemon(ctx context.Context) (*bench.Daemon, error) {
	if e.main != nil {
		return e.main, nil
	}
	dir, err := e.freshDir()
	if err != nil {
		return nil, err
	}
	if e.main, err = e.start(ctx, dir); err != nil {
		return nil, err
	}
	return e.main, nil
}

// deepDaemon starts a daemon whose deepQueue holds e.depth messages: on the
// data dir the ready figure left behind, or on a fresh one filled now. The
// caller stops it.
func (e *env) deepDaemon(ctx context.Context) (*bench.Daemon, error) {
	if e.deepDir != "" {
		return e.start(ctx, e.deepDir)
	}
	dir, err := e.freshDir()
	if err != nil {
		return nil, err
	}
	d, err := e.start(ctx, dir)
	if err != nil {
		return nil, err
	}
	if _, err := e.fill(ctx, e.client(d), deepQueue, e.depth); err != nil {
		return nil, err
	}
	e.deepDir = dir
	return d, nil
}

// fill posts n messages (a multiple of 100) to queue in batches of 100 from
// e.workers concurrent posters and returns how long it took.
func (e *env) fill(ctx context.Context, c *bench.Client, queue string, n int) (time.Duration, error) {
	if n%100 != 0 {
		return 0, fmt.Errorf("fill %d messages: not a multiple of 100", n)
	}
	e.logf("  filling queue %q with %s messages", queue, thousands(n))
	payload := bench.MessagesBody(100, messageBody)
	res, err := bench.Load{Workers: e.workers, Ops: int64(n / 100)}.Run(ctx, func(ctx context.Context, _ int) (int, error) {
		return 100, c.PostMessages(ctx, queue, payload)
	})
	if err != nil {
		return res.Elapsed, fmt.Errorf("fill queue %s: %w", queue, err)
	}
	e.logf("  filled in %s (%s msgs/s)", res.Elapsed.Round(100*time.Millisecond), bench.Sig3(res.ItemsPerSec()))
	return res.Elapsed, nil
}

// thousands renders 1000000 as "1,000,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// shortCount renders 1000000 as "1M" and 100000 as "100k".
func shortCount(n int) string { return bench.Compact(float64(n)) }

// ms renders a duration in milliseconds with three significant digits.
func us(d time.Duration) string { return bench.Sig3(float64(d)/float64(time.Microsecond)) + " µs" }

func ms(d time.Duration) string { return bench.Sig3(float64(d)/float64(time.Millisecond)) + " ms" }

// signedMS renders a difference in milliseconds with its sign: "+27.0 ms", "−3.10 ms".
func signedMS(d time.Duration) string {
	if d < 0 {
		return "−" + ms(-d)
	}
	return "+" + ms(d)
}

// Command ironbench measures ironlocal against the performance targets of
// the project and prints a Markdown table (figure | target | measured |
// verdict). It builds the real ironlocald, runs it as a subprocess on a free
// loopback port with a fresh data directory, and drives it over HTTP from
// this process.
//
//	go run ./bench/cmd/ironbench                 # every figure, full scale
//	go run ./bench/cmd/ironbench -quick          # 100k instead of 1M deep queues
//	go run ./bench/cmd/ironbench -only post,cache
//
// The exit status is 1 when a figure could not be measured (ERROR) or a
// check it makes failed (FAIL); a figure that misses its target (MISS) is a
// result, not a failure, and so is one that cannot run on this machine
// (skipped: the Docker figures without a Docker engine).
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

func main() {
	if bench.ServeBare(os.Args[1:]) { // the ceiling column's bare server (ceiling.go)
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ironbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		only     = fs.String("only", "", "comma-separated figures to run (default all): "+strings.Join(figureNames(), ","))
		quick    = fs.Bool("quick", false, "deep-queue figures use 100k messages instead of 1M; shorter runs")
		workers  = fs.Int("workers", 8, "concurrent clients for the throughput figures")
		duration = fs.Duration("duration", 3*time.Second, "measured time of each throughput figure (-quick: 2s)")
		starts   = fs.Int("starts", 5, "daemon starts for the start-up figure (median taken)")
		depth    = fs.Int("depth", 1_000_000, "messages in the deep queue of the ready and depth figures, a multiple of 100 (-quick: 100000)")
		prefill  = fs.Int("prefill", 250_000, "messages prefilled for the reserve + delete figure, a multiple of 100 (-quick: 100000)")
		churn    = fs.Duration("churn", time.Minute, "length of the queue and cache churn run of the churn figure (-quick: 30s)")
		memload  = fs.Duration("memload", 90*time.Second, "length of the sustained mixed load of the memload figure (-quick: 30s)")
		floor    = fs.Bool("floor", false, "also measure the figures with a ceiling against the store floor: the bare server running one Badger transaction a request with the store's options (internal/storefloor), in the same alternating rounds; it tells the store engine's share of the gap from ironlocal's own")
		bareWait = fs.Duration("bare-delay", 0, "make the bare server (and the store floor) sleep this long in each request before answering, to compare both sides' CPU per request at a matched round trip (a client that waits longer costs more CPU on both sides); a diagnostic, not for the table: the ceiling is then no ceiling")
		pprofDir = fs.String("pprof", "", "run the daemons with --pprof and save each throughput figure's CPU and allocation profiles in this directory (the profiling costs CPU: not for the table)")
		bin      = fs.String("bin", "", "use this ironlocald binary instead of building one")
		appBin   = fs.String("app", "", "use this desktop app binary (e.g. bin/ironlocal from make app) instead of building one with cgo")
		tmp      = fs.String("tmp", os.TempDir(), "where the work directory (binary, data dirs, daemon logs) is made")
		keep     = fs.Bool("keep", false, "keep the work directory")
	)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: ironbench [flags]\n\nRuns ironlocal's benchmark figures and prints a Markdown table.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	selected, err := selectFigures(*only)
	if err != nil {
		fmt.Fprintln(stderr, "ironbench:", err)
		return 2
	}
	if *workers < 1 || *starts < 1 || *duration <= 0 || *churn < 6*time.Second || *memload < 6*time.Second {
		fmt.Fprintln(stderr, "ironbench: -workers, -starts and -duration must be positive, -churn and -memload at least 6s")
		return 2
	}
	if *bareWait < 0 {
		fmt.Fprintln(stderr, "ironbench: -bare-delay must not be negative")
		return 2
	}
	if *depth < 1000 || *depth%100 != 0 || *prefill < 100 || *prefill%100 != 0 {
		fmt.Fprintln(stderr, "ironbench: -depth (at least 1000) and -prefill must be positive multiples of 100")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	e := &env{workers: *workers, dur: *duration, starts: *starts, depth: *depth, prefill: *prefill, churn: *churn,
		memload: *memload, progress: stderr, http: bench.NewHTTPClient(*workers), images: map[string]string{}, appBin: *appBin, floor: *floor, bareDelay: *bareWait}
	if *pprofDir != "" {
		if e.pprofDir, err = filepath.Abs(*pprofDir); err == nil {
			err = os.MkdirAll(e.pprofDir, 0o755)
		}
		if err != nil {
			fmt.Fprintln(stderr, "ironbench:", err)
			return 1
		}
	}
	if *quick {
		for name, set := range map[string]func(){
			"depth":    func() { e.depth = 100_000 },
			"prefill":  func() { e.prefill = 100_000 },
			"duration": func() { e.dur = 2 * time.Second },
			"churn":    func() { e.churn = 30 * time.Second },
			"memload":  func() { e.memload = 30 * time.Second },
		} {
			if !explicit[name] {
				set()
			}
		}
	}
	if e.work, err = os.MkdirTemp(*tmp, "ironbench-"); err != nil {
		fmt.Fprintln(stderr, "ironbench:", err)
		return 1
	}
	if *keep {
		fmt.Fprintln(stderr, "ironbench: work directory", e.work)
	} else {
		defer os.RemoveAll(e.work)
	}
	defer e.closeAll()

	if e.bin = *bin; e.bin == "" {
		if e.bin, err = e.build(ctx); err != nil {
			fmt.Fprintln(stderr, "ironbench:", err)
			return 1
		}
	}

	var rows [][]string
	failed := false
	for _, f := range selected {
		title := e.title(f.title)
		e.figure = f.name
		e.logf("%s: %s", f.name, title)
		t0 := time.Now()
		out, err := f.run(ctx, e)
		var measured, verdict, ceil string
		switch {
		case err != nil:
			failed = true
			e.logf("%s: error: %v", f.name, err)
			measured, verdict = "error: "+firstLine(err.Error()), "ERROR"
		case out.skip != "":
			e.logf("%s: skipped: %s", f.name, out.skip)
			measured, verdict = "skipped: "+out.skip, "skipped"
		default:
			measured = f.goal.Format(out.value)
			if out.detail != "" {
				measured += " (" + out.detail + ")"
			}
			verdict = f.goal.Verdict(out.value)
			ceil = ceilingCell(f, out)
			if f.byShare {
				verdict = shareVerdict(f, out)
			}
			if out.fail != "" {
				failed = true
				verdict = "FAIL: " + out.fail
			}
			e.logf("%s: %s → %s [%s]", f.name, measured, verdict, time.Since(t0).Round(100*time.Millisecond))
			if out.ceiling != nil {
				e.logf("%s: ceiling: %s", f.name, ceil)
			}
		}
		rows = append(rows, []string{title, targetCell(f), measured, verdict, cmp.Or(ceil, "—")})
		if ctx.Err() != nil {
			break
		}
	}
	e.closeAll()

	t := bench.Table{
		Preamble: []string{
			"## ironlocal benchmarks",
			"",
			fmt.Sprintf("%d cores (runtime.NumCPU) · %s %s/%s · %s · ironlocald %s · load generator and daemon share the cores",
				runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH, time.Now().Format("2006-01-02"), orUnknown(e.version)),
		},
		Columns: []string{"figure", "target", "measured", "verdict (measured ÷ target)", "vs bare net/http (ceiling)"},
		Rows:    rows,
		Notes:   e.notes(),
	}
	fmt.Fprintln(stdout)
	if err := t.Write(stdout); err != nil {
		fmt.Fprintln(stderr, "ironbench:", err)
		return 1
	}
	if failed || ctx.Err() != nil {
		return 1
	}
	return 0
}

func (e *env) notes() []string {
	n := []string{
		fmt.Sprintf("Throughput figures: %d clients, closed loop, %s measured after a %s warm-up, keep-alive connections; message bodies are %d bytes.",
			e.workers, e.dur, warmup, len(messageBody)),
		"The daemon runs with a fresh on-disk data directory (default durability: no fsync per write).",
		"Ceiling column: the same clients run the same operations against a bare `net/http` server (a subprocess answering fixed replies: one request per batch post, three per single-message cycle, two per cache put + get), in rounds alternating with ironlocal's (3 of each, the figure's duration each), and ironlocal's figure is printed as a fraction of it; it shows what ironlocal's own work leaves of what HTTP over loopback and this load generator allow here.",
		"Desktop app figures run the real app (cgo) under Xvfb with its embedded emulator (`--runtime process`), drive it with xdotool and the API and read its window with ImageMagick's `import`; they are skipped when those tools are missing. The responsiveness figure reads the app's UI probe (`IRONLOCAL_UI_PROBE`, a 10 ms timer through the UI goroutine); its tasks go to a paused code, so they stay queued.",
		"IronWorker, push and test-suite figures each start their own daemon with the flags they need (`--runtime docker|process`, `--task-slots 8`); push subscribers are HTTP servers inside the harness. The Docker figures are skipped when no engine answers; images are built from this checkout when missing, never pulled.",
		"Reproduce: `make bench` (`BENCH_ARGS='-quick -only " + strings.Join(figureNames(), ",") + "'`), i.e. `go run ./bench/cmd/ironbench`.",
	}
	if e.depth != 1_000_000 {
		n = append(n, fmt.Sprintf("**Scaled down**: the deep-queue figures use %s messages instead of the 1,000,000 of their targets, so their verdicts are indicative only.",
			thousands(e.depth)))
	}
	return n
}

func selectFigures(only string) ([]figure, error) {
	if strings.TrimSpace(only) == "" {
		return figures, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(only, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !slices.Contains(figureNames(), n) {
			return nil, fmt.Errorf("unknown figure %q in -only; figures: %s", n, strings.Join(figureNames(), ", "))
		}
		want[n] = true
	}
	var out []figure
	for _, f := range figures { // table order, whatever the order asked
		if want[f.name] {
			out = append(out, f)
		}
	}
	return out, nil
}

func figureNames() []string {
	names := make([]string, len(figures))
	for i, f := range figures {
		names[i] = f.name
	}
	return names
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func orUnknown(s string) string {
	if s == "" {
		return "(version unknown)"
	}
	return s
}

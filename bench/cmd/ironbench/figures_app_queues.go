package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/bench"
)

// The desktop app's Queues and Events figures (issue "desktop app, part
// two"): the browser's first page and next page of a 100k-message queue
// and the Events screen at 2k events/s come from the app's Go benchmarks
// (the real screens, client and emulator in one process, no window); the
// RSS figure runs the real app under Xvfb on a data directory holding the
// queue and pages through it with clicks.

const (
	appQueueMsgs = 100_000
	// appBrowsePages is how many pages the RSS figure clicks through.
	appBrowsePages = 50
)

// Window coordinates (1280×800, Fyne's default theme) of the Queues
// screen: the rail entry, the first queue row, the browser's → button.
const (
	appNavX, appNavQueuesY  = 50, 222
	appQueueRowX, appQueueY = 250, 142
	appNextX, appNextY      = 1257, 226
)

var (
	appBenchMu  sync.Mutex
	appBenchOut = map[string][]byte{} // go test -bench output by pattern, run once
)

// appGoBench runs the app's benchmarks matching pattern once per ironbench
// run and returns go test's output.
func appGoBench(ctx context.Context, e *env, pattern string) ([]byte, error) {
	appBenchMu.Lock()
	defer appBenchMu.Unlock()
	if out, ok := appBenchOut[pattern]; ok {
		return out, nil
	}
	root, err := e.moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", pattern, "-count", "1", "-timeout", "30m", "./app")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("go test -bench %s: %w\n%s", pattern, err, out)
	}
	appBenchOut[pattern] = out
	return out, nil
}

// benchResult finds name's ns/op, iterations and extra metrics in go
// test's output.
func benchResult(out []byte, name string) (nsPerOp float64, iterations string, metrics map[string]string, err error) {
	line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(.*)$`).FindSubmatch(out)
	if line == nil {
		return 0, "", nil, fmt.Errorf("no %s result in:\n%s", name, out)
	}
	nsPerOp, err = strconv.ParseFloat(string(line[2]), 64)
	metrics = map[string]string{}
	for _, m := range regexp.MustCompile(`([\d.]+) (\S+)`).FindAllSubmatch(line[3], -1) {
		metrics[string(m[2])] = string(m[1])
	}
	return nsPerOp, string(line[1]), metrics, err
}

// figAppBrowse: open a 100k-message queue in the Queues screen to its
// first page shown (BenchmarkQueueBrowser/first_page).
func figAppBrowse(ctx context.Context, e *env) (outcome, error) {
	return appBrowseFigure(ctx, e, "BenchmarkQueueBrowser/first_page", "open the queue → first 100 messages shown")
}

// figAppPage: → to the next page shown (BenchmarkQueueBrowser/next_page).
func figAppPage(ctx context.Context, e *env) (outcome, error) {
	return appBrowseFigure(ctx, e, "BenchmarkQueueBrowser/next_page", "tap → → the next 100 messages shown")
}

func appBrowseFigure(ctx context.Context, e *env, name, what string) (outcome, error) {
	out, err := appGoBench(ctx, e, "^BenchmarkQueueBrowser$")
	if err != nil {
		return outcome{}, err
	}
	ns, n, _, err := benchResult(out, name)
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: ns / 1e6, detail: fmt.Sprintf("go test -bench %s: mean of %s (%s; screens, client and emulator in one process)",
		name, n, what)}, nil
}

// figAppEvents: the Events screen's cost of one second of 2k events/s,
// in the batches the stream hands over, and its heap once far more events
// than the ring holds went through (BenchmarkEventsScreen).
func figAppEvents(ctx context.Context, e *env) (outcome, error) {
	out, err := appGoBench(ctx, e, "^BenchmarkEventsScreen$")
	if err != nil {
		return outcome{}, err
	}
	ns, n, m, err := benchResult(out, "BenchmarkEventsScreen")
	if err != nil {
		return outcome{}, err
	}
	return outcome{value: ns / 1e6, detail: fmt.Sprintf(
		"go test -bench: mean of %s seconds of events; %s events in all, live heap after them %s MB (a 20k-event ring: it does not grow with the count)",
		n, m["events"], m["heap_MB"])}, nil
}

// figAppMsgRSS: the app's RSS after paging through a 100k-message queue
// (posted by a headless ironlocald into the data directory the app then
// opens) with clicks on the browser's → button.
func figAppMsgRSS(ctx context.Context, e *env) (outcome, error) {
	x, skip, err := e.appSetup(ctx)
	if skip != "" || err != nil {
		return outcome{skip: skip}, err
	}
	defer x.stop()
	dir, err := e.freshDir()
	if err != nil {
		return outcome{}, err
	}
	if err := e.postMessages(ctx, dir, "big", appQueueMsgs); err != nil {
		return outcome{}, err
	}
	app, err := e.startApp(ctx, x, dir, "")
	if err != nil {
		return outcome{}, err
	}
	defer e.stop(app)
	win := ""
	for deadline := time.Now().Add(appWait); win == ""; {
		if time.Now().After(deadline) {
			return outcome{}, errors.New("the app's window did not appear")
		}
		if win = x.window(ctx); win == "" {
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return outcome{}, err
			}
		}
	}
	click := func(px, py int, settle time.Duration) error {
		if _, err := x.output(ctx, "xdotool", "mousemove", "--window", win, strconv.Itoa(px), strconv.Itoa(py), "sleep", "0.1", "click", "1"); err != nil {
			return err
		}
		return sleepCtx(ctx, settle)
	}
	if err := sleepCtx(ctx, 2*time.Second); err != nil { // the screens load
		return outcome{}, err
	}
	if err := click(appNavX, appNavQueuesY, time.Second); err != nil {
		return outcome{}, err
	}
	if err := click(appQueueRowX, appQueueY, time.Second); err != nil {
		return outcome{}, err
	}
	for range appBrowsePages {
		if err := click(appNextX, appNextY, 150*time.Millisecond); err != nil {
			return outcome{}, err
		}
	}
	if blank, err := x.blank(ctx, win); err != nil || blank {
		return outcome{}, fmt.Errorf("the window is blank after browsing (%v)", err)
	}
	samples := sampleRSS(ctx, app, time.Second)
	if err := sleepCtx(ctx, 3500*time.Millisecond); err != nil {
		return outcome{}, err
	}
	rss, err := samples()
	if err != nil {
		return outcome{}, err
	}
	if len(rss) == 0 {
		return outcome{}, errors.New("no RSS sample")
	}
	return outcome{value: float64(slices.Max(rss)) / 1e6, detail: fmt.Sprintf(
		"peak VmRSS over 3 s after opening a %s-message queue and clicking → %d times (the browser holds one page); embedded emulator included",
		thousands(appQueueMsgs), appBrowsePages)}, nil
}

// postMessages posts n messages to queue in the data directory dir with a
// headless ironlocald, and stops it.
func (e *env) postMessages(ctx context.Context, dir, queue string, n int) error {
	d, err := e.startArgs(ctx, dir, "--runtime", "process")
	if err != nil {
		return err
	}
	c := e.client(d)
	for b := 0; err == nil && b < n; b += 100 {
		err = c.PostMessages(ctx, queue, bench.MessagesBody(min(100, n-b), messageBody))
	}
	if _, serr := e.stop(d); err == nil && serr != nil {
		err = fmt.Errorf("stop the daemon that posted the messages: %w", serr)
	}
	return err
}

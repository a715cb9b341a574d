// Package gui holds the smoke test of the real desktop app: it builds the
// binary with cgo, opens its window under Xvfb, drives one flow with
// xdotool and the API, and checks screenshots. `make screenshots` runs the
// same harness to regenerate the README's pictures.
package gui

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
)

const (
	screenW, screenH = 1280, 800
	waitLimit        = 30 * time.Second
)

// requireTools skips when the X tools are missing, except in CI, where
// the smoke test must run: there it fails.
func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool", "import", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("%s not found: install the GUI test packages (make deps prints them)", tool)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// buildApp builds the desktop app (cgo) into a temporary directory.
func buildApp(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	require.NoError(t, err)
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(t.TempDir(), "ironlocal")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "build the desktop app: %s", b)
	return bin
}

// xserver is an Xvfb display for one test.
type xserver struct {
	display string
}

func startXvfb(t *testing.T) *xserver {
	t.Helper()
	for n := 90; n < 190; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		// -noreset: Xvfb otherwise resets when its last client leaves, and
		// an app started in that moment cannot open the display.
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", fmt.Sprintf("%dx%dx24", screenW, screenH), "-nolisten", "tcp", "-noreset")
		if err := cmd.Start(); err != nil {
			t.Fatalf("start Xvfb: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		socket := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		ready := false
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
			if _, err := os.Stat(socket); err == nil {
				ready = true
				break
			}
			select {
			case <-exited:
			case <-time.After(50 * time.Millisecond):
				continue
			}
			break // Xvfb gave up (display taken): try the next one
		}
		if !ready {
			_ = cmd.Process.Kill()
			continue
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			<-exited
		})
		return &xserver{display: fmt.Sprintf(":%d", n)}
	}
	t.Fatal("no free X display between :90 and :189")
	return nil
}

func (x *xserver) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v: %s", name, args, out)
	return strings.TrimSpace(string(out))
}

// app is the running desktop app.
type app struct {
	x      *xserver
	cmd    *exec.Cmd
	url    string
	window string
	c      *client.Client
	exited chan error
}

var apiLine = regexp.MustCompile(`API:\s+(http://\S+)`)

// startApp starts the app with an ephemeral embedded emulator on a free
// port and waits for its window.
func startApp(t *testing.T, x *xserver, bin string, args ...string) *app {
	t.Helper()
	args = append([]string{"--ephemeral", "--listen", "127.0.0.1:0", "--runtime", "process"}, args...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "LANG=en_US.UTF-8", "DBUS_SESSION_BUS_ADDRESS=",
		"XDG_CONFIG_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	require.NoError(t, cmd.Start())
	a := &app{x: x, cmd: cmd, exited: make(chan error, 1)}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := apiLine.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	go func() { a.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("app stderr:\n%s", stderr.String())
		}
	})
	select {
	case a.url = <-urls:
	case err := <-a.exited:
		t.Fatalf("the app exited before it served: %v\n%s", err, stderr.String())
	case <-time.After(waitLimit):
		t.Fatalf("the app printed no API address\n%s", stderr.String())
	}
	require.Eventually(t, func() bool {
		cmd := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^ironlocal")
		cmd.Env = append(os.Environ(), "DISPLAY="+x.display)
		out, err := cmd.Output()
		if err != nil {
			return false
		}
		a.window = strings.Fields(string(out))[0]
		return true
	}, waitLimit, 50*time.Millisecond, "the window (title starting with ironlocal) appears")
	t.Logf("window up %s after start", time.Since(start).Round(time.Millisecond))
	a.c, err = client.New(a.url, "local-token")
	require.NoError(t, err)
	return a
}

// click clicks at window coordinates.
func (a *app) click(t *testing.T, x, y int) {
	t.Helper()
	// Move first, let a frame pass, then click: GLFW takes the click
	// position from the last motion event.
	a.x.run(t, "xdotool", "mousemove", "--window", a.window, fmt.Sprint(x), fmt.Sprint(y), "sleep", "0.1", "click", "1")
}

// key sends a key chord (xdotool syntax: ctrl+n, Escape).
func (a *app) key(t *testing.T, chord string) {
	t.Helper()
	a.x.run(t, "xdotool", "key", "--window", a.window, chord)
}

func (a *app) typeText(t *testing.T, s string) {
	t.Helper()
	a.x.run(t, "xdotool", "type", "--window", a.window, "--delay", "5", s)
}

// screenshot saves the window as a PNG and returns the image.
func (a *app) screenshot(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := a.grab(path)
	require.NoError(t, err)
	return img
}

func (a *app) grab(path string) (image.Image, error) {
	cmd := exec.Command("import", "-window", a.window, path)
	cmd.Env = append(os.Environ(), "DISPLAY="+a.x.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("import: %v: %s", err, out)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// settle takes screenshots until two in a row are equal (the UI drew what
// it was told) and returns the last.
func (a *app) settle(t *testing.T, path string) image.Image {
	t.Helper()
	var prev, last image.Image
	require.Eventually(t, func() bool {
		img, err := a.grab(path)
		if err != nil {
			return false
		}
		same := prev != nil && sameImage(prev, img)
		prev, last = img, img
		return same
	}, 10*time.Second, 250*time.Millisecond, "the window stops changing")
	return last
}

// waitFor grabs the window until cond holds on a shot of it, and fails
// the test with msg when it does not within the settle time. Each step of
// a scripted interaction waits for what it needs to see, rather than for
// the window to be still: a window can be still before a list's next poll
// has shown the row the script is about to click.
func (a *app) waitFor(t *testing.T, path, msg string, cond func(image.Image) bool) image.Image {
	t.Helper()
	var last image.Image
	if !assert.Eventually(t, func() bool {
		img, err := a.grab(path)
		if err != nil {
			return false
		}
		last = img
		return cond(img)
	}, 10*time.Second, 100*time.Millisecond, msg) {
		keep(t, path) // the last shot, for IRONLOCAL_GUI_SHOTS=dir
		t.FailNow()
	}
	return last
}

// changes reports a shot whose region differs from before's.
func changes(before image.Image, region image.Rectangle) func(image.Image) bool {
	return func(img image.Image) bool { return !sameRegion(before, img, region) }
}

// capture is settle for a window that never stops changing (live
// charts): it takes the first stable shot within a few seconds, or the
// last one.
func (a *app) capture(t *testing.T, path string) image.Image {
	t.Helper()
	var prev, last image.Image
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); {
		img := a.screenshot(t, path)
		if prev != nil && sameImage(prev, img) {
			return img
		}
		prev, last = img, img
	}
	return last
}

func sameImage(a, b image.Image) bool {
	return a.Bounds() == b.Bounds() && sameRegion(a, b, a.Bounds())
}

// sameRegion compares r of a and b (every other pixel of every other row).
func sameRegion(a, b image.Image, r image.Rectangle) bool {
	r = r.Intersect(a.Bounds()).Intersect(b.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 2 {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// inkRatio is the share of pixels in rect that differ from its most
// common colour: 0 for a blank area.
func inkRatio(img image.Image, rect image.Rectangle) float64 {
	counts := map[[4]uint32]int{}
	total := 0
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			r, g, b, al := img.At(x, y).RGBA()
			counts[[4]uint32{r, g, b, al}]++
			total++
		}
	}
	top := 0
	for _, n := range counts {
		top = max(top, n)
	}
	if total == 0 {
		return 0
	}
	return 1 - float64(top)/float64(total)
}

// registerAndQueue sets up a code whose task prints lines, and waits for
// one task to complete.
func registerAndQueue(t *testing.T, a *app) string {
	t.Helper()
	ctx := context.Background()
	_, err := a.c.RegisterCode(ctx, client.NewCode{Name: "hello", Image: "local/hello:latest",
		Command: `echo "payload: $(cat "$PAYLOAD_FILE")"; for i in 1 2 3; do echo "processing step $i"; done; echo done`})
	require.NoError(t, err)
	id, err := a.c.QueueTask(ctx, client.NewTask{CodeName: "hello", Payload: `{"message":"hello from the smoke test"}`})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		task, err := a.c.Task(ctx, id)
		return err == nil && task.Status == client.TaskComplete
	}, waitLimit, 50*time.Millisecond)
	return id
}

// Window coordinates of the layout at 1280×800 (Fyne's default theme,
// scale 1).
const (
	navX, navOverviewY, navTasksY, navCodesY, navSchedulesY = 50, 66, 106, 144, 183
	firstRowX, firstRowY                                    = 300, 142
	firstListItemX, firstListItemY                          = 300, 128
)

func TestGUISmoke(t *testing.T) {
	requireTools(t)
	bin := buildApp(t)
	x := startXvfb(t)
	a := startApp(t, x, bin)

	registerAndQueue(t, a)
	shot := filepath.Join(t.TempDir(), "smoke.png")
	a.settle(t, shot)
	a.click(t, navX, navTasksY) // Tasks
	// Each step waits for what it needs to see (waitFor): a still window
	// can come before the list's next poll shows the task, or before the
	// log pane has its log.
	codeCell := image.Rect(taskCodeCellX0, taskCodeCellY0, taskCodeCellX1, taskCodeCellY1)
	a.waitFor(t, shot, "the task is listed", func(img image.Image) bool { return inkRatio(img, codeCell) > 0.02 })
	a.click(t, firstRowX, firstRowY) // the task: opens its detail and log
	logArea := image.Rect(760, 470, 1270, 620)
	a.waitFor(t, shot, "the log pane shows text", func(img image.Image) bool { return inkRatio(img, logArea) > 0.01 })
	img := a.settle(t, shot)
	keep(t, shot)
	require.Equal(t, image.Rect(0, 0, screenW, screenH), img.Bounds(), "the window has its size")
	require.Greater(t, inkRatio(img, img.Bounds()), 0.05, "the window is not blank")
	logInk := inkRatio(img, logArea)
	require.Greater(t, logInk, 0.01, "the log pane still shows text once the window is still")

	a.key(t, "Escape") // closes the detail pane
	img = a.settle(t, shot)
	require.Less(t, inkRatio(img, logArea), logInk/2, "Esc closed the pane")

	smokePostMessage(t, a, filepath.Join(t.TempDir(), "smoke-queue.png"))

	// Quitting stops the embedded emulator cleanly. The pointer rests on
	// plain text first: Fyne's GLFW driver can crash when a pointer-shape
	// change (say, off a text field) is applied to a window being
	// destroyed (fyne-io/fyne#5981), which is Fyne's bug, not this test's.
	a.x.run(t, "xdotool", "mousemove", "--window", a.window, "40", "20")
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-a.exited:
		require.NoError(t, err, "the app exits 0 after SIGTERM")
	case <-time.After(waitLimit):
		t.Fatal("the app did not stop after SIGTERM")
	}
}

// keep copies a screenshot to $IRONLOCAL_GUI_SHOTS when set (to look at
// what the test saw).
func keep(t *testing.T, path string) {
	if dir := os.Getenv("IRONLOCAL_GUI_SHOTS"); dir != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(path)), mustRead(t, path), 0o644))
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestScreenshots regenerates the README's screenshots (make screenshots):
// the real app under Xvfb with a little of everything going on. It runs
// only when IRONLOCAL_SCREENSHOTS names the directory to write.
func TestScreenshots(t *testing.T) {
	dir := os.Getenv("IRONLOCAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set IRONLOCAL_SCREENSHOTS=dir (make screenshots) to regenerate the README's screenshots")
	}
	requireTools(t)
	bin := buildApp(t)
	buildPlugins(t, filepath.Dir(bin)) // found next to the app, as make plugins places them
	x := startXvfb(t)
	a := startApp(t, x, bin, "--virtual-clock", "--live-logs")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	seedDemo(t, ctx, a)

	shot := func(name string) {
		t.Helper()
		img := a.capture(t, filepath.Join(dir, name))
		require.Greater(t, inkRatio(img, img.Bounds()), 0.05, "%s is not blank", name)
	}
	require.Eventually(t, func() bool { // a few seconds of messages for the rate chart
		q, err := a.c.Queue(ctx, "signups")
		return err == nil && q.Size >= 40
	}, waitLimit, 100*time.Millisecond)
	a.click(t, navX, navOverviewY)
	// The overview recounts once a second after a change: let the counts
	// catch up with the seeding so the picture agrees with itself. (A
	// picture, not an assertion: nothing here waits for state.)
	time.Sleep(1500 * time.Millisecond)
	shot("overview.png")
	a.click(t, navX, navTasksY)
	a.key(t, "ctrl+f")
	a.typeText(t, "nightly")
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.click(t, firstRowX, firstRowY) // the running report, its log tailing
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.key(t, "ctrl+f")
	a.key(t, "ctrl+a")
	a.key(t, "BackSpace")
	shot("tasks.png")
	a.key(t, "ctrl+n") // takes the open task's code
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.key(t, "ctrl+a")
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.typeText(t, `{"day": "2026-11-28", "format": "pdf"}`)
	shot("new-task.png")
	a.key(t, "Escape")
	a.click(t, navX, navCodesY)
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.click(t, firstListItemX, firstListItemY)
	shot("codes.png")
	a.click(t, navX, navSchedulesY)
	a.capture(t, filepath.Join(t.TempDir(), "tmp.png"))
	a.click(t, firstListItemX, firstListItemY)
	shot("schedules.png")
	screenshotsPartTwo(t, ctx, a, shot)
	screenshotsTriggers(t, ctx, a, shot)
	screenshotsDebug(t, ctx, a, shot)
	screenshotsConnect(t, ctx, a, shot)
}

// seedDemo registers a few codes, runs tasks that complete, fail and keep
// running, creates schedules and keeps messages flowing for the rate chart.
func seedDemo(t *testing.T, ctx context.Context, a *app) {
	t.Helper()
	codes := []client.NewCode{
		{Name: "resize-image", Image: "acme/resize:2.1",
			Command: `echo "resizing $(cat "$PAYLOAD_FILE")"; for s in 1280 640 320; do echo "wrote ${s}px variant"; done; echo "uploaded 3 files"; true`},
		{Name: "send-email", Image: "acme/mailer:1.4",
			Command: `echo "connecting to smtp.local:25"; echo "550 mailbox unavailable" >&2; exit 3; true`,
			Retries: client.Ptr(1), RetriesDelay: client.Ptr(0)},
		{Name: "nightly-report", Image: "acme/reports:0.9",
			Command: `for i in $(seq 1 600); do echo "report row $i"; sleep 0.5; done; true`, MaxConcurrency: client.Ptr(2)},
	}
	for _, nc := range codes {
		_, err := a.c.RegisterCode(ctx, nc)
		require.NoError(t, err)
	}
	for i, p := range []string{"cat.jpg", "dog.png", "bird.gif", "fox.webp"} {
		_, err := a.c.QueueTask(ctx, client.NewTask{CodeName: "resize-image", Priority: client.Ptr(i % 3),
			Payload: fmt.Sprintf(`{"image":"s3://photos/%s","width":640}`, p)})
		require.NoError(t, err)
	}
	_, err := a.c.QueueTask(ctx, client.NewTask{CodeName: "send-email", Payload: `{"to":"ops@example.com","template":"welcome"}`})
	require.NoError(t, err)
	_, err = a.c.QueueTask(ctx, client.NewTask{CodeName: "nightly-report", Payload: `{"day":"2026-11-27"}`})
	require.NoError(t, err)
	for _, ns := range []client.NewSchedule{
		{CodeName: "nightly-report", Name: "nightly", Payload: `{"day":"yesterday"}`, Cron: "0 2 * * *"},
		{CodeName: "resize-image", Name: "thumbnails", Payload: `{"batch":true}`, RunEvery: 3600, RunTimes: 24},
	} {
		_, err := a.c.CreateSchedule(ctx, ns)
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		tasks, err := a.c.Tasks(ctx, client.TaskQuery{Statuses: []client.TaskStatus{client.TaskError}})
		return err == nil && len(tasks) == 2 // the failure and its retry
	}, waitLimit, 50*time.Millisecond)
	go func() { // messages for the rate chart, until the test ends
		for ctx.Err() == nil {
			msgs := make([]client.NewMessage, 1+time.Now().Second()%7)
			for i := range msgs {
				msgs[i] = client.NewMessage{Body: `{"event":"signup"}`}
			}
			if _, err := a.c.PostMessages(ctx, "signups", msgs...); err != nil {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(400 * time.Millisecond):
			}
		}
	}()
}

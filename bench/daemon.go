package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ModuleRoot returns the root directory of the Go module that contains dir.
func ModuleRoot(ctx context.Context, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOMOD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("%s is not inside a Go module", dir)
	}
	return filepath.Dir(gomod), nil
}

// BuildDaemon compiles ./emulator/cmd/ironlocald of the module at root into
// the file out, without cgo, as a user would build it.
func BuildDaemon(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./emulator/cmd/ironlocald")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build ironlocald: %w\n%s", err, b)
	}
	return nil
}

// DaemonConfig says how to run one ironlocald subprocess.
type DaemonConfig struct {
	Bin          string        // the ironlocald binary
	DataDir      string        // --data-dir; empty means --ephemeral
	LogFile      string        // receives the daemon's stdout and stderr; empty discards them
	Args         []string      // extra flags, e.g. --log-level warn
	Env          []string      // extra environment (KEY=VALUE) besides this process's
	ReadyTimeout time.Duration // default 60 s
}

// Daemon is a running ironlocald subprocess on a free loopback port.
type Daemon struct {
	URL   string        // base URL, e.g. http://127.0.0.1:41234
	Ready time.Duration // from exec to the first 200 from GET /version

	cfg     DaemonConfig
	cmd     *exec.Cmd
	log     *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// StartDaemon starts ironlocald and returns once GET /version answers 200.
// On failure the process is killed and the error quotes its log.
func StartDaemon(ctx context.Context, cfg DaemonConfig) (*Daemon, error) {
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 60 * time.Second
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{"--listen", addr}
	if cfg.DataDir == "" {
		args = append(args, "--ephemeral")
	} else {
		args = append(args, "--data-dir", cfg.DataDir)
	}
	args = append(args, cfg.Args...)

	d := &Daemon{URL: "http://" + addr, cfg: cfg, done: make(chan struct{})}
	d.cmd = exec.Command(cfg.Bin, args...)
	d.cmd.SysProcAttr = sysProcAttr()
	if len(cfg.Env) > 0 {
		d.cmd.Env = append(os.Environ(), cfg.Env...)
	}
	if cfg.LogFile != "" {
		if d.log, err = os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
			return nil, err
		}
		d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	}

	t0 := time.Now()
	if err := d.cmd.Start(); err != nil {
		d.closeLog()
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	go func() {
		d.waitErr = d.cmd.Wait()
		d.closeLog()
		close(d.done)
	}()
	if err := d.awaitReady(ctx, t0); err != nil {
		d.Kill()
		return nil, fmt.Errorf("%w%s", err, d.logTail())
	}
	d.Ready = time.Since(t0)
	return d, nil
}

// awaitReady polls GET /version every millisecond until it answers 200.
func (d *Daemon) awaitReady(ctx context.Context, t0 time.Time) error {
	probe := &http.Client{
		Timeout:   time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	defer probe.CloseIdleConnections()
	for {
		resp, err := probe.Get(d.URL + "/version")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-d.done:
			return fmt.Errorf("ironlocald exited before it was ready: %v", d.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Since(t0) > d.cfg.ReadyTimeout {
			return fmt.Errorf("ironlocald not ready after %s", d.cfg.ReadyTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// Done is closed when the daemon's process has exited.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Exited describes how the exited process ended, with the end of its log.
func (d *Daemon) Exited() error { return fmt.Errorf("exited (%v)%s", d.waitErr, d.logTail()) }

// Pid is the daemon's process id.
func (d *Daemon) Pid() int { return d.cmd.Process.Pid }

// RSS returns the daemon's resident set size in bytes (VmRSS).
func (d *Daemon) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", d.Pid()))
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	return ParseVmRSS(b)
}

// CPUTime returns the user plus system CPU time the daemon has used so far,
// from /proc/<pid>/stat.
func (d *Daemon) CPUTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", d.Pid()))
	if err != nil {
		return 0, fmt.Errorf("read cpu time: %w", err)
	}
	return ParseStatCPU(b)
}

// clockTick is USER_HZ, the unit of the times in /proc/<pid>/stat; 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// ParseStatCPU extracts utime + stime from the text of /proc/<pid>/stat.
func ParseStatCPU(stat []byte) (time.Duration, error) {
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after its closing parenthesis. utime and stime are
	// fields 14 and 15, so the 12th and 13th after it.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unexpected /proc/<pid>/stat format")
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc/<pid>/stat format")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected /proc/<pid>/stat field %q", s)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// ContextSwitches returns how many times the daemon's threads have given
// up a core so far, to wait or preempted, summed over the threads alive now
// (/proc/<pid>/task/*/status). A goroutine hand-off that parks or wakes a
// thread shows here, whatever the machine's speed.
func (d *Daemon) ContextSwitches() (int64, error) {
	dir := fmt.Sprintf("/proc/%d/task", d.Pid())
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("read context switches: %w", err)
	}
	var sum int64
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "status"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		n, err := ParseContextSwitches(b)
		if err != nil {
			return 0, err
		}
		sum += n
	}
	return sum, nil
}

// ParseContextSwitches sums voluntary_ctxt_switches and
// nonvoluntary_ctxt_switches from the text of a /proc status file.
func ParseContextSwitches(status []byte) (int64, error) {
	var sum int64
	found := 0
	for line := range bytes.Lines(status) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.HasSuffix(name, []byte("voluntary_ctxt_switches")) {
			continue
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(value)), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected %s line %q", name, bytes.TrimSpace(line))
		}
		sum += n
		found++
	}
	if found != 2 {
		return 0, errors.New("no context switch counts in /proc status")
	}
	return sum, nil
}

// ParseVmRSS extracts VmRSS, in bytes, from the text of /proc/<pid>/status.
func ParseVmRSS(status []byte) (int64, error) {
	for line := range bytes.Lines(status) {
		rest, ok := bytes.CutPrefix(line, []byte("VmRSS:"))
		if !ok {
			continue
		}
		f := strings.Fields(string(rest))
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("unexpected VmRSS line %q", bytes.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("unexpected VmRSS line %q", bytes.TrimSpace(line))
		}
		return kb * 1024, nil
	}
	return 0, errors.New("no VmRSS line in process status")
}

// Stop sends SIGTERM and waits for a clean exit; if ctx ends first the
// process is killed. It returns how long the shutdown took and an error for
// a forced kill or a non-zero exit. Stop after an exit returns that exit.
func (d *Daemon) Stop(ctx context.Context) (time.Duration, error) {
	t0 := time.Now()
	select {
	case <-d.done:
		return 0, d.exitErr()
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return 0, fmt.Errorf("signal ironlocald: %w", err)
	}
	select {
	case <-d.done:
		return time.Since(t0), d.exitErr()
	case <-ctx.Done():
		d.Kill()
		return time.Since(t0), fmt.Errorf("ironlocald did not stop after SIGTERM within %s; killed",
			time.Since(t0).Round(time.Millisecond))
	}
}

// Kill kills the process at once and waits for it. It is safe to call
// any number of times.
func (d *Daemon) Kill() {
	_ = d.cmd.Process.Kill()
	<-d.done
}

func (d *Daemon) exitErr() error {
	var ee *exec.ExitError
	if errors.As(d.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("ironlocald died of signal %d (%v) instead of exiting%s", int(ws.Signal()), ws.Signal(), d.logTail())
		}
	}
	if d.waitErr != nil {
		return fmt.Errorf("ironlocald exited: %w%s", d.waitErr, d.logTail())
	}
	return nil
}

func (d *Daemon) closeLog() {
	if d.log != nil {
		_ = d.log.Close()
	}
}

// logTail returns the end of the daemon's log, for error messages.
func (d *Daemon) logTail() string {
	if d.cfg.LogFile == "" {
		return ""
	}
	b, err := os.ReadFile(d.cfg.LogFile)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return "\n--- " + d.cfg.LogFile + " (tail) ---\n" + string(bytes.TrimSpace(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

package process

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// drainGrace bounds how long Run waits for the output pipes after the group
// is dead. Only a process that left the group (setsid) can hold them longer.
const drainGrace = 2 * time.Second

// Options configures a Runtime.
type Options struct {
	// Dir is where per-task directories are created; empty means os.TempDir().
	Dir string
	// Logger receives cleanup problems that Run cannot return; nil discards.
	Logger *slog.Logger
	// CodeLimits bound what a task's code zip may extract to; zero fields
	// take codezip's defaults. A zip over them fails the task.
	CodeLimits codezip.Limits
}

// Runtime runs tasks as local processes. It is safe for concurrent use and
// holds no resources between runs.
type Runtime struct {
	dir    string
	log    *slog.Logger
	limits codezip.Limits
}

var _ emulator.Runtime = (*Runtime)(nil)

// New returns a process Runtime.
func New(opts Options) *Runtime {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Runtime{dir: opts.Dir, log: log, limits: opts.CodeLimits.OrDefaults()}
}

// Name returns "process".
func (r *Runtime) Name() string { return "process" }

// NeedsImage returns false: tasks run spec.Command on this host.
func (r *Runtime) NeedsImage() bool { return false }

// CodeDirMode returns CodeDirInPlace: a linked code's task runs in its
// folder.
func (r *Runtime) CodeDirMode() emulator.CodeDirMode { return emulator.CodeDirInPlace }

// Run runs spec.Command and blocks until it ends. See the package
// documentation for the directory layout and the command line.
func (r *Runtime) Run(ctx context.Context, spec emulator.TaskSpec, out emulator.Output) (emulator.ExitResult, error) {
	if len(spec.Command) == 0 {
		return startError("the process runtime needs a command"), nil
	}
	if ctx.Err() != nil {
		return emulator.ExitResult{ExitCode: -1, Stopped: true}, nil
	}

	base, err := os.MkdirTemp(r.dir, "ironlocal-task-")
	if err != nil {
		return emulator.ExitResult{}, fmt.Errorf("create task dir: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(base); err != nil {
			r.log.Warn("remove task dir", "task_id", spec.TaskID, "dir", base, "err", err)
		}
	}()
	f, err := writeFiles(base, spec)
	if err != nil {
		return emulator.ExitResult{}, err
	}
	if spec.CodeDir != "" {
		// A linked code runs in its folder, as the files are now.
		if err := emulator.CheckLinkedDir(spec.CodeDir); err != nil {
			return startError("linked code: " + err.Error()), nil
		}
		f.taskDir = spec.CodeDir
	} else if len(spec.CodeZip) > 0 {
		if err := extractZip(f.taskDir, spec.CodeZip, r.limits); err != nil {
			// Bad code is the task's problem, not the runtime's.
			return startError(fmt.Sprintf("extract code zip: %v", err)), nil
		}
	}

	timeout := spec.Timeout
	if spec.Debug {
		// The debugger listens on this host; a paused task must not time out.
		var addr string
		if spec, addr, err = spec.DebugOnHost(); err != nil {
			return startError(err.Error()), nil
		}
		timeout = 0
		if out.Debugging != nil {
			out.Debugging(addr)
		}
	}
	argv := spec.Argv(f.taskDir, f.payload, f.config)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = f.taskDir
	cmd.Env = environ(spec, f)
	ownProcessGroup(cmd)
	return r.run(ctx, cmd, timeout, out)
}

// run starts cmd and supervises it: output streaming, timeout, ctx, and
// killing the group at the end.
func (r *Runtime) run(ctx context.Context, cmd *exec.Cmd, timeout time.Duration, out emulator.Output) (emulator.ExitResult, error) {
	// Our own pipes rather than exec's: exec.Cmd.Wait also waits for its
	// copying goroutines, which a background child holding stdout would block
	// until after we want to kill the group.
	outR, outW, err := os.Pipe()
	if err != nil {
		return emulator.ExitResult{}, fmt.Errorf("create stdout pipe: %w", err)
	}
	defer outR.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		outW.Close()
		return emulator.ExitResult{}, fmt.Errorf("create stderr pipe: %w", err)
	}
	defer errR.Close()
	cmd.Stdout, cmd.Stderr = outW, errW
	startErr := cmd.Start()
	// The child has its own copies; closing ours lets EOF arrive once the
	// whole group is gone.
	outW.Close()
	errW.Close()
	if startErr != nil {
		return startError(startErr.Error()), nil
	}

	// One lock for both streams: callers often pass one writer (the task
	// log) as Stdout and Stderr, and Docker never writes them concurrently.
	var mu sync.Mutex
	var copies sync.WaitGroup
	copies.Go(func() { drain(&lockedWriter{mu: &mu, w: out.Stdout}, outR) })
	copies.Go(func() { drain(&lockedWriter{mu: &mu, w: out.Stderr}, errR) })

	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the result is in cmd.ProcessState
		close(exited)
	}()

	var deadline <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		deadline = t.C
	}
	var res emulator.ExitResult
	pid := cmd.Process.Pid
	select {
	case <-exited:
	case <-deadline:
		res.TimedOut = true
		r.killGroup(pid)
		<-exited
	case <-ctx.Done():
		res.Stopped = true
		r.killGroup(pid)
		<-exited
	}
	// Whatever the leader left running dies with it.
	r.killGroup(pid)

	copied := make(chan struct{})
	go func() {
		copies.Wait()
		close(copied)
	}()
	grace := time.NewTimer(drainGrace)
	defer grace.Stop()
	select {
	case <-copied:
	case <-grace.C:
		// Closing the read ends unblocks the copies; the escaped process
		// gets SIGPIPE on its next write.
		outR.Close()
		errR.Close()
		<-copied
	}

	res.ExitCode = exitCode(cmd.ProcessState)
	return res, nil
}

// files are the host paths a task sees.
type files struct {
	taskDir, payload, config string
}

// writeFiles lays out base as described in the package documentation.
func writeFiles(base string, spec emulator.TaskSpec) (files, error) {
	f := files{
		taskDir: filepath.Join(base, "task"),
		payload: filepath.Join(base, "iron", "payload.json"),
		config:  filepath.Join(base, "iron", "config"),
	}
	for _, dir := range []string{f.taskDir, filepath.Dir(f.payload)} {
		if err := os.Mkdir(dir, 0o755); err != nil {
			return files{}, fmt.Errorf("create task dir: %w", err)
		}
	}
	if err := os.WriteFile(f.payload, spec.Payload, 0o644); err != nil {
		return files{}, fmt.Errorf("write payload file: %w", err)
	}
	if err := os.WriteFile(f.config, spec.Config, 0o644); err != nil {
		return files{}, fmt.Errorf("write config file: %w", err)
	}
	return f, nil
}

// environ is the task's whole environment: PATH and HOME from the emulator,
// then spec.Env, then the four Iron variables, which win because they name
// files only the runtime knows.
func environ(spec emulator.TaskSpec, f files) []string {
	env := make(map[string]string, len(spec.Env)+6)
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			env[k] = v
		}
	}
	maps.Copy(env, spec.Env)
	env["TASK_ID"] = spec.TaskID
	env["TASK_DIR"] = f.taskDir
	env["PAYLOAD_FILE"] = f.payload
	env["CONFIG_FILE"] = f.config
	list := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		list = append(list, k+"="+env[k])
	}
	return list
}

// lockedWriter serialises writes to w (nil discards) under a shared mutex.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if l.w == nil {
		return len(p), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// drain copies r to w as data arrives. If w fails it keeps reading, so a
// broken log sink never blocks the task on a full pipe.
func drain(w io.Writer, r io.Reader) {
	if _, err := io.Copy(w, r); err != nil {
		_, _ = io.Copy(io.Discard, r)
	}
}

// exitCode follows the shell: 128+signal when a signal killed the process.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func startError(msg string) emulator.ExitResult {
	return emulator.ExitResult{ExitCode: -1, StartError: msg}
}

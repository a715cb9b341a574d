package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TaskSpec is everything a Runtime needs to run one task. Runtimes choose
// where files live (a container path, a temp dir) and export them to the task
// as TASK_DIR, PAYLOAD_FILE and CONFIG_FILE.
type TaskSpec struct {
	TaskID string
	// Image is the Docker image to run (docker runtime). The process runtime
	// ignores it.
	Image string
	// Command is the command line. Empty means the image's own entrypoint
	// (docker); the process runtime requires it. A single element containing
	// spaces is run through `sh -c`.
	Command []string
	// IronArgs appends `-d TASK_DIR -payload PAYLOAD_FILE -config CONFIG_FILE
	// -id TASK_ID`, in that order, as spec §3.6 requires.
	IronArgs bool
	Env      map[string]string
	Payload  []byte
	Config   []byte
	// CodeZip, when set, is extracted into TASK_DIR before the task starts.
	CodeZip []byte
	// CodeDir, when set, is a host folder holding the code instead of a
	// zip (a linked code): the task gets the folder's files as they are
	// when it starts, the way CodeDirMode says.
	CodeDir string
	Timeout time.Duration
	// MemoryMB and CPUs limit the task; 0 means no limit.
	MemoryMB int64
	CPUs     float64
	Labels   map[string]string
	// Debug runs the task for a debugger: Timeout is ignored, and the
	// port the debugger listens on is reachable on 127.0.0.1 (reported
	// through Output.Debugging). DebugPort is that port inside the task
	// (the code's debug_port); see WithDebugPort for how a runtime whose
	// task shares this host's network picks a free one instead.
	Debug     bool
	DebugPort int
	// RegistryAuth is the login a container runtime pulls Image with
	// (nil: anonymous).
	RegistryAuth *RegistryCredential
}

// DebugPortVar is the variable a debug task's command line may name, as
// $(DEBUG_PORT), for the port its debugger must listen on; the task also
// gets it in its environment.
const DebugPortVar = "DEBUG_PORT"

// UsesDebugPortVar reports whether spec's command line names $(DEBUG_PORT),
// so a runtime may choose the port.
func (spec TaskSpec) UsesDebugPortVar() bool {
	return slices.ContainsFunc(spec.Command, func(s string) bool { return strings.Contains(s, "$("+DebugPortVar+")") })
}

// WithDebugPort is spec with its debugger on port: every $(DEBUG_PORT) in
// the command line replaced by it and DEBUG_PORT in the environment.
func (spec TaskSpec) WithDebugPort(port int) TaskSpec {
	p := strconv.Itoa(port)
	spec.Command = slices.Clone(spec.Command)
	for i, s := range spec.Command {
		spec.Command[i] = strings.ReplaceAll(s, "$("+DebugPortVar+")", p)
	}
	spec.Env = maps.Clone(spec.Env)
	if spec.Env == nil {
		spec.Env = map[string]string{}
	}
	spec.Env[DebugPortVar] = p
	spec.DebugPort = port
	return spec
}

// FreeLoopbackPort asks the system for a TCP port free on 127.0.0.1. It is
// free when asked: a debug task listening on it is told to at once.
func FreeLoopbackPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LoopbackPortFree reports whether port can be listened on at 127.0.0.1.
func LoopbackPortFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Output receives a task's streams as they are produced.
type Output struct {
	Stdout io.Writer
	Stderr io.Writer
	// Debugging, when set, is called once for a debug task, as it
	// starts, with the host address (127.0.0.1:port) its debugger listens
	// on.
	Debugging func(address string)
}

// ExitResult is how a task ended. A failing task is a result, not an error.
type ExitResult struct {
	ExitCode int
	// TimedOut: the runtime killed the task at spec.Timeout.
	TimedOut bool
	// Stopped: ctx ended (cancel or shutdown) and the runtime killed the task.
	Stopped bool
	// OOMKilled: the memory limit killed the task.
	OOMKilled bool
	// StartError explains why the task never started (missing image, bad
	// command); ExitCode is then -1.
	StartError string
}

// Runtime runs tasks. Run blocks until the task ends and returns its result;
// it returns an error only when the runtime itself is broken (the engine is
// unreachable mid-run). Run enforces spec.Timeout and, when ctx ends, kills
// the task and reports Stopped. Everything Run creates is gone when it returns.
//
// Runtimes differ only in what the contract states: callers never branch on
// Name.
type Runtime interface {
	// Name names the runtime ("docker", "process") for health and logs.
	Name() string
	// NeedsImage reports whether Run starts spec.Image (a container
	// runtime: a spec without an image cannot run). A runtime that does not
	// need one runs spec.Command on this host and ignores Image.
	NeedsImage() bool
	// CodeDirMode says how Run gives a task the files of spec.CodeDir.
	CodeDirMode() CodeDirMode
	Run(ctx context.Context, spec TaskSpec, out Output) (ExitResult, error)
}

// CodeDirMode is how a runtime gives a task the files of a linked folder
// (TaskSpec.CodeDir); the values are the control plane's wire values.
type CodeDirMode string

const (
	// CodeDirInPlace: the task runs in the folder itself (TASK_DIR is the
	// folder); what it writes there stays.
	CodeDirInPlace CodeDirMode = "folder"
	// CodeDirMounted: the folder is mounted read-only at TASK_DIR.
	CodeDirMounted CodeDirMode = "mounted"
	// CodeDirStreamed: the folder's files are copied into TASK_DIR when
	// the task starts (the engine may not see this host's files).
	CodeDirStreamed CodeDirMode = "streamed"
)

// CheckLinkedDir checks a folder a code is linked to: an absolute, clean
// path naming a directory that exists on this machine. The error, an
// Invalid one, says which of these fails.
func CheckLinkedDir(dir string) error {
	switch {
	case dir == "":
		return Invalid("dir is required: the absolute path of the folder to link")
	case strings.ContainsRune(dir, 0):
		return Invalid("dir must not contain NUL")
	case !filepath.IsAbs(dir):
		return Invalid("dir %q is not an absolute path", dir)
	case filepath.Clean(dir) != dir:
		return Invalid("dir %q is not a clean path: give %q", dir, filepath.Clean(dir))
	}
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Invalid("folder %s does not exist on this machine", dir)
	case err != nil:
		return Invalid("folder %s cannot be read: %v", dir, err)
	case !fi.IsDir():
		return Invalid("%s is not a folder", dir)
	}
	return nil
}

// Argv is the command line a runtime starts for spec, given where it put
// the task directory and the payload and config files: spec.Command with the
// Iron args appended when spec.IronArgs (spec §3.6: -d first, because
// iron_go3's runner never shifts). A single element containing spaces is a
// shell command line, run as `sh -c 'CMD "$@"' sh ARGS…` so the args reach
// its last command. An empty Command yields just the Iron args (to follow
// an image's own entrypoint).
func (spec TaskSpec) Argv(taskDir, payloadFile, configFile string) []string {
	var iron []string
	if spec.IronArgs {
		iron = []string{"-d", taskDir, "-payload", payloadFile, "-config", configFile, "-id", spec.TaskID}
	}
	command := spec.Command
	if len(command) == 1 && strings.ContainsAny(command[0], " \t\n") {
		if len(iron) == 0 {
			return []string{"sh", "-c", command[0]}
		}
		return append([]string{"sh", "-c", command[0] + ` "$@"`, "sh"}, iron...)
	}
	return append(slices.Clone(command), iron...)
}

// DebugOnHost prepares a debug task whose network is this host's (a
// process, or a container on the host network), where no port can be
// mapped: the debugger listens on a host port itself. That is a free port
// when the command line names $(DEBUG_PORT), else spec.DebugPort, which
// must be free. It returns the spec to run and the address to report; an
// error is the task's start error.
func (spec TaskSpec) DebugOnHost() (TaskSpec, string, error) {
	port := spec.DebugPort
	switch {
	case spec.UsesDebugPortVar():
		p, err := FreeLoopbackPort()
		if err != nil {
			return spec, "", fmt.Errorf("debug: no free port on 127.0.0.1: %w", err)
		}
		port = p
	case port <= 0:
		return spec, "", errors.New("debug: the code has no debug_port, and its debug command does not name $(DEBUG_PORT): set one of them")
	case !LoopbackPortFree(port):
		return spec, "", fmt.Errorf("debug: port %d on 127.0.0.1 is in use (another debug task?); let the debug command listen on $(DEBUG_PORT) to get a free port each run", port)
	}
	return spec.WithDebugPort(port), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

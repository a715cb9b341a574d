package emulator

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
}

// Output receives a task's streams as they are produced.
type Output struct {
	Stdout io.Writer
	Stderr io.Writer
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

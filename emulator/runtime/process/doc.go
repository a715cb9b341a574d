// Package process is the Runtime that runs a task as a local process, for
// hosts without Docker and for tests that want speed over isolation.
//
// Per task it creates a temporary directory:
//
//	<tmp>/task/               TASK_DIR and working directory; the code zip is extracted here
//	<tmp>/iron/payload.json   PAYLOAD_FILE, the payload bytes verbatim
//	<tmp>/iron/config         CONFIG_FILE, the code config verbatim (empty if none)
//
// The payload and config live outside the code tree, as spec §3.6 asks, and
// the whole directory is removed when the task ends. Extraction counts the
// bytes it writes and stops at Options.CodeLimits, whatever the zip
// declares: a zip over them fails the task with a StartError.
//
// A linked code (spec.CodeDir) runs in its folder instead: TASK_DIR and
// the working directory are the folder itself, as its files are when the
// task starts, and nothing is extracted (CodeDirInPlace). What the task
// writes there stays.
//
// The task starts in its own process group. When the leader exits, times out
// or is stopped, the group is killed with SIGKILL, so children left behind
// die with it, as they would with their container. Processes that leave the
// group (setsid) escape; this runtime is not a sandbox, and it ignores Image,
// MemoryMB and CPUs.
//
// Command line: a Command of several elements is run as argv. A single
// element containing spaces is a shell command line and runs as
// `sh -c '<command> "$@"' sh <iron args…>`: the Iron args are appended to the
// end of the command line, quoted exactly, which is what a command like
// `ruby worker.rb` expects. They reach only the line's last simple command,
// and a trailing comment swallows them.
//
// A task killed by a signal reports ExitCode 128+signal (137 for SIGKILL),
// the shell's convention and the code Docker reports for the same death.
// Writes to Output.Stdout and Output.Stderr never overlap, so both may be the
// same writer.
package process

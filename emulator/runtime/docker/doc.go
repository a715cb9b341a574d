// Package docker is the Runtime that runs each task in a Docker container
// through the Engine API (github.com/moby/moby/client). It honours DOCKER_HOST
// and the other DOCKER_* variables and negotiates the API version.
//
// What the container sees (spec §3.6):
//
//	/mnt/task               TASK_DIR and working directory; the code zip is extracted here
//	/mnt/iron/payload.json  PAYLOAD_FILE, the payload bytes verbatim
//	/mnt/iron/config        CONFIG_FILE, the code config verbatim (empty if none)
//
// The files are copied into the created container as a tar before it starts
// (a cold start); or, for a later task of the same image, code zip and
// config, were committed once into a warm image it is created from, with the
// payload passed on stdin to a starter that writes it and execs the task (a
// warm start); or, for a new code of an image whose starter image (the
// image plus the starter) exists, go whole on stdin to that starter (a
// streamed cold start). warm.go tells what the task sees: the same, for an
// image of any user. Nothing is bind-mounted, so the runtime works against a remote
// engine and with FROM scratch images. Both directories are mode 0777 so
// images that run as a non-root user can write. The tar is streamed as the zip is extracted,
// never held in memory, and extraction stops at Options.CodeLimits: a zip
// over them fails the task with a StartError.
//
// A linked code (spec.CodeDir) is streamed: its folder's files, as they
// are when the task starts, go into /mnt/task in the task's tar instead of
// a zip's (the folder's .git left out, within Options.CodeLimits), on
// every task's cold start; they are never committed into a warm image.
// Nothing is bind-mounted, since the engine may not see this host's files
// (CodeDirStreamed).
//
// Command line: an empty Command runs the image's own entrypoint and cmd,
// with the Iron args appended after the image's cmd. A Command replaces
// both; a single element containing spaces runs as
// `sh -c '<command> "$@"' sh <iron args…>` (the Iron args appended to the
// command line), which needs a shell in the image: a FROM scratch image must
// be given its command as separate elements. An image whose cmd is in shell
// form (`CMD python app.py`) gets the Iron args as the shell's $0, $1…, not
// as the program's arguments.
//
// Output is demultiplexed by one goroutine, so writes to Output.Stdout and
// Output.Stderr never overlap and both may be the same writer.
//
// Images are pulled as `docker run --pull` would (Options.Pull: missing by
// default, never, always), with the task's registry login, the progress in
// the task's stderr; a failed pull is the task's StartError, naming the
// image and the registry's answer.
//
// A debug task (TaskSpec.Debug) has no timeout. On a network of its own its
// debug port is published on 127.0.0.1 at a port the engine picks; on the
// host's network (or the emulator container's) nothing can be published,
// so the debugger listens on a host port itself (TaskSpec.DebugOnHost).
//
// Every container carries the labels ironlocal.instance=<Options.Instance>,
// ironlocal.task=<task id> and ironlocal.image=<the code's image>, is removed when Run returns, and is found by
// ReapLeftovers if the emulator died before it could remove it.
package docker

// Command starter is the first process of a warm task container (see
// ../warm.go). A warm container is created from an image that already holds
// the task's code and config, so the one file that differs per task, the
// payload, arrives on stdin instead of through a copy into the container.
//
//	/mnt/iron/.start PAYLOAD_FILE COMMAND [ARG...]
//
// It reads stdin to its end and writes it to PAYLOAD_FILE (mode 0666, as
// the cold path's copy makes it), gives the task /dev/null as stdin as
// `docker run` without -i does, removes its own file, and execs COMMAND,
// found on $PATH as the engine would find it. The task then runs as PID 1
// with the container's environment, working directory and user: what a
// cold start gives it.
//
// When it cannot exec, it writes Marker, the reason and a newline to stderr
// and exits with status 127, before the task could write anything; the
// runtime turns that into the task's start error.
//
// Only the standard library's os and syscall: the binary is built for each
// engine architecture (make starter) and embedded in ironlocald.
package main

import (
	"io"
	"os"
	"strings"
	"syscall"
)

// Marker starts the line the starter writes to stderr when it cannot exec
// the task. NUL bytes keep it from ever being a task's own output.
const Marker = "\x00ironlocal-starter\x00"

// Source identifies this file's contents; make starter sets it to the
// SHA-256 of main.go so a test can tell a stale embedded binary.
var Source = "unset"

// defaultPath is the search path runc uses when the container has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func main() {
	switch len(os.Args) {
	case 1: // run by hand
		os.Stderr.WriteString("usage: start PAYLOAD_FILE COMMAND [ARG...] (ironlocal's task starter, source " + Source + ")\n")
		os.Exit(2)
	case 2:
		fail("no command specified")
	}
	payloadFile, argv := os.Args[1], os.Args[2:]
	payload, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read the payload: " + err.Error())
	}
	if err := os.WriteFile(payloadFile, payload, 0o666); err != nil {
		fail("write the payload: " + err.Error())
	}
	_ = os.Chmod(payloadFile, 0o666) // past the umask
	if null, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0); err == nil {
		_ = syscall.Dup3(null, 0, 0)
		_ = syscall.Close(null)
	}
	_ = os.Remove(os.Args[0])
	path, err := lookPath(argv[0])
	if err != nil {
		fail(err.Error())
	}
	err = syscall.Exec(path, argv, os.Environ())
	fail(`exec: "` + argv[0] + `": ` + err.Error())
}

// lookPath finds file as runc does: a name with a slash as it is, any
// other on $PATH (or the default path when PATH is unset).
func lookPath(file string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	dirs, ok := os.LookupEnv("PATH")
	if !ok {
		dirs = defaultPath
	}
	for dir := range strings.SplitSeq(dirs, ":") {
		if dir == "" {
			dir = "."
		}
		path := dir + "/" + file
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return path, nil
		}
	}
	return "", &notFound{file}
}

type notFound struct{ file string }

func (e *notFound) Error() string {
	return `exec: "` + e.file + `": executable file not found in $PATH`
}

func fail(reason string) {
	os.Stderr.WriteString(Marker + reason + "\n")
	os.Exit(127)
}

// What package os would give, on bare system calls (see main.go for why).

package main

import (
	"errors"
	"io"
	"strings"
	"syscall"
)

// cmdline returns the process's arguments, as the kernel keeps them: each
// ends with a NUL.
func cmdline() ([]string, error) {
	b, err := readFile("/proc/self/cmdline")
	if err != nil {
		return nil, err
	}
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, errors.New("/proc/self/cmdline: not NUL-terminated")
	}
	return strings.Split(string(b[:len(b)-1]), "\x00"), nil
}

func readFile(name string) ([]byte, error) {
	fd, err := syscall.Open(name, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, pathError("open", name, err)
	}
	defer syscall.Close(fd)
	b, err := io.ReadAll(fdReader(fd))
	if err != nil {
		return nil, pathError("read", name, err)
	}
	return b, nil
}

// fdReader reads a file descriptor; 0 bytes read is its end.
type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// fdWriter writes a file descriptor.
type fdWriter int

func (fd fdWriter) Write(p []byte) (int, error) {
	written := 0
	for written < len(p) {
		n, err := syscall.Write(int(fd), p[written:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

func writeStderr(s string) { _, _ = fdWriter(2).Write([]byte(s)) }

// pathError is an operation's error as package os words it.
func pathError(op, path string, err error) error {
	return errors.New(op + " " + path + ": " + err.Error())
}

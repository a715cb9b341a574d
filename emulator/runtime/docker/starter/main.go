// Command starter is the first process of a task container started from an
// image that holds it (see ../warm.go): a warm image, which already holds
// the task's code and config, or a starter image, which holds only the
// starter. The task's files arrive on stdin as a tar instead of through a
// copy into the container, which costs the engine a mount.
//
//	/mnt/iron/.start ROOT COMMAND [ARG...]
//
// It removes its own file, extracts the tar on stdin under ROOT ("/" in a
// container) as the engine's copy would (modes past the umask, the tar's
// mtimes, directories' mtimes set last, an existing entry replaced), gives
// the task /dev/null as stdin as `docker run` without -i does, and execs
// COMMAND, found on $PATH as the engine would find it. The task then runs
// as PID 1 with the container's environment, working directory and user:
// what a cold start gives it.
//
// Only directories, regular files and symlinks under ROOT/mnt are
// extracted, never through a symlink: anything else is refused, as is an
// archive cut short (no end-of-archive marker), so the runtime can end a
// stream that failed half way without the task running on part of it.
//
// When it cannot extract or exec, it writes Marker, the reason and a
// newline to stderr and exits with status 127, before the task could write
// anything; the runtime turns that into the task's start error.
//
// Only the standard library's os, syscall, io, path, strings, time and
// archive/tar: the binary is built for each engine architecture (make
// starter) and embedded in ironlocald.
package main

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// Marker starts the line the starter writes to stderr when it cannot exec
// the task. NUL bytes keep it from ever being a task's own output.
const Marker = "\x00ironlocal-starter\x00"

// Source identifies this file's contents; make starter sets it to the
// SHA-256 of main.go so a test can tell a stale embedded binary.
var Source = "unset"

// defaultPath is the search path runc uses when the container has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// under is the one directory (relative to ROOT) the archive may write in.
const under = "mnt"

func main() {
	switch len(os.Args) {
	case 1: // run by hand
		os.Stderr.WriteString("usage: start ROOT COMMAND [ARG...] (ironlocal's task starter, source " + Source + ")\n")
		os.Exit(2)
	case 2:
		fail("no command specified")
	}
	root, argv := os.Args[1], os.Args[2:]
	_ = os.Remove(os.Args[0]) // first, so its directory's mtime is the archive's
	if err := extract(os.Stdin, root); err != nil {
		fail("extract the task files: " + err.Error())
	}
	if null, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0); err == nil {
		_ = syscall.Dup3(null, 0, 0)
		_ = syscall.Close(null)
	}
	path, err := lookPath(argv[0])
	if err != nil {
		fail(err.Error())
	}
	err = syscall.Exec(path, argv, os.Environ())
	fail(`exec: "` + argv[0] + `": ` + err.Error())
}

// extract writes the tar r holds under root.
func extract(r io.Reader, root string) error {
	in := &countingReader{r: r}
	tr := tar.NewReader(in)
	type dirTime struct {
		path  string
		mtime time.Time
	}
	var dirs []dirTime
	var dataEnd int64 // where the last entry's data (padded) ends
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// tar.Reader also takes an archive that simply stops between
			// entries for a whole one: only the two zero blocks the writer
			// ends with say it is.
			if in.n-dataEnd < 2*512 {
				return errors.New("the archive ended early")
			}
			break
		}
		if err != nil {
			return err
		}
		dataEnd = in.n + (h.Size+511)&^511
		target, err := entryPath(root, h.Name)
		if err != nil {
			return err
		}
		if err := replaceable(target, h.Typeflag == tar.TypeDir); err != nil {
			return err
		}
		mode := uint32(h.Mode) & 0o7777
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(target, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
			if err := syscall.Chmod(target, mode); err != nil {
				return &os.PathError{Op: "chmod", Path: target, Err: err}
			}
			dirs = append(dirs, dirTime{target, h.ModTime})
		case tar.TypeReg:
			if err := writeFile(target, mode, tr); err != nil {
				return err
			}
			if err := os.Chtimes(target, h.ModTime, h.ModTime); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, target); err != nil {
				return err
			}
			if err := lutimes(target, h.ModTime); err != nil {
				return err
			}
		default:
			return errors.New(`entry "` + h.Name + `": refused: only directories, files and symlinks are extracted`)
		}
	}
	// Last, as the engine does: each entry made changed its directory's.
	for _, d := range dirs {
		if err := os.Chtimes(d.path, d.mtime, d.mtime); err != nil {
			return err
		}
	}
	return nil
}

// entryPath is where the entry name goes under root: only under root/mnt,
// and never through a symlink, which could lead anywhere.
func entryPath(root, name string) (string, error) {
	clean := path.Clean(name)
	if strings.HasPrefix(name, "/") || (clean != under && !strings.HasPrefix(clean, under+"/")) {
		return "", errors.New(`entry "` + name + `": refused: outside /` + under)
	}
	dir := root
	for _, p := range strings.Split(path.Dir(clean), "/") {
		if p == "." {
			continue
		}
		dir = path.Join(dir, p)
		fi, err := os.Lstat(dir)
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return "", errors.New(`entry "` + name + `": refused: its directory ` + dir + " is a symlink")
		}
	}
	return path.Join(root, clean), nil
}

// replaceable removes what is at target unless it is a directory that a
// directory entry keeps, so nothing is written through an older entry.
func replaceable(target string, isDir bool) error {
	fi, err := os.Lstat(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir() && isDir:
		return nil
	}
	return os.RemoveAll(target)
}

func writeFile(target string, mode uint32, body io.Reader) error {
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, body)
	if err == nil {
		// The mode past the umask, with setuid, setgid and sticky bits.
		if errno := syscall.Fchmod(int(f.Fd()), mode); errno != nil {
			err = &os.PathError{Op: "chmod", Path: target, Err: errno}
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// lutimes sets a symlink's own times (os.Chtimes would follow it).
func lutimes(target string, mtime time.Time) error {
	p, err := syscall.BytePtrFromString(target)
	if err != nil {
		return err
	}
	ts := [2]syscall.Timespec{syscall.NsecToTimespec(mtime.UnixNano()), syscall.NsecToTimespec(mtime.UnixNano())}
	const atFDCWD, atSymlinkNoFollow = -100, 0x100
	fdcwd := atFDCWD // a variable: the constant does not convert to uintptr
	if _, _, errno := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(fdcwd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&ts[0])), atSymlinkNoFollow, 0, 0); errno != 0 {
		return &os.PathError{Op: "lutimes", Path: target, Err: errno}
	}
	return nil
}

// countingReader counts what the tar reader consumed, to find the
// end-of-archive marker.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
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

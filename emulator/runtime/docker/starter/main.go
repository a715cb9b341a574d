// Command starter is the first process of a task container started from an
// image that holds it (see ../warm.go): a warm image, which already holds
// the task's code and config, or a starter image, which holds only the
// starter. The task's files arrive on stdin as a tar instead of through a
// copy into the container, which costs the engine a mount.
//
//	/mnt/iron/.start [-user=SPEC [-sethome]] ROOT COMMAND [ARG...]
//
// It removes its own file, extracts the tar on stdin under ROOT ("/" in a
// container) as the engine's copy would (owned by root, modes past the
// umask, the tar's mtimes, directories' mtimes set last, an existing entry
// replaced), gives the task /dev/null as stdin as `docker run` without -i
// does, and execs COMMAND, found on $PATH as the engine would find it. The
// task then runs as PID 1 with the container's environment and working
// directory: what a cold start gives it.
//
// An image that runs as another user than root has its containers run as
// root, so the starter can make the files root's as the copy does; -user
// is the image's USER, which the starter then switches to as the engine
// (moby, then runc) would have: the user and group looked up in ROOT's
// /etc/passwd and /etc/group, numeric ids without an entry taken as they
// are, supplementary groups, stdio handed to the user, and with -sethome
// (the container's environment has no HOME) HOME from the user's entry. An
// unknown user or group is a start error, as on the engine.
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
// Only the standard library's syscall, io, path, strconv and strings, and a
// tar reader of its own for what the runtime writes (ustar headers and PAX
// records): the binary is embedded in ironlocald's image, once for each
// engine architecture (make starter), and archive/tar (fmt, reflect,
// os/user) took a sixth of it, package os (internal/poll, io/fs, time)
// another tenth. Its arguments are read from /proc/self/cmdline, since
// only package os has them otherwise.
package main

import (
	"errors"
	"io"
	"path"
	"strings"
	"syscall"
	"unsafe"
)

// Marker starts the line the starter writes to stderr when it cannot exec
// the task. NUL bytes keep it from ever being a task's own output.
const Marker = "\x00ironlocal-starter\x00"

// Source identifies the command's source; make starter sets it to the
// SHA-256 of its .go files (tests aside) in name order, so a test can tell
// a stale embedded binary.
var Source = "unset"

// defaultPath is the search path runc uses when the container has no PATH.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// under is the one directory (relative to ROOT) the archive may write in.
const under = "mnt"

func main() {
	all, err := cmdline()
	if err != nil {
		fail("read the arguments: " + err.Error())
	}
	args := all[1:]
	var userSpec string
	setHome := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch {
		case strings.HasPrefix(args[0], "-user="):
			userSpec = args[0][len("-user="):]
		case args[0] == "-sethome":
			setHome = true
		default:
			fail("unknown option " + args[0])
		}
		args = args[1:]
	}
	switch len(args) {
	case 0: // run by hand
		writeStderr("usage: start [-user=SPEC [-sethome]] ROOT COMMAND [ARG...] (ironlocal's task starter, source " + Source + ")\n")
		syscall.Exit(2)
	case 1:
		fail("no command specified")
	}
	root, argv := args[0], args[1:]
	_ = syscall.Unlink(all[0]) // first, so its directory's mtime is the archive's
	// Looked up before anything is extracted: the engine refuses an
	// unknown user before the container runs.
	var cred *credential
	if userSpec != "" {
		groups, err := syscall.Getgroups()
		if err != nil {
			fail("getgroups: " + err.Error())
		}
		if cred, err = lookupUser(root, userSpec, len(groups) > 0); err != nil {
			fail(err.Error())
		}
	}
	if err := extract(fdReader(0), root); err != nil {
		fail("extract the task files: " + err.Error())
	}
	if null, err := syscall.Open("/dev/null", syscall.O_RDONLY, 0); err == nil {
		_ = syscall.Dup3(null, 0, 0)
		_ = syscall.Close(null)
	}
	if cred != nil {
		if setHome {
			_ = syscall.Setenv("HOME", cred.home)
		}
		if err := cred.switchTo(); err != nil {
			fail(err.Error())
		}
	}
	path, err := lookPath(argv[0])
	if err != nil {
		fail(err.Error())
	}
	err = syscall.Exec(path, argv, syscall.Environ())
	fail(`exec: "` + argv[0] + `": ` + err.Error())
}

// errEarly is an archive that stops between entries, without the two zero
// blocks a whole one ends with.
var errEarly = errors.New("the archive ended early")

// extract writes the tar r holds under root.
func extract(r io.Reader, root string) error {
	tr := &tarReader{r: r}
	type dirTime struct {
		path  string
		mtime syscall.Timespec
	}
	var dirs []dirTime
	for {
		h, err := tr.next()
		if err != nil {
			return err
		}
		if h == nil {
			break
		}
		target, err := entryPath(root, h.name)
		if err != nil {
			return err
		}
		if err := replaceable(target, h.typeflag == typeDir); err != nil {
			return err
		}
		mode := uint32(h.mode) & 0o7777
		switch h.typeflag {
		case typeDir:
			if err := syscall.Mkdir(target, 0o700); err != nil && err != syscall.EEXIST {
				return pathError("mkdir", target, err)
			}
			if err := syscall.Chmod(target, mode); err != nil {
				return pathError("chmod", target, err)
			}
			dirs = append(dirs, dirTime{target, h.mtime})
		case typeReg, typeRegA:
			if err := writeFile(target, mode, tr); err != nil {
				return err
			}
			if err := syscall.UtimesNano(target, []syscall.Timespec{h.mtime, h.mtime}); err != nil {
				return pathError("utimes", target, err)
			}
		case typeSymlink:
			if err := syscall.Symlink(h.linkname, target); err != nil {
				return pathError("symlink", target, err)
			}
			if err := lutimes(target, h.mtime); err != nil {
				return err
			}
		default:
			return errors.New(`entry "` + h.name + `": refused: only directories, files and symlinks are extracted`)
		}
	}
	// Last, as the engine does: each entry made changed its directory's.
	for _, d := range dirs {
		if err := syscall.UtimesNano(d.path, []syscall.Timespec{d.mtime, d.mtime}); err != nil {
			return pathError("utimes", d.path, err)
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
		var st syscall.Stat_t
		if err := syscall.Lstat(dir, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFLNK {
			return "", errors.New(`entry "` + name + `": refused: its directory ` + dir + " is a symlink")
		}
	}
	return path.Join(root, clean), nil
}

// replaceable removes what is at target unless it is a directory that a
// directory entry keeps, so nothing is written through an older entry.
func replaceable(target string, isDir bool) error {
	var st syscall.Stat_t
	err := syscall.Lstat(target, &st)
	switch {
	case err == syscall.ENOENT:
		return nil
	case err != nil:
		return pathError("lstat", target, err)
	case st.Mode&syscall.S_IFMT == syscall.S_IFDIR && isDir:
		return nil
	}
	return removeAll(target, st.Mode&syscall.S_IFMT == syscall.S_IFDIR)
}

// removeAll removes target and, for a directory, what it holds, never
// following a symlink.
func removeAll(target string, isDir bool) error {
	if !isDir {
		if err := syscall.Unlink(target); err != nil {
			return pathError("unlink", target, err)
		}
		return nil
	}
	fd, err := syscall.Open(target, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return pathError("open", target, err)
	}
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			_ = syscall.Close(fd)
			return pathError("readdirent", target, err)
		}
		if n <= 0 {
			break
		}
		_, _, names = syscall.ParseDirent(buf[:n], -1, names)
	}
	_ = syscall.Close(fd)
	for _, name := range names {
		child := target + "/" + name
		var st syscall.Stat_t
		if err := syscall.Lstat(child, &st); err != nil {
			return pathError("lstat", child, err)
		}
		if err := removeAll(child, st.Mode&syscall.S_IFMT == syscall.S_IFDIR); err != nil {
			return err
		}
	}
	if err := syscall.Rmdir(target); err != nil {
		return pathError("rmdir", target, err)
	}
	return nil
}

func writeFile(target string, mode uint32, body io.Reader) error {
	fd, err := syscall.Open(target, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return pathError("open", target, err)
	}
	_, err = io.Copy(fdWriter(fd), body)
	if err == nil {
		// The mode past the umask, with setuid, setgid and sticky bits.
		if errno := syscall.Fchmod(fd, mode); errno != nil {
			err = pathError("chmod", target, errno)
		}
	}
	if cerr := syscall.Close(fd); err == nil && cerr != nil {
		err = pathError("close", target, cerr)
	}
	return err
}

// lutimes sets a symlink's own times (syscall.UtimesNano would follow it).
func lutimes(target string, mtime syscall.Timespec) error {
	p, err := syscall.BytePtrFromString(target)
	if err != nil {
		return err
	}
	ts := [2]syscall.Timespec{mtime, mtime}
	const atFDCWD, atSymlinkNoFollow = -100, 0x100
	fdcwd := atFDCWD // a variable: the constant does not convert to uintptr
	if _, _, errno := syscall.Syscall6(syscall.SYS_UTIMENSAT, uintptr(fdcwd), uintptr(unsafe.Pointer(p)),
		uintptr(unsafe.Pointer(&ts[0])), atSymlinkNoFollow, 0, 0); errno != 0 {
		return pathError("lutimes", target, errno)
	}
	return nil
}

// lookPath finds file as runc does: a name with a slash as it is, any
// other on $PATH (or the default path when PATH is unset).
func lookPath(file string) (string, error) {
	if strings.Contains(file, "/") {
		return file, nil
	}
	dirs, ok := syscall.Getenv("PATH")
	if !ok {
		dirs = defaultPath
	}
	for dir := range strings.SplitSeq(dirs, ":") {
		if dir == "" {
			dir = "."
		}
		path := dir + "/" + file
		var st syscall.Stat_t
		if err := syscall.Stat(path, &st); err == nil && st.Mode&syscall.S_IFMT == syscall.S_IFREG && st.Mode&0o111 != 0 {
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
	writeStderr(Marker + reason + "\n")
	syscall.Exit(127)
}

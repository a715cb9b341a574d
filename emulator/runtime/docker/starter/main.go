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
	"strconv"
	"strings"
	"syscall"
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

// Tar entry types the runtime writes (regular files, directories,
// symlinks) and the PAX header that may precede one; any other type is
// read and then refused by extract.
const (
	typeReg     = '0'
	typeRegA    = '\x00' // a pre-POSIX regular file
	typeSymlink = '2'
	typeDir     = '5'
	typePAX     = 'x'
	blockSize   = 512
	// maxPAX bounds a PAX header's records: the runtime's hold a path
	// and a link target.
	maxPAX = 1 << 20
)

// tarHeader is what extract needs of an entry.
type tarHeader struct {
	name, linkname string
	typeflag       byte
	mode, size     int64
	mtime          syscall.Timespec
}

// tarReader reads the archives the runtime writes (archive/tar's Writer
// with no format asked for): ustar headers, with a PAX header before an
// entry whose name, link target or size does not fit one. It checks each
// header's checksum and requires the end-of-archive marker.
type tarReader struct {
	r         io.Reader
	remaining int64 // of the current entry's data
	padding   int64 // after it, to the next block
	block     [blockSize]byte
}

// next skips what is left of the current entry and returns the next one's
// header; nil at the end-of-archive marker.
func (t *tarReader) next() (*tarHeader, error) {
	if err := t.skip(t.remaining + t.padding); err != nil {
		return nil, err
	}
	t.remaining, t.padding = 0, 0
	var pax map[string]string
	for {
		if err := t.readBlock(true); err != nil {
			return nil, err
		}
		if t.block == [blockSize]byte{} {
			// The marker is two zero blocks: one alone is an archive cut
			// short.
			if err := t.readBlock(true); err != nil {
				return nil, err
			}
			if t.block != [blockSize]byte{} {
				return nil, errors.New("malformed archive: a zero block before an entry")
			}
			if pax != nil {
				return nil, errors.New("malformed archive: a PAX header without its entry")
			}
			return nil, nil
		}
		h, err := t.parseHeader()
		if err != nil {
			return nil, err
		}
		if h.typeflag != typePAX {
			if err := applyPAX(h, pax); err != nil {
				return nil, err
			}
			t.remaining, t.padding = h.size, -h.size&(blockSize-1)
			if h.typeflag == typeDir || h.typeflag == typeSymlink {
				t.remaining, t.padding = 0, 0 // no data, whatever the size says
			}
			return h, nil
		}
		if pax != nil {
			return nil, errors.New("malformed archive: two PAX headers for one entry")
		}
		if h.size > maxPAX {
			return nil, errors.New("malformed archive: a PAX header of " + strconv.FormatInt(h.size, 10) + " bytes")
		}
		records := make([]byte, h.size)
		if _, err := io.ReadFull(t.r, records); err != nil {
			return nil, unexpected(err)
		}
		if err := t.skip(-h.size & (blockSize - 1)); err != nil {
			return nil, err
		}
		if pax, err = parsePAX(records); err != nil {
			return nil, err
		}
	}
}

// Read reads the current entry's data.
func (t *tarReader) Read(p []byte) (int, error) {
	if t.remaining == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > t.remaining {
		p = p[:t.remaining]
	}
	n, err := t.r.Read(p)
	t.remaining -= int64(n)
	if errors.Is(err, io.EOF) && t.remaining > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// readBlock reads one header block; atEntry: an archive that ends right
// there stopped between entries.
func (t *tarReader) readBlock(atEntry bool) error {
	_, err := io.ReadFull(t.r, t.block[:])
	if errors.Is(err, io.EOF) && atEntry {
		return errEarly
	}
	return unexpected(err)
}

func (t *tarReader) skip(n int64) error {
	if n == 0 {
		return nil
	}
	_, err := io.CopyN(io.Discard, t.r, n)
	return unexpected(err)
}

// unexpected turns an end of the input inside a header or data into
// io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// parseHeader parses the ustar header in t.block.
func (t *tarReader) parseHeader() (*tarHeader, error) {
	b := t.block[:]
	if string(b[257:263]) != "ustar\x00" || string(b[263:265]) != "00" {
		return nil, errors.New("malformed archive: not a ustar header")
	}
	sum, err := parseNumber(b[148:156])
	if err != nil {
		return nil, err
	}
	var unsigned int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' ' // the checksum's own field counts as spaces
		}
		unsigned += int64(c)
	}
	if sum != unsigned {
		return nil, errors.New("malformed archive: header checksum mismatch")
	}
	h := &tarHeader{typeflag: b[156], name: cString(b[0:100]), linkname: cString(b[157:257])}
	if prefix := cString(b[345:500]); prefix != "" {
		h.name = prefix + "/" + h.name
	}
	if h.mode, err = parseNumber(b[100:108]); err != nil {
		return nil, err
	}
	if h.size, err = parseNumber(b[124:136]); err != nil {
		return nil, err
	}
	mtime, err := parseNumber(b[136:148])
	if err != nil {
		return nil, err
	}
	h.mtime = syscall.Timespec{Sec: mtime}
	return h, nil
}

// cString is the NUL-terminated string at the start of b.
func cString(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// parseNumber parses a header's numeric field: octal digits between
// optional spaces and NULs, or (a leading 0x80 byte) a base-256 number.
func parseNumber(b []byte) (int64, error) {
	if len(b) > 0 && b[0] == 0x80 {
		var n int64
		for _, c := range b[1:] {
			if n >= 1<<55 {
				return 0, errors.New("malformed archive: a numeric field overflows")
			}
			n = n<<8 | int64(c)
		}
		return n, nil
	}
	s := strings.Trim(string(b), " \x00")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 8, 64)
	if err != nil || s[0] == '-' || s[0] == '+' {
		return 0, errors.New("malformed archive: numeric field " + strconv.Quote(string(b)))
	}
	return n, nil
}

// parsePAX parses PAX records: "LENGTH KEY=VALUE\n", LENGTH counting the
// whole record.
func parsePAX(b []byte) (map[string]string, error) {
	records := map[string]string{}
	for len(b) > 0 {
		space := strings.IndexByte(string(b[:min(len(b), 20)]), ' ') // a length has at most 19 digits
		lenField := string(b[:max(space, 0)])
		n, err := strconv.Atoi(lenField)
		if space < 0 || err != nil || n <= len(lenField)+1 || n > len(b) || b[n-1] != '\n' {
			return nil, errors.New("malformed archive: a bad PAX record")
		}
		key, value, ok := strings.Cut(string(b[len(lenField)+1:n-1]), "=")
		if !ok || key == "" {
			return nil, errors.New("malformed archive: a bad PAX record")
		}
		records[key] = value
		b = b[n:]
	}
	return records, nil
}

// applyPAX overrides h's fields with those PAX records give. A sparse file
// (GNU's PAX records) is refused: the runtime never writes one.
func applyPAX(h *tarHeader, records map[string]string) error {
	for key, value := range records {
		switch {
		case key == "path":
			h.name = value
		case key == "linkpath":
			h.linkname = value
		case key == "size":
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n < 0 {
				return errors.New("malformed archive: PAX size " + strconv.Quote(value))
			}
			h.size = n
		case key == "mtime":
			mtime, err := parsePAXTime(value)
			if err != nil {
				return err
			}
			h.mtime = mtime
		case strings.HasPrefix(key, "GNU.sparse"):
			return errors.New(`entry "` + h.name + `": refused: a sparse file`)
		}
	}
	if h.size < 0 {
		return errors.New("malformed archive: a negative size")
	}
	return nil
}

// parsePAXTime parses a PAX time: decimal seconds, with a fraction.
func parsePAXTime(s string) (syscall.Timespec, error) {
	secs, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	var nsec int64
	if err == nil && frac != "" {
		frac = (frac + "000000000")[:9]
		nsec, err = strconv.ParseInt(frac, 10, 64)
		if nsec < 0 || strings.HasPrefix(frac, "+") || strings.HasPrefix(frac, "-") {
			err = strconv.ErrSyntax
		}
	}
	if err != nil {
		return syscall.Timespec{}, errors.New("malformed archive: PAX mtime " + strconv.Quote(s))
	}
	if strings.HasPrefix(secs, "-") && nsec > 0 { // -1.5 is 2 s before the epoch, plus 0.5
		sec, nsec = sec-1, 1e9-nsec
	}
	return syscall.Timespec{Sec: sec, Nsec: nsec}, nil
}

// credential is the user a task runs as.
type credential struct {
	uid, gid int
	groups   []int // supplementary
	home     string
}

// maxID is the largest uid or gid the engine accepts.
const maxID = 1<<31 - 1

// lookupUser resolves spec (the image's USER: user, uid, user:group,
// uid:gid, user:gid or uid:group) as the engine does for a container
// created with it (libcontainer's user.GetExecUserPath, which moby calls,
// then runc again with the numeric ids): names looked up in root's
// /etc/passwd and /etc/group, the first entry matching; a numeric id with
// no entry taken as it is; without a passwd entry, gid 0; supplementary
// groups only when no group is given: those listing the user's name; HOME
// from the first passwd entry of the uid, "/" when there is none.
//
// Engines that carry the CVE-2023-25173 fix (moby 20.10.24, 23.0.2 and
// later) also give the user its primary group as a supplementary one;
// addsPrimary says this one does: it did for the starter's own user, 0:0,
// which has no other. The engine gives each group once, also the primary
// one of a user its group lists.
func lookupUser(root, spec string, addsPrimary bool) (*credential, error) {
	userArg, groupArg, _ := strings.Cut(spec, ":")
	groupArg, _, _ = strings.Cut(groupArg, ":")
	uidArg, uidErr := strconv.Atoi(userArg)
	gidArg, gidErr := strconv.Atoi(groupArg)
	passwd := readColonFile(root + "/etc/passwd")
	c := &credential{home: "/"}
	matchedName, matched := "", false
	for _, u := range passwd {
		uid := atoi(field(u, 2))
		switch {
		case userArg == "":
			matched = uid == 0
		case uidErr == nil:
			matched = uid == uidArg
		default:
			matched = field(u, 0) == userArg
		}
		if matched {
			matchedName, c.uid, c.gid = field(u, 0), uid, atoi(field(u, 3))
			break
		}
	}
	if !matched && userArg != "" {
		if uidErr != nil {
			return nil, errors.New("unable to find user " + userArg + ": no matching entries in passwd file")
		}
		c.uid = uidArg
	}
	if groupArg != "" || matchedName != "" {
		var groups []int
		for _, g := range readColonFile(root + "/etc/group") {
			switch {
			case groupArg == "":
				if memberOf(field(g, 3), matchedName) {
					groups = append(groups, atoi(field(g, 2)))
				}
			case gidErr == nil && atoi(field(g, 2)) == gidArg, gidErr != nil && field(g, 0) == groupArg:
				groups = append(groups, atoi(field(g, 2)))
			}
		}
		switch {
		case groupArg == "":
			c.groups = append(c.groups, groups...)
		case len(groups) > 0:
			c.gid = groups[0]
		case gidErr != nil:
			return nil, errors.New("unable to find group " + groupArg + ": no matching entries in group file")
		default:
			c.gid = gidArg
		}
	}
	if c.uid < 0 || c.uid > maxID || c.gid < 0 || c.gid > maxID {
		return nil, errors.New("uids and gids must be in range 0-" + strconv.Itoa(maxID))
	}
	if addsPrimary {
		c.groups = append([]int{c.gid}, c.groups...)
	}
	c.groups = unique(c.groups)
	for _, u := range passwd {
		if atoi(field(u, 2)) == c.uid {
			c.home = field(u, 5)
			break
		}
	}
	return c, nil
}

// switchTo makes the process c's: stdio handed to the user as runc does
// (so the task may reopen /dev/stdout), then the groups, the gid and the
// uid, which Go's syscall package sets on every thread.
func (c *credential) switchTo() error {
	var null syscall.Stat_t
	if err := syscall.Stat("/dev/null", &null); err != nil {
		return pathError("stat", "/dev/null", err)
	}
	for fd := range 3 {
		var st syscall.Stat_t
		if syscall.Fstat(fd, &st) != nil || int(st.Uid) == c.uid || st.Rdev == null.Rdev {
			continue
		}
		// Only the uid, as runc; a failure (in a user namespace) is
		// ignored, as runc ignores it.
		_ = syscall.Fchown(fd, c.uid, -1)
	}
	// runc leaves the groups alone where the user namespace denies
	// setgroups (an engine run without root), and so does the starter.
	if policy, err := readFile("/proc/self/setgroups"); err != nil || strings.TrimSpace(string(policy)) != "deny" {
		if err := syscall.Setgroups(c.groups); err != nil {
			return errors.New("setgroups: " + err.Error())
		}
	}
	if err := syscall.Setgid(c.gid); err != nil {
		return errors.New("setgid: " + err.Error())
	}
	if err := syscall.Setuid(c.uid); err != nil {
		return errors.New("setuid: " + err.Error())
	}
	return nil
}

// readColonFile reads a passwd or group file as lines of colon-separated
// fields, blank lines skipped; a file that cannot be read has none, as
// for the engine.
func readColonFile(name string) [][]string {
	b, err := readFile(name)
	if err != nil {
		return nil
	}
	var lines [][]string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, strings.Split(line, ":"))
		}
	}
	return lines
}

func field(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// atoi is libcontainer's reading of an id field: 0 when not a number.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// unique drops repeated ids, keeping the first of each.
func unique(ids []int) []int {
	var out []int
	for i, id := range ids {
		seen := false
		for _, earlier := range ids[:i] {
			seen = seen || earlier == id
		}
		if !seen {
			out = append(out, id)
		}
	}
	return out
}

func memberOf(list, name string) bool {
	if list == "" {
		return false
	}
	for member := range strings.SplitSeq(list, ",") {
		if member == name {
			return true
		}
	}
	return false
}

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

package docker

import (
	"archive/tar"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/codezip"
)

// writeTaskArchive streams the tar copied to "/" in the container: the two
// directories, the payload and config files, and the code zip extracted
// under /mnt/task. Entries are world-writable because the image may run as
// any user and the container is thrown away after the task. Each zip entry
// is copied through as it is decompressed, so memory stays small whatever
// the zip's size, and the bytes are counted against limits.
func writeTaskArchive(w io.Writer, spec emulator.TaskSpec, limits codezip.Limits) error {
	return writeArchive(w, spec, limits, PayloadFile, 0o666, spec.Payload)
}

// writeWarmArchive streams the files of a warm image (warm.go): those of
// writeTaskArchive but the payload, which the starter in its place writes
// when a task starts.
func writeWarmArchive(w io.Writer, spec emulator.TaskSpec, limits codezip.Limits, starter []byte) error {
	return writeArchive(w, spec, limits, starterPath, 0o755, starter)
}

// writeStarterArchive streams the files of a starter image (warm.go): /mnt
// and /mnt/iron as the task archive makes them, and the starter in
// /mnt/iron.
func writeStarterArchive(w io.Writer, starter []byte) error {
	a := newArchive(w)
	a.dir("mnt", 0o755) // as writeArchive makes it
	a.file(starterPath[1:], 0o755, starter)
	return a.close()
}

// writePayloadArchive streams what a task started from its warm image is
// given on stdin: the payload, as writeTaskArchive has it. Its directory
// is in the warm image.
func writePayloadArchive(w io.Writer, payload []byte) error {
	a := newArchive(w)
	a.dirs[path.Dir(PayloadFile[1:])] = true
	a.file(PayloadFile[1:], 0o666, payload)
	return a.close()
}

// writeArchive writes the layout both archives share, with one file of
// their own (name, mode, body).
func writeArchive(w io.Writer, spec emulator.TaskSpec, limits codezip.Limits, name string, mode int64, body []byte) error {
	a := newArchive(w)
	a.dir("mnt", 0o755) // as a distribution image has it
	a.dir(path.Dir(PayloadFile[1:]), 0o777)
	a.dir(TaskDir[1:], 0o777)
	a.file(name[1:], mode, body)
	a.file(ConfigFile[1:], 0o666, spec.Config)
	if a.err != nil {
		return a.err
	}
	switch {
	case spec.CodeDir != "":
		if err := a.folder(spec.CodeDir, limits.OrDefaults()); err != nil {
			return &codeError{op: "copy linked folder", err: err}
		}
	case len(spec.CodeZip) > 0:
		if err := codezip.Walk(spec.CodeZip, limits, a.code); err != nil {
			return &codeError{err: err}
		}
	}
	return a.close()
}

// codeError is a code zip (or linked folder) that could not be extracted:
// the task's fault, reported as its start error.
type codeError struct {
	op  string // "" = extract code zip
	err error
}

func (e *codeError) Error() string {
	if e.op == "" {
		return "extract code zip: " + e.err.Error()
	}
	return e.op + ": " + e.err.Error()
}
func (e *codeError) Unwrap() error { return e.err }

// folder adds the files of a linked code's folder under TaskDir as they
// are now, within limits (as a zip's): directories, regular files (mode
// 0777 when executable) and symlinks, which inside the container point
// into its own filesystem. The folder's .git directory is left out: a
// task has no use for the repository, and it can be large. Other file
// types (sockets, devices) are skipped.
func (a *archive) folder(dir string, limits codezip.Limits) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	var entries int
	var bytes int64
	return fs.WalkDir(root.FS(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if name == "." {
			return nil
		}
		if d.IsDir() && d.Name() == ".git" {
			return fs.SkipDir
		}
		if entries++; entries > limits.MaxEntries {
			return fmt.Errorf("the folder holds over %d entries (--max-code-entries)", limits.MaxEntries)
		}
		target := path.Join(TaskDir[1:], name)
		switch {
		case d.IsDir():
			a.dir(target, 0o777)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := root.Readlink(name)
			if err != nil {
				return err
			}
			if bytes += int64(len(link)); bytes > limits.MaxBytes {
				return fmt.Errorf("the folder holds over %d bytes (--max-code-bytes)", limits.MaxBytes)
			}
			a.dir(path.Dir(target), 0o777)
			a.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: target, Linkname: link, Mode: 0o777})
		case d.Type().IsRegular():
			f, err := root.Open(name)
			if err != nil {
				return err
			}
			defer f.Close()
			fi, err := f.Stat()
			if err != nil {
				return err
			}
			if bytes += fi.Size(); bytes > limits.MaxBytes {
				return fmt.Errorf("the folder holds over %d bytes (--max-code-bytes)", limits.MaxBytes)
			}
			perm := int64(0o666)
			if fi.Mode()&0o111 != 0 {
				perm = 0o777
			}
			a.dir(path.Dir(target), 0o777)
			a.header(&tar.Header{Typeflag: tar.TypeReg, Name: target, Mode: perm, Size: fi.Size()})
			if a.err == nil {
				// A file that grows while it is copied is cut at the size
				// its header declared; one that shrinks fails the copy.
				_, a.err = io.CopyN(a.tw, f, fi.Size())
			}
		}
		return a.err
	})
}

// archive writes tar entries, remembering the first error and which
// directories exist, so every parent gets an explicit (writable) entry
// rather than one the engine invents with mode 0755.
type archive struct {
	tw    *tar.Writer
	dirs  map[string]bool
	mtime time.Time
	err   error
}

func newArchive(w io.Writer) *archive {
	return &archive{tw: tar.NewWriter(w), dirs: map[string]bool{}, mtime: time.Now()}
}

// close ends the archive with its end-of-archive marker, which the starter
// requires: only a whole archive gets one.
func (a *archive) close() error {
	if a.err != nil {
		return a.err
	}
	return a.tw.Close()
}

func (a *archive) header(h *tar.Header) {
	if a.err != nil {
		return
	}
	h.ModTime = a.mtime
	a.err = a.tw.WriteHeader(h)
}

func (a *archive) dir(name string, mode int64) {
	if a.dirs[name] {
		return
	}
	if parent := path.Dir(name); parent != "." {
		a.dir(parent, mode)
	}
	a.dirs[name] = true
	a.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode})
}

func (a *archive) file(name string, mode int64, body []byte) {
	a.dir(path.Dir(name), 0o777)
	a.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))})
	if a.err == nil && len(body) > 0 {
		_, a.err = a.tw.Write(body)
	}
}

// code adds one zip entry under TaskDir. Symlinks are kept, since inside
// the container they can only point into the container's own filesystem.
func (a *archive) code(e codezip.Entry) error {
	target := path.Join(TaskDir[1:], e.Name)
	switch {
	case e.Mode.IsDir():
		a.dir(target, 0o777)
	case e.Mode&fs.ModeSymlink != 0:
		link, err := e.SymlinkTarget()
		if err != nil {
			return err
		}
		a.dir(path.Dir(target), 0o777)
		a.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: target, Linkname: link, Mode: 0o777})
	case e.Mode.IsRegular():
		perm := int64(0o666)
		if e.Mode&0o111 != 0 {
			perm = 0o777
		}
		a.dir(path.Dir(target), 0o777)
		a.header(&tar.Header{Typeflag: tar.TypeReg, Name: target, Mode: perm, Size: e.Size})
		if a.err == nil {
			a.err = copyEntry(a.tw, e)
		}
	default:
		return fmt.Errorf("unsupported file type %v", e.Mode.Type())
	}
	return a.err
}

// copyEntry streams the entry's content into the tar entry just started.
func copyEntry(w io.Writer, e codezip.Entry) error {
	rc, err := e.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(w, rc)
	return err
}

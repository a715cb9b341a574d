package docker

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// taskArchive is the tar copied to "/" in the container: the two directories,
// the payload and config files, and the code zip under /mnt/task. Entries are
// world-writable because the image may run as any user and the container is
// thrown away after the task.
func taskArchive(spec emulator.TaskSpec) ([]byte, error) {
	var buf bytes.Buffer
	a := archive{tw: tar.NewWriter(&buf), dirs: map[string]bool{}, mtime: time.Now()}
	a.dir("mnt", 0o755) // as a distribution image has it
	a.dir(path.Dir(PayloadFile[1:]), 0o777)
	a.dir(TaskDir[1:], 0o777)
	a.file(PayloadFile[1:], 0o666, spec.Payload)
	a.file(ConfigFile[1:], 0o666, spec.Config)
	if a.err != nil {
		return nil, a.err
	}
	if len(spec.CodeZip) > 0 {
		if err := a.code(spec.CodeZip); err != nil {
			return nil, fmt.Errorf("extract code zip: %w", err)
		}
	}
	if err := a.tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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

func (a *archive) write(h *tar.Header, body []byte) {
	if a.err != nil {
		return
	}
	h.ModTime = a.mtime
	if a.err = a.tw.WriteHeader(h); a.err == nil && len(body) > 0 {
		_, a.err = a.tw.Write(body)
	}
}

func (a *archive) dir(name string, mode int64) {
	if a.dirs[name] {
		return
	}
	if parent := path.Dir(name); parent != "." {
		a.dir(parent, mode)
	}
	a.dirs[name] = true
	a.write(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode}, nil)
}

func (a *archive) file(name string, mode int64, body []byte) {
	a.dir(path.Dir(name), 0o777)
	a.write(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(body))}, body)
}

// code adds the zip's entries under TaskDir. Names that would leave TaskDir
// are refused; symlinks are kept, since inside the container they can only
// point into the container's own filesystem.
func (a *archive) code(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	for _, f := range zr.File {
		name := path.Clean(f.Name)
		if !fs.ValidPath(name) {
			return fmt.Errorf("entry %q: path escapes the code directory", f.Name)
		}
		if name == "." {
			continue
		}
		target := path.Join(TaskDir[1:], name)
		mode := f.Mode()
		if mode.IsDir() {
			a.dir(target, 0o777)
			continue
		}
		body, err := readEntry(f)
		if err != nil {
			return fmt.Errorf("entry %q: %w", f.Name, err)
		}
		switch {
		case mode&fs.ModeSymlink != 0:
			a.dir(path.Dir(target), 0o777)
			a.write(&tar.Header{Typeflag: tar.TypeSymlink, Name: target, Linkname: string(body), Mode: 0o777}, nil)
		case mode.IsRegular():
			perm := int64(0o666)
			if mode&0o111 != 0 {
				perm = 0o777
			}
			a.file(target, perm, body)
		default:
			return fmt.Errorf("entry %q: unsupported file type %v", f.Name, mode.Type())
		}
	}
	return a.err
}

func readEntry(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

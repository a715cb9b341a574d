package control

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ironlocal/ironlocal/emulator"
)

// MaxSnapshotName is the longest snapshot name, in bytes.
const MaxSnapshotName = 128

// SavedSnapshot describes a snapshot file SaveSnapshot wrote.
type SavedSnapshot struct {
	// Name is the file's name in the snapshot directory.
	Name string
	// Path is where it is on the emulator's side (in-process callers).
	Path string
	// Size is its length in bytes.
	Size int64
}

// ValidateSnapshotName checks a snapshot name: 1 to MaxSnapshotName bytes of
// letters, digits, '.', '_' and '-', not starting with '.', no "..". A name
// is a file name in the snapshot directory, never a path.
func ValidateSnapshotName(name string) error {
	switch {
	case name == "":
		return emulator.Invalid(`Give the snapshot a name, e.g. {"name":"before-upgrade.snapshot"} (or GET /_ironlocal/snapshot to download it)`)
	case strings.ContainsRune(name, 0):
		return emulator.Invalid("Snapshot name must not contain NUL")
	case strings.ContainsAny(name, `/\`):
		return emulator.Invalid("Snapshot name must be a file name, not a path: no / or \\")
	case strings.Contains(name, ".."):
		return emulator.Invalid(`Snapshot name must not contain ".."`)
	case len(name) > MaxSnapshotName:
		return emulator.Invalid("Snapshot name is longer than %d bytes", MaxSnapshotName)
	case name[0] == '.':
		return emulator.Invalid(`Snapshot name must not start with "."`)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return emulator.Invalid("Snapshot name may hold only letters, digits, '.', '_' and '-', not %q", r)
		}
	}
	return nil
}

// SaveSnapshot writes a snapshot of the whole state as name in the snapshot
// directory, atomically (a temporary file in the same directory, fsynced,
// then renamed or linked into place). An existing snapshot of that name is
// replaced only when overwrite is set (else a conflict). File system errors
// are logged, not shown to the caller.
func (s *Service) SaveSnapshot(ctx context.Context, name string, overwrite bool) (SavedSnapshot, error) {
	if err := ValidateSnapshotName(name); err != nil {
		return SavedSnapshot{}, err
	}
	if s.snapDir == "" {
		return SavedSnapshot{}, emulator.Invalid("This ironlocal is ephemeral and has no snapshot directory: start it with --snapshot-dir DIR to save snapshots, or download one with GET /_ironlocal/snapshot")
	}
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	failed := func(op string, err error) (SavedSnapshot, error) {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return SavedSnapshot{}, ctxErr
		}
		s.log.Error("save snapshot", "op", op, "dir", s.snapDir, "name", name, "err", err)
		return SavedSnapshot{}, unavailable("Could not save the snapshot: the emulator's log says why")
	}
	if err := os.MkdirAll(s.snapDir, 0o700); err != nil {
		return failed("create directory", err)
	}
	root, err := os.OpenRoot(s.snapDir)
	if err != nil {
		return failed("open directory", err)
	}
	defer root.Close()
	exists := func() error {
		return emulator.Conflict(fmt.Sprintf(`Snapshot %q already exists: give "overwrite":true to replace it`, name))
	}
	if _, err := root.Lstat(name); err == nil && !overwrite {
		return SavedSnapshot{}, exists()
	}

	tmp, err := tempName()
	if err != nil {
		return failed("name temporary file", err)
	}
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return failed("create temporary file", err)
	}
	defer root.Remove(tmp) // no-op once renamed
	bw := bufio.NewWriterSize(f, 1<<20)
	w := &countingWriter{w: bw}
	err = s.store.Export(ctx, w, emulator.SnapshotOptions{})
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return failed("write", err)
	}
	if overwrite {
		err = root.Rename(tmp, name)
	} else if err = root.Link(tmp, name); errors.Is(err, fs.ErrExist) {
		return SavedSnapshot{}, exists()
	} else if err != nil {
		// No hard links on this file system: the Lstat above under snapMu
		// is the overwrite check.
		err = root.Rename(tmp, name)
	}
	if err != nil {
		return failed("rename", err)
	}
	return SavedSnapshot{Name: name, Path: filepath.Join(s.snapDir, name), Size: w.n}, nil
}

// tempName is a fresh hidden name in the snapshot directory (snapshot
// names never start with '.', so it cannot clash with one).
func tempName() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return ".snapshot-" + hex.EncodeToString(b[:]) + ".tmp", nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

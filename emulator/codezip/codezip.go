// Package codezip reads code packages (zip files) within limits on what they
// extract to, so a zip bomb costs neither disk nor memory.
//
// Two guards, because a zip's directory can lie: Check refuses a zip whose
// declared sizes or entry count exceed the limits before anything is
// decompressed, and Walk counts the bytes actually read while extracting and
// stops at the limit whatever the directory said.
package codezip

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/bits"
	"path"
	"strings"
)

// Defaults of Limits. 512 MiB is twice the largest zip the API accepts (256
// MiB), stored uncompressed, yet bounds the disk a task can fill; 50,000
// entries leaves room for a vendored dependency tree (a node_modules of a
// few hundred packages holds tens of thousands of files) while capping
// inodes and per-entry work.
const (
	DefaultMaxBytes   int64 = 512 << 20
	DefaultMaxEntries       = 50_000
)

// Limits bound what a code zip may extract to. Zero (or negative) fields
// take the defaults.
type Limits struct {
	// MaxBytes is the total size of the extracted files (and symlink
	// targets), in bytes.
	MaxBytes int64
	// MaxEntries counts files, directories and symlinks.
	MaxEntries int
}

// OrDefaults fills in the defaults of unset fields.
func (l Limits) OrDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	return l
}

// LimitError says which limit a zip exceeds. Its text names the flag that
// raises the limit.
type LimitError struct {
	msg string
}

func (e *LimitError) Error() string { return e.msg }

// maxSymlinkTarget bounds a symlink entry's target (the body of the entry).
const maxSymlinkTarget = 4096

// Check opens the zip's directory and refuses it when it is not a zip or
// when the entry count or the sum of the uncompressed sizes it declares is
// over l; the error is then a *LimitError. Nothing is decompressed.
func Check(data []byte, l Limits) error {
	_, err := open(data, l.OrDefaults())
	return err
}

func open(data []byte, l Limits) (*zip.Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	if n := len(zr.File); n > l.MaxEntries {
		return nil, &LimitError{fmt.Sprintf("the zip has %d entries, over the limit of %d (--max-code-entries)", n, l.MaxEntries)}
	}
	var total uint64
	for _, f := range zr.File {
		var carry uint64
		if total, carry = bits.Add64(total, f.UncompressedSize64, 0); carry != 0 {
			total = math.MaxUint64
		}
	}
	if total > uint64(l.MaxBytes) {
		return nil, &LimitError{fmt.Sprintf("the zip's files add up to %s, over the %s limit (--max-code-bytes)", size(total), size(uint64(l.MaxBytes)))}
	}
	return zr, nil
}

// Entry is one entry of a zip being walked.
type Entry struct {
	// Name is the entry's cleaned path: relative, slash-separated, and
	// never outside the directory it is extracted into.
	Name string
	// Mode is the entry's file mode (a directory, a symlink, a regular
	// file, or something Walk's caller should refuse).
	Mode fs.FileMode
	// Size is the uncompressed size the zip declares; Open yields at most
	// this many bytes.
	Size int64

	file   *zip.File
	budget *budget
}

// budget is what is left of a walk's byte limit.
type budget struct {
	limit, left int64
}

// Open returns the entry's content. Reading fails with a *LimitError once
// the zip's entries together have produced more than the byte limit, and
// with a clear error when the entry holds more data than it declares.
func (e Entry) Open() (io.ReadCloser, error) {
	rc, err := e.file.Open()
	if err != nil {
		return nil, err
	}
	return &entryReader{rc: rc, e: e}, nil
}

// SymlinkTarget reads a symlink entry's target (at most 4 KiB).
func (e Entry) SymlinkTarget() (string, error) {
	rc, err := e.Open()
	if err != nil {
		return "", err
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(rc, maxSymlinkTarget+1))
	if err != nil {
		return "", err
	}
	if len(target) > maxSymlinkTarget {
		return "", fmt.Errorf("symlink target is longer than %d bytes", maxSymlinkTarget)
	}
	return string(target), nil
}

// Walk checks data against l as Check does, then calls fn for each entry in
// the zip's order. Entries whose names would leave the extraction directory
// are refused; the root entry "." is skipped. fn's errors and read errors
// are returned naming the entry.
func Walk(data []byte, l Limits, fn func(Entry) error) error {
	l = l.OrDefaults()
	zr, err := open(data, l)
	if err != nil {
		return err
	}
	b := &budget{limit: l.MaxBytes, left: l.MaxBytes}
	for _, f := range zr.File {
		name := path.Clean(f.Name)
		if !fs.ValidPath(name) {
			return fmt.Errorf("entry %q: path escapes the code directory", f.Name)
		}
		if name == "." {
			continue
		}
		e := Entry{Name: name, Mode: f.Mode(), Size: int64(f.UncompressedSize64), file: f, budget: b}
		if err := fn(e); err != nil {
			var le *LimitError
			if errors.As(err, &le) {
				return err
			}
			return fmt.Errorf("entry %q: %w", f.Name, err)
		}
	}
	return nil
}

// entryReader counts what an entry yields against the walk's shared budget.
type entryReader struct {
	rc io.ReadCloser
	e  Entry
}

func (r *entryReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	b := r.e.budget
	if b.left -= int64(n); b.left < 0 {
		n += int(b.left) // hand out no byte past the limit
		b.left = 0
		return n, &LimitError{fmt.Sprintf("the zip's files extract to more than the %s limit (--max-code-bytes)", size(uint64(b.limit)))}
	}
	// While reading content, archive/zip fails with ErrFormat only when
	// the data goes past the declared size, and with ErrUnexpectedEOF when
	// it ends short of it; say so plainly.
	switch {
	case errors.Is(err, zip.ErrFormat):
		return n, fmt.Errorf("holds more data than the %d bytes the zip declares for it", r.e.Size)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return n, fmt.Errorf("holds less data than the %d bytes the zip declares for it", r.e.Size)
	case errors.Is(err, zip.ErrChecksum):
		return n, errors.New("its data does not match its checksum: the zip is damaged")
	}
	return n, err
}

func (r *entryReader) Close() error { return r.rc.Close() }

// size formats a byte count for messages: 512 MiB, 1.5 GiB, 300 bytes.
// It rounds up, so a total just over a limit never reads as equal to it.
func size(n uint64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, unit := float64(n)/(1<<10), units[0]
	for _, u := range units[1:] {
		if v < 1<<10 {
			break
		}
		v, unit = v/(1<<10), u
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", math.Ceil(v*10)/10), ".0") + " " + unit
}

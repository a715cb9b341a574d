package badger

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dgraph-io/badger/v4/pb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ironlocal/ironlocal/emulator"
)

// Import limits. Memory stays bounded whatever the snapshot's size: the
// body goes to a temp file, and records are read back one at a time.
const (
	// maxHeaderLine bounds the header line (its JSON is about 100 bytes).
	maxHeaderLine = 4 << 10
	// maxSnapshotRecord bounds one entry (key, value and framing) of the
	// backup stream. No record the store writes comes near it: code zips
	// are stored in 4 MiB chunks, and Badger refuses values over the
	// value-log file size (64 MiB) anyway.
	maxSnapshotRecord = 64 << 20
	// maxSnapshotKey is Badger's own key size limit.
	maxSnapshotKey = 65000
	// stagePattern names import temp files; leftovers of a killed import
	// are removed when the store opens.
	stagePattern = ".import-*.snapshot"
	// badgerBitDelete is Badger's deletion mark in an entry's meta byte.
	badgerBitDelete byte = 1
)

// Import replaces the whole store with the snapshot read from r (see
// StageSnapshot). A refused snapshot changes nothing.
func (s *Store) Import(ctx context.Context, r io.Reader) error {
	staged, err := s.StageSnapshot(ctx, r)
	if err != nil {
		return err
	}
	defer staged.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	return staged.Apply()
}

// StageSnapshot reads the snapshot from r and checks it without changing
// anything: it streams the snapshot to a temp file while hashing it,
// checks the trailer, and reads the file back to check every record — each
// key's structure and each value's decoding. Apply then replaces the
// store's contents. The temp file lives in the data directory (the OS temp
// directory for an in-memory store) until Close.
func (s *Store) StageSnapshot(ctx context.Context, r io.Reader) (emulator.StagedSnapshot, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	h, err := readHeader(br)
	if err != nil {
		return nil, err
	}
	f, size, err := s.stage(ctx, br, h.Version >= 2)
	if err != nil {
		return nil, err
	}
	staged := &stagedSnapshot{s: s, f: f, size: size}
	if staged.used, err = s.checkSnapshot(ctx, f, size); err != nil {
		_ = staged.Close()
		return nil, err
	}
	return staged, nil
}

// stagedSnapshot is a checked snapshot in a temp file.
type stagedSnapshot struct {
	s    *Store
	f    *os.File
	size int64
	used usedIDs // what its records use of the sequences
}

func (p *stagedSnapshot) Apply() error {
	return p.s.replaceContents(func() error {
		if err := p.s.loadSnapshot(p.f, p.size); err != nil {
			return err
		}
		return p.s.indexTaskStatuses(true) // a snapshot of an older store lacks some entries
	}, p.used.leases())
}

func (p *stagedSnapshot) Close() error {
	err := p.f.Close()
	if rerr := os.Remove(p.f.Name()); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	return err
}

func readHeader(br *bufio.Reader) (snapshotHeader, error) {
	var h snapshotHeader
	line := make([]byte, 0, 256)
	for {
		b, err := br.ReadByte()
		if errors.Is(err, io.EOF) {
			return h, emulator.Invalid("Not an ironlocal snapshot: no header line")
		}
		if err != nil {
			return h, fmt.Errorf("read snapshot: %w", err)
		}
		if b == '\n' {
			break
		}
		if len(line) == maxHeaderLine {
			return h, emulator.Invalid("Not an ironlocal snapshot: no header line within the first %d bytes", maxHeaderLine)
		}
		line = append(line, b)
	}
	if err := json.Unmarshal(line, &h); err != nil || h.Format != snapshotFormat {
		return h, emulator.Invalid("Not an ironlocal snapshot: bad header")
	}
	if h.Version > SnapshotVersion || h.Schema > SchemaVersion {
		return h, emulator.Invalid("Snapshot format %d (schema %d) is newer than this ironlocal supports (format %d, schema %d): upgrade ironlocal",
			h.Version, h.Schema, SnapshotVersion, SchemaVersion)
	}
	return h, nil
}

// stagingDir is where import temp files go: the data directory, or the OS
// temp directory for an in-memory store.
func (s *Store) stagingDir() string {
	if s.opts.InMemory || s.opts.Dir == "" {
		return os.TempDir()
	}
	return s.opts.Dir
}

// removeStaleImports removes temp files a killed import left in the data
// directory.
func (s *Store) removeStaleImports() {
	if s.opts.InMemory || s.opts.Dir == "" {
		return
	}
	stale, _ := filepath.Glob(filepath.Join(s.opts.Dir, stagePattern))
	for _, name := range stale {
		if err := os.Remove(name); err != nil {
			s.log.Warn("remove a leftover snapshot import file", "file", name, "err", err)
		}
	}
}

// stage copies the backup stream that follows the header into a temp file,
// hashing it on the way, and checks a format-2 trailer (which is not
// copied). It returns the file, positioned at its start, and its size.
func (s *Store) stage(ctx context.Context, r io.Reader, trailer bool) (_ *os.File, size int64, err error) {
	f, err := os.CreateTemp(s.stagingDir(), stagePattern)
	if err != nil {
		return nil, 0, stageError(err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	sum := sha256.New()
	fw := &errWriter{w: bufio.NewWriterSize(f, 256<<10)}
	var dst io.Writer = io.MultiWriter(fw, sum)
	var tail *holdback
	if trailer {
		tail = &holdback{w: dst, n: trailerSize}
		dst = tail
	}
	buf := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			_, _ = dst.Write(buf[:n])
			if fw.err != nil {
				return nil, 0, stageError(fw.err)
			}
		}
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return nil, 0, fmt.Errorf("read snapshot: %w", rerr)
		}
	}
	if err := fw.w.Flush(); err != nil {
		return nil, 0, stageError(err)
	}
	size = fw.n
	if trailer {
		if err := checkTrailer(tail.tail, size, sum.Sum(nil)); err != nil {
			return nil, 0, err
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, stageError(err)
	}
	return f, size, nil
}

// stageError reports a temp file failure without its path.
func stageError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return &emulator.Error{Code: emulator.CodeUnavailable, Msg: "Could not stage the snapshot for import: " + err.Error()}
}

// errWriter remembers the first write error and counts what was written.
type errWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return len(p), nil
	}
	n, err := e.w.Write(p)
	e.n += int64(n)
	e.err = err
	return len(p), nil
}

// holdback passes everything but the last n bytes written on to w: a
// format-2 snapshot ends in a trailer that is not part of the stream.
type holdback struct {
	w    io.Writer
	n    int
	tail []byte
}

func (h *holdback) Write(p []byte) (int, error) {
	excess := len(h.tail) + len(p) - h.n
	if excess <= 0 {
		h.tail = append(h.tail, p...)
		return len(p), nil
	}
	fromTail := min(excess, len(h.tail))
	if _, err := h.w.Write(h.tail[:fromTail]); err != nil {
		return 0, err
	}
	h.tail = append(h.tail[:0], h.tail[fromTail:]...)
	fromP := excess - fromTail
	if _, err := h.w.Write(p[:fromP]); err != nil {
		return 0, err
	}
	h.tail = append(h.tail, p[fromP:]...)
	return len(p), nil
}

// checkTrailer verifies a format-2 trailer against the stream's length and
// SHA-256.
func checkTrailer(t []byte, length int64, sum []byte) error {
	if len(t) < trailerSize || string(t[len(t)-len(trailerMagic):]) != trailerMagic {
		return emulator.Invalid("Snapshot is truncated: its end marker is missing")
	}
	if binary.BigEndian.Uint64(t[sha256.Size:]) != uint64(length) {
		return emulator.Invalid("Snapshot is truncated or padded: its length does not match")
	}
	if !bytes.Equal(sum, t[:sha256.Size]) {
		return emulator.Invalid("Snapshot is damaged: its checksum does not match")
	}
	return nil
}

// checkSnapshot reads the staged stream and checks every record that would
// be loaded, noting the message ids and generations they use. Every export
// holds the store's schema version, so a stream without it is refused too.
func (s *Store) checkSnapshot(ctx context.Context, f *os.File, size int64) (usedIDs, error) {
	var used usedIDs
	schema := false
	n := 0
	bindings := bindingCounter{max: cmp.Or(s.opts.MaxBindingsPerProject, emulator.DefaultMaxBindings)}
	err := eachLive(f, size, func(k, v []byte) error {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(k) > maxSnapshotKey {
			return invalidRecord(k, fmt.Errorf("key of %d bytes is over Badger's %d byte limit", len(k), maxSnapshotKey))
		}
		if err := checkRecord(k, v); err != nil {
			return invalidRecord(k, err)
		}
		if err := checkLinkedCode(k, v); err != nil {
			return err
		}
		if err := used.note(k, v); err != nil {
			return invalidRecord(k, err)
		}
		if err := bindings.note(k, v); err != nil {
			return err
		}
		if s.opts.InMemory && len(v) > maxInMemoryValue {
			return emulator.Invalid("Snapshot holds a record of %d bytes, over the in-memory store's %d byte limit", len(v), maxInMemoryValue)
		}
		schema = schema || bytes.Equal(k, keySchema)
		return nil
	})
	if err != nil {
		return used, err
	}
	if !schema {
		return used, emulator.Invalid("Snapshot is corrupt or truncated: it holds no store schema version")
	}
	return used, nil
}

// bindingCounter refuses a snapshot with more bindings in one project than
// a create or seed may make.
type bindingCounter struct {
	max int
	n   map[string]int
}

func (c *bindingCounter) note(k, v []byte) error {
	if k[0] != tagBinding {
		return nil
	}
	var b struct {
		Project string `json:"project_id"`
	}
	if err := json.Unmarshal(v, &b); err != nil {
		return invalidRecord(k, err) // checkRecord refused it already
	}
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[b.Project]++; c.n[b.Project] > c.max {
		return emulator.Invalid("Snapshot holds over %d trigger bindings for project %s, the limit (--max-bindings)", c.max, b.Project)
	}
	return nil
}

// checkLinkedCode refuses a code linked to a folder that this machine
// does not have (a snapshot of another machine, or a folder since
// removed): its tasks could never run.
func checkLinkedCode(k, v []byte) error {
	if k[0] != tagCode {
		return nil
	}
	var c emulator.CodePackage
	if err := json.Unmarshal(v, &c); err != nil || !c.Linked() {
		return nil // checkRecord refused a bad one already
	}
	if err := emulator.CheckLinkedDir(c.LinkedDir); err != nil {
		return emulator.Invalid("Snapshot links code %q of project %s to a folder this machine cannot run: %v (link it to a folder here, or unlink it, before saving the snapshot)",
			c.Name, c.Project, err)
	}
	return nil
}

func invalidRecord(k []byte, err error) error {
	return emulator.Invalid("Snapshot holds an invalid record (%s): %v", describeKey(k), err)
}

// loadSnapshot writes the staged stream's records into the (emptied)
// store through Badger's loader (twice as fast as a write batch). Entries
// are written afresh at version 1, the oldest any reader sees and older
// than any later write: versions, expiry and meta bits of the file are not
// carried over, so a crafted file cannot reach Badger's internals.
func (s *Store) loadSnapshot(f *os.File, size int64) error {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	ldr := s.db.NewKVLoader(256)
	err := eachLive(f, size, func(k, v []byte) error {
		return ldr.Set(&pb.KV{Key: bytes.Clone(k), Value: bytes.Clone(v), Version: 1})
	})
	if ferr := ldr.Finish(); err == nil {
		err = ferr
	}
	return err
}

// backupEntry is one entry of a Badger backup stream (pb.KV).
type backupEntry struct {
	key, value []byte
	expiresAt  uint64
	meta       byte
}

// eachLive calls fn with the newest version of every key that is not
// deleted. A backup lists a key's versions together, newest first, each
// list ending at a deletion or a discard marker. key and value are valid
// only during fn.
func eachLive(r io.Reader, size int64, fn func(k, v []byte) error) error {
	var prev []byte
	started := false
	return readBackup(r, size, func(e backupEntry) error {
		if e.expiresAt != 0 {
			return invalidRecord(e.key, errors.New("it carries a Badger expiry time, which ironlocal never writes"))
		}
		if started && bytes.Equal(e.key, prev) {
			return nil // an older version
		}
		prev, started = append(prev[:0], e.key...), true
		if e.meta&badgerBitDelete != 0 {
			return nil
		}
		return fn(e.key, e.value)
	})
}

var (
	errCutShort  = emulator.Invalid("Snapshot is corrupt or truncated: a record is cut short")
	errNotBackup = emulator.Invalid("Snapshot is corrupt: its records are not a Badger backup stream")
)

// readBackup calls fn for each entry of the backup stream in r, size bytes
// long: little-endian uint64 lengths, each followed by a protobuf KVList of
// that many bytes. Entries are read one at a time, so memory is bounded by
// the largest entry (maxSnapshotRecord), not by the largest list, and no
// length is trusted beyond the bytes that are there.
func readBackup(r io.Reader, size int64, fn func(backupEntry) error) error {
	lr := &listReader{br: bufio.NewReaderSize(r, 256<<10)}
	var buf []byte
	for remaining := size; remaining > 0; {
		if remaining < 8 {
			return errCutShort
		}
		var n [8]byte
		if _, err := io.ReadFull(lr.br, n[:]); err != nil {
			return readError(err)
		}
		listLen := binary.LittleEndian.Uint64(n[:])
		if remaining -= 8; listLen > uint64(remaining) {
			return errCutShort
		}
		remaining -= int64(listLen)
		lr.left = int64(listLen)
		for lr.left > 0 {
			num, typ, err := lr.tag()
			if err != nil {
				return err
			}
			if num != 1 || typ != protowire.BytesType { // not a kv: skip it
				if err := lr.skip(typ); err != nil {
					return err
				}
				continue
			}
			l, err := lr.uvarint()
			if err != nil {
				return err
			}
			if l > uint64(lr.left) {
				return errCutShort
			}
			if l > maxSnapshotRecord {
				return emulator.Invalid("Snapshot holds a record of %d bytes, over the %d byte limit", l, maxSnapshotRecord)
			}
			if uint64(cap(buf)) < l {
				buf = make([]byte, l)
			}
			if err := lr.read(buf[:l]); err != nil {
				return err
			}
			e, err := parseEntry(buf[:l])
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func readError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errCutShort
	}
	return fmt.Errorf("read staged snapshot: %w", err)
}

// listReader reads the fields of one KVList, never past its end.
type listReader struct {
	br   *bufio.Reader
	left int64
}

func (l *listReader) ReadByte() (byte, error) {
	if l.left <= 0 {
		return 0, errNotBackup
	}
	b, err := l.br.ReadByte()
	if err != nil {
		return 0, readError(err)
	}
	l.left--
	return b, nil
}

func (l *listReader) uvarint() (uint64, error) {
	v, err := binary.ReadUvarint(l)
	if err != nil {
		if e, ok := emulator.AsError(err); ok {
			return 0, e
		}
		return 0, errNotBackup // overflow
	}
	return v, nil
}

func (l *listReader) tag() (protowire.Number, protowire.Type, error) {
	v, err := l.uvarint()
	if err != nil {
		return 0, 0, err
	}
	num, typ := protowire.DecodeTag(v)
	if num < protowire.MinValidNumber {
		return 0, 0, errNotBackup
	}
	return num, typ, nil
}

func (l *listReader) read(p []byte) error {
	if int64(len(p)) > l.left {
		return errCutShort
	}
	if _, err := io.ReadFull(l.br, p); err != nil {
		return readError(err)
	}
	l.left -= int64(len(p))
	return nil
}

// skip passes over a field other than kv (KVList's alloc_ref, or one a
// later Badger adds).
func (l *listReader) skip(typ protowire.Type) error {
	var n uint64
	switch typ {
	case protowire.VarintType:
		_, err := l.uvarint()
		return err
	case protowire.Fixed32Type:
		n = 4
	case protowire.Fixed64Type:
		n = 8
	case protowire.BytesType:
		var err error
		if n, err = l.uvarint(); err != nil {
			return err
		}
	default:
		return errNotBackup
	}
	if n > uint64(l.left) {
		return errCutShort
	}
	if _, err := l.br.Discard(int(n)); err != nil {
		return readError(err)
	}
	l.left -= int64(n)
	return nil
}

// parseEntry decodes a pb.KV: key 1, value 2, expires_at 5, meta 6; the
// other fields (user meta, version, stream id) do not matter here.
func parseEntry(b []byte) (backupEntry, error) {
	var e backupEntry
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return e, errNotBackup
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			e.key, n = protowire.ConsumeBytes(b)
		case num == 2 && typ == protowire.BytesType:
			e.value, n = protowire.ConsumeBytes(b)
		case num == 5 && typ == protowire.VarintType:
			e.expiresAt, n = protowire.ConsumeVarint(b)
		case num == 6 && typ == protowire.BytesType:
			var meta []byte
			if meta, n = protowire.ConsumeBytes(b); len(meta) > 0 {
				e.meta = meta[0]
			}
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return e, errNotBackup
		}
		b = b[n:]
	}
	return e, nil
}

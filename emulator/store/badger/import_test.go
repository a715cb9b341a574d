package badger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/ironlocal/ironlocal/emulator"
)

// Snapshot import and damaged stores (issue 8): a crafted snapshot is
// refused with a clear 400 before anything changes; a damaged data dir
// still opens, skips what does not decode and reports it.

// populate fills s with one record of every kind: a queue with ready,
// delayed and reserved messages, a cache with items, a code with a
// revision and zip, a queued and a finished task with a log, a schedule.
func populate(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	ids, err := s.NextMessageIDs(3)
	require.NoError(t, err)
	require.NoError(t, s.UpdateQueues(ctx, func(tx emulator.QueueTx) error {
		if err := tx.PutQueue(emulator.Queue{Project: project, Name: "jobs", Type: emulator.QueuePull,
			MessageTimeout: 60, MessageExpiration: 3600}); err != nil {
			return err
		}
		for i, state := range []emulator.MessageState{emulator.MessageReady, emulator.MessageDelayed, emulator.MessageReserved} {
			m := emulator.Message{ID: ids[i], Body: fmt.Sprint("body ", i), State: state, PostedAt: t0,
				AvailableAt: t0.Add(time.Duration(i) * time.Minute), ExpiresAt: t0.Add(time.Hour)}
			if err := tx.InsertMessage(project, "jobs", m); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.UpdateCaches(ctx, func(tx emulator.CacheTx) error {
		if err := tx.PutCache(emulator.Cache{Project: project, Name: "conf", CreatedAt: t0}); err != nil {
			return err
		}
		for k, v := range map[string]string{"mode": `"test"`, "hits": "41"} {
			if err := tx.PutItem(emulator.Item{Project: project, Cache: "conf", Key: k, Value: []byte(v)}); err != nil {
				return err
			}
		}
		return nil
	}))
	require.NoError(t, s.UpdateWorker(ctx, func(tx emulator.WorkerTx) error {
		code := emulator.CodePackage{ID: "code1", Project: project, Name: "hello", Rev: 1, LatestHistoryID: "rev1", Image: "img"}
		if err := tx.PutCode(code); err != nil {
			return err
		}
		if err := tx.PutRevision(emulator.CodeRevision{ID: "rev1", CodeID: "code1", Project: project, Name: "hello", Rev: 1},
			[]byte("PK zip bytes")); err != nil {
			return err
		}
		for i, st := range []emulator.TaskStatus{emulator.TaskQueued, emulator.TaskComplete} {
			task := emulator.Task{ID: fmt.Sprint("task", i), Project: project, CodeID: "code1", CodeName: "hello",
				Status: st, CreatedAt: t0.Add(time.Duration(i) * time.Second), Seq: uint64(i + 1)}
			if err := tx.PutTask(nil, task); err != nil {
				return err
			}
		}
		if err := tx.AppendLog(project, "task1", 0, emulator.LogChunk{Data: []byte("hello\n")}); err != nil {
			return err
		}
		return tx.PutSchedule(emulator.Schedule{ID: "sched1", Project: project, CodeName: "hello",
			Status: emulator.ScheduleActive, StartAt: t0, CreatedAt: t0, RunEvery: 3600})
	}))
}

// dump returns every key and value in the store.
func dump(t testing.TB, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(it.Item().Key())] = string(v)
		}
		return nil
	}))
	return out
}

// withoutLeases drops the sequence leases, which an import merges rather
// than copies.
func withoutLeases(m map[string]string) map[string]string {
	for k := range m {
		if strings.HasPrefix(k, "!seq:") {
			delete(m, k)
		}
	}
	return m
}

func export(t testing.TB, s *Store) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, s.Export(context.Background(), &b, emulator.SnapshotOptions{}))
	return b.Bytes()
}

// header returns a snapshot header line of the given format version.
func header(version int) []byte {
	h, _ := json.Marshal(snapshotHeader{Format: snapshotFormat, Version: version, Schema: SchemaVersion, CreatedAt: t0})
	return append(h, '\n')
}

// frame encodes entries as one length-prefixed KVList of a backup stream.
func frame(t testing.TB, kvs ...*pb.KV) []byte {
	t.Helper()
	b, err := proto.Marshal(&pb.KVList{Kv: kvs})
	require.NoError(t, err)
	return append(binary.LittleEndian.AppendUint64(nil, uint64(len(b))), b...)
}

// seal builds a format-2 snapshot of a backup stream, with a trailer that
// matches it (the checksum proves nothing about intent: anyone can
// compute it).
func seal(stream []byte) []byte {
	sum := sha256.Sum256(stream)
	out := append(header(2), stream...)
	out = append(out, sum[:]...)
	out = binary.BigEndian.AppendUint64(out, uint64(len(stream)))
	return append(out, trailerMagic...)
}

// streamOf returns the backup stream of a format-2 snapshot.
func streamOf(t testing.TB, snap []byte) []byte {
	t.Helper()
	_, rest, ok := bytes.Cut(snap, []byte("\n"))
	require.True(t, ok, "snapshot has a header line")
	return rest[:len(rest)-trailerSize]
}

// withEntries returns snap with kvs appended as one more list, resealed.
func withEntries(t testing.TB, snap []byte, kvs ...*pb.KV) []byte {
	t.Helper()
	return seal(append(bytes.Clone(streamOf(t, snap)), frame(t, kvs...)...))
}

func kv(key, value []byte) *pb.KV { return &pb.KV{Key: key, Value: value, Version: 1} }

func schemaKV() *pb.KV { return kv(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion)) }

func storedJSON(gen uint64, js string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, gen), js...)
}

func TestImport_RoundTrip(t *testing.T) {
	src := openStore(t, Options{InMemory: true})
	populate(t, src)
	want := withoutLeases(dump(t, src))
	snap := export(t, src)
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			dst := openStore(t, kind.opts(t))
			putQueue(t, dst, project, "replaced")
			require.NoError(t, dst.Import(context.Background(), bytes.NewReader(snap)))
			require.Equal(t, want, withoutLeases(dump(t, dst)))
			require.NoError(t, dst.ViewQueues(context.Background(), func(tx emulator.QueueTx) error {
				_, err := tx.Queue(project, "replaced")
				require.ErrorIs(t, err, emulator.ErrNotFound, "the old state is gone")
				return nil
			}))
			require.Zero(t, dst.DecodeFailures().Count, "decode failures")
			readEverything(t, dst)
		})
	}
	t.Run("format 1 (no trailer)", func(t *testing.T) {
		dst := openStore(t, Options{InMemory: true})
		v1 := append(header(1), streamOf(t, snap)...)
		require.NoError(t, dst.Import(context.Background(), bytes.NewReader(v1)))
		require.Equal(t, want, withoutLeases(dump(t, dst)))
	})
	t.Run("deleted and older versions are not loaded", func(t *testing.T) {
		dst := openStore(t, Options{InMemory: true})
		key := nameKey(tagQueue, project, "gone")
		older := kv(nameKey(tagQueue, project, "kept"), storedJSON(8, `{"Type":"pull"}`))
		older.Version = 1
		newer := kv(older.Key, storedJSON(9, `{"Type":"pull"}`))
		newer.Version = 2
		stream := frame(t, schemaKV(), &pb.KV{Key: key, Version: 3, Meta: []byte{badgerBitDelete}},
			kv(key, storedJSON(7, `{}`)), newer, older)
		require.NoError(t, dst.Import(context.Background(), bytes.NewReader(seal(stream))))
		got := dump(t, dst)
		require.NotContains(t, got, string(key), "a deleted key")
		require.Equal(t, string(storedJSON(9, `{"Type":"pull"}`)), got[string(older.Key)], "the newest version")
	})
}

// TestImport_SequencesPassLoadedIDs: the leases after an import pass every
// id and generation the loaded records use, even when the snapshot's own
// leases are missing or smaller, so new messages never overwrite loaded ones.
func TestImport_SequencesPassLoadedIDs(t *testing.T) {
	const gen = 500
	id := emulator.MessageID(messageIDBase + 5000)
	m := readyMsg(uint64(id))
	stream := frame(t, schemaKV(), kv(keySeqMessage, binary.BigEndian.AppendUint64(nil, 3)),
		kv(nameKey(tagQueue, project, "q"), storedJSON(gen, `{"Type":"pull"}`)),
		kv(genIDKey(tagMessage, gen, id), encodeMessage(m)), kv(genIDKey(tagReady, gen, id), nil))
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			s := openStore(t, kind.opts(t))
			require.NoError(t, s.Import(context.Background(), bytes.NewReader(seal(stream))))
			require.Equal(t, []uint64{uint64(id)}, readyIDs(t, s, "q", 10))
			ids, err := s.NextMessageIDs(1)
			require.NoError(t, err)
			require.Greater(t, ids[0], id, "a new message id")
			g, err := s.nextGeneration()
			require.NoError(t, err)
			require.Greater(t, g, uint64(gen), "a new generation")
		})
	}
}

func TestImport_Refused(t *testing.T) {
	src := openStore(t, Options{InMemory: true})
	populate(t, src)
	snap := export(t, src)
	gen := generationOf(t, src, tagQueue, "jobs")

	badMeta := kv([]byte("!badger!head"), []byte("x"))
	expiring := kv(nameKey(tagQueue, project, "ttl"), storedJSON(3, `{}`))
	expiring.ExpiresAt = uint64(time.Now().Add(time.Hour).Unix())
	notProtobuf := append(binary.LittleEndian.AppendUint64(nil, 4), 0xff, 0xff, 0xff, 0xff)

	cases := []struct {
		name string
		body []byte
		want string // the exact message, or its start when it ends in "…"
	}{
		{"empty body", nil, "Not an ironlocal snapshot: no header line"},
		{"header too long", append(bytes.Repeat([]byte(" "), maxHeaderLine+1), '\n'),
			"Not an ironlocal snapshot: no header line within the first 4096 bytes"},
		{"endless header", bytes.Repeat([]byte("x"), 1<<20), "Not an ironlocal snapshot: no header line within the first 4096 bytes"},
		{"not a snapshot", []byte("hello\n"), "Not an ironlocal snapshot: bad header"},
		{"newer format", append([]byte(`{"format":"ironlocal-snapshot","version":3,"schema":1}`), '\n'),
			"Snapshot format 3 (schema 1) is newer than this ironlocal supports (format 2, schema 2): upgrade ironlocal"},
		{"truncated", snap[:len(snap)/2], "Snapshot is truncated: its end marker is missing"},
		{"padded", append(bytes.Clone(snap), 0), "Snapshot is truncated: its end marker is missing"},
		{"length does not match", func() []byte {
			b := bytes.Clone(snap)
			n := len(b) - len(trailerMagic) - 8
			binary.BigEndian.PutUint64(b[n:], binary.BigEndian.Uint64(b[n:])+1)
			return b
		}(), "Snapshot is truncated or padded: its length does not match"},
		{"a damaged byte", func() []byte {
			b := bytes.Clone(snap)
			b[len(header(2))+10] ^= 0xff
			return b
		}(), "Snapshot is damaged: its checksum does not match"},
		{"length past the end", seal(binary.LittleEndian.AppendUint64(nil, 1<<40)),
			"Snapshot is corrupt or truncated: a record is cut short"},
		{"stream cut inside a length", seal([]byte{1, 2, 3}), "Snapshot is corrupt or truncated: a record is cut short"},
		{"not a backup stream", seal(notProtobuf), "Snapshot is corrupt: its records are not a Badger backup stream"},
		{"no schema version", seal(frame(t, kv(nameKey(tagQueue, project, "q"), storedJSON(1, `{}`)))),
			"Snapshot is corrupt or truncated: it holds no store schema version"},
		{"queue key without a separator", withEntries(t, snap, kv([]byte("qnoseparator"), storedJSON(1, `{}`))),
			`Snapshot holds an invalid record (key "qnoseparator"): key has no NUL separator between its parts`},
		{"queue record with bad JSON", withEntries(t, snap, kv(nameKey(tagQueue, project, "bad"), storedJSON(1, `{"Type":`))),
			`Snapshot holds an invalid record (key "q000000000000000000000001\x00bad"): queue record: unexpected end of JSON input`},
		{"queue record without a generation", withEntries(t, snap, kv(nameKey(tagQueue, project, "bad"), []byte{1})),
			`Snapshot holds an invalid record (key "q000000000000000000000001\x00bad"): queue record: shorter than its 8-byte generation`},
		{"cache name with a slash", withEntries(t, snap, kv(nameKey(tagCache, project, "a/b"), storedJSON(1, `{}`))),
			`Snapshot holds an invalid record (key "c000000000000000000000001\x00a/b"): cache name holds '/'`},
		{"project id too long", withEntries(t, snap, kv(nameKey(tagQueue, strings.Repeat("p", 300), "q"), storedJSON(1, `{}`))),
			`Snapshot holds an invalid record (key "qpppp…`},
		{"message that does not decode", withEntries(t, snap, kv(genIDKey(tagMessage, gen, 7), []byte{1, 2})),
			`Snapshot holds an invalid record (key "m…`},
		{"message under another id", withEntries(t, snap, kv(genIDKey(tagMessage, gen, 7), encodeMessage(readyMsg(8)))),
			`…: message record holds id 8, its key 7`},
		{"index key of the wrong length", withEntries(t, snap, kv(append(genPrefix(tagPending, gen), 1, 2, 3), nil)),
			`…: index key is not as long as its kind prescribes`},
		{"dead-generation key of the wrong length", withEntries(t, snap, kv([]byte("d1"), nil)),
			`Snapshot holds an invalid record (key "d1"): dead-generation key is not 9 bytes long`},
		{"cache item that is not JSON", withEntries(t, snap, kv(itemKey(gen, "k"), encodeItem(emulator.Item{Value: []byte("{nope")}))),
			`…: cache item: corrupt record: its value is not JSON`},
		{"task record with bad JSON", withEntries(t, snap, kv(key(tagTask, project, "t9"), []byte("{"))),
			`Snapshot holds an invalid record (key "T000000000000000000000001\x00t9"): record: unexpected end of JSON input`},
		{"task key without its id", withEntries(t, snap, kv([]byte("T"+project), []byte("{}"))),
			`…: key has no NUL separator between its parts`},
		{"status index of an unknown status", withEntries(t, snap, kv(key(tagTaskStatus, "bogus", project, "t1"), nil)),
			`…: unknown task status "bogus"`},
		{"log chunk without its stream byte", withEntries(t, snap, kv(be32(append(key(tagLog, project, "t1"), 0), 0), nil)),
			`…: log chunk does not start with its stream (0 or 1)`},
		{"unknown record kind", withEntries(t, snap, kv([]byte("Qx"), nil)), `Snapshot holds an invalid record (key "Qx"): unknown record kind 'Q'`},
		{"Badger's own keys", withEntries(t, snap, badMeta), `Snapshot holds an invalid record (key "!badger!head"): unknown metadata key`},
		// A key the stream already holds: after another key, or it would
		// read as an older version of the stream's last key.
		{"schema version newer than the header says", withEntries(t, snap, kv(genPrefix(tagDead, 999), nil), kv(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion+1))),
			`Snapshot holds an invalid record (key "!schema"): schema version 3 is not one this ironlocal reads (1 to 2)`},
		{"sequence lease of 3 bytes", withEntries(t, snap, kv(genPrefix(tagDead, 999), nil), kv(keySeqMessage, []byte{1, 2, 3})),
			`Snapshot holds an invalid record (key "!seq:message"): sequence lease is 3 bytes, not 8`},
		{"sequence lease past the range", withEntries(t, snap, kv(genPrefix(tagDead, 999), nil), kv(keySeqGen, binary.BigEndian.AppendUint64(nil, 1<<62))),
			`Snapshot holds an invalid record (key "!seq:generation"): sequence lease 4611686018427387904 is beyond 2305843009213693952`},
		{"generation past the range", withEntries(t, snap, kv(genPrefix(tagDead, 1<<62), nil)),
			`…: generation 4611686018427387904 is beyond 2305843009213693952`},
		{"a Badger expiry", withEntries(t, snap, expiring), `…: it carries a Badger expiry time, which ironlocal never writes`},
		{"key over Badger's limit", withEntries(t, snap, kv(append([]byte{tagItem}, bytes.Repeat([]byte("k"), maxSnapshotKey)...), nil)),
			`…: key of 65001 bytes is over Badger's 65000 byte limit`},
		{"binding whose template calls itself", withEntries(t, snap, kv(bindingKey("b1"),
			[]byte(`{"id":"b1","project_id":"`+project+`","name":"loop","plugin":"upload","action":{"type":"message","queue":"q",`+
				`"template":"{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}"}}`))),
			`…: binding b1 ("loop"): action.template: template "a" calls itself: recursion is not allowed`},
		{"more bindings in a project than allowed", withEntries(t, snap, bindingRecords(emulator.DefaultMaxBindings+1)...),
			`Snapshot holds over 200 trigger bindings for project 000000000000000000000001, the limit (--max-bindings)`},
	}
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			s := openStore(t, kind.opts(t))
			populate(t, s)
			want := dump(t, s)
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					err := s.Import(context.Background(), bytes.NewReader(tc.body))
					require.ErrorIs(t, err, emulator.ErrInvalid, "refused as invalid (400)")
					switch msg := err.Error(); {
					case strings.HasPrefix(tc.want, "…"):
						require.True(t, strings.HasSuffix(msg, tc.want[len("…"):]), "got %q, want it to end in %q", msg, tc.want)
					case strings.HasSuffix(tc.want, "…"):
						require.True(t, strings.HasPrefix(msg, tc.want[:len(tc.want)-len("…")]), "got %q, want it to start with %q", msg, tc.want)
					default:
						require.Equal(t, tc.want, msg)
					}
					require.Equal(t, want, dump(t, s), "a refused import changes nothing")
				})
			}
		})
	}
}

// bindingRecords are n binding records of one project.
func bindingRecords(n int) []*pb.KV {
	out := make([]*pb.KV, n)
	for i := range out {
		id := fmt.Sprintf("b%05d", i)
		out[i] = kv(bindingKey(id), []byte(`{"id":"`+id+`","project_id":"`+project+`","plugin":"upload","action":{"type":"message","queue":"q"}}`))
	}
	return out
}

// TestImport_TempFiles checks that the staged copy lives in the data dir
// (the OS temp dir for an in-memory store) and is gone afterwards, and that
// a killed import's leftover is removed at the next open.
func TestImport_TempFiles(t *testing.T) {
	src := openStore(t, Options{InMemory: true})
	populate(t, src)
	snap := export(t, src)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	leftovers := func(dir string) []string {
		names, err := filepath.Glob(filepath.Join(dir, ".import-*"))
		require.NoError(t, err)
		return names
	}
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			opts := kind.opts(t)
			s := openStore(t, opts)
			dir := opts.Dir
			if opts.InMemory {
				dir = tmp
			}
			seen := &statReader{r: bytes.NewReader(snap), dir: dir}
			require.NoError(t, s.Import(context.Background(), seen))
			require.NotEmpty(t, seen.staged, "the snapshot was staged in %s", dir)
			require.Empty(t, leftovers(dir), "after an import")
			require.Error(t, s.Import(context.Background(), bytes.NewReader(snap[:len(snap)-1])))
			require.Empty(t, leftovers(dir), "after a refused import")
			require.Empty(t, leftovers(tmp), "nothing in the OS temp dir")
		})
	}
	t.Run("leftover removed at open", func(t *testing.T) {
		dir := t.TempDir()
		s := New(Options{Dir: dir})
		require.NoError(t, s.Open())
		require.NoError(t, s.Close())
		stale := filepath.Join(dir, ".import-123.snapshot")
		require.NoError(t, os.WriteFile(stale, []byte("x"), 0o600))
		openStore(t, Options{Dir: dir})
		require.NoFileExists(t, stale)
	})
}

// statReader notes the import temp files in dir while the body is read.
type statReader struct {
	r      io.Reader
	dir    string
	staged []string
}

func (s *statReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if errors.Is(err, io.EOF) {
		s.staged, _ = filepath.Glob(filepath.Join(s.dir, ".import-*"))
	}
	return n, err
}

// junk is an endless stream of bytes that are no snapshot; it records the
// largest HeapInuse seen while it is read.
type junk struct {
	left    int64
	read    int64
	maxHeap uint64
}

func (j *junk) Read(p []byte) (int, error) {
	if j.left <= 0 {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), j.left))
	for i := range p[:n] {
		p[i] = byte(i*31 + 7)
	}
	if j.read/(8<<20) != (j.read+int64(n))/(8<<20) {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		j.maxHeap = max(j.maxHeap, ms.HeapInuse)
	}
	j.left -= int64(n)
	j.read += int64(n)
	return n, nil
}

// TestImport_MemoryBound streams 200 MB of junk, then one 80 MiB record,
// through the importer: neither the heap in use nor the bytes allocated
// grow with the body.
func TestImport_MemoryBound(t *testing.T) {
	s := openStore(t, Options{Dir: t.TempDir()})
	populate(t, s)
	want := dump(t, s)
	stats := func() runtime.MemStats {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms
	}
	const bound = 16 << 20
	requireBounded := func(t *testing.T, before runtime.MemStats, j *junk) {
		t.Helper()
		after := stats()
		require.NotZero(t, j.maxHeap, "heap sampled while reading")
		require.Less(t, j.maxHeap, before.HeapInuse+bound, "heap in use while importing: %d MB over %d MB",
			(j.maxHeap-before.HeapInuse)>>20, before.HeapInuse>>20)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(bound), "bytes allocated by the import")
	}

	t.Run("200 MB of junk after a header", func(t *testing.T) {
		before := stats()
		j := &junk{left: 200 << 20}
		err := s.Import(context.Background(), io.MultiReader(bytes.NewReader(header(2)), j))
		require.EqualError(t, err, "Snapshot is truncated: its end marker is missing")
		require.Equal(t, int64(200<<20), j.read, "the whole body was read")
		requireBounded(t, before, j)
	})
	t.Run("a record of 80 MiB", func(t *testing.T) {
		before := stats()
		// A format 1 snapshot: one list claiming an 80 MiB entry, which is
		// there, so only the record limit refuses it.
		const n = 80 << 20
		entry := protoBytesField(1, n)
		list := append(binary.LittleEndian.AppendUint64(nil, uint64(len(entry)+n)), entry...)
		j := &junk{left: n}
		err := s.Import(context.Background(), io.MultiReader(bytes.NewReader(header(1)), bytes.NewReader(list), j))
		require.EqualError(t, err, fmt.Sprintf("Snapshot holds a record of %d bytes, over the %d byte limit", n, maxSnapshotRecord))
		requireBounded(t, before, j)
	})
	require.Equal(t, want, dump(t, s), "refused imports change nothing")
}

// protoBytesField is the tag and length of a bytes field of n bytes.
func protoBytesField(num, n uint64) []byte {
	return binary.AppendUvarint(binary.AppendUvarint(nil, num<<3|2), n)
}

// readEverything reads every record through the store's own accessors and
// fails on any error: what an import accepted must read back.
func readEverything(t testing.TB, s *Store) {
	t.Helper()
	ctx := context.Background()
	far := t0.Add(100 * 365 * 24 * time.Hour)
	projects := map[string]bool{}
	require.NoError(t, s.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		return tx.ListAllQueues(func(q emulator.Queue) error {
			projects[q.Project] = true
			if _, err := tx.ReadyMessages(q.Project, q.Name, 1000); err != nil {
				return err
			}
			if _, err := tx.DueMessages(q.Project, q.Name, far, 1000); err != nil {
				return err
			}
			_, err := tx.ExpiredMessages(q.Project, q.Name, far, 1000)
			return err
		})
	}))
	require.NoError(t, s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			switch k := it.Item().Key(); k[0] {
			case tagCache, tagCode, tagTask, tagSchedule:
				if p, _, ok := bytes.Cut(k[1:], []byte{0}); ok {
					projects[string(p)] = true
				}
			}
		}
		return nil
	}))
	for p := range projects {
		require.NoError(t, s.ViewCaches(ctx, func(tx emulator.CacheTx) error {
			caches, err := tx.ListCaches(p, 0, 1000)
			for _, c := range caches {
				if err := tx.Items(p, c.Name, func(emulator.Item) error { return nil }); err != nil {
					return err
				}
			}
			return err
		}))
		require.NoError(t, s.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
			codes, err := tx.ListCodes(p, 0, 1000)
			if err != nil {
				return err
			}
			for _, c := range codes {
				if _, err := tx.Revisions(p, c.ID, 0, 1000); err != nil {
					return err
				}
			}
			if _, err := tx.ListTasks(p, emulator.TaskFilter{}, 0, 1000); err != nil {
				return err
			}
			_, err = tx.ListSchedules(p, 0, 1000)
			return err
		}))
	}
	require.NoError(t, s.ViewWorker(ctx, func(tx emulator.WorkerTx) error {
		for _, st := range knownStatuses {
			if err := tx.TasksInStatus(st, func(emulator.Task) error { return nil }); err != nil {
				return err
			}
		}
		return tx.ActiveSchedules(func(emulator.Schedule) error { return nil })
	}))
}

// FuzzSnapshotImport feeds the importer valid, crafted and mutated
// snapshots. It must never panic; a refused import must be a 400 and leave
// the store exactly as it was; an accepted one must read back without
// errors. Most seeds are format 1 (no checksum), so mutations reach the
// record checks instead of stopping at the trailer.
func FuzzSnapshotImport(f *testing.F) {
	src := New(Options{InMemory: true})
	require.NoError(f, src.Open())
	populate(f, src)
	snap := export(f, src)
	require.NoError(f, src.Close())
	stream := streamOf(f, snap)
	v1 := func(s []byte) []byte { return append(header(1), s...) }

	f.Add(snap)
	f.Add(v1(stream))
	f.Add(v1(frame(f, schemaKV())))
	f.Add(v1(frame(f, schemaKV(), kv([]byte("qnoseparator"), storedJSON(1, `{}`)))))
	f.Add(v1(frame(f, schemaKV(), kv(nameKey(tagQueue, project, "q"), storedJSON(1, `{"Type":`)))))
	f.Add(v1(frame(f, schemaKV(), kv(nameKey(tagQueue, project, "q"), storedJSON(1, `{}`)),
		kv(genIDKey(tagReady, 1, 5), nil), kv(genIDKey(tagMessage, 1, 5), encodeMessage(readyMsg(5))))))
	f.Add(v1(frame(f, schemaKV(), kv(key(tagTaskStatus, "queued", project, "t"), nil))))
	f.Add(withEntries(f, snap, kv(genPrefix(tagDead, 9), nil), kv(keySeqGen, []byte{1})))
	f.Add(snap[:len(snap)/2])
	f.Add([]byte{})

	// One store for every input; an accepted input's state is replaced by
	// the populated one again, so each input meets the same state.
	s := New(Options{InMemory: true})
	require.NoError(f, s.Open())
	f.Cleanup(func() { _ = s.Close() })
	require.NoError(f, s.Import(context.Background(), bytes.NewReader(snap)))
	populated := withoutLeases(dump(f, s))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := dump(t, s)
		require.Equal(t, populated, withoutLeases(maps.Clone(before)), "the state this input meets")
		err := s.Import(context.Background(), bytes.NewReader(data))
		if err != nil {
			require.ErrorIs(t, err, emulator.ErrInvalid, "a refused snapshot is a 400: %v", err)
			require.Equal(t, before, dump(t, s), "a refused import changed the store: %v", err)
			return
		}
		readEverything(t, s)
		require.NoError(t, s.Import(context.Background(), bytes.NewReader(snap)), "restore the populated state")
	})
}

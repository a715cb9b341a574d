package badger

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// damageStore writes records behind the store's back, as a failing disk or
// a foreign tool would.
func damageStore(t *testing.T, s *Store, kvs map[string][]byte) {
	t.Helper()
	require.NoError(t, s.db.Update(func(txn *badger.Txn) error {
		for k, v := range kvs {
			if err := txn.Set([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	}))
}

func queueNames(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	view(t, s, func(tx emulator.QueueTx) error {
		qs, err := tx.ListQueues(project, "", "", 100)
		for _, q := range qs {
			names = append(names, q.Name)
		}
		return err
	})
	return names
}

func allQueueNames(t *testing.T, s *Store) []string {
	t.Helper()
	var names []string
	view(t, s, func(tx emulator.QueueTx) error {
		return tx.ListAllQueues(func(q emulator.Queue) error {
			names = append(names, q.Name)
			return nil
		})
	})
	return names
}

// TestStore_DamagedRecords: every kind of record that does not decode is
// skipped by lists, absent to lookups, reported by DecodeFailures, and
// fatal to nothing — also after a restart.
func TestStore_DamagedRecords(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, Options{Dir: dir})
	populate(t, s)
	gen := generationOf(t, s, tagQueue, "jobs")
	cgen := generationOf(t, s, tagCache, "conf")
	damaged := map[string][]byte{
		"qnoseparator": storedJSON(50, `{}`), // panicked in namesFromKey
		string(nameKey(tagQueue, project, "badjson")):                      storedJSON(51, `{"Type":`),
		string(nameKey(tagQueue, project, "short")):                        {1, 2},
		string(genIDKey(tagMessage, gen, 900)):                             {1, 2, 3},
		string(genIDKey(tagReady, gen, 900)):                               nil, // points at the damaged message
		string(genIDKey(tagReady, gen, 901)):                               nil, // points at no message
		string(append(genPrefix(tagExpiry, gen), 1)):                       nil, // index key of the wrong length
		string(itemKey(cgen, "broken")):                                    encodeItem(emulator.Item{Value: []byte("{nope")}),
		string(key(tagTaskStatus, "queued", project, "ghost")):             nil,
		string(key(tagTask, project, "badtask")):                           []byte("{"),
		string(be64(be64(append(key(tagTaskProject, project), 0), 1), 99)): []byte("badtask"),
		string(key(tagActive, "ghostsched")):                               []byte(project),
		"d1":                                                               nil, // a dead-generation key of the wrong length
	}
	damageStore(t, s, damaged)

	// check reads everything; want is the number of damaged records it
	// meets.
	check := func(t *testing.T, s *Store, want int) {
		t.Helper()
		require.Equal(t, []string{"jobs"}, allQueueNames(t, s), "the expiry sweeper's scan skips damaged queue records")
		require.Equal(t, []string{"jobs"}, queueNames(t, s), "lists skip damaged queue records")
		view(t, s, func(tx emulator.QueueTx) error {
			_, err := tx.Queue(project, "badjson")
			require.ErrorIs(t, err, emulator.ErrNotFound, "a damaged queue reads as absent")
			_, err = tx.Queue(project, "short")
			require.ErrorIs(t, err, emulator.ErrNotFound, "a queue record without a generation reads as absent")
			_, err = tx.Message(project, "jobs", 900)
			require.ErrorIs(t, err, emulator.ErrNotFound, "a damaged message reads as absent")
			far := t0.Add(1000 * 3600e9)
			ready, err := tx.ReadyMessages(project, "jobs", 10)
			require.NoError(t, err)
			require.Len(t, ready, 1, "ready messages skip index entries to damaged or missing messages")
			expired, err := tx.ExpiredMessages(project, "jobs", far, 10)
			require.NoError(t, err)
			require.Len(t, expired, 3, "the expiry scan skips a malformed index key")
			return nil
		})
		require.Equal(t, map[string]string{"mode": `"test"`, "hits": "41"}, items(t, s, "conf"), "items skip a damaged one")
		require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
			_, err := tx.Item(project, "conf", "broken")
			require.ErrorIs(t, err, emulator.ErrNotFound)
			return nil
		}))
		require.NoError(t, s.ViewWorker(context.Background(), func(tx emulator.WorkerTx) error {
			var queued []string
			require.NoError(t, tx.TasksInStatus(emulator.TaskQueued, func(task emulator.Task) error {
				queued = append(queued, task.ID)
				return nil
			}), "the worker's start-up scan")
			require.Equal(t, []string{"task0"}, queued)
			tasks, err := tx.ListTasks(project, emulator.TaskFilter{}, 0, 100)
			require.NoError(t, err)
			require.Len(t, tasks, 2, "task lists skip a damaged task")
			_, err = tx.Task(project, "badtask")
			require.ErrorIs(t, err, emulator.ErrNotFound)
			var active []string
			require.NoError(t, tx.ActiveSchedules(func(s emulator.Schedule) error {
				active = append(active, s.ID)
				return nil
			}), "the scheduler's start-up scan")
			require.Equal(t, []string{"sched1"}, active)
			return nil
		}))
		got := s.DecodeFailures()
		require.Equal(t, want, got.Count, "distinct damaged records: %q", got.Examples)
		require.Len(t, got.Examples, maxDamagedExamples)
		require.Contains(t, got.Examples, `key "qnoseparator": queue record: key has no NUL separator between its parts`)
	}
	// 11: every damaged record but the dead-generation key, which only
	// the sweeper reads, and the ready entry of the damaged message, which
	// is reported as that message.
	t.Run("reads skip and report", func(t *testing.T) { check(t, s, 11) })
	t.Run("the sweeper drops a malformed dead-generation key", func(t *testing.T) {
		s.kickSweeper()
		require.Eventually(t, func() bool {
			err := s.db.View(func(txn *badger.Txn) error {
				_, err := txn.Get([]byte("d1"))
				return err
			})
			return errors.Is(err, badger.ErrKeyNotFound)
		}, 10*time.Second, 10*time.Millisecond, "the sweeper never dropped the malformed key")
		require.Equal(t, 12, s.DecodeFailures().Count)
	})
	t.Run("writing a damaged record again repairs it", func(t *testing.T) {
		putQueue(t, s, project, "badjson")
		require.Equal(t, []string{"badjson", "jobs"}, queueNames(t, s))
		update(t, s, func(tx emulator.QueueTx) error { return tx.DeleteQueue(project, "badjson") })
	})
	t.Run("a restart opens the same dir", func(t *testing.T) {
		require.NoError(t, s.Close())
		again := openStore(t, Options{Dir: dir})
		require.Zero(t, again.DecodeFailures().Count, "nothing read yet")
		check(t, again, 10) // less the repaired queue
	})
	t.Run("reset forgets the damage", func(t *testing.T) {
		s := openStore(t, Options{InMemory: true})
		damageStore(t, s, map[string][]byte{"qnoseparator": storedJSON(1, `{}`)})
		allQueueNames(t, s)
		require.Equal(t, 1, s.DecodeFailures().Count)
		require.NoError(t, s.Reset(context.Background()))
		require.Zero(t, s.DecodeFailures().Count)
	})
}

// TestStore_DamagedLease: Badger's sequences panic on a lease that is not 8
// bytes; the store rewrites it past every id in use instead.
func TestStore_DamagedLease(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	require.NoError(t, s.Open())
	populate(t, s)
	var maxID emulator.MessageID
	view(t, s, func(tx emulator.QueueTx) error {
		ms, err := tx.ExpiredMessages(project, "jobs", t0.Add(1000*3600e9), 100)
		for _, m := range ms {
			maxID = max(maxID, m.ID)
		}
		return err
	})
	maxGen := generationOf(t, s, tagCache, "conf")
	require.NoError(t, s.Close())
	for _, k := range [][]byte{keySeqMessage, keySeqGen} {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		require.NoError(t, err)
		require.NoError(t, db.Update(func(txn *badger.Txn) error { return txn.Set(k, []byte{1, 2, 3}) }))
		require.NoError(t, db.Close())
	}

	s = openStore(t, Options{Dir: dir})
	ids, err := s.NextMessageIDs(1)
	require.NoError(t, err)
	require.Greater(t, ids[0], maxID, "new message ids come after the stored ones")
	gen, err := s.nextGeneration()
	require.NoError(t, err)
	require.Greater(t, gen, maxGen, "new generations come after the stored ones")
	got := s.DecodeFailures()
	require.Equal(t, 2, got.Count, "%q", got.Examples)
	require.Contains(t, got.Examples[0], "sequence lease is not 8 bytes")
}

func TestCheckRecord_NeverPanics(t *testing.T) {
	// Every tag with every short key and value: errors, not panics.
	tags := []byte("!qmrpxcidWNRvZTPCSLHhA?")
	for _, tag := range tags {
		for n := range 30 {
			k := append([]byte{tag}, make([]byte, n)...)
			for _, v := range [][]byte{nil, {0}, {1}, binary.BigEndian.AppendUint64(nil, 1)} {
				require.NotPanics(t, func() { _ = checkRecord(k, v) }, "key %q value %q", k, v)
			}
		}
	}
	_, _, err := namesFromKey([]byte("q"))
	require.True(t, errors.Is(err, errShortKey))
}

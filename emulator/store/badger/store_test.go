package badger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// Conformance tests: every test runs against an on-disk and an in-memory
// store, like dgraph-io/badger's runBadgerTest.

const project = "000000000000000000000001"

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// storeKinds are the constructors the conformance tests run against.
var storeKinds = []struct {
	name string
	opts func(t *testing.T) Options
}{
	{"disk", func(t *testing.T) Options { return Options{Dir: t.TempDir()} }},
	{"memory", func(t *testing.T) Options { return Options{InMemory: true} }},
}

// runStoreTest runs fn once per store kind, each on a fresh open store that
// is closed when the subtest ends.
func runStoreTest(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, kind := range storeKinds {
		t.Run(kind.name, func(t *testing.T) {
			fn(t, openStore(t, kind.opts(t)))
		})
	}
}

func openStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s := New(opts)
	require.NoError(t, s.Open())
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func update(t *testing.T, s *Store, fn func(tx emulator.QueueTx) error) {
	t.Helper()
	require.NoError(t, s.UpdateQueues(context.Background(), fn))
}

func view(t *testing.T, s *Store, fn func(tx emulator.QueueTx) error) {
	t.Helper()
	require.NoError(t, s.ViewQueues(context.Background(), fn))
}

func putQueue(t *testing.T, s *Store, proj, name string) {
	t.Helper()
	update(t, s, func(tx emulator.QueueTx) error {
		return tx.PutQueue(emulator.Queue{Project: proj, Name: name, Type: emulator.QueuePull,
			MessageTimeout: 60, MessageExpiration: 3600})
	})
}

func readyMsg(id uint64) emulator.Message {
	return emulator.Message{ID: emulator.MessageID(id), Body: fmt.Sprint("body-", id), State: emulator.MessageReady,
		PostedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

func insert(t *testing.T, s *Store, queue string, msgs ...emulator.Message) {
	t.Helper()
	update(t, s, func(tx emulator.QueueTx) error {
		for _, m := range msgs {
			if err := tx.InsertMessage(project, queue, m); err != nil {
				return err
			}
		}
		return nil
	})
}

func ids(ms []emulator.Message) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = uint64(m.ID)
	}
	return out
}

func span(from, to uint64) []uint64 {
	var out []uint64
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func readyIDs(t *testing.T, s *Store, queue string, limit int) []uint64 {
	t.Helper()
	var got []emulator.Message
	view(t, s, func(tx emulator.QueueTx) error {
		var err error
		got, err = tx.ReadyMessages(project, queue, limit)
		return err
	})
	return ids(got)
}

func dueIDs(t *testing.T, s *Store, queue string, now time.Time, limit int) []uint64 {
	t.Helper()
	var got []emulator.Message
	view(t, s, func(tx emulator.QueueTx) error {
		var err error
		got, err = tx.DueMessages(project, queue, now, limit)
		return err
	})
	return ids(got)
}

func expiredIDs(t *testing.T, s *Store, queue string, now time.Time, limit int) []uint64 {
	t.Helper()
	var got []emulator.Message
	view(t, s, func(tx emulator.QueueTx) error {
		var err error
		got, err = tx.ExpiredMessages(project, queue, now, limit)
		return err
	})
	return ids(got)
}

// generationOf reads the generation a queue's or cache's keys hang off.
func generationOf(t *testing.T, s *Store, tag byte, name string) uint64 {
	t.Helper()
	var gen uint64
	require.NoError(t, s.view(context.Background(), func(tx *txn) error {
		var err error
		if tag == tagQueue {
			gen, err = tx.queueGen(project, name)
		} else {
			gen, err = tx.cacheGen(project, name)
		}
		return err
	}))
	return gen
}

// generationKeys counts the live keys (and the burial marker) of gen.
func generationKeys(t require.TestingT, s *Store, gen uint64) int {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	n := 0
	require.NoError(t, s.db.View(func(txn *badger.Txn) error {
		for _, tag := range append([]byte{tagDead}, generationTags...) {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: genPrefix(tag, gen)})
			for it.Rewind(); it.Valid(); it.Next() {
				n++
			}
			it.Close()
		}
		return nil
	}))
	return n
}

// requireSwept polls until the background sweeper has deleted every key of
// gen.
func requireSwept(t *testing.T, s *Store, gen uint64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) { assert.Zero(c, generationKeys(c, s, gen)) }, 10*time.Second, 10*time.Millisecond,
		"keys of generation %d were never swept", gen)
}

func TestStore_Queues(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		names := []string{"b", "a", "aa", "a-b", "B", "a\xff", "ab"}
		for _, n := range names {
			putQueue(t, s, project, n)
		}
		putQueue(t, s, project+"x", "a-other") // a project whose id extends ours
		putQueue(t, s, "p2", "a")

		t.Run("get", func(t *testing.T) {
			view(t, s, func(tx emulator.QueueTx) error {
				q, err := tx.Queue(project, "aa")
				require.NoError(t, err)
				require.Equal(t, "aa", q.Name)
				require.Equal(t, project, q.Project)
				require.Equal(t, 3600, q.MessageExpiration)
				_, err = tx.Queue(project, "nope")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Queue("p3", "a")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})

		list := func(proj, prefix, after string, limit int) []string {
			var got []string
			view(t, s, func(tx emulator.QueueTx) error {
				qs, err := tx.ListQueues(proj, prefix, after, limit)
				for _, q := range qs {
					require.Equal(t, proj, q.Project)
					got = append(got, q.Name)
				}
				return err
			})
			return got
		}
		cases := []struct {
			name          string
			proj          string
			prefix, after string
			limit         int
			want          []string
		}{
			{"all in byte order", project, "", "", 100, []string{"B", "a", "a-b", "aa", "ab", "a\xff", "b"}},
			{"limit", project, "", "", 3, []string{"B", "a", "a-b"}},
			{"prefix", project, "a", "", 100, []string{"a", "a-b", "aa", "ab", "a\xff"}},
			{"prefix is a whole name only", project, "aa", "", 100, []string{"aa"}},
			{"after existing", project, "", "a-b", 100, []string{"aa", "ab", "a\xff", "b"}},
			{"after missing", project, "", "a0", 2, []string{"aa", "ab"}},
			{"after the last", project, "", "b", 100, nil},
			{"after with prefix", project, "a", "aa", 100, []string{"ab", "a\xff"}},
			{"after before prefix", project, "a", "B", 100, []string{"a", "a-b", "aa", "ab", "a\xff"}},
			{"after past prefix", project, "a", "b", 100, nil},
			{"no match", project, "zz", "", 100, nil},
			{"other project", "p2", "", "", 100, []string{"a"}},
			{"project id is not a prefix match", project + "x", "", "", 100, []string{"a-other"}},
			{"unknown project", "p3", "", "", 100, nil},
		}
		for _, tc := range cases {
			t.Run("list/"+tc.name, func(t *testing.T) {
				require.Equal(t, tc.want, list(tc.proj, tc.prefix, tc.after, tc.limit))
			})
		}

		t.Run("list all", func(t *testing.T) {
			n := 0
			view(t, s, func(tx emulator.QueueTx) error {
				return tx.ListAllQueues(func(emulator.Queue) error { n++; return nil })
			})
			require.Equal(t, len(names)+2, n)
		})

		t.Run("put replaces record and keeps messages", func(t *testing.T) {
			insert(t, s, "a", readyMsg(1), readyMsg(2))
			update(t, s, func(tx emulator.QueueTx) error {
				q, err := tx.Queue(project, "a")
				require.NoError(t, err)
				q.MessageTimeout, q.Size = 120, 2
				return tx.PutQueue(q)
			})
			view(t, s, func(tx emulator.QueueTx) error {
				q, err := tx.Queue(project, "a")
				require.NoError(t, err)
				require.Equal(t, 120, q.MessageTimeout)
				require.EqualValues(t, 2, q.Size)
				return nil
			})
			require.Equal(t, []uint64{1, 2}, readyIDs(t, s, "a", 10))
		})

		t.Run("messages of an unknown queue", func(t *testing.T) {
			err := s.UpdateQueues(context.Background(), func(tx emulator.QueueTx) error {
				return tx.InsertMessage(project, "nope", readyMsg(1))
			})
			require.ErrorIs(t, err, emulator.ErrNotFound)
			view(t, s, func(tx emulator.QueueTx) error {
				_, err := tx.ReadyMessages(project, "nope", 1)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Message(project, "nope", 1)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})
	})
}

func TestStore_Transactions(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		t.Run("error rolls back", func(t *testing.T) {
			boom := errors.New("boom")
			err := s.UpdateQueues(context.Background(), func(tx emulator.QueueTx) error {
				require.NoError(t, tx.PutQueue(emulator.Queue{Project: project, Name: "rolled"}))
				return boom
			})
			require.ErrorIs(t, err, boom)
			view(t, s, func(tx emulator.QueueTx) error {
				_, err := tx.Queue(project, "rolled")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})
		t.Run("cancelled context", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			called := false
			fn := func(emulator.QueueTx) error { called = true; return nil }
			require.ErrorIs(t, s.UpdateQueues(ctx, fn), context.Canceled)
			require.ErrorIs(t, s.ViewQueues(ctx, fn), context.Canceled)
			require.False(t, called)
		})
		t.Run("reads see own writes", func(t *testing.T) {
			update(t, s, func(tx emulator.QueueTx) error {
				require.NoError(t, tx.PutQueue(emulator.Queue{Project: project, Name: "own"}))
				require.NoError(t, tx.InsertMessage(project, "own", readyMsg(7)))
				got, err := tx.ReadyMessages(project, "own", 10)
				require.NoError(t, err)
				require.Equal(t, []uint64{7}, ids(got))
				return nil
			})
		})
	})
}

func TestStore_DeleteQueue(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		putQueue(t, s, project, "other")
		var msgs []emulator.Message
		for i := uint64(1); i <= 50; i++ {
			msgs = append(msgs, readyMsg(i))
		}
		insert(t, s, "q", msgs...)
		insert(t, s, "other", readyMsg(1))
		gen := generationOf(t, s, tagQueue, "q")

		update(t, s, func(tx emulator.QueueTx) error { return tx.DeleteQueue(project, "q") })

		t.Run("queue and messages are gone", func(t *testing.T) {
			view(t, s, func(tx emulator.QueueTx) error {
				_, err := tx.Queue(project, "q")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Message(project, "q", 1)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})
		t.Run("deleting again is not found", func(t *testing.T) {
			err := s.UpdateQueues(context.Background(), func(tx emulator.QueueTx) error { return tx.DeleteQueue(project, "q") })
			require.ErrorIs(t, err, emulator.ErrNotFound)
		})
		t.Run("other queues keep their messages", func(t *testing.T) {
			require.Equal(t, []uint64{1}, readyIDs(t, s, "other", 10))
		})
		t.Run("a new queue of the same name starts empty", func(t *testing.T) {
			putQueue(t, s, project, "q")
			require.NotEqual(t, gen, generationOf(t, s, tagQueue, "q"))
			require.Empty(t, readyIDs(t, s, "q", 100))
			require.Empty(t, expiredIDs(t, s, "q", t0.Add(100*time.Hour), 100))
			view(t, s, func(tx emulator.QueueTx) error {
				_, err := tx.Message(project, "q", 1)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})
		t.Run("delete and recreate in one transaction", func(t *testing.T) {
			insert(t, s, "q", readyMsg(100))
			update(t, s, func(tx emulator.QueueTx) error {
				require.NoError(t, tx.DeleteQueue(project, "q"))
				return tx.PutQueue(emulator.Queue{Project: project, Name: "q"})
			})
			require.Empty(t, readyIDs(t, s, "q", 100))
		})
		t.Run("sweeper deletes the old keys", func(t *testing.T) {
			requireSwept(t, s, gen)
		})
	})
}

func TestStore_ClearMessages(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		var msgs []emulator.Message
		for i := uint64(1); i <= 3000; i++ {
			m := readyMsg(i)
			switch i % 3 {
			case 1:
				m.State, m.AvailableAt = emulator.MessageDelayed, t0.Add(time.Minute)
			case 2:
				m.State, m.AvailableAt, m.ReservationID = emulator.MessageReserved, t0.Add(time.Minute), "r"
			}
			msgs = append(msgs, m)
		}
		for i := 0; i < len(msgs); i += 500 {
			insert(t, s, "q", msgs[i:i+500]...)
		}
		update(t, s, func(tx emulator.QueueTx) error {
			q, err := tx.Queue(project, "q")
			require.NoError(t, err)
			q.Size, q.MessageTimeout = 3000, 99
			return tx.PutQueue(q)
		})
		gen := generationOf(t, s, tagQueue, "q")
		require.Equal(t, 3*3000, generationKeys(t, s, gen)) // m, r|p and x per message

		update(t, s, func(tx emulator.QueueTx) error { return tx.ClearMessages(project, "q") })

		t.Run("no message is visible", func(t *testing.T) {
			late := t0.Add(1000 * time.Hour)
			require.Empty(t, readyIDs(t, s, "q", 100))
			require.Empty(t, dueIDs(t, s, "q", late, 100))
			require.Empty(t, expiredIDs(t, s, "q", late, 100))
			view(t, s, func(tx emulator.QueueTx) error {
				for _, id := range []emulator.MessageID{1, 2, 3, 3000} {
					_, err := tx.Message(project, "q", id)
					require.ErrorIs(t, err, emulator.ErrNotFound)
				}
				return nil
			})
		})
		t.Run("the queue record is kept", func(t *testing.T) {
			view(t, s, func(tx emulator.QueueTx) error {
				q, err := tx.Queue(project, "q")
				require.NoError(t, err)
				require.Equal(t, 99, q.MessageTimeout)
				return nil
			})
		})
		t.Run("new messages go to the new generation", func(t *testing.T) {
			require.NotEqual(t, gen, generationOf(t, s, tagQueue, "q"))
			insert(t, s, "q", readyMsg(5000))
			require.Equal(t, []uint64{5000}, readyIDs(t, s, "q", 100))
		})
		t.Run("sweeper deletes the old keys", func(t *testing.T) {
			requireSwept(t, s, gen)
			require.Equal(t, []uint64{5000}, readyIDs(t, s, "q", 100))
		})
		t.Run("unknown queue", func(t *testing.T) {
			err := s.UpdateQueues(context.Background(), func(tx emulator.QueueTx) error { return tx.ClearMessages(project, "nope") })
			require.ErrorIs(t, err, emulator.ErrNotFound)
		})
	})
}

func TestStore_Messages(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		at := func(d time.Duration) time.Time { return t0.Add(d) }
		m1, m2, m3, m4, m5 := readyMsg(1), readyMsg(2), readyMsg(3), readyMsg(4), readyMsg(5)
		m2.State, m2.AvailableAt = emulator.MessageDelayed, at(30*time.Second)
		m4.State, m4.AvailableAt, m4.ReservationID = emulator.MessageReserved, at(10*time.Second), "res-4"
		m5.ExpiresAt = at(time.Minute)
		m5.PushHeaders = map[string]string{"X-A": "b"}
		// Inserted out of id order: the indexes, not insertion, give order.
		insert(t, s, "q", m5, m3, m1, m2, m4)

		t.Run("get copies every field", func(t *testing.T) {
			view(t, s, func(tx emulator.QueueTx) error {
				for _, want := range []emulator.Message{m1, m2, m4, m5} {
					got, err := tx.Message(project, "q", want.ID)
					require.NoError(t, err)
					require.Equal(t, want.ID, got.ID)
					require.Equal(t, want.Body, got.Body)
					require.Equal(t, want.State, got.State)
					require.True(t, want.AvailableAt.Equal(got.AvailableAt), "available_at of %d: got %v, want %v", want.ID, got.AvailableAt, want.AvailableAt)
					require.True(t, want.ExpiresAt.Equal(got.ExpiresAt))
					require.Equal(t, want.ReservationID, got.ReservationID)
					require.Equal(t, want.PushHeaders, got.PushHeaders)
				}
				_, err := tx.Message(project, "q", 99)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
		})
		t.Run("ready is FIFO by id", func(t *testing.T) {
			require.Equal(t, []uint64{1, 3, 5}, readyIDs(t, s, "q", 10))
			require.Equal(t, []uint64{1, 3}, readyIDs(t, s, "q", 2))
		})
		t.Run("due by available_at", func(t *testing.T) {
			require.Empty(t, dueIDs(t, s, "q", at(9*time.Second), 10))
			require.Equal(t, []uint64{4}, dueIDs(t, s, "q", at(10*time.Second), 10), "due exactly at available_at")
			require.Equal(t, []uint64{4, 2}, dueIDs(t, s, "q", at(time.Hour), 10), "earliest first, not id order")
			require.Equal(t, []uint64{4}, dueIDs(t, s, "q", at(time.Hour), 1))
		})
		t.Run("expired by expires_at", func(t *testing.T) {
			require.Empty(t, expiredIDs(t, s, "q", at(59*time.Second), 10))
			require.Equal(t, []uint64{5}, expiredIDs(t, s, "q", at(time.Minute), 10), "expired exactly at expires_at")
			require.Equal(t, []uint64{1, 2, 3, 4, 5}, sorted(expiredIDs(t, s, "q", at(2*time.Hour), 10)))
			require.Len(t, expiredIDs(t, s, "q", at(2*time.Hour), 2), 2)
		})

		transitions := []struct {
			name      string
			id        uint64
			change    func(m *emulator.Message)
			ready     []uint64
			dueAt     time.Time
			due       []uint64
			expiredAt time.Time
			expired   []uint64
		}{
			{"ready to reserved", 1, func(m *emulator.Message) {
				m.State, m.AvailableAt, m.ReservationID, m.ReservedCount = emulator.MessageReserved, at(5*time.Second), "res-1", 1
			}, []uint64{3, 5}, at(10 * time.Second), []uint64{1, 4}, at(time.Minute), []uint64{5}},
			{"reserved touched", 1, func(m *emulator.Message) {
				m.AvailableAt, m.ReservationID, m.ReservedCount = at(20*time.Second), "res-1b", 2
			}, []uint64{3, 5}, at(10 * time.Second), []uint64{4}, at(time.Minute), []uint64{5}},
			{"reserved back to ready", 1, func(m *emulator.Message) {
				m.State, m.AvailableAt, m.ReservationID = emulator.MessageReady, time.Time{}, ""
			}, []uint64{1, 3, 5}, at(time.Hour), []uint64{4, 2}, at(time.Minute), []uint64{5}},
			{"delayed made ready", 2, func(m *emulator.Message) {
				m.State, m.AvailableAt = emulator.MessageReady, time.Time{}
			}, []uint64{1, 2, 3, 5}, at(time.Hour), []uint64{4}, at(time.Minute), []uint64{5}},
			{"ready to delayed", 3, func(m *emulator.Message) {
				m.State, m.AvailableAt = emulator.MessageDelayed, at(time.Second)
			}, []uint64{1, 2, 5}, at(time.Hour), []uint64{3, 4}, at(time.Minute), []uint64{5}},
			{"expiry moved earlier", 2, func(m *emulator.Message) {
				m.ExpiresAt = at(30 * time.Second)
			}, []uint64{1, 2, 5}, at(time.Hour), []uint64{3, 4}, at(time.Minute), []uint64{2, 5}},
			{"expiry moved later", 5, func(m *emulator.Message) {
				m.ExpiresAt = at(3 * time.Hour)
			}, []uint64{1, 2, 5}, at(time.Hour), []uint64{3, 4}, at(time.Minute), []uint64{2}},
			{"body only", 5, func(m *emulator.Message) {
				m.Body = "changed"
			}, []uint64{1, 2, 5}, at(time.Hour), []uint64{3, 4}, at(time.Minute), []uint64{2}},
		}
		for _, tc := range transitions {
			t.Run("update/"+tc.name, func(t *testing.T) {
				var after emulator.Message
				update(t, s, func(tx emulator.QueueTx) error {
					old, err := tx.Message(project, "q", emulator.MessageID(tc.id))
					require.NoError(t, err)
					m := old
					tc.change(&m)
					after = m
					return tx.UpdateMessage(project, "q", old, m)
				})
				require.Equal(t, tc.ready, readyIDs(t, s, "q", 100), "ready")
				require.Equal(t, tc.due, dueIDs(t, s, "q", tc.dueAt, 100), "due")
				require.Equal(t, tc.expired, expiredIDs(t, s, "q", tc.expiredAt, 100), "expired")
				view(t, s, func(tx emulator.QueueTx) error {
					got, err := tx.Message(project, "q", after.ID)
					require.NoError(t, err)
					require.Equal(t, after.Body, got.Body)
					require.Equal(t, after.ReservedCount, got.ReservedCount)
					return nil
				})
			})
		}

		t.Run("delete removes every index entry", func(t *testing.T) {
			for _, id := range []emulator.MessageID{1, 3, 4} { // ready, delayed, reserved
				update(t, s, func(tx emulator.QueueTx) error {
					m, err := tx.Message(project, "q", id)
					require.NoError(t, err)
					return tx.DeleteMessage(project, "q", m)
				})
			}
			require.Equal(t, []uint64{2, 5}, readyIDs(t, s, "q", 100))
			require.Empty(t, dueIDs(t, s, "q", at(100*time.Hour), 100))
			require.Equal(t, []uint64{2, 5}, sorted(expiredIDs(t, s, "q", at(100*time.Hour), 100)))
			view(t, s, func(tx emulator.QueueTx) error {
				_, err := tx.Message(project, "q", 1)
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			})
			gen := generationOf(t, s, tagQueue, "q")
			require.Equal(t, 2*3, generationKeys(t, s, gen), "m, r and x keys of the two messages left")
		})
	})
}

// TestStore_ReadyPosition checks that a message moved back (a position
// after the other ids) is filed behind them, and back at its id when the
// position is cleared.
func TestStore_ReadyPosition(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		insert(t, s, "q", readyMsg(1), readyMsg(2), readyMsg(3))
		move := func(id, pos uint64) {
			update(t, s, func(tx emulator.QueueTx) error {
				old, err := tx.Message(project, "q", emulator.MessageID(id))
				require.NoError(t, err)
				m := old
				m.Position = emulator.MessageID(pos)
				return tx.UpdateMessage(project, "q", old, m)
			})
		}
		move(1, 10)
		require.Equal(t, []uint64{2, 3, 1}, readyIDs(t, s, "q", 10), "moved behind the waiting ones")
		insert(t, s, "q", readyMsg(11))
		require.Equal(t, []uint64{2, 3, 1, 11}, readyIDs(t, s, "q", 10), "later posts go behind it")
		view(t, s, func(tx emulator.QueueTx) error {
			m, err := tx.Message(project, "q", 1)
			require.NoError(t, err)
			require.Equal(t, emulator.MessageID(10), m.Position, "position read back")
			return nil
		})
		move(1, 0)
		require.Equal(t, []uint64{1, 2, 3, 11}, readyIDs(t, s, "q", 10), "back at its id")
		move(2, 12)
		update(t, s, func(tx emulator.QueueTx) error {
			m, err := tx.Message(project, "q", 2)
			require.NoError(t, err)
			return tx.DeleteMessage(project, "q", m)
		})
		require.Equal(t, []uint64{1, 3, 11}, readyIDs(t, s, "q", 10), "deleted from its position")
		require.Equal(t, 3*3, generationKeys(t, s, generationOf(t, s, tagQueue, "q")), "no index entry left behind")
	})
}

func sorted(xs []uint64) []uint64 {
	out := append([]uint64(nil), xs...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// reserve does what the mq service does: promote due messages, then take
// the first n ready messages and file them as reserved until until.
func reserve(t *testing.T, s *Store, queue string, now time.Time, n int, until time.Time) []uint64 {
	t.Helper()
	var got []emulator.Message
	update(t, s, func(tx emulator.QueueTx) error {
		due, err := tx.DueMessages(project, queue, now, 1000)
		if err != nil {
			return err
		}
		for _, m := range due {
			old := m
			m.State, m.AvailableAt, m.ReservationID = emulator.MessageReady, time.Time{}, ""
			if err := tx.UpdateMessage(project, queue, old, m); err != nil {
				return err
			}
		}
		if got, err = tx.ReadyMessages(project, queue, n); err != nil {
			return err
		}
		for _, m := range got {
			old := m
			m.State, m.AvailableAt, m.ReservationID = emulator.MessageReserved, until, "r"
			if err := tx.UpdateMessage(project, queue, old, m); err != nil {
				return err
			}
		}
		return nil
	})
	return ids(got)
}

// TestStore_ReadyHints checks that skipping the dead head of the ready
// index (hints.go) never skips a live message.
func TestStore_ReadyHints(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		var msgs []emulator.Message
		for i := uint64(1); i <= 1000; i++ {
			msgs = append(msgs, readyMsg(i))
		}
		insert(t, s, "q", msgs...)
		now := t0
		lease := now.Add(time.Minute)

		t.Run("reserving walks the queue in order", func(t *testing.T) {
			for i := uint64(0); i < 30; i++ {
				require.Equal(t, span(i*10+1, i*10+10), reserve(t, s, "q", now, 10, lease))
			}
		})
		t.Run("deleting the head", func(t *testing.T) {
			update(t, s, func(tx emulator.QueueTx) error {
				for i := uint64(1); i <= 100; i++ {
					m, err := tx.Message(project, "q", emulator.MessageID(i))
					require.NoError(t, err)
					require.NoError(t, tx.DeleteMessage(project, "q", m))
				}
				return nil
			})
			require.Equal(t, span(301, 305), readyIDs(t, s, "q", 5))
			require.Equal(t, span(301, 305), readyIDs(t, s, "q", 5), "again, from the raised hint")
		})
		t.Run("released message goes back to its position", func(t *testing.T) {
			update(t, s, func(tx emulator.QueueTx) error {
				old, err := tx.Message(project, "q", 150)
				require.NoError(t, err)
				m := old
				m.State, m.AvailableAt, m.ReservationID = emulator.MessageReady, time.Time{}, ""
				return tx.UpdateMessage(project, "q", old, m)
			})
			require.Equal(t, []uint64{150, 301, 302}, readyIDs(t, s, "q", 3))
			require.Equal(t, []uint64{150, 301}, reserve(t, s, "q", now, 2, lease))
			require.Equal(t, []uint64{302}, readyIDs(t, s, "q", 1))
		})
		t.Run("expired reservations return ahead of newer messages in the same transaction", func(t *testing.T) {
			// Everything reserved so far (101..300 except deleted, 150, 301)
			// becomes due; the scan that follows in the same transaction
			// must start below the hint.
			later := lease
			got := reserve(t, s, "q", later, 5, later.Add(time.Minute))
			require.Equal(t, span(101, 105), got)
			require.Equal(t, span(106, 110), readyIDs(t, s, "q", 5))
		})
		t.Run("concurrent readers see lowered entries after commit", func(t *testing.T) {
			before := readyIDs(t, s, "q", 1)
			update(t, s, func(tx emulator.QueueTx) error {
				m := readyMsg(50) // below everything, like a lower id released
				return tx.InsertMessage(project, "q", m)
			})
			require.Equal(t, []uint64{50}, readyIDs(t, s, "q", 1), "was %v", before)
		})
		t.Run("draining everything then refilling", func(t *testing.T) {
			update(t, s, func(tx emulator.QueueTx) error {
				for {
					ready, err := tx.ReadyMessages(project, "q", 100)
					require.NoError(t, err)
					if len(ready) == 0 {
						return nil
					}
					for _, m := range ready {
						require.NoError(t, tx.DeleteMessage(project, "q", m))
					}
				}
			})
			require.Empty(t, readyIDs(t, s, "q", 10))
			require.Empty(t, readyIDs(t, s, "q", 10), "again, from the raised hint")
			insert(t, s, "q", readyMsg(2000), readyMsg(60))
			require.Equal(t, []uint64{60, 2000}, readyIDs(t, s, "q", 10))
		})
	})
}

func TestStore_PendingHints(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		var msgs []emulator.Message
		for i := uint64(1); i <= 100; i++ {
			m := readyMsg(i)
			m.State, m.AvailableAt = emulator.MessageDelayed, t0.Add(time.Duration(i)*time.Second)
			msgs = append(msgs, m)
		}
		insert(t, s, "q", msgs...)
		// Promote the first 50 and scan again so the pending hint rises.
		require.Equal(t, span(1, 5), reserve(t, s, "q", t0.Add(50*time.Second), 5, t0.Add(time.Hour)))
		require.Empty(t, dueIDs(t, s, "q", t0.Add(50*time.Second), 10))
		// A reservation that ends before the remaining delays sits below
		// the hint and must still be found.
		update(t, s, func(tx emulator.QueueTx) error {
			old, err := tx.Message(project, "q", 6)
			require.NoError(t, err)
			m := old
			m.State, m.AvailableAt, m.ReservationID = emulator.MessageReserved, t0.Add(10*time.Second), "r"
			return tx.UpdateMessage(project, "q", old, m)
		})
		require.Equal(t, []uint64{6}, dueIDs(t, s, "q", t0.Add(50*time.Second), 10))
	})
}

// leaveLeaseTombstones files messages 1..n of queue at a minute past t0
// (1 ms apart), as reservations or push leases, and deletes them: the
// time index is left with n tombstones past now.
func leaveLeaseTombstones(t *testing.T, s *Store, queue string, n uint64) {
	t.Helper()
	var leased []emulator.Message
	for i := uint64(1); i <= n; i++ {
		m := readyMsg(i)
		m.State, m.AvailableAt = emulator.MessageReserved, t0.Add(time.Minute+time.Duration(i)*time.Millisecond)
		leased = append(leased, m)
	}
	insert(t, s, queue, leased...)
	update(t, s, func(tx emulator.QueueTx) error {
		for _, m := range leased {
			require.NoError(t, tx.DeleteMessage(project, queue, m))
		}
		return nil
	})
}

// A push queue's claims file each message at now + lease and its
// delivery deletes it, so the pending index holds a minute of tombstones
// past now. A scan for what is due stops at now, dead keys included,
// instead of walking them on every claim.
func TestStore_PendingScanStopsAtNow(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		const delivered = 500
		leaveLeaseTombstones(t, s, "q", delivered)
		due := readyMsg(delivered + 1)
		due.State, due.AvailableAt = emulator.MessageDelayed, t0
		insert(t, s, "q", due)

		var visited int
		require.NoError(t, s.update(context.Background(), func(tx *txn) error {
			got, err := tx.DueMessages(project, "q", t0, 10)
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, due.ID, got[0].ID)
			visited = tx.visited
			return nil
		}))
		require.Less(t, visited, 10, "the scan stepped on %d index versions for one due message", visited)
	})
}

func TestStore_Reopen(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	require.NoError(t, s.Open())
	putQueue(t, s, project, "q")
	m2 := readyMsg(2)
	m2.State, m2.AvailableAt, m2.ReservationID, m2.ReservedCount = emulator.MessageReserved, t0.Add(time.Minute), "res", 3
	insert(t, s, "q", readyMsg(1), m2, readyMsg(3))
	buried := generationOf(t, s, tagQueue, "q")
	update(t, s, func(tx emulator.QueueTx) error { return tx.ClearMessages(project, "q") })
	insert(t, s, "q", readyMsg(1), m2, readyMsg(3))
	putItems(t, s, "c", map[string]string{"k1": `"v1"`, "k2": `2`})
	first, err := s.NextMessageIDs(3)
	require.NoError(t, err)
	require.Less(t, first[0], first[1])
	require.Less(t, first[1], first[2])
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "close is idempotent")

	last := first[2]
	for round := range 3 {
		t.Run(fmt.Sprintf("reopen %d", round+1), func(t *testing.T) {
			s := New(Options{Dir: dir})
			require.NoError(t, s.Open())
			defer func() { require.NoError(t, s.Close()) }()

			require.Equal(t, []uint64{1, 3}, readyIDs(t, s, "q", 10))
			require.Equal(t, []uint64{2}, dueIDs(t, s, "q", t0.Add(time.Minute), 10))
			view(t, s, func(tx emulator.QueueTx) error {
				got, err := tx.Message(project, "q", 2)
				require.NoError(t, err)
				require.Equal(t, 3, got.ReservedCount)
				require.Equal(t, "res", got.ReservationID)
				return nil
			})
			require.Equal(t, map[string]string{"k1": `"v1"`, "k2": `2`}, items(t, s, "c"))
			requireSwept(t, s, buried) // whether or not the sweep finished before close

			got, err := s.NextMessageIDs(2)
			require.NoError(t, err)
			require.Greater(t, got[0], last, "ids keep increasing across reopen")
			require.Greater(t, got[1], got[0])
			last = got[1]
		})
	}
}

func TestStore_SchemaVersion(t *testing.T) {
	writeSchema := func(t *testing.T, dir string, v []byte) {
		t.Helper()
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		require.NoError(t, err)
		require.NoError(t, db.Update(func(txn *badger.Txn) error { return txn.Set(keySchema, v) }))
		require.NoError(t, db.Close())
	}
	newStore := func(t *testing.T) string {
		dir := t.TempDir()
		s := New(Options{Dir: dir})
		require.NoError(t, s.Open())
		require.NoError(t, s.Close())
		return dir
	}

	t.Run("fresh store records the version", func(t *testing.T) {
		for _, kind := range storeKinds {
			t.Run(kind.name, func(t *testing.T) {
				s := openStore(t, kind.opts(t))
				require.NoError(t, s.db.View(func(txn *badger.Txn) error {
					item, err := txn.Get(keySchema)
					require.NoError(t, err)
					v, err := item.ValueCopy(nil)
					require.NoError(t, err)
					require.Equal(t, SchemaVersion, binary.BigEndian.Uint32(v))
					return nil
				}))
			})
		}
	})
	t.Run("newer version is refused", func(t *testing.T) {
		dir := newStore(t)
		writeSchema(t, dir, binary.BigEndian.AppendUint32(nil, SchemaVersion+1))
		err := New(Options{Dir: dir}).Open()
		require.Error(t, err)
		require.ErrorContains(t, err, fmt.Sprintf("schema version %d, newer than this build's %d", SchemaVersion+1, SchemaVersion))
		require.ErrorContains(t, err, dir)

		// The refused store released the directory: it opens once fixed.
		writeSchema(t, dir, binary.BigEndian.AppendUint32(nil, SchemaVersion))
		s := New(Options{Dir: dir})
		require.NoError(t, s.Open())
		require.NoError(t, s.Close())
	})
	t.Run("an older version is upgraded, its records read as written", func(t *testing.T) {
		dir := t.TempDir()
		s := New(Options{Dir: dir})
		require.NoError(t, s.Open())
		putQueue(t, s, project, "q")
		m := readyMsg(7)
		m.State, m.AvailableAt = emulator.MessagePushing, t0
		m.Subscribers = []emulator.SubscriberState{{Name: "s", URL: "http://h", Status: emulator.PushRetrying,
			Tries: 1, LastTryAt: t0, NextTryAt: t0.Add(time.Minute), StatusCode: 503, Msg: "Service Unavailable"}}
		insert(t, s, "q", m)
		gen := generationOf(t, s, tagQueue, "q")
		require.NoError(t, s.Close())
		// As a build of schema 1 left it: its version, its message codec.
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		require.NoError(t, err)
		require.NoError(t, db.Update(func(txn *badger.Txn) error {
			if err := txn.Set(keySchema, binary.BigEndian.AppendUint32(nil, 1)); err != nil {
				return err
			}
			return txn.Set(genIDKey(tagMessage, gen, m.ID), encodeMessageV1(t, m))
		}))
		require.NoError(t, db.Close())

		s = openStore(t, Options{Dir: dir})
		view(t, s, func(tx emulator.QueueTx) error {
			got, err := tx.Message(project, "q", m.ID)
			require.NoError(t, err)
			require.Equal(t, m, got)
			return nil
		})
		require.NoError(t, s.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(keySchema)
			require.NoError(t, err)
			v, err := item.ValueCopy(nil)
			require.NoError(t, err)
			require.Equal(t, SchemaVersion, binary.BigEndian.Uint32(v), "a build of schema 1 now refuses it")
			return nil
		}))
	})
	t.Run("corrupt version is refused", func(t *testing.T) {
		dir := newStore(t)
		writeSchema(t, dir, []byte("x"))
		require.ErrorContains(t, New(Options{Dir: dir}).Open(), "schema version")
	})
	t.Run("same version opens", func(t *testing.T) {
		dir := newStore(t)
		s := New(Options{Dir: dir})
		require.NoError(t, s.Open())
		require.NoError(t, s.Close())
	})
}

func putItems(t *testing.T, s *Store, cache string, kv map[string]string) {
	t.Helper()
	require.NoError(t, s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
		if _, err := tx.Cache(project, cache); errors.Is(err, emulator.ErrNotFound) {
			if err := tx.PutCache(emulator.Cache{Project: project, Name: cache, CreatedAt: t0}); err != nil {
				return err
			}
		}
		for k, v := range kv {
			if err := tx.PutItem(emulator.Item{Project: project, Cache: cache, Key: k, Value: []byte(v)}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// items returns the cache's items as key → raw value, or nil when the cache
// does not exist.
func items(t *testing.T, s *Store, cache string) map[string]string {
	t.Helper()
	var out map[string]string
	require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
		err := tx.Items(project, cache, func(it emulator.Item) error {
			if out == nil {
				out = map[string]string{}
			}
			out[it.Key] = string(it.Value)
			return nil
		})
		if errors.Is(err, emulator.ErrNotFound) {
			return nil
		}
		return err
	}))
	return out
}

func TestStore_Caches(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		for _, name := range []string{"b", "a", "c", "a-1"} {
			putItems(t, s, name, nil)
		}
		putItems(t, s, "c", map[string]string{"k2": `"two"`, "k1": `1`, "k10": `true`})
		require.NoError(t, s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
			return tx.PutCache(emulator.Cache{Project: "p2", Name: "z"})
		}))

		listCaches := func(proj string, offset, limit int) []string {
			var names []string
			require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
				cs, err := tx.ListCaches(proj, offset, limit)
				for _, c := range cs {
					names = append(names, c.Name)
				}
				return err
			}))
			return names
		}
		listCases := []struct {
			name          string
			proj          string
			offset, limit int
			want          []string
		}{
			{"all in order", project, 0, 100, []string{"a", "a-1", "b", "c"}},
			{"limit", project, 0, 2, []string{"a", "a-1"}},
			{"offset", project, 2, 100, []string{"b", "c"}},
			{"offset and limit", project, 1, 2, []string{"a-1", "b"}},
			{"offset past the end", project, 10, 100, nil},
			{"other project", "p2", 0, 100, []string{"z"}},
		}
		for _, tc := range listCases {
			t.Run("list/"+tc.name, func(t *testing.T) {
				require.Equal(t, tc.want, listCaches(tc.proj, tc.offset, tc.limit))
			})
		}

		t.Run("items", func(t *testing.T) {
			var keys []string
			require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
				return tx.Items(project, "c", func(it emulator.Item) error {
					keys = append(keys, it.Key)
					return nil
				})
			}))
			require.Equal(t, []string{"k1", "k10", "k2"}, keys, "key order")
			require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
				it, err := tx.Item(project, "c", "k2")
				require.NoError(t, err)
				require.Equal(t, `"two"`, string(it.Value))
				_, err = tx.Item(project, "c", "nope")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Item(project, "nope", "k2")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Item("p2", "c", "k2")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			}))
		})
		t.Run("put replaces and delete removes", func(t *testing.T) {
			putItems(t, s, "c", map[string]string{"k1": `41`})
			require.NoError(t, s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
				return tx.DeleteItem(project, "c", "k10")
			}))
			require.Equal(t, map[string]string{"k1": `41`, "k2": `"two"`}, items(t, s, "c"))
		})
		t.Run("put into an unknown cache", func(t *testing.T) {
			err := s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
				return tx.PutItem(emulator.Item{Project: project, Cache: "nope", Key: "k", Value: []byte(`1`)})
			})
			require.ErrorIs(t, err, emulator.ErrNotFound)
		})
		t.Run("clear keeps the cache", func(t *testing.T) {
			gen := generationOf(t, s, tagCache, "c")
			require.NoError(t, s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
				return tx.ClearCache(project, "c")
			}))
			require.Nil(t, items(t, s, "c"))
			require.Contains(t, listCaches(project, 0, 100), "c")
			putItems(t, s, "c", map[string]string{"new": `"x"`})
			require.Equal(t, map[string]string{"new": `"x"`}, items(t, s, "c"))
			requireSwept(t, s, gen)
			require.Equal(t, map[string]string{"new": `"x"`}, items(t, s, "c"))
		})
		t.Run("delete removes cache and items", func(t *testing.T) {
			gen := generationOf(t, s, tagCache, "c")
			require.NoError(t, s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error {
				return tx.DeleteCache(project, "c")
			}))
			require.NoError(t, s.ViewCaches(context.Background(), func(tx emulator.CacheTx) error {
				_, err := tx.Cache(project, "c")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				_, err = tx.Item(project, "c", "new")
				require.ErrorIs(t, err, emulator.ErrNotFound)
				return nil
			}))
			require.NotContains(t, listCaches(project, 0, 100), "c")
			err := s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error { return tx.DeleteCache(project, "c") })
			require.ErrorIs(t, err, emulator.ErrNotFound)
			err = s.UpdateCaches(context.Background(), func(tx emulator.CacheTx) error { return tx.ClearCache(project, "c") })
			require.ErrorIs(t, err, emulator.ErrNotFound)

			putItems(t, s, "c", nil)
			require.Nil(t, items(t, s, "c"), "a recreated cache starts empty")
			requireSwept(t, s, gen)
		})
	})
}

func TestStore_Reset(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		putQueue(t, s, project, "q")
		insert(t, s, "q", readyMsg(1))
		putItems(t, s, "c", map[string]string{"k": `1`})
		before, err := s.NextMessageIDs(1)
		require.NoError(t, err)

		require.NoError(t, s.Reset(ctx))

		t.Run("everything is gone", func(t *testing.T) {
			n := 0
			view(t, s, func(tx emulator.QueueTx) error {
				return tx.ListAllQueues(func(emulator.Queue) error { n++; return nil })
			})
			require.Zero(t, n)
			require.Nil(t, items(t, s, "c"))
			require.NoError(t, s.ViewCaches(ctx, func(tx emulator.CacheTx) error {
				cs, err := tx.ListCaches(project, 0, 100)
				require.Empty(t, cs)
				return err
			}))
		})
		t.Run("the store works after reset", func(t *testing.T) {
			putQueue(t, s, project, "q")
			insert(t, s, "q", readyMsg(2))
			require.Equal(t, []uint64{2}, readyIDs(t, s, "q", 10))
		})
		t.Run("message ids keep increasing", func(t *testing.T) {
			// More than one lease of the sequence, so a lease lost with
			// the data would show.
			last := before[0]
			for range 3 {
				got, err := s.NextMessageIDs(1000)
				require.NoError(t, err)
				require.Greater(t, got[0], last)
				last = got[len(got)-1]
			}
		})
		t.Run("generations stay distinct", func(t *testing.T) {
			// More queues than one lease of the generation sequence.
			seen := map[uint64]string{}
			for i := range 250 {
				name := fmt.Sprintf("g%03d", i)
				putQueue(t, s, project, name)
				gen := generationOf(t, s, tagQueue, name)
				require.NotContains(t, seen, gen, "queue %s reuses the generation of %s", name, seen[gen])
				seen[gen] = name
			}
		})
		t.Run("reset twice", func(t *testing.T) {
			require.NoError(t, s.Reset(ctx))
			require.NoError(t, s.Reset(ctx))
			got, err := s.NextMessageIDs(1)
			require.NoError(t, err)
			require.Greater(t, got[0], before[0])
		})
		t.Run("close after reset", func(t *testing.T) {
			require.NoError(t, s.Close())
		})
	})
}

// TestStore_ReopenAfterReset checks that a reset data dir reopens with ids
// still above those handed out before the reset.
func TestStore_ReopenAfterReset(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	require.NoError(t, s.Open())
	before, err := s.NextMessageIDs(1)
	require.NoError(t, err)
	require.NoError(t, s.Reset(context.Background()))
	require.NoError(t, s.Close())

	s = openStore(t, Options{Dir: dir})
	got, err := s.NextMessageIDs(1)
	require.NoError(t, err)
	require.Greater(t, got[0], before[0])
}

// TestStore_PrivateFiles: a store in a world-readable folder (one the user
// made) ends up with its files readable by the user only, whatever the
// umask gave them.
func TestStore_PrivateFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dir, 0o755))
	require.NoError(t, os.Chmod(dir, 0o755))
	s := New(Options{Dir: dir})
	require.NoError(t, s.Open())
	require.NoError(t, s.Close())
	// As a store written with umask 022 (or by an older ironlocal) left them.
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Chmod(filepath.Join(dir, e.Name()), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("the user's"), 0o644))

	openStore(t, Options{Dir: dir})
	entries, err = os.ReadDir(dir)
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		fi, err := e.Info()
		require.NoError(t, err)
		if e.Name() == "notes.txt" {
			require.Equal(t, os.FileMode(0o644), fi.Mode().Perm(), "files that are not the store's are left alone")
			continue
		}
		require.Zero(t, fi.Mode().Perm()&0o077, "%s is %v", e.Name(), fi.Mode().Perm())
	}
}

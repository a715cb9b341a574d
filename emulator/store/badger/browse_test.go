package badger

import (
	"context"
	"fmt"
	"testing"

	"github.com/dgraph-io/badger/v4"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

func putTasks(t *testing.T, s *Store, tasks ...emulator.Task) {
	t.Helper()
	require.NoError(t, s.UpdateWorker(context.Background(), func(tx emulator.WorkerTx) error {
		for _, task := range tasks {
			old, err := tx.Task(task.Project, task.ID)
			var prev *emulator.Task
			if err == nil {
				prev = &old
			}
			if err := tx.PutTask(prev, task); err != nil {
				return err
			}
		}
		return nil
	}))
}

func counts(t *testing.T, s *Store, project string) emulator.WorkerCounts {
	t.Helper()
	var c emulator.WorkerCounts
	require.NoError(t, s.ViewWorker(context.Background(), func(tx emulator.WorkerTx) error {
		var err error
		c, err = tx.WorkerCounts(project)
		return err
	}))
	return c
}

func TestStore_WorkerCounts(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		task := func(id string, st emulator.TaskStatus, seq uint64) emulator.Task {
			return emulator.Task{ID: id, Project: project, CodeName: "c", Status: st, CreatedAt: t0, Seq: seq}
		}
		putTasks(t, s, task("a", emulator.TaskQueued, 1), task("b", emulator.TaskQueued, 2), task("c", emulator.TaskRunning, 3))
		putTasks(t, s, emulator.Task{ID: "x", Project: "other", CodeName: "c", Status: emulator.TaskQueued, CreatedAt: t0})
		putTasks(t, s, task("b", emulator.TaskComplete, 2), task("c", emulator.TaskError, 3))
		putTasks(t, s, task("c", emulator.TaskError, 3)) // no change

		c := counts(t, s, project)
		require.Equal(t, map[emulator.TaskStatus]int{"queued": 1, "running": 0, "complete": 1, "error": 1,
			"cancelled": 0, "killed": 0, "timeout": 0}, c.Tasks)

		var queued []string
		require.NoError(t, s.ViewWorker(context.Background(), func(tx emulator.WorkerTx) error {
			return tx.TasksInStatus(emulator.TaskQueued, func(task emulator.Task) error {
				queued = append(queued, task.ID)
				return nil
			})
		}))
		require.ElementsMatch(t, []string{"a", "x"}, queued, "finished tasks stay out of the queued scan")
	})
}

// TestStore_IndexTaskStatuses: a store written before the status index
// held finished tasks gets their entries at the next open.
func TestStore_IndexTaskStatuses(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{Dir: dir})
	require.NoError(t, s.Open())
	for i := range 3 {
		putTasks(t, s, emulator.Task{ID: fmt.Sprint("t", i), Project: project, CodeName: "c", Status: emulator.TaskComplete, CreatedAt: t0, Seq: uint64(i)})
	}
	// Make it look old: no entries for finished tasks, no marker.
	require.NoError(t, s.db.Update(func(txn *badger.Txn) error {
		for i := range 3 {
			if err := txn.Delete(key(tagTaskStatus, "complete", project, fmt.Sprint("t", i))); err != nil {
				return err
			}
		}
		return txn.Delete(keyStatusIndexed)
	}))
	require.Zero(t, counts(t, s, project).Tasks[emulator.TaskComplete])
	require.NoError(t, s.Close())

	s = openStore(t, Options{Dir: dir})
	require.Equal(t, 3, counts(t, s, project).Tasks[emulator.TaskComplete])
}

func TestStore_Browse(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		putQueue(t, s, project, "q")
		var msgs []emulator.Message
		for i := range 10 {
			msgs = append(msgs, readyMsg(uint64(i+1)))
		}
		insert(t, s, "q", msgs...)
		var got []uint64
		view(t, s, func(tx emulator.QueueTx) error {
			return tx.MessagesAfter(project, "q", 4, func(m emulator.Message) (bool, error) {
				got = append(got, uint64(m.ID))
				return len(got) < 3, nil
			})
		})
		require.Equal(t, []uint64{5, 6, 7}, got)

		var ps []string
		view(t, s, func(tx emulator.QueueTx) error {
			var err error
			ps, err = tx.QueueProjects()
			return err
		})
		require.Equal(t, []string{project}, ps)

		putTasks(t, s,
			emulator.Task{ID: "old", Project: project, CodeName: "c", Status: emulator.TaskQueued, CreatedAt: t0, Seq: 1},
			emulator.Task{ID: "mid", Project: project, CodeName: "d", Status: emulator.TaskQueued, CreatedAt: t0, Seq: 2},
			emulator.Task{ID: "new", Project: project, CodeName: "c", Status: emulator.TaskQueued, CreatedAt: t0, Seq: 3})
		browse := func(code, before string) []string {
			var ids []string
			require.NoError(t, s.ViewWorker(context.Background(), func(tx emulator.WorkerTx) error {
				return tx.TasksBefore(project, code, before, func(task emulator.Task) (bool, error) {
					ids = append(ids, task.ID)
					return true, nil
				})
			}))
			return ids
		}
		require.Equal(t, []string{"new", "mid", "old"}, browse("", ""))
		require.Equal(t, []string{"mid", "old"}, browse("", "new"))
		require.Equal(t, []string{"old"}, browse("c", "new"))
		var wp []string
		require.NoError(t, s.ViewWorker(context.Background(), func(tx emulator.WorkerTx) error {
			var err error
			wp, err = tx.WorkerProjects()
			return err
		}))
		require.Contains(t, wp, project)
	})
}

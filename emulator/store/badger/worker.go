package badger

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// Worker key layout (see keys.go for the conventions):
//
//	W  project 0 codeID             code package (JSON)
//	N  project 0 name               code name → code id
//	R  project 0 revisionID         code revision (JSON)
//	v  project 0 codeID 0 rev(4)    revision list index → revision id
//	Z  project 0 revisionID 0 n(4)  zip bytes, in 4 MiB chunks
//	T  project 0 taskID             task (JSON)
//	P  project 0 created(8) seq(8)  tasks by project, newest last → task id
//	C  project 0 code 0 created seq tasks by code name → task id
//	S  status 0 project 0 taskID    tasks by status: queued/running scans, counts (every task since !index:task-status)
//	L  project 0 taskID 0 seq(4)    log chunk: 1 byte stream (0 out, 1 err) + data
//	H  project 0 scheduleID         schedule (JSON)
//	h  project 0 created(8) id      schedules by project → schedule id
//	A  scheduleID                   active schedules → project
const (
	tagCode        byte = 'W'
	tagCodeName    byte = 'N'
	tagRevision    byte = 'R'
	tagRevisionIdx byte = 'v'
	tagZip         byte = 'Z'
	tagTask        byte = 'T'
	tagTaskProject byte = 'P'
	tagTaskCode    byte = 'C'
	tagTaskStatus  byte = 'S'
	tagLog         byte = 'L'
	tagSchedule    byte = 'H'
	tagScheduleIdx byte = 'h'
	tagActive      byte = 'A'
)

const zipChunk = 4 << 20

// ViewWorker runs fn in a read-only transaction.
func (s *Store) ViewWorker(ctx context.Context, fn func(emulator.WorkerTx) error) error {
	return s.view(ctx, func(t *txn) error { return fn(t) })
}

// UpdateWorker runs fn in a read-write transaction committed before it returns.
func (s *Store) UpdateWorker(ctx context.Context, fn func(emulator.WorkerTx) error) error {
	return s.update(ctx, func(t *txn) error { return fn(t) })
}

// key joins a tag and NUL-separated string parts.
func key(tag byte, parts ...string) []byte {
	k := []byte{tag}
	for i, p := range parts {
		if i > 0 {
			k = append(k, 0)
		}
		k = append(k, p...)
	}
	return k
}

func be64(k []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(k, v) }
func be32(k []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(k, v) }

func (t *txn) get(k []byte, v any, notFound string) error {
	ok, err := t.getJSON(k, v)
	if err != nil {
		return err
	}
	if !ok {
		return emulator.NotFound(notFound)
	}
	return nil
}

func (t *txn) Code(project, id string) (emulator.CodePackage, error) {
	var c emulator.CodePackage
	return c, t.get(key(tagCode, project, id), &c, "Code not found")
}

func (t *txn) CodeByName(project, name string) (emulator.CodePackage, error) {
	item, err := t.txn.Get(key(tagCodeName, project, name))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return emulator.CodePackage{}, emulator.NotFound("Code not found")
	}
	if err != nil {
		return emulator.CodePackage{}, err
	}
	id, err := item.ValueCopy(nil)
	if err != nil {
		return emulator.CodePackage{}, err
	}
	return t.Code(project, string(id))
}

func (t *txn) PutCode(c emulator.CodePackage) error {
	if err := t.txn.Set(key(tagCodeName, c.Project, c.Name), []byte(c.ID)); err != nil {
		return err
	}
	return t.setJSON(key(tagCode, c.Project, c.ID), c)
}

func (t *txn) DeleteCode(project, id string) error {
	c, err := t.Code(project, id)
	if err != nil {
		return err
	}
	if err := t.txn.Delete(key(tagCodeName, project, c.Name)); err != nil {
		return err
	}
	return t.txn.Delete(key(tagCode, project, id))
}

func (t *txn) ListCodes(project string, offset, limit int) ([]emulator.CodePackage, error) {
	var out []emulator.CodePackage
	err := t.scanValues(projectPrefix(tagCodeName, project), false, offset, limit, func(k, id []byte) error {
		c, err := t.Code(project, string(id))
		if t.dangling(k, err) {
			return nil
		}
		out = append(out, c)
		return err
	})
	return out, err
}

// dangling reports (and records as damage) an index entry k whose target
// lookup failed with err because the target is missing or damaged: lists
// skip such entries instead of failing.
func (t *txn) dangling(k []byte, err error) bool {
	if !errors.Is(err, emulator.ErrNotFound) {
		return false
	}
	t.s.skipped(k, errDanglingEntry)
	return true
}

var errDanglingEntry = errors.New("index entry points at a record that is missing or damaged")

// scanValues iterates the keys under prefix (reverse = from the end),
// skipping offset entries, calling fn with each key and value for up to
// limit.
func (t *txn) scanValues(prefix []byte, reverse bool, offset, limit int, fn func(k, v []byte) error) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: reverse, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	start := prefix
	if reverse {
		start = append(append([]byte{}, prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	}
	n := 0
	for it.Seek(start); it.Valid() && (limit <= 0 || n < offset+limit); it.Next() {
		n++
		if n <= offset {
			continue
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := fn(it.Item().Key(), v); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) PutRevision(r emulator.CodeRevision, zip []byte) error {
	if err := t.setJSON(key(tagRevision, r.Project, r.ID), r); err != nil {
		return err
	}
	if err := t.txn.Set(be32(append(key(tagRevisionIdx, r.Project, r.CodeID), 0), uint32(r.Rev)), []byte(r.ID)); err != nil {
		return err
	}
	for i := 0; i*zipChunk < len(zip); i++ {
		chunk := zip[i*zipChunk : min(len(zip), (i+1)*zipChunk)]
		if err := t.txn.Set(be32(append(key(tagZip, r.Project, r.ID), 0), uint32(i)), chunk); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) Revisions(project, codeID string, offset, limit int) ([]emulator.CodeRevision, error) {
	var out []emulator.CodeRevision
	prefix := append(key(tagRevisionIdx, project, codeID), 0)
	err := t.scanValues(prefix, true, offset, limit, func(k, id []byte) error {
		r, err := t.Revision(project, string(id))
		if t.dangling(k, err) {
			return nil
		}
		out = append(out, r)
		return err
	})
	return out, err
}

func (t *txn) Revision(project, id string) (emulator.CodeRevision, error) {
	var r emulator.CodeRevision
	return r, t.get(key(tagRevision, project, id), &r, "Revision not found")
}

func (t *txn) RevisionZip(project, revisionID string) ([]byte, error) {
	var zip []byte
	err := t.scanValues(append(key(tagZip, project, revisionID), 0), false, 0, 0, func(_, v []byte) error {
		zip = append(zip, v...)
		return nil
	})
	return zip, err
}

func (t *txn) Task(project, id string) (emulator.Task, error) {
	var task emulator.Task
	return task, t.get(key(tagTask, project, id), &task, "Task not found")
}

func taskOrderKey(tag byte, t emulator.Task, parts ...string) []byte {
	k := append(key(tag, parts...), 0)
	return be64(be64(k, timeBits(t.CreatedAt)), t.Seq)
}

func statusKey(t emulator.Task) []byte {
	return key(tagTaskStatus, string(t.Status), t.Project, t.ID)
}

func (t *txn) PutTask(old *emulator.Task, task emulator.Task) error {
	if old == nil {
		id := []byte(task.ID)
		if err := t.txn.Set(taskOrderKey(tagTaskProject, task, task.Project), id); err != nil {
			return err
		}
		if err := t.txn.Set(taskOrderKey(tagTaskCode, task, task.Project, task.CodeName), id); err != nil {
			return err
		}
	} else if old.Status != task.Status {
		if err := t.txn.Delete(statusKey(*old)); err != nil {
			return err
		}
	}
	if old == nil || old.Status != task.Status {
		if err := t.txn.Set(statusKey(task), nil); err != nil {
			return err
		}
	}
	return t.setJSON(key(tagTask, task.Project, task.ID), task)
}

func (t *txn) ListTasks(project string, f emulator.TaskFilter, offset, limit int) ([]emulator.Task, error) {
	prefix := append(key(tagTaskProject, project), 0)
	if f.CodeName != "" {
		prefix = append(key(tagTaskCode, project, f.CodeName), 0)
	}
	var out []emulator.Task
	skipped := 0
	err := t.scanValues(prefix, true, 0, 0, func(k, id []byte) error {
		if len(out) >= limit {
			return errStop
		}
		task, err := t.Task(project, string(id))
		if t.dangling(k, err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !matchTask(task, f) {
			return nil
		}
		if skipped < offset {
			skipped++
			return nil
		}
		out = append(out, task)
		return nil
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	return out, err
}

var errStop = errors.New("stop iteration")

func matchTask(t emulator.Task, f emulator.TaskFilter) bool {
	if f.Label != "" && t.Label != f.Label || f.Cluster != "" && t.Cluster != f.Cluster {
		return false
	}
	if !f.From.IsZero() && t.CreatedAt.Before(f.From) || !f.To.IsZero() && t.CreatedAt.After(f.To) {
		return false
	}
	if len(f.Statuses) == 0 {
		return true
	}
	for _, s := range f.Statuses {
		if t.Status == s {
			return true
		}
	}
	return false
}

func (t *txn) TasksInStatus(status emulator.TaskStatus, fn func(emulator.Task) error) error {
	prefix := append(key(tagTaskStatus, string(status)), 0)
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	type ref struct {
		key, project, id string
	}
	var refs []ref
	for it.Rewind(); it.Valid(); it.Next() {
		k := it.Item().Key()
		project, id, ok := bytes.Cut(k[len(prefix):], []byte{0})
		if !ok {
			t.s.skipped(k, errNoSeparator)
			continue
		}
		refs = append(refs, ref{string(k), string(project), string(id)})
	}
	for _, ref := range refs {
		task, err := t.Task(ref.project, ref.id)
		if t.dangling([]byte(ref.key), err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("status index points at task %s: %w", ref.id, err)
		}
		if err := fn(task); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) AppendLog(project, taskID string, seq uint32, c emulator.LogChunk) error {
	v := make([]byte, 1, 1+len(c.Data))
	if c.Stderr {
		v[0] = 1
	}
	return t.txn.Set(be32(append(key(tagLog, project, taskID), 0), seq), append(v, c.Data...))
}

func (t *txn) Log(project, taskID string) ([]emulator.LogChunk, error) {
	var out []emulator.LogChunk
	err := t.scanValues(append(key(tagLog, project, taskID), 0), false, 0, 0, func(_, v []byte) error {
		if len(v) > 0 {
			out = append(out, emulator.LogChunk{Stderr: v[0] == 1, Data: v[1:]})
		}
		return nil
	})
	return out, err
}

func (t *txn) Schedule(project, id string) (emulator.Schedule, error) {
	var s emulator.Schedule
	return s, t.get(key(tagSchedule, project, id), &s, "Schedule not found")
}

func (t *txn) PutSchedule(s emulator.Schedule) error {
	if _, err := t.Schedule(s.Project, s.ID); errors.Is(err, emulator.ErrNotFound) {
		k := be64(append(key(tagScheduleIdx, s.Project), 0), timeBits(s.CreatedAt))
		if err := t.txn.Set(append(k, s.ID...), []byte(s.ID)); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	active := key(tagActive, s.ID)
	if s.Status == emulator.ScheduleActive {
		if err := t.txn.Set(active, []byte(s.Project)); err != nil {
			return err
		}
	} else if err := t.txn.Delete(active); err != nil {
		return err
	}
	return t.setJSON(key(tagSchedule, s.Project, s.ID), s)
}

func (t *txn) ListSchedules(project string, offset, limit int) ([]emulator.Schedule, error) {
	var out []emulator.Schedule
	err := t.scanValues(append(key(tagScheduleIdx, project), 0), true, offset, limit, func(k, id []byte) error {
		s, err := t.Schedule(project, string(id))
		if t.dangling(k, err) {
			return nil
		}
		out = append(out, s)
		return err
	})
	return out, err
}

func (t *txn) ActiveSchedules(fn func(emulator.Schedule) error) error {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagActive}, PrefetchValues: true})
	defer it.Close()
	var refs [][2]string
	for it.Rewind(); it.Valid(); it.Next() {
		project, err := it.Item().ValueCopy(nil)
		if err != nil {
			return err
		}
		refs = append(refs, [2]string{string(project), string(it.Item().Key()[1:])})
	}
	for _, ref := range refs {
		s, err := t.Schedule(ref[0], ref[1])
		if t.dangling(key(tagActive, ref[1]), err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("active index points at schedule %s: %w", ref[1], err)
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

var (
	_ emulator.WorkerStore = (*Store)(nil)
	_ emulator.WorkerTx    = (*txn)(nil)
)

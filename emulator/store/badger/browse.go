package badger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
)

// Browsing and counting for the control plane: cursor scans over every
// message of a queue, every item of a cache and every task of a project,
// and the projects that hold anything. Each scan starts at its cursor with
// a seek, so a page costs the same at the end of a deep queue as at its
// head.

func (t *txn) MessagesAfter(project, queue string, after emulator.MessageID, fn func(emulator.Message) (bool, error)) error {
	gen, err := t.queueGen(project, queue)
	if err != nil {
		return err
	}
	if after == math.MaxUint64 {
		return nil
	}
	prefix := genPrefix(tagMessage, gen)
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Seek(genIDKey(tagMessage, gen, after+1)); it.Valid(); it.Next() {
		k := it.Item().Key()
		if len(k) != len(prefix)+8 {
			t.s.skipped(k, errShortKey)
			continue
		}
		var m emulator.Message
		var derr error
		if err := it.Item().Value(func(b []byte) error {
			derr = decodeMessage(b, &m)
			return nil
		}); err != nil {
			return fmt.Errorf("browse messages: %w", err)
		}
		if derr != nil {
			t.s.skipped(k, fmt.Errorf("message record: %w", derr)) // as getMessage does
			continue
		}
		m.ID = emulator.MessageID(binary.BigEndian.Uint64(k[len(prefix):]))
		more, err := fn(m)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t *txn) ItemsAfter(project, cache, after string, fn func(emulator.Item) (bool, error)) error {
	gen, err := t.cacheGen(project, cache)
	if err != nil {
		return err
	}
	prefix := genPrefix(tagItem, gen)
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	seek := prefix
	if after != "" {
		seek = append(itemKey(gen, after), 0) // the first key after `after`
	}
	for it.Seek(seek); it.Valid(); it.Next() {
		item, err := t.Item(project, cache, string(it.Item().Key()[len(prefix):]))
		if errors.Is(err, emulator.ErrNotFound) {
			continue // damaged: Item reports it
		}
		if err != nil {
			return fmt.Errorf("browse items: %w", err)
		}
		more, err := fn(item)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t *txn) TasksBefore(project, codeName, beforeID string, fn func(emulator.Task) (bool, error)) error {
	var prefix []byte
	if codeName != "" {
		prefix = append(key(tagTaskCode, project, codeName), 0)
	} else {
		prefix = append(key(tagTaskProject, project), 0)
	}
	// Newest first: a reverse scan from the end of the prefix, or from the
	// cursor task's own entry (skipped).
	start := append(bytes.Clone(prefix), bytes.Repeat([]byte{0xff}, 17)...)
	var skip []byte
	if beforeID != "" {
		cur, err := t.Task(project, beforeID)
		if errors.Is(err, emulator.ErrNotFound) {
			return emulator.Invalid("The cursor names no task of this project")
		}
		if err != nil {
			return err
		}
		if codeName != "" {
			skip = taskOrderKey(tagTaskCode, cur, project, codeName)
		} else {
			skip = taskOrderKey(tagTaskProject, cur, project)
		}
		start = skip
	}
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: true, PrefetchValues: true, PrefetchSize: 100})
	defer it.Close()
	for it.Seek(start); it.Valid(); it.Next() {
		k := it.Item().Key()
		if skip != nil && bytes.Equal(k, skip) {
			continue
		}
		id, err := it.Item().ValueCopy(nil)
		if err != nil {
			return fmt.Errorf("browse tasks: %w", err)
		}
		task, err := t.Task(project, string(id))
		if t.dangling(k, err) {
			continue
		}
		if err != nil {
			return err
		}
		more, err := fn(task)
		if err != nil || !more {
			return err
		}
	}
	return nil
}

func (t *txn) QueueProjects() ([]string, error) { return t.projects(tagQueue) }

func (t *txn) CacheProjects() ([]string, error) { return t.projects(tagCache) }

// WorkerProjects lists the projects with a code, a task or a schedule.
func (t *txn) WorkerProjects() ([]string, error) {
	var all []string
	for _, tag := range []byte{tagCodeName, tagTaskProject, tagScheduleIdx} {
		ps, err := t.projects(tag)
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
	}
	return all, nil
}

// projects lists the distinct projects of the "tag project 0 …" keys,
// seeking past each project's keys rather than reading them.
func (t *txn) projects(tag byte) ([]string, error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tag}})
	defer it.Close()
	var out []string
	for it.Seek([]byte{tag}); it.Valid(); {
		k := it.Item().Key()
		p, _, ok := bytes.Cut(k[1:], []byte{0})
		if !ok {
			t.s.skipped(k, errNoSeparator)
			it.Next()
			continue
		}
		out = append(out, string(p))
		it.Seek(append(projectPrefix(tag, string(p))[:len(p)+1], 1)) // past "tag project 0"
	}
	return out, nil
}

func (t *txn) WorkerCounts(project string) (emulator.WorkerCounts, error) {
	c := emulator.WorkerCounts{Tasks: map[emulator.TaskStatus]int{}}
	c.Codes = t.countKeys(projectPrefix(tagCodeName, project))
	c.Schedules = t.countKeys(projectPrefix(tagScheduleIdx, project))
	for _, st := range emulator.TaskStatuses {
		c.Tasks[st] = t.countKeys(append(key(tagTaskStatus, string(st), project), 0))
	}
	return c, nil
}

// keyStatusIndexed marks a store whose status index (S) holds every task,
// finished ones included; stores written before it held only queued and
// running tasks.
var keyStatusIndexed = []byte("!index:task-status")

// indexTaskStatuses gives every task its status index entry, once per
// store (force: again, after an import, whose snapshot may come from a
// store without them). Entries already there are rewritten unchanged.
func (s *Store) indexTaskStatuses(force bool) error {
	if !force {
		done := false
		if err := s.db.View(func(txn *badger.Txn) error {
			_, err := txn.Get(keyStatusIndexed)
			done = err == nil
			if errors.Is(err, badger.ErrKeyNotFound) {
				return nil
			}
			return err
		}); err != nil || done {
			return err
		}
	}
	var entries [][]byte
	if err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{tagTask}, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var task struct {
				ID, Project string
				Status      emulator.TaskStatus
			}
			if err := it.Item().Value(func(b []byte) error {
				if json.Unmarshal(b, &task) != nil {
					task.Status = "" // damaged: reported where it is read
				}
				return nil
			}); err != nil {
				return err
			}
			if slices.Contains(emulator.TaskStatuses, task.Status) && task.ID != "" {
				entries = append(entries, key(tagTaskStatus, string(task.Status), task.Project, task.ID))
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("index task statuses: %w", err)
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range entries {
		if err := wb.Set(k, nil); err != nil {
			return fmt.Errorf("index task statuses: %w", err)
		}
	}
	if err := wb.Set(keyStatusIndexed, []byte{1}); err != nil {
		return fmt.Errorf("index task statuses: %w", err)
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("index task statuses: %w", err)
	}
	return nil
}

// countKeys counts the keys under prefix without reading values.
func (t *txn) countKeys(prefix []byte) int {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	n := 0
	for it.Rewind(); it.Valid(); it.Next() {
		n++
	}
	return n
}

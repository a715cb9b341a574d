package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/tmpl"
)

// Trigger key layout (see keys.go for the conventions):
//
//	B  bindingID                    trigger binding (JSON)
//	E  bindingID 0 at(8) eventID    trigger event of the binding's trace (JSON)
//
// A binding's trace is one prefix scan in time order; appending trims it
// to its bound in the same transaction.
const (
	tagBinding      byte = 'B'
	tagTriggerEvent byte = 'E'
)

func bindingKey(id string) []byte { return key(tagBinding, id) }

func triggerEventPrefix(bindingID string) []byte { return append(key(tagTriggerEvent, bindingID), 0) }

func triggerEventKey(ev emulator.TriggerEvent) []byte {
	return append(be64(triggerEventPrefix(ev.BindingID), timeBits(ev.At)), ev.ID...)
}

// Bindings returns every binding, ordered by id.
func (s *Store) Bindings(ctx context.Context) ([]emulator.Binding, error) {
	var out []emulator.Binding
	err := s.view(ctx, func(t *txn) error {
		it := t.txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte{tagBinding}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var b emulator.Binding
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &b) }); err != nil {
				s.log.Warn("skipping a damaged trigger binding", "key", string(it.Item().Key()), "err", err)
				continue
			}
			out = append(out, b)
		}
		return nil
	})
	return out, err
}

// Binding returns one binding.
func (s *Store) Binding(ctx context.Context, id string) (emulator.Binding, error) {
	var b emulator.Binding
	err := s.view(ctx, func(t *txn) error { return t.get(bindingKey(id), &b, "Binding not found") })
	return b, err
}

// PutBinding creates or replaces a binding.
func (s *Store) PutBinding(ctx context.Context, b emulator.Binding) error {
	if b.ID == "" || bytes.IndexByte([]byte(b.ID), 0) >= 0 || len(b.ID) > maxID {
		return emulator.Invalid("binding id is empty, too long or holds NUL")
	}
	return s.update(ctx, func(t *txn) error { return t.setJSON(bindingKey(b.ID), b) })
}

// DeleteBinding removes a binding and its trace.
func (s *Store) DeleteBinding(ctx context.Context, id string) error {
	s.traces.mu.Lock()
	defer s.traces.mu.Unlock()
	delete(s.traces.size, id)
	return s.update(ctx, func(t *txn) error {
		if _, err := t.txn.Get(bindingKey(id)); errors.Is(err, badger.ErrKeyNotFound) {
			return emulator.NotFound("Binding not found")
		} else if err != nil {
			return err
		}
		if err := t.txn.Delete(bindingKey(id)); err != nil {
			return err
		}
		keys, err := t.keys(t.seek(triggerEventPrefix(id)), triggerEventPrefix(id))
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := t.txn.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// AppendTriggerEvents records events in one transaction and trims each
// binding's trace to keep. Events of a binding that no longer exists (reset
// or deleted meanwhile) are dropped.
func (s *Store) AppendTriggerEvents(ctx context.Context, evs []emulator.TriggerEvent, keep int) error {
	for _, ev := range evs {
		if ev.BindingID == "" || ev.ID == "" {
			return emulator.Invalid("trigger event needs a binding id and an id")
		}
	}
	keep = max(keep, 1)
	s.traces.mu.Lock()
	defer s.traces.mu.Unlock()
	sizes := map[string]int{} // binding id → its trace's size once this transaction commits
	err := s.update(ctx, func(t *txn) error {
		clear(sizes)
		added := map[string]int{}
		exists := map[string]bool{}
		for _, ev := range evs {
			ok, seen := exists[ev.BindingID]
			if !seen {
				_, err := t.txn.Get(bindingKey(ev.BindingID))
				if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
					return err
				}
				ok = err == nil
				exists[ev.BindingID] = ok
			}
			if !ok {
				continue
			}
			k := triggerEventKey(ev)
			if _, err := t.txn.Get(k); err == nil {
				continue // written already (the same event again): nothing to add
			} else if !errors.Is(err, badger.ErrKeyNotFound) {
				return err
			}
			if err := t.setJSON(k, ev); err != nil {
				return err
			}
			t.noteLower(triggerEventPrefix(ev.BindingID), k)
			added[ev.BindingID]++
		}
		for id, n := range added {
			size, err := t.traceSize(id, n)
			if err != nil {
				return err
			}
			if size, err = t.trimTrace(id, size, keep); err != nil {
				return err
			}
			sizes[id] = size
		}
		return nil
	})
	if err != nil { // what was committed is unknown: learn the sizes again
		for _, ev := range evs {
			delete(s.traces.size, ev.BindingID)
		}
		return err
	}
	maps.Copy(s.traces.size, sizes)
	return nil
}

// traceSizes counts each binding's trace, so that an append trims the
// trace without reading it whole: it did on every append, and under 2k
// http trigger events a second that scan (through the tombstones of the
// events trimmed before) was half the daemon's CPU. A size is learnt by one
// scan, kept after each append commits, and forgotten when the binding is
// deleted or the store's contents are replaced. mu is held across each
// append and delete, which also keeps two appends from trimming at once.
type traceSizes struct {
	mu   sync.Mutex
	size map[string]int // binding id → events in its trace
}

// forget drops every size (reset, snapshot import).
func (ts *traceSizes) forget() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	clear(ts.size)
}

// traceSize is the size of binding id's trace now that this transaction
// added n events to it: the size known, or one scan.
func (t *txn) traceSize(id string, n int) (int, error) {
	if size, ok := t.s.traces.size[id]; ok {
		return size + n, nil
	}
	size := 0
	err := t.scanIndex(triggerEventPrefix(id), func([]byte) (bool, error) {
		size++
		return true, nil
	})
	return size, err
}

// trimTrace deletes the oldest events of binding id's trace of size
// events beyond keep, and returns its new size. The scan starts past the
// tombstones of earlier trims (hints).
func (t *txn) trimTrace(id string, size, keep int) (int, error) {
	excess := size - keep
	if excess <= 0 {
		return size, nil
	}
	err := t.scanIndex(triggerEventPrefix(id), func(k []byte) (bool, error) {
		if err := t.txn.Delete(bytes.Clone(k)); err != nil {
			return false, err
		}
		excess--
		return excess > 0, nil
	})
	return keep + excess, err
}

// TriggerEvents returns a binding's trace, newest first.
func (s *Store) TriggerEvents(ctx context.Context, bindingID string, limit int) ([]emulator.TriggerEvent, error) {
	var out []emulator.TriggerEvent
	err := s.view(ctx, func(t *txn) error {
		prefix := triggerEventPrefix(bindingID)
		it := t.txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Reverse: true, Prefix: prefix})
		defer it.Close()
		for it.Seek(append(bytes.Clone(prefix), 0xff)); it.Valid() && len(out) < limit; it.Next() {
			var ev emulator.TriggerEvent
			if err := it.Item().Value(func(v []byte) error { return json.Unmarshal(v, &ev) }); err != nil {
				s.log.Warn("skipping a damaged trigger event", "binding", bindingID, "err", err)
				continue
			}
			out = append(out, ev)
		}
		return nil
	})
	return out, err
}

// keys returns the keys under prefix in order (copies).
func (t *txn) keys(from, prefix []byte) ([][]byte, error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	var out [][]byte
	for it.Seek(from); it.Valid(); it.Next() {
		out = append(out, it.Item().KeyCopy(nil))
	}
	return out, nil
}

// checkTriggerRecord validates a B or E record of a snapshot.
func checkTriggerRecord(k, v []byte) error {
	rest := k[1:]
	switch k[0] {
	case tagBinding:
		if err := checkID(rest); err != nil {
			return err
		}
		var b emulator.Binding
		if err := json.Unmarshal(v, &b); err != nil {
			return fmt.Errorf("binding record: %w", err)
		}
		if b.ID != string(rest) {
			return errors.New("binding record's id differs from its key")
		}
		if b.Action.Template != "" {
			// The host renders it at every event: refuse a template it
			// would refuse on create (size, syntax, recursion) now.
			if _, err := tmpl.Parse(b.Action.Template); err != nil {
				return fmt.Errorf("binding %s (%q): action.template: %w", b.ID, b.Name, err)
			}
		}
		return emulator.ValidateProjectID(b.Project)
	case tagTriggerEvent:
		p, err := parts(rest, 2)
		if err != nil {
			return err
		}
		if err := checkID(p[0]); err != nil {
			return err
		}
		if len(p[1]) <= 8 {
			return errors.New("trigger event key does not hold at(8) and an id")
		}
		if err := json.Unmarshal(v, new(emulator.TriggerEvent)); err != nil {
			return fmt.Errorf("trigger event record: %w", err)
		}
		return nil
	}
	return fmt.Errorf("not a trigger record %q", k[0])
}

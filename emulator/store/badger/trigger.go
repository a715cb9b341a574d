package badger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"

	"github.com/ironlocal/ironlocal/emulator"
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
	return s.update(ctx, func(t *txn) error {
		if _, err := t.txn.Get(bindingKey(id)); errors.Is(err, badger.ErrKeyNotFound) {
			return emulator.NotFound("Binding not found")
		} else if err != nil {
			return err
		}
		if err := t.txn.Delete(bindingKey(id)); err != nil {
			return err
		}
		keys, err := t.keys(triggerEventPrefix(id), false)
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
	return s.update(ctx, func(t *txn) error {
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
			if err := t.setJSON(triggerEventKey(ev), ev); err != nil {
				return err
			}
		}
		for id, ok := range exists {
			if !ok {
				continue
			}
			keys, err := t.keys(triggerEventPrefix(id), false)
			if err != nil {
				return err
			}
			for len(keys) > max(keep, 1) {
				if err := t.txn.Delete(keys[0]); err != nil {
					return err
				}
				keys = keys[1:]
			}
		}
		return nil
	})
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
func (t *txn) keys(prefix []byte, reverse bool) ([][]byte, error) {
	it := t.txn.NewIterator(badger.IteratorOptions{Prefix: prefix, Reverse: reverse})
	defer it.Close()
	var out [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
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

// Package storefloor is the store floor of the benchmarks: a handler that
// runs, for each request, the least a Badger-backed emulator must do to
// answer it, with the store's own Badger options and nothing of
// ironlocal's request path (no routing, auth, JSON, records, indexes or
// events).
//
// Put in front of the bare server of the ceiling column (bench.ServeBare),
// it measures what the store engine itself leaves of the ceiling, so a
// throughput figure's gap to the ceiling can be split into the engine's
// share and ironlocal's own: measured on 2026-12-07, the floor reached
// 0.91 of the ceiling on the single-message cycle where ironlocal reached
// 0.48, and 0.83 on the cache where ironlocal reached 0.62.
package storefloor

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync/atomic"

	"github.com/dgraph-io/badger/v4"

	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

// Floor is an open Badger database in a directory of its own.
type Floor struct {
	db  *badger.DB
	dir string
	seq atomic.Uint64
}

// hotKey is the one key every transaction reads: written at open, so a
// read finds a value as a store's record lookup does.
var hotKey = key(0)

// Open opens a Badger database in dir (created if missing; Close removes
// it), tuned as the store tunes it for a data directory
// (badgerstore.BadgerOptions).
func Open(dir string) (*Floor, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store floor: %w", err)
	}
	db, err := badger.Open(badgerstore.BadgerOptions(badgerstore.Options{Dir: dir}))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("store floor: %w", err)
	}
	f := &Floor{db: db, dir: dir}
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set(hotKey, []byte("{}")) }); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store floor: %w", err)
	}
	return f, nil
}

// Close closes the database and removes its directory.
func (f *Floor) Close() error {
	err := f.db.Close()
	if rerr := os.RemoveAll(f.dir); err == nil {
		err = rerr
	}
	return err
}

// Wrap runs each request's store work, then next. A GET is one read-only
// transaction reading one key. Any other request is one read-write
// transaction that reads one key and writes its body under a key of its
// own (a DELETE deletes one instead): a read before the write, as every
// write of a queue or cache reads its container first, and a commit per
// request, as ironlocal acknowledges a write only once it is committed.
func (f *Floor) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodGet {
			err = f.db.View(func(txn *badger.Txn) error { return read(txn) })
		} else {
			k := key(f.seq.Add(1))
			err = f.db.Update(func(txn *badger.Txn) error {
				if err := read(txn); err != nil {
					return err
				}
				if r.Method == http.MethodDelete {
					return txn.Delete(k)
				}
				return txn.Set(k, body)
			})
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// written counts the keys the floor's write transactions have set (tests).
func (f *Floor) written() uint64 {
	var n uint64
	_ = f.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{'f'}})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if k := it.Item().Key(); len(k) == 9 && string(k) != string(hotKey) {
				n++
			}
		}
		return nil
	})
	return n
}

func read(txn *badger.Txn) error {
	item, err := txn.Get(hotKey)
	if err != nil {
		return err
	}
	return item.Value(func([]byte) error { return nil })
}

// key is the n-th key: a tag byte and n big-endian, as the store's keys
// are a tag and fixed-width integers.
func key(n uint64) []byte {
	k := make([]byte, 9)
	k[0] = 'f'
	binary.BigEndian.PutUint64(k[1:], n)
	return k
}

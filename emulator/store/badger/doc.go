// Package badger is ironlocal's durable store: the emulator's QueueStore and
// CacheStore (and later the worker stores) on Badger v4. keys.go documents the
// key layout; store.go owns the database lifecycle, tuning and schema version.
package badger

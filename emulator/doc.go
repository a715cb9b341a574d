// Package emulator holds ironlocal's domain: the types every service speaks
// (queues, messages, cache items, code packages, tasks, schedules), the typed
// errors they return, the events they publish, and the small interfaces
// (stores, Clock, IDs, Runtime) behind which the adapters at the edge live.
//
// It imports only the standard library. Services in the sub-packages hold the
// rules; adapters (store/badger, runtime/docker, httpapi) translate.
package emulator

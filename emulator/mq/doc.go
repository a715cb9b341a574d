// Package mq is the IronMQ v3 service: queue settings, posting, reservations,
// visibility, expiry and long polling. It holds every rule; the HTTP layer
// only translates, and the store only files what this package decides.
//
// Writes to one queue are serialised by a per-queue lock, so counters
// (size, total_messages) and reservations never race, and Badger never sees
// conflicting transactions on a queue.
package mq

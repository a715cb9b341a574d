// Package worker is the IronWorker v2 service: code packages and their
// revisions, tasks and their state machine (queued → running → complete |
// error | timeout | killed | cancelled), dispatch by priority under
// per-code and global concurrency limits, delays, timeouts, automatic
// retries, logs, crash recovery, and schedules.
//
// Tasks run through an emulator.Runtime (Docker or local processes); the
// service never knows which.
package worker

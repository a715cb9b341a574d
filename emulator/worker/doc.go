// Package worker is the IronWorker v2 service: code packages and their
// revisions, tasks and their state machine (queued → running → complete |
// error | timeout | killed | cancelled), dispatch by priority under
// per-code and global concurrency limits, delays, timeouts, automatic
// retries, logs, crash recovery, and schedules.
//
// Tasks run through an emulator.Runtime (Docker or local processes); the
// service never knows which.
//
// Each running task gets its own IRON_TOKEN (tokens.go): the API accepts it
// for the task's project while the task runs and TaskTokenGrace after, and
// hands the requests made with it to RecordActivity, so a task's activity
// (messages posted, tasks queued, cache keys written) can be listed
// (activity.go; in memory, bounded, cleared by Reset).
package worker

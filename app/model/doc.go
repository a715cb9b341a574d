// Package model is the desktop app's layer without widgets: the task index
// and its filter (filter.go), the folding of task events into it and the
// task pane's texts (tasks.go), a debug task's debugger and its VS Code
// launch.json entry (debug.go), queue, message, push, cache and event
// presentation with the pager and the event ring (present.go), formatting
// of times, durations, sizes and counts (format.go), the log ring buffer
// (logbuffer.go), the overview's rate series (rates.go) and chaos mode's
// kinds, --chaos spec, rates and folded injections (chaos.go). It imports only
// package client and the standard library, and is tested without a window.
package model

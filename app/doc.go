// Package app is the desktop app's window: screens and widgets (Fyne) over
// ironlocal's HTTP API, reached only through package client. It holds no
// rules of the emulator and no formatting of its own: what needs no widget
// lives in app/model and is tested without a window.
//
// The shell and its plumbing:
//
//	ui.go        UI: the screens, the project, New/Close; show switches screens
//	window.go    the shell: navigation rail, top bar, disconnection banner, notice strip
//	bridge.go    the one place goroutines meet the UI goroutine (onUI, run, act)
//	live.go      the event stream: follows /_ironlocal/events, folds it into the screens
//	connect.go   Connect…: the embedded emulator, --attach, test containers; switching
//	inspect.go   the "test paused for a look" bar
//	start.go     Start: the first connection, or the ask-to-attach page
//	theme.go     readable themes (WCAG AA) and repainting after a switch
//	table.go     the sortable, resizable column table every list uses
//	keys.go      Esc-aware tables and lists, entries with shortcuts
//	empty.go     what an empty list says and offers
//	schemaform.go  forms generated from a plugin's JSON Schema
//	copyas.go    Copy as… (curl, Go, Python) for a pane's request (app/copycode)
//	logview.go, chart.go  the log pane and the rate sparkline (over app/model buffers)
//	probe.go, memory.go, files.go, tray.go, about.go  UI probe, freeing memory, private files, tray, About
//
// One file per screen, and one per pane of the larger ones:
//
//	overview.go
//	tasks.go, tasks_detail.go, tasks_debug.go, tasks_bulk.go, tasks_empty.go
//	codes.go, schedules.go, cache.go, events.go (+ events_exporttest.go), time.go, faults.go, faults_chaos.go
//	queues.go, queues_detail.go, queues_browser.go, queues_post.go, queues_form.go, queues_redrive.go
//	triggers.go, triggers_plugin.go, triggers_binding.go
//	data.go, seedsave.go (Save as seed, through app/seedfile)
//
// The widget-free layer, app/model: the task index and filter, the folding
// of task events, pagers and the event ring, the log ring buffer, rate
// series, a debug task's launch.json entry, and every text a screen shows
// of an object.
package app

package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// tasksScreen lists the project's tasks in a virtualised table (only the
// visible rows are drawn, so 10k+ tasks stay fast), filtered by status,
// code and text, kept live by the event stream; the detail pane on the
// right shows one task or the new-task form.
//
// Live events are folded into the model and the rows re-filtered off the
// UI goroutine (fold); the UI goroutine redraws the table from the model
// at most every redrawEvery, so a flood of events costs the UI a few
// redraws a second, not one per batch.
type tasksScreen struct {
	u *UI

	// mu guards the model below: the fold goroutine writes it, the UI
	// goroutine reads it as it draws. Never held while waiting for u.mu.
	mu      sync.Mutex
	tasks   []client.Task // oldest first: new tasks append
	index   map[string]int
	visible []int // indexes into tasks, newest first
	filter  model.TaskFilter
	// stale tasks are known from events only (no priority, label,
	// payload…): fetched when the table draws them.
	stale   map[string]bool
	wanted  map[string]bool
	loading bool
	loadGen int
	pending []client.Event // events that arrived while loading
	inbox   []client.Event // events not folded in yet

	// rows is what the table draws: visible as of the last redraw (UI
	// goroutine only). length is the table's row count: a live redraw
	// changes it only when that shows, at most every lengthEvery (see
	// drawLive). drawnMin and drawnMax are the first and last rows the
	// table drew since the last redraw (-1: none): what is on screen.
	rows               []int
	length             int
	lengthAt           time.Time
	drawnMin, drawnMax int
	kick               chan struct{} // wakes the fold goroutine
	redraw             *throttle     // live updates: drawLive
	regrow             *throttle     // the row count catching up: catchUp

	table  *escTable
	status *widget.Select
	code   *widget.Select
	search *keyEntry
	count  *widget.Label
	newBtn *widget.Button
	list   fyne.CanvasObject
	body   *fyne.Container

	detail *taskDetail
	form   *newTaskForm

	bulkBtn *widget.Button
	asked   *asked // the last bulk confirmation (tests answer it)
	// empty says what to do when the list is empty (UI goroutine).
	empty     *fyne.Container
	emptyText *widget.Label
	emptyCurl *widget.Label
	// emptyActions are New task, Copy curl and the curl line: shown when
	// the project has no task at all.
	emptyActions *fyne.Container
}

var taskColumns = []column{
	{"Task", 100}, {"Code", 130}, {"Status", 90}, {"Pri", 40}, {"Created", 90}, {"Duration", 80}, {"Exit / message", 260},
}

const allStatuses, allCodes = "All statuses", "All codes"

func newTasksScreen(u *UI) *tasksScreen {
	s := &tasksScreen{u: u, index: map[string]int{}, stale: map[string]bool{}, wanted: map[string]bool{},
		kick: make(chan struct{}, 1), drawnMin: -1, drawnMax: -1}
	s.redraw = newThrottle(u, redrawEvery, s.drawLive)
	s.regrow = newThrottle(u, lengthEvery+redrawEvery, s.catchUp)
	s.table = newColumnTable(func() { s.closeDetail() }, taskColumns, func() int { return s.length }, s.cell,
		func(row int) {
			if t, ok := s.row(row); ok {
				s.openTask(t.ID)
			}
		})

	statuses := []string{allStatuses}
	for _, st := range []client.TaskStatus{client.TaskQueued, client.TaskRunning, client.TaskComplete, client.TaskError,
		client.TaskTimeout, client.TaskKilled, client.TaskCancelled} {
		statuses = append(statuses, string(st))
	}
	s.status = widget.NewSelect(statuses, func(v string) {
		if v == allStatuses {
			v = ""
		}
		s.setFilter(func(f *model.TaskFilter) { f.Status = client.TaskStatus(v) })
	})
	s.status.Selected = allStatuses // set directly: the callback needs widgets made below
	s.code = widget.NewSelect([]string{allCodes}, func(v string) {
		if v == allCodes {
			v = ""
		}
		s.setFilter(func(f *model.TaskFilter) { f.Code = v })
	})
	s.code.Selected = allCodes
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Search id, code, message, payload (Ctrl+F)")
	s.search.OnChanged = func(v string) {
		s.setFilter(func(f *model.TaskFilter) { f.Text = v })
	}
	s.count = widget.NewLabel("")
	s.newBtn = widget.NewButtonWithIcon("New task", theme.ContentAddIcon(), s.openNewTask)
	s.newBtn.Importance = widget.HighImportance
	s.bulkBtn = widget.NewButtonWithIcon("Bulk…", theme.MoreHorizontalIcon(), s.showBulkMenu)
	bar := container.NewBorder(nil, nil, container.NewHBox(s.status, s.code),
		container.NewHBox(s.count, s.bulkBtn, s.newBtn), s.search)
	s.empty = s.newEmptyState()
	s.list = container.NewBorder(bar, nil, nil, nil, overList(s.table, s.empty))
	s.body = container.NewStack(s.list)
	u.goInternal(s.foldLoop)
	return s
}

func (s *tasksScreen) title() string               { return "Tasks" }
func (s *tasksScreen) icon() fyne.Resource         { return theme.ListIcon() }
func (s *tasksScreen) view() fyne.CanvasObject     { return s.body }
func (s *tasksScreen) focusSearch() fyne.Focusable { return s.search }
func (s *tasksScreen) shown()                      { s.draw() }

// row is the task drawn in table row i; a task first known from an event
// is marked wanted, so the next tick fetches it in full.
func (s *tasksScreen) row(i int) (client.Task, bool) {
	if i < 0 || i >= len(s.rows) {
		return client.Task{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.rows[i]
	if j >= len(s.tasks) { // reloaded since the last redraw
		return client.Task{}, false
	}
	t := s.tasks[j]
	if s.stale[t.ID] {
		s.wanted[t.ID] = true
	}
	return t, true
}

func (s *tasksScreen) cell(row, col int) (string, widget.Importance) {
	if s.drawnMin < 0 || row < s.drawnMin {
		s.drawnMin = row
	}
	s.drawnMax = max(s.drawnMax, row)
	if s.length != len(s.rows) && row+lengthMargin >= min(s.length, len(s.rows)) {
		s.redraw.request() // scrolled towards an end the row count left behind
	}
	t, ok := s.row(row)
	if !ok {
		return "", widget.MediumImportance
	}
	switch col {
	case 0:
		return model.ShortID(t.ID), widget.MediumImportance
	case 1:
		return t.CodeName, widget.MediumImportance
	case 2:
		return string(t.Status), statusImportance(t.Status)
	case 3:
		return strconv.Itoa(t.Priority), widget.MediumImportance
	case 4:
		return model.FormatTime(t.CreatedAt.Time, s.u.now()), widget.MediumImportance
	case 5:
		return model.TaskDuration(t, s.u.now()), widget.MediumImportance
	case 6:
		return t.Msg, widget.MediumImportance
	}
	return "", widget.MediumImportance
}

// statusImportance colours a status.
func statusImportance(st client.TaskStatus) widget.Importance {
	switch st {
	case client.TaskComplete:
		return widget.SuccessImportance
	case client.TaskError, client.TaskTimeout, client.TaskKilled:
		return widget.DangerImportance
	case client.TaskRunning:
		return widget.HighImportance
	case client.TaskCancelled:
		return widget.LowImportance
	}
	return widget.MediumImportance
}

// maxTasks bounds what the screen holds (newest first); the table draws
// only the visible rows, so this is about memory, not speed.
const maxTasks = 100_000

// reload fetches the project's tasks (the newest maxTasks, through the
// control plane's cursor listing) and the code names.
func (s *tasksScreen) reload() {
	s.mu.Lock()
	s.loadGen++
	gen := s.loadGen
	s.loading, s.pending = true, nil
	s.mu.Unlock()
	s.count.SetText("loading…")
	c := s.u.client()
	run(s.u, "list tasks", func(ctx context.Context) (bool, error) {
		var all []client.Task
		for b := (client.Browse{Limit: 1000}); len(all) < maxTasks; {
			page, err := c.BrowseTasks(ctx, "", nil, b)
			if err != nil {
				return false, err
			}
			for _, t := range page.Tasks {
				all = append(all, model.Listed(t))
			}
			if page.Cursor == "" {
				break
			}
			b.Cursor = page.Cursor
		}
		slices.Reverse(all) // oldest first
		s.mu.Lock()
		defer s.mu.Unlock()
		if gen != s.loadGen {
			return false, nil
		}
		s.tasks, s.index = all, model.IndexTasks(all)
		clear(s.stale)
		clear(s.wanted)
		s.loading = false
		s.foldLocked(s.pending)
		s.pending = nil
		s.refilterLocked()
		return true, nil
	}, func(loaded bool) {
		if !loaded {
			return
		}
		s.draw()
		if s.detail != nil {
			s.fetch([]string{s.detail.id})
		}
	})
	s.reloadCodes()
}

// reloadCodes refreshes the code names of the filter and the form.
func (s *tasksScreen) reloadCodes() {
	c := s.u.client()
	run(s.u, "list codes", func(ctx context.Context) ([]client.Code, error) { return c.Codes(ctx, client.Page{PerPage: 100}) },
		func(codes []client.Code) {
			names := []string{allCodes}
			for _, cd := range codes {
				names = append(names, cd.Name)
			}
			s.code.SetOptions(names)
			if s.form != nil {
				s.form.setCodes(names[1:])
			}
		})
}

func (s *tasksScreen) task(id string) (client.Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.taskLocked(id)
}

func (s *tasksScreen) taskLocked(id string) (client.Task, bool) {
	if i, ok := s.index[id]; ok {
		return s.tasks[i], true
	}
	return client.Task{}, false
}

// setFilter changes the filter and redraws at once (the user is typing;
// 10k tasks filter in about a millisecond).
func (s *tasksScreen) setFilter(change func(*model.TaskFilter)) {
	s.mu.Lock()
	change(&s.filter)
	s.refilterLocked()
	s.mu.Unlock()
	s.draw()
}

// refilterLocked recomputes the visible rows (s.mu held).
func (s *tasksScreen) refilterLocked() {
	s.visible = model.FilterTasks(s.tasks, s.filter)
}

// lengthEvery is the shortest interval between two changes of the
// table's row count by live updates (drawLive); lengthMargin is how many
// rows past the last one drawn count as "the end is not on screen".
const (
	lengthEvery  = time.Second
	lengthMargin = 50
)

// draw shows the model as it is now: the count and the table's rows (UI
// goroutine).
func (s *tasksScreen) draw() {
	s.mu.Lock()
	s.rows = s.visible
	count := s.countLocked()
	s.mu.Unlock()
	s.length, s.lengthAt = len(s.rows), time.Now()
	s.regrow.hold()
	s.count.SetText(count)
	s.showEmptyState()
	s.refreshTable()
}

// countLocked is the count label's text (s.mu held).
func (s *tasksScreen) countLocked() string {
	switch {
	case s.loading:
		return "loading…"
	}
	return model.CountOf(len(s.visible), len(s.tasks), "task")
}

// refreshTable redraws the table's visible cells, noting which rows they
// are (cell), and brings the clock up to date in the same frame rather
// than one of its own.
func (s *tasksScreen) refreshTable() {
	s.drawnMin, s.drawnMax = -1, -1
	s.table.Refresh()
	s.u.showClock()
}

// drawLive is draw for live updates (the redraw throttle: at most every
// redrawEvery). When the row count changes, Fyne lays the table out again
// in the next frame, which refreshes every visible cell a second time and
// marks the window dirty once more: a second full repaint right after the
// first. With tasks arriving all the time that was every redraw, half of
// the frames the UI goroutine painted. So a live redraw updates the rows
// and the count label in place, and changes the table's row count only
// when that shows (lengthUnseen), at most every lengthEvery; meanwhile new
// tasks show on top at once and the oldest rows wait at the end (or rows
// past the end draw blank). Hidden, the screen draws nothing until
// shown() (its widgets are still on the window's canvas for a while, and
// a refresh repainted it).
func (s *tasksScreen) drawLive() {
	if s.u.screens[s.u.current] != screen(s) {
		return // hidden: shown() draws
	}
	s.mu.Lock()
	s.rows = s.visible
	n := len(s.rows)
	count := s.countLocked()
	s.mu.Unlock()
	switch {
	case n == s.length, s.lengthUnseen(n):
	case time.Since(s.lengthAt) >= lengthEvery:
		s.draw()
		return
	default:
		s.regrow.request()
	}
	if s.count.Text != count {
		s.count.SetText(count)
		s.showEmptyState()
	}
	s.refreshTable()
}

// lengthUnseen reports whether changing the table's row count to n would
// change nothing on screen: the rows drawn start at the top and end well
// before the last row of either count, and the scroll bar's thumb is at
// its smallest for both (so it neither moves nor shrinks). A table whose
// newest rows are in view during a flood of tasks is that case.
func (s *tasksScreen) lengthUnseen(n int) bool {
	rows := min(n, s.length)
	if s.drawnMin != 0 || s.drawnMax+lengthMargin >= rows {
		return false
	}
	// The thumb is the view's length × its share of the rows, at least
	// the scroll bar's size (the view's height overestimates it: safe).
	bar := s.table.Theme().Size(theme.SizeNameScrollBar)
	return s.table.Size().Height*float32(s.drawnMax+1)/float32(rows) <= bar
}

// catchUp changes the row count when no live redraw did within
// lengthEvery (the events stopped) and the change shows; while events
// flow it finds drawLive did, or that it would not show, and waits again.
func (s *tasksScreen) catchUp() {
	if s.u.screens[s.u.current] != screen(s) {
		return // hidden: shown() draws
	}
	s.mu.Lock()
	n := len(s.visible)
	s.mu.Unlock()
	switch {
	case n == s.length, s.lengthUnseen(n):
	case time.Since(s.lengthAt) >= lengthEvery:
		s.draw()
	default:
		s.regrow.request()
	}
}

// apply takes a batch of events (UI goroutine): the open task's pane is
// updated here, the list's model by the fold goroutine.
func (s *tasksScreen) apply(events []client.Event) {
	if isReset(events) {
		s.closeDetail()
		s.reload()
		return
	}
	var tasks []client.Event
	for _, e := range events {
		switch e.Type {
		case "task.queued", "task.running", "task.finished", "task.progress":
			tasks = append(tasks, e)
			if d := s.detail; d != nil && d.id == e.TaskID {
				t := d.task
				model.FoldTaskEvent(&t, e)
				d.show(t)
				if e.Type == "task.finished" {
					d.loadLog()
					s.fetch([]string{t.ID}) // exit details, retry link
				}
			} else if d != nil && e.Type == "task.queued" && e.CodeName == d.task.CodeName {
				s.followWatchRun(e.TaskID)
			}
		case "task.log":
			if s.detail != nil && s.detail.id == e.TaskID {
				s.detail.addLog(e)
			}
		case "task.debugging": // the pane's alone: the table shows no address
			if d := s.detail; d != nil && d.id == e.TaskID {
				t := d.task
				model.FoldTaskEvent(&t, e)
				d.show(t)
			}
		case "code.uploaded", "code.deleted":
			s.reloadCodes()
		}
	}
	if len(tasks) == 0 {
		return
	}
	s.mu.Lock()
	s.inbox = append(s.inbox, tasks...)
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default: // the fold goroutine is awake already: it takes the inbox
	}
}

// foldLoop folds the inbox into the model and re-filters, off the UI
// goroutine, then asks for a redraw.
func (s *tasksScreen) foldLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		}
		s.mu.Lock()
		events := s.inbox
		s.inbox = nil
		changed := false
		if s.loading {
			s.pending = append(s.pending, events...)
		} else {
			s.foldLocked(events)
			s.refilterLocked()
			changed = true
		}
		s.mu.Unlock()
		if changed {
			s.redraw.request()
		}
	}
}

// foldLocked applies task events to the model (s.mu held); a task first
// seen in an event is fetched in full when the table shows it.
func (s *tasksScreen) foldLocked(events []client.Event) {
	for _, e := range events {
		t, ok := s.taskLocked(e.TaskID)
		if !ok {
			t = client.Task{ID: e.TaskID, CodeName: e.CodeName, CreatedAt: client.Time{Time: e.At}, Status: client.TaskQueued}
			s.stale[t.ID] = true
		}
		model.FoldTaskEvent(&t, e)
		if e.Type == "task.finished" {
			s.stale[t.ID] = true // exit details, retry link
		}
		s.tasks, _ = model.UpsertTask(s.tasks, s.index, t)
	}
}

// tick runs every second: fetch stale tasks (the ones the table drew
// first, then others, 50 a second, so searches find their payloads), and
// redraw running durations.
func (s *tasksScreen) tick() {
	ids := make([]string, 0, 50)
	running := false
	s.mu.Lock()
	for _, set := range []map[string]bool{s.wanted, s.stale} {
		for id := range set {
			if len(ids) == cap(ids) {
				break
			}
			if s.stale[id] && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	clear(s.wanted)
	for _, i := range s.rows[:min(len(s.rows), 60)] {
		if i < len(s.tasks) && s.tasks[i].Status == client.TaskRunning {
			running = true
			break
		}
	}
	s.mu.Unlock()
	if len(ids) > 0 {
		s.fetch(ids)
	}
	if running {
		s.redraw.request()
	}
}

// fetch reads tasks in full and puts them in the list (off the UI
// goroutine); the open task's pane shows its full record.
func (s *tasksScreen) fetch(ids []string) {
	c := s.u.client()
	s.mu.Lock()
	gen := s.loadGen
	s.mu.Unlock()
	run(s.u, "read tasks", func(ctx context.Context) ([]client.Task, error) {
		out := make([]client.Task, 0, len(ids))
		for _, id := range ids {
			t, err := c.Task(ctx, id)
			if client.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if gen != s.loadGen {
			return nil, nil
		}
		for _, t := range out {
			if old, ok := s.taskLocked(t.ID); ok && model.StatusRank(old.Status) > model.StatusRank(t.Status) {
				continue // an event already moved it on: still stale
			}
			delete(s.stale, t.ID)
			s.tasks, _ = model.UpsertTask(s.tasks, s.index, model.Listed(t))
		}
		s.refilterLocked()
		return out, nil
	}, func(ts []client.Task) {
		if len(ts) == 0 {
			return
		}
		if s.detail != nil {
			for _, t := range ts {
				if t.ID == s.detail.id && model.StatusRank(t.Status) >= model.StatusRank(s.detail.task.Status) {
					s.detail.show(t)
				}
			}
		}
		s.redraw.request()
	})
}

// openTask shows a task in the detail pane: what the list holds at once,
// the whole task (retry links, timeout, cluster…) once it is read.
func (s *tasksScreen) openTask(id string) {
	s.form = nil
	t, ok := s.task(id)
	if !ok {
		t = client.Task{ID: id}
	}
	s.fetch([]string{id})
	s.detail = newTaskDetail(s, t)
	s.setDetail(s.detail.root)
	s.detail.loadLog()
}

// followWatchRun reads task id, just queued for the open task's code,
// and opens it when it is a watch re-run the pane follows: a save in a
// linked code's folder re-runs its last task (source watch), and the
// person looking at that task, or at another task of the code no newer
// than the re-run, wants the new run's log (model.FollowsWatchRun). The
// task.queued event does not say its source, hence the read; the rule is
// checked against the pane as it is when the read returns, so a pane
// closed or moved to another code meanwhile stays as it is.
func (s *tasksScreen) followWatchRun(id string) {
	c := s.u.client()
	run(s.u, "read the queued task", func(ctx context.Context) (client.Task, error) {
		t, err := c.Task(ctx, id)
		if client.IsNotFound(err) {
			return client.Task{}, nil // deleted meanwhile (a reset)
		}
		return t, err
	}, func(t client.Task) {
		if s.detail == nil || !model.FollowsWatchRun(s.detail.task, t) {
			return
		}
		s.openTask(t.ID)
	})
}

// openNewTask shows the new-task form (Ctrl+N).
func (s *tasksScreen) openNewTask() {
	code := s.filter.Code // the code in view, or the open task's
	if s.detail != nil {
		code = s.detail.task.CodeName
	}
	s.detail = nil
	s.form = newNewTaskForm(s)
	if code != "" {
		s.form.code.SetSelected(code)
	}
	s.setDetail(s.form.root)
	s.reloadCodes()
	s.u.win.Canvas().Focus(s.form.payload)
}

func (s *tasksScreen) setDetail(d fyne.CanvasObject) {
	s.body.Objects = []fyne.CanvasObject{split(s.list, d)}
	s.body.Refresh()
}

func (s *tasksScreen) closeDetail() bool {
	if s.detail == nil && s.form == nil {
		return false
	}
	s.detail, s.form = nil, nil
	s.setDetail(nil)
	return true
}

// newTaskForm queues a task: code, payload (JSON, checked before anything
// is sent), priority, delay, timeout.
type newTaskForm struct {
	s        *tasksScreen
	code     *widget.Select
	payload  *keyEntry
	errLabel *widget.Label
	priority *widget.Select
	delay    *keyEntry
	timeout  *keyEntry
	submit   *widget.Button
	debug    *widget.Button // queues it for a debugger
	root     fyne.CanvasObject
}

func newNewTaskForm(s *tasksScreen) *newTaskForm {
	f := &newTaskForm{s: s}
	f.code = widget.NewSelect(nil, nil)
	f.code.PlaceHolder = "(pick a code package)"
	f.setCodes(s.code.Options[1:])
	f.payload = newKeyEntry(s.u, true)
	f.payload.SetPlaceHolder(`{"key": "value"}`)
	f.payload.SetMinRowsVisible(8)
	f.payload.TextStyle = fyne.TextStyle{Monospace: true}
	f.errLabel = widget.NewLabel("")
	f.errLabel.Importance = widget.DangerImportance
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.payload.OnChanged = func(v string) { f.errLabel.SetText(errString(model.ValidatePayload(v))) }
	f.priority = widget.NewSelect([]string{"0", "1", "2"}, nil)
	f.priority.SetSelected("0")
	f.delay = newKeyEntry(s.u, false)
	f.delay.SetPlaceHolder("0 (seconds or 90s, 5m)")
	f.timeout = newKeyEntry(s.u, false)
	f.timeout.SetPlaceHolder("3600 (seconds or 10m)")
	f.submit = widget.NewButtonWithIcon("Queue task", theme.MediaPlayIcon(), f.queue)
	f.submit.Importance = widget.HighImportance
	f.debug = widget.NewButtonWithIcon("Debug", theme.SearchIcon(), f.queueDebug)
	form := widget.NewForm(
		widget.NewFormItem("Code", f.code),
		widget.NewFormItem("Payload", f.payload),
		widget.NewFormItem("", f.errLabel),
		widget.NewFormItem("Priority", f.priority),
		widget.NewFormItem("Delay", f.delay),
		widget.NewFormItem("Timeout", f.timeout))
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.closeDetail() })
	closeBtn.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, boldLabel("New task"), closeBtn)
	f.root = container.NewBorder(header, container.NewHBox(f.submit, f.debug, s.u.copyAsButton(f.copyRequests)), nil, nil, container.NewVScroll(form))
	return f
}

func (f *newTaskForm) setCodes(names []string) {
	f.code.SetOptions(names)
	if f.code.Selected == "" && len(names) == 1 {
		f.code.SetSelected(names[0])
	}
}

// queue checks the form and queues the task; nothing is sent when a field
// is wrong.
func (f *newTaskForm) queue() { f.send(false) }

// queueDebug queues the task for a debugger (Debug): it runs its code's
// debug command with no timeout, and its pane shows where the debugger
// listens.
func (f *newTaskForm) queueDebug() { f.send(true) }

func (f *newTaskForm) send(debug bool) {
	nt, err := f.task()
	if err != nil {
		f.errLabel.SetText(err.Error())
		f.s.u.notify(err.Error())
		return
	}
	nt.Debug = debug
	what, done := "queue the task", "Queued task "
	if debug {
		what, done = "queue the debug task", "Queued debug task "
	}
	c := f.s.u.client()
	run(f.s.u, what, func(ctx context.Context) (string, error) { return c.QueueTask(ctx, nt) },
		func(id string) {
			f.s.u.notify(done + id)
			f.s.openTask(id)
		})
}

func (f *newTaskForm) task() (client.NewTask, error) {
	if f.code.Selected == "" {
		return client.NewTask{}, fmt.Errorf("pick a code package")
	}
	if err := model.ValidatePayload(f.payload.Text); err != nil {
		return client.NewTask{}, err
	}
	prio, err := strconv.Atoi(f.priority.Selected)
	if err != nil {
		prio = 0
	}
	delay, err := model.ParseSeconds("delay", f.delay.Text)
	if err != nil {
		return client.NewTask{}, err
	}
	timeout, err := model.ParseSeconds("timeout", f.timeout.Text)
	if err != nil {
		return client.NewTask{}, err
	}
	return client.NewTask{CodeName: f.code.Selected, Payload: model.CompactJSON(f.payload.Text), Priority: &prio,
		Delay: delay, Timeout: timeout}, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// taskDetail is the detail pane of one task: status and progress, the
// timeline with the retry chain, the payload (editable for a re-queue),
// actions, and the live log.
type taskDetail struct {
	s        *tasksScreen
	id       string
	task     client.Task
	title    *widget.Label
	status   *widget.Label
	timeline *widget.Label
	chain    *fyne.Container
	did      *fyne.Container // what the task did through its token
	actGen   int
	progress *widget.ProgressBar
	payload  *keyEntry
	errLabel *widget.Label
	cancel   *widget.Button
	retry    *widget.Button
	again    *widget.Button // Debug again
	requeue  *widget.Button
	debug    *debugBox
	log      *logView
	root     fyne.CanvasObject
	logGen   int
	// logSize is how many bytes of the log the view holds (-1: reading
	// it, the events arriving meanwhile wait in early; -2: no offsets,
	// append what arrives).
	logSize int64
	early   []client.Event
}

func newTaskDetail(s *tasksScreen, t client.Task) *taskDetail {
	d := &taskDetail{s: s, id: t.ID}
	d.title = boldLabel("Task " + t.ID)
	d.title.Selectable = true
	d.status = wrapLabel("")
	d.timeline = widget.NewLabel("")
	d.timeline.Wrapping = fyne.TextWrapWord
	d.chain = container.NewHBox()
	d.did = container.NewVBox()
	d.progress = widget.NewProgressBar()
	d.progress.Max = 100
	d.payload = newKeyEntry(s.u, true)
	d.payload.TextStyle = fyne.TextStyle{Monospace: true}
	d.payload.SetMinRowsVisible(5)
	d.errLabel = widget.NewLabel("")
	d.errLabel.Importance = widget.DangerImportance
	d.errLabel.Wrapping = fyne.TextWrapWord
	d.payload.OnChanged = func(v string) { d.errLabel.SetText(errString(model.ValidatePayload(v))) }
	d.cancel = widget.NewButtonWithIcon("Cancel", theme.MediaStopIcon(), d.doCancel)
	d.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), d.doRetry)
	d.again = widget.NewButtonWithIcon("Debug again", theme.SearchIcon(), d.doDebugAgain)
	d.debug = newDebugBox(d)
	d.requeue = widget.NewButtonWithIcon("Re-queue with the payload below", theme.MediaReplayIcon(), d.doRequeue)
	d.log = newLogView(s.u)
	d.log.name = "task-" + t.ID + ".log"
	closeBtn := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { s.closeDetail() })
	closeBtn.Importance = widget.LowImportance
	info := container.NewVBox(
		// Copy as… sits by the title: the action row is as wide as the
		// pane allows at 1280 px already.
		container.NewBorder(nil, nil, nil, container.NewHBox(s.u.copyAsButton(d.copyRequests), closeBtn), d.title),
		d.status, d.progress, d.debug.root, d.timeline, d.chain, d.did,
		actionRow(d.cancel, d.retry, d.again, d.requeue),
		boldLabel("Payload"), d.payload, d.errLabel)
	split := container.NewVSplit(container.NewVScroll(info), d.log.root)
	split.SetOffset(0.5)
	d.root = split
	d.payload.SetText(model.PrettyJSON(t.Payload))
	d.show(t)
	return d
}

// show updates the pane with a newer view of the task (the payload editor
// keeps what the user typed).
func (d *taskDetail) show(t client.Task) {
	if t.Payload != "" && d.task.Payload == "" && d.payload.Text == "" {
		d.payload.SetText(model.PrettyJSON(t.Payload))
	}
	if t.Status != d.task.Status { // opened, started or ended: it may have done more
		d.loadActivity()
	}
	t = model.KeepDebugAddress(d.task, t)
	d.task = t
	now := d.s.u.now()
	d.status.SetText(model.TaskStatusLine(t))
	d.status.Importance = statusImportance(t.Status)
	d.status.Refresh()
	d.progress.SetValue(float64(t.Percent))
	if t.Status == client.TaskComplete {
		d.progress.SetValue(100)
	}
	d.timeline.SetText(model.Timeline(t, now))
	d.chain.RemoveAll()
	if text, link := model.TaskCause(t); link {
		d.chain.Add(widget.NewButton(text, func() { d.openCause(t) }))
	} else if text != "" {
		d.chain.Add(widget.NewLabel(text))
	}
	if t.RetryTaskID != "" {
		id := t.RetryTaskID
		d.chain.Add(widget.NewButton("retried as "+model.ShortID(id), func() { d.s.openTask(id) }))
	}
	if t.Status.Terminal() {
		d.cancel.Disable()
	} else {
		d.cancel.Enable()
	}
	d.debug.show(t)
}

// openCause opens what queued t: its schedule, its trigger binding or the
// task it retried.
func (d *taskDetail) openCause(t client.Task) {
	u := d.s.u
	switch {
	case t.Source == "trigger":
		u.showScreen(u.triggers)
		u.triggers.openBinding(t.SourceID)
	case t.Source == "schedule" || t.Source == "" && t.ScheduleID != "":
		id, c := model.FirstSet(t.SourceID, t.ScheduleID), u.client()
		run(u, "read the schedule", func(ctx context.Context) (client.Schedule, error) { return c.Schedule(ctx, id) },
			func(sc client.Schedule) {
				u.showScreen(u.schedules)
				u.schedules.open(sc)
			})
	default:
		d.s.openTask(model.FirstSet(t.SourceID, t.OriginalTaskID))
	}
}

// maxActivityLinks is how many of a task's latest effects the pane lists.
const maxActivityLinks = 20

// loadActivity reads what the task did through its token's requests and
// lists it under the cause line.
func (d *taskDetail) loadActivity() {
	d.actGen++
	gen, c, id := d.actGen, d.s.u.client(), d.id
	run(d.s.u, "read what the task did", func(ctx context.Context) ([]client.Activity, error) {
		list, err := c.TaskActivity(ctx, id)
		if client.IsNotFound(err) { // an unknown task, or an older ironlocal
			return nil, nil
		}
		return list, err
	}, func(list []client.Activity) {
		if gen != d.actGen || d.s.detail != d {
			return
		}
		d.showActivity(list)
	})
}

// showActivity lists the effects as links (the latest maxActivityLinks)
// and counts the other requests (reads, failures).
func (d *taskDetail) showActivity(list []client.Activity) {
	d.did.RemoveAll()
	effects, others := model.ActivityEffects(list)
	if len(effects) == 0 && others == 0 {
		d.did.Refresh()
		return
	}
	d.did.Add(widget.NewLabel("What it did, through its IRON_TOKEN:"))
	if n := len(effects) - maxActivityLinks; n > 0 {
		d.did.Add(widget.NewLabel("… " + model.Counted(n, "earlier effect") + " not shown"))
		effects = effects[n:]
	}
	for _, a := range effects {
		b := widget.NewButton(model.ActivityText(a), func() { d.openActivity(a) })
		b.Alignment = widget.ButtonAlignLeading
		d.did.Add(b)
	}
	if others > 0 {
		d.did.Add(widget.NewLabel(model.Counted(others, "other request") + " (reads, failures)"))
	}
	d.did.Refresh()
}

// openActivity opens what an effect touched: the message (its queue,
// searched for its id), the cache item (its cache, searched for the key)
// or the task it queued.
func (d *taskDetail) openActivity(a client.Activity) {
	u := d.s.u
	switch {
	case a.TaskID != "":
		d.s.openTask(a.TaskID)
	case a.Queue != "":
		u.showScreen(u.queues)
		u.queues.open(a.Queue)
		if len(a.MessageIDs) == 1 && u.queues.detail != nil {
			u.queues.detail.browser.search.SetText(a.MessageIDs[0])
		}
	case a.Cache != "":
		u.showScreen(u.cache)
		u.cache.open(a.Cache)
		if a.Key != "" && u.cache.detail != nil {
			u.cache.detail.search.SetText(a.Key)
		}
	}
}

// loadLog reads the log so far (the control plane serves it in any
// state), then joins the task.log events that arrive meanwhile by their
// offsets: the whole log from its first line, each byte once. An
// ironlocal older than the app has no such route: the Iron route serves
// a finished task's log, and a running one's only with --live-logs.
func (d *taskDetail) loadLog() {
	d.logGen++
	gen := d.logGen
	d.logSize = -1 // loading: task.log events wait in d.early
	c := d.s.u.client()
	id := d.id
	run(d.s.u, "read the log", func(ctx context.Context) (*client.LiveLog, error) {
		l, err := c.LiveTaskLog(ctx, id)
		if err == nil {
			return &l, nil
		}
		if !client.IsNotFound(err) {
			return nil, err
		}
		// An unknown task, or an older ironlocal without the route.
		text, err := c.TaskLog(ctx, id)
		if client.IsNotFound(err) {
			return nil, nil
		}
		return &client.LiveLog{Log: text, Size: -1}, err
	}, func(l *client.LiveLog) {
		if gen != d.logGen || d.s.detail != d {
			return
		}
		early := d.early
		d.early = nil
		switch {
		case l == nil:
			d.log.hint("This ironlocal serves a running task's log only with --live-logs: output from now on; the rest shows when the task ends.")
			d.logSize = -2 // no offsets to join by: append what arrives
		case l.Size < 0:
			d.log.hint("")
			d.log.set(l.Log)
			d.logSize = -2
			return // a finished task's whole log (older ironlocal)
		default:
			d.log.hint("")
			d.log.set(l.Log)
			d.logSize = l.Size
		}
		for _, e := range early {
			d.addLog(e)
		}
	})
}

// addLog applies a task.log event of the open task to the log.
func (d *taskDetail) addLog(e client.Event) {
	if d.logSize == -1 {
		d.early = append(d.early, e)
		return
	}
	data, _ := e.Attrs["data"].(string)
	offset, ok := e.Attrs["offset"].(float64)
	if d.logSize == -2 || !ok {
		d.log.add(data)
		return
	}
	add, size, gap := model.JoinChunk(d.logSize, int64(offset), data)
	if gap { // events were missed: read it all again
		d.loadLog()
		return
	}
	d.logSize = size
	if add != "" {
		d.log.add(add)
	}
}

func (d *taskDetail) doCancel() {
	c, id := d.s.u.client(), d.id
	act(d.s.u, "cancel the task", func(ctx context.Context) error { return c.CancelTask(ctx, id) },
		func() { d.s.u.notify("Cancelled task " + id) })
}

func (d *taskDetail) doRetry() {
	c, id := d.s.u.client(), d.id
	run(d.s.u, "retry the task", func(ctx context.Context) (string, error) { return c.RetryTask(ctx, id, 0) },
		func(nid string) {
			d.s.u.notify("Retried as task " + nid)
			d.s.openTask(nid)
		})
}

// doDebugAgain runs the task again as it ran, for a debugger, and opens
// the new task, whose pane shows the debugger's address once it listens.
func (d *taskDetail) doDebugAgain() {
	c, id := d.s.u.client(), d.id
	run(d.s.u, "debug the task again", func(ctx context.Context) (string, error) { return c.DebugAgain(ctx, id) },
		func(nid string) {
			d.s.u.notify("Debugging again as task " + nid)
			d.s.openTask(nid)
		})
}

// doRequeue queues a copy of the task with the edited payload, checked as
// JSON before anything is sent.
func (d *taskDetail) doRequeue() {
	if err := model.ValidatePayload(d.payload.Text); err != nil {
		d.errLabel.SetText(err.Error())
		d.s.u.notify(err.Error())
		return
	}
	t := d.task
	prio := t.Priority
	nt := client.NewTask{CodeName: t.CodeName, Payload: model.CompactJSON(d.payload.Text), Priority: &prio,
		Timeout: t.Timeout, Cluster: t.Cluster, Label: t.Label}
	c := d.s.u.client()
	run(d.s.u, "re-queue the task", func(ctx context.Context) (string, error) { return c.QueueTask(ctx, nt) },
		func(id string) {
			d.s.u.notify("Queued task " + id + " with the edited payload")
			d.s.openTask(id)
		})
}

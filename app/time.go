package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// upcomingWindows are the Time screen's look-ahead choices.
var upcomingWindows = []struct {
	label string
	d     time.Duration
}{
	{"next hour", time.Hour}, {"next day", 24 * time.Hour}, {"next week", 7 * 24 * time.Hour}, {"next 30 days", 30 * 24 * time.Hour},
}

// timeScreen shows ironlocal's clock; with --virtual-clock it moves it
// (presets or to a date) and lists what will fire or expire; "wait until
// idle" reports its result.
type timeScreen struct {
	u        *UI
	upcoming []client.Upcoming
	within   time.Duration
	loadGen  int
	dirty    bool

	clock    *widget.Label
	mode     *widget.Label
	presets  []*widget.Button
	to       *keyEntry
	toBtn    *widget.Button
	window   *widget.Select
	list     *escList
	summary  *widget.Label
	idleBtn  *widget.Button
	idleText *widget.Label
	// movedBox is the notice of the last clock move: what it made
	// happen, each a link opening the item; moved is that list.
	movedBox *fyne.Container
	moved    []client.Upcoming
	// queued are the tasks the schedules that fired queued, oldest
	// first.
	queued []client.Task
	root   fyne.CanvasObject
}

// maxMoved bounds what a clock move's notice reads (and movedLinks what
// it links one by one).
const (
	maxMoved   = 1000
	movedLinks = 20
)

// clockMove is a clock move's answer, what was due before it and the
// tasks the schedules that fired queued.
type clockMove struct {
	clock  client.Clock
	before []client.Upcoming
	capped bool // before was cut at maxMoved
	queued []client.Task
}

func newTimeScreen(u *UI) *timeScreen {
	s := &timeScreen{u: u, within: 24 * time.Hour}
	s.clock = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	s.clock.SizeName = theme.SizeNameHeadingText
	s.mode = widget.NewLabel("")
	s.mode.Wrapping = fyne.TextWrapWord
	for _, p := range []struct {
		label string
		d     time.Duration
	}{{"+1 min", time.Minute}, {"+1 hour", time.Hour}, {"+1 day", 24 * time.Hour}} {
		d := p.d
		s.presets = append(s.presets, widget.NewButtonWithIcon(p.label, theme.MediaFastForwardIcon(), func() { s.advance(d) }))
	}
	s.to = newKeyEntry(u, false)
	s.to.SetPlaceHolder("2026-12-24 09:00, RFC 3339 or +90m")
	s.to.OnSubmitted = func(string) { s.advanceTo() }
	s.toBtn = widget.NewButtonWithIcon("Move to", theme.MediaSkipNextIcon(), s.advanceTo)
	labels := make([]string, len(upcomingWindows))
	for i, w := range upcomingWindows {
		labels[i] = w.label
	}
	s.window = widget.NewSelect(labels, func(v string) {
		for _, w := range upcomingWindows {
			if w.label == v {
				s.within = w.d
			}
		}
		s.load()
	})
	s.window.Selected = labels[1]
	s.list = newEscList(func() { u.escape() }, func() int { return len(s.upcoming) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.upcoming) {
				o.(*widget.Label).SetText(model.UpcomingLine(s.upcoming[id], u.now()))
			}
		})
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if id < len(s.upcoming) {
			s.open(s.upcoming[id])
		}
	}
	s.summary = widget.NewLabel("")
	s.idleBtn = widget.NewButtonWithIcon("Wait until idle", theme.MediaPauseIcon(), s.waitIdle)
	s.idleText = widget.NewLabel("")
	s.idleText.Wrapping = fyne.TextWrapWord

	move := container.NewHBox(s.presets[0], s.presets[1], s.presets[2])
	to := container.NewBorder(nil, nil, nil, s.toBtn, s.to)
	s.movedBox = container.NewVBox()
	top := container.NewVBox(s.clock, s.mode, move, to, s.movedBox, widget.NewSeparator(),
		container.NewBorder(nil, nil, s.idleBtn, nil, s.idleText), widget.NewSeparator(),
		container.NewBorder(nil, nil, boldLabel("Will fire or expire in the"), s.summary, s.window))
	s.root = container.NewBorder(container.NewPadded(top), nil, nil, nil, s.list)
	u.every(refreshEvery, s.tick)
	return s
}

func (s *timeScreen) title() string               { return "Time" }
func (s *timeScreen) icon() fyne.Resource         { return theme.MediaFastForwardIcon() }
func (s *timeScreen) view() fyne.CanvasObject     { return s.root }
func (s *timeScreen) focusSearch() fyne.Focusable { return s.to }
func (s *timeScreen) closeDetail() bool           { return false }
func (s *timeScreen) shown() {
	s.showClock()
	s.load()
}

func (s *timeScreen) reload() { s.load() }

// apply reloads the list when the clock moved or state changed (hidden:
// shown() does).
func (s *timeScreen) apply(events []client.Event) {
	for _, e := range events {
		if (e.Type == "clock.changed" || isReset([]client.Event{e})) && s.visible() {
			s.load()
			return
		}
		if e.Type != "task.log" {
			s.dirty = true
		}
	}
}

// visible reports whether the Time screen is the screen in view.
func (s *timeScreen) visible() bool { return s.u.screens[s.u.current] == s }

// tick keeps the screen current while it is in view. Hidden it does
// nothing: listing what comes next reads every queued task, which under a
// flood of tasks cost the app (and its embedded ironlocal) more than
// queueing them did, once a second, for a list nobody saw; shown() loads.
func (s *timeScreen) tick() {
	if !s.visible() {
		return
	}
	s.showClock()
	if s.dirty {
		s.load()
	} else if len(s.upcoming) > 0 {
		s.list.Refresh() // "in …" counts down
	}
}

// showClock shows the clock and whether it can be moved.
func (s *timeScreen) showClock() {
	now := s.u.now()
	s.clock.SetText(now.Local().Format("Mon 2006-01-02 15:04:05 MST"))
	virtual := s.u.clock.Virtual
	if virtual {
		s.mode.SetText("Virtual clock: it stands still until moved. Moving it fires due schedules, ends delays and reservations, and expires messages and items before the move returns.")
	} else {
		s.mode.SetText("Wall clock. Start ironlocal with --virtual-clock to move time from here.")
	}
	for _, b := range s.presets {
		setEnabled(b, virtual)
	}
	setEnabled(s.toBtn, virtual)
	setEnabled(s.to, virtual)
}

// load fetches what will fire or expire.
func (s *timeScreen) load() {
	s.loadGen++
	gen := s.loadGen
	s.dirty = false
	c, within := s.u.client(), s.within
	run(s.u, "list what comes next", func(ctx context.Context) (client.UpcomingList, error) {
		return c.Upcoming(ctx, within, 1000)
	}, func(l client.UpcomingList) {
		if gen != s.loadGen {
			return
		}
		s.upcoming = l.Upcoming
		s.summary.SetText(model.Plural(len(l.Upcoming), "change", "changes"))
		s.list.Refresh()
	})
}

func (s *timeScreen) advance(d time.Duration) {
	c := s.u.client()
	run(s.u, "move the clock", func(ctx context.Context) (clockMove, error) {
		return moveClock(ctx, c, d, func() (client.Clock, error) { return c.AdvanceClock(ctx, d) })
	}, s.movedTo)
}

// moveClock lists what is due within d, then moves the clock: what was
// due by the new time is what the move made happen.
func moveClock(ctx context.Context, c *client.Client, d time.Duration, move func() (client.Clock, error)) (clockMove, error) {
	var m clockMove
	var from time.Time
	if d > 0 {
		l, err := c.Upcoming(ctx, d, maxMoved)
		if err != nil {
			return m, err
		}
		m.before, m.capped = l.Upcoming, len(l.Upcoming) >= maxMoved
		was, err := c.Clock(ctx)
		if err != nil {
			return m, err
		}
		from = was.Now
	}
	cl, err := move()
	m.clock = cl
	if err != nil {
		return m, err
	}
	m.queued, err = scheduledTasks(ctx, c, model.Happened(m.before, cl.Now), from, cl.Now)
	return m, err
}

// scheduledTasks are the tasks the schedules that fired among ups queued
// between from and to (ironlocal's clock), oldest first: a move fires
// them before it returns, each task naming its schedule.
func scheduledTasks(ctx context.Context, c *client.Client, ups []client.Upcoming, from, to time.Time) ([]client.Task, error) {
	fired := map[string]bool{}
	for _, up := range ups {
		if up.Kind == client.UpcomingScheduleFires && up.ScheduleID != "" {
			fired[up.ScheduleID] = true
		}
	}
	if len(fired) == 0 {
		return nil, nil
	}
	tasks, err := c.Tasks(ctx, client.TaskQuery{From: from.Truncate(time.Second), To: to.Add(time.Second),
		Page: client.Page{PerPage: 100}})
	if err != nil {
		return nil, err
	}
	var out []client.Task
	for _, t := range slices.Backward(tasks) { // newest first
		if fired[t.ScheduleID] || t.Source == "schedule" && fired[t.SourceID] {
			out = append(out, t)
		}
	}
	return out, nil
}

func (s *timeScreen) advanceTo() {
	t, err := model.ParseWhen("time", s.to.Text, s.u.now())
	if err == nil && t.IsZero() {
		err = errors.New("type the time to move to")
	}
	if err != nil {
		s.u.notify(err.Error())
		return
	}
	c, d := s.u.client(), t.Sub(s.u.now())
	run(s.u, "move the clock", func(ctx context.Context) (clockMove, error) {
		return moveClock(ctx, c, d, func() (client.Clock, error) { return c.SetClock(ctx, t) })
	}, s.movedTo)
}

func (s *timeScreen) movedTo(m clockMove) {
	cl := m.clock
	s.u.clock, s.u.clockAt = cl, time.Now()
	s.u.shell.showClock(s.u.now(), cl.Virtual)
	s.showClock()
	s.moved, s.queued = model.Happened(m.before, cl.Now), m.queued
	summary := model.MovedSummary(s.moved)
	if len(s.queued) > 0 {
		summary += ", " + model.Counted(len(s.queued), "task") + " queued"
	}
	if m.capped {
		summary += " (at least: only the first " + strconv.Itoa(maxMoved) + " were read)"
	}
	s.showMoved(cl.Now, summary)
	s.u.notify("The clock is now " + cl.Now.Local().Format("2006-01-02 15:04:05") + ": " + summary)
	s.load()
}

// showMoved shows the last move's notice: the summary, then a link per
// thing it made happen (the first movedLinks), and a close button.
func (s *timeScreen) showMoved(now time.Time, summary string) {
	head := widget.NewLabel("Moved to " + now.Local().Format("2006-01-02 15:04:05") + ": " + summary)
	head.Wrapping = fyne.TextWrapWord
	objs := []fyne.CanvasObject{container.NewBorder(nil, nil, nil, closeButton(func() {
		s.moved, s.queued = nil, nil
		s.movedBox.Objects = nil
		s.movedBox.Refresh()
	}), head)}
	links := make([]fyne.CanvasObject, 0, len(s.moved)+len(s.queued))
	for _, up := range s.moved {
		links = append(links, linkButton(model.MovedLine(up, now), func() { s.open(up) }))
	}
	for _, t := range s.queued {
		links = append(links, linkButton(model.QueuedLine(t, now), func() {
			s.u.showScreen(s.u.tasks)
			s.u.tasks.openTask(t.ID)
		}))
	}
	if len(links) > movedLinks {
		more := len(links) - movedLinks
		links = append(links[:movedLinks], widget.NewLabel("… and "+strconv.Itoa(more)+" more"))
	}
	objs = append(objs, links...)
	s.movedBox.Objects = objs
	s.movedBox.Refresh()
}

// waitIdle waits (off the UI goroutine) until ironlocal is idle, 30 s at
// most, and says how it went.
func (s *timeScreen) waitIdle() {
	s.idleText.SetText("waiting…")
	s.idleBtn.Disable()
	c := s.u.client()
	began := time.Now()
	s.u.goBackground(func(ctx context.Context) {
		err := c.WaitIdle(ctx, 30*time.Second)
		if ctx.Err() != nil {
			return
		}
		took := time.Since(began)
		s.u.onUI(func() {
			s.idleBtn.Enable()
			switch {
			case err == nil:
				s.idleText.SetText(fmt.Sprintf("Idle after %s: no task queued or running, no schedule or push delivery due.", model.FormatDuration(took)))
			case errors.Is(err, client.ErrNotIdle):
				s.idleText.SetText("Still busy after 30s: " + errorText(err))
			default:
				s.idleText.SetText("")
				s.u.notifyError("wait until idle", err)
			}
		})
	})
}

// open shows the resource an upcoming change is about.
func (s *timeScreen) open(up client.Upcoming) {
	u := s.u
	switch {
	case up.Queue != "":
		u.showScreen(u.queues)
		u.queues.open(up.Queue)
	case up.Cache != "":
		u.showScreen(u.cache)
		u.cache.open(up.Cache)
		u.cache.detail.search.SetText(up.Key)
	case up.TaskID != "":
		u.showScreen(u.tasks)
		u.tasks.openTask(up.TaskID)
	case up.ScheduleID != "":
		u.openSchedule(up.ScheduleID)
	}
}

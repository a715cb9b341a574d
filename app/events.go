package app

import (
	"bufio"
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// eventsKeep is how many events the log holds (the oldest go first).
const eventsKeep = 20_000

// eventTypes are the filter's choices: a label and the type prefix.
var eventTypes = []struct{ label, prefix string }{
	{"All types", ""}, {"queues", "queue."}, {"messages", "message"}, {"push", "push."}, {"alerts", "alert."},
	{"cache", "cache."}, {"codes", "code."}, {"tasks", "task."}, {"task logs", "task.log"},
	{"schedules", "schedule."}, {"triggers", "trigger."}, {"state", "state."}, {"clock", "clock."},
}

// eventsScreen is one live log of every state change (the event stream):
// a ring buffer shown in a virtualised list, paused and resumed, filtered
// by type and resource; a click opens the resource (and selects the event:
// Export test… begins there); export to JSON lines, or as a regression
// test (events_exporttest.go).
// The stream's "N events missed" markers show where the app fell behind.
type eventsScreen struct {
	u      *UI
	ring   *model.EventRing
	filter model.EventFilter
	// visible holds ring positions (counted from the first event ever
	// added: position - ring.Dropped() indexes the ring).
	visible []uint64
	paused  bool
	held    []client.Event // arrived while paused
	missed  uint64

	list   *escList
	typ    *widget.Select
	search *keyEntry
	pause  *widget.Button
	count  *widget.Label
	follow *widget.Check
	root   fyne.CanvasObject
	// autoOffset and autoSize are the scroll offset and the list's size
	// after the last automatic scroll to the end: a smaller offset at the
	// same size means the user scrolled up (a resize, or a list never
	// drawn, moves the offset by itself).
	autoOffset float32
	autoSize   fyne.Size
	empty      *emptyState
	// mark is the selected event, the last one clicked (marked: there is
	// one; markPos: its ring position): Export test… begins there.
	mark       client.Event
	markPos    uint64
	marked     bool
	exportForm *exportTestForm // the open Export test… dialog
}

func newEventsScreen(u *UI) *eventsScreen {
	s := &eventsScreen{u: u, ring: model.NewEventRing(eventsKeep)}
	s.list = newEscList(func() { u.escape() }, func() int { return len(s.visible) },
		func() fyne.CanvasObject {
			at := widget.NewLabelWithStyle("00:00:00.000", fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return container.NewBorder(nil, nil, at, nil, l)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			e, ok := s.event(id)
			if !ok {
				return
			}
			box := o.(*fyne.Container)
			text := box.Objects[0].(*widget.Label)
			box.Objects[1].(*widget.Label).SetText(e.At.Local().Format("15:04:05.000"))
			text.Importance = widget.MediumImportance
			switch {
			case e.Type == client.EventMissed:
				text.Importance = widget.DangerImportance
			case s.marked && s.visible[id] == s.markPos:
				text.Importance = widget.HighImportance
			}
			text.SetText(model.EventSummary(e))
		})
	s.list.HideSeparators = true
	s.list.OnSelected = func(id widget.ListItemID) {
		s.list.UnselectAll()
		if e, ok := s.event(id); ok {
			if e.Type != client.EventMissed {
				s.mark, s.markPos, s.marked = e, s.visible[id], true
				s.list.Refresh()
			}
			s.openResource(e)
		}
	}
	labels := make([]string, len(eventTypes))
	for i, t := range eventTypes {
		labels[i] = t.label
	}
	s.typ = widget.NewSelect(labels, func(v string) {
		for _, t := range eventTypes {
			if t.label == v {
				s.filter.Type = t.prefix
			}
		}
		s.refilter()
	})
	s.typ.Selected = labels[0]
	s.search = newKeyEntry(u, false)
	s.search.SetPlaceHolder("Filter by queue, cache, key, task or code (Ctrl+F)")
	s.search.OnChanged = func(v string) {
		s.filter.Resource = strings.ToLower(strings.TrimSpace(v))
		s.refilter()
	}
	s.pause = widget.NewButtonWithIcon("Pause", theme.MediaPauseIcon(), s.togglePause)
	clearBtn := widget.NewButtonWithIcon("Clear", theme.ContentClearIcon(), func() {
		s.ring.Clear()
		s.held, s.missed, s.marked = nil, 0, false
		s.refilter()
	})
	export := widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), s.export)
	exportTest := widget.NewButtonWithIcon("Export test…", theme.DocumentCreateIcon(), s.pickExportTest)
	s.count = widget.NewLabel("")
	s.follow = widget.NewCheck("Follow", func(on bool) {
		if on {
			s.scrollToEnd()
		}
	})
	s.follow.Checked = true
	bar := container.NewBorder(nil, nil, s.typ, container.NewHBox(s.count, s.follow, s.pause, clearBtn, export, exportTest), s.search)
	s.empty = newEmptyState("No events yet: every change ironlocal makes (a message posted, a task queued or finished, "+
		"a cache write, a trigger firing) appears here live. Queue a task to see its events.", "Open Tasks",
		func() { u.showScreen(u.tasks) })
	s.root = container.NewBorder(bar, nil, nil, nil, s.empty.over(s.list))
	s.refilter()
	return s
}

func (s *eventsScreen) title() string               { return "Events" }
func (s *eventsScreen) icon() fyne.Resource         { return theme.DocumentIcon() }
func (s *eventsScreen) view() fyne.CanvasObject     { return s.root }
func (s *eventsScreen) focusSearch() fyne.Focusable { return s.search }
func (s *eventsScreen) shown() {
	s.list.Refresh()
	if s.follow.Checked {
		s.scrollToEnd()
	}
}
func (s *eventsScreen) closeDetail() bool { return false }

// reload keeps the log: it is a record of what happened, across
// reconnects and project switches.
func (s *eventsScreen) reload() {}

// event is visible row id.
func (s *eventsScreen) event(id int) (client.Event, bool) {
	if id < 0 || id >= len(s.visible) {
		return client.Event{}, false
	}
	i := s.visible[id] - s.ring.Dropped()
	return s.ring.At(int(i)), true
}

// apply adds a batch to the log (held back while paused).
func (s *eventsScreen) apply(events []client.Event) {
	if s.paused {
		s.held = append(s.held, events...)
		if over := len(s.held) - eventsKeep; over > 0 {
			s.held = s.held[over:]
		}
		s.showCount()
		return
	}
	s.add(events)
}

func (s *eventsScreen) add(events []client.Event) {
	before := s.ring.Dropped()
	for _, e := range events {
		pos := s.ring.Dropped() + uint64(s.ring.Len())
		s.ring.Add(e)
		if e.Type == client.EventMissed {
			s.missed += e.Missed
		}
		if model.EventMatches(e, s.filter) {
			s.visible = append(s.visible, pos)
		}
	}
	if s.ring.Dropped() != before {
		first := s.ring.Dropped()
		i := 0
		for i < len(s.visible) && s.visible[i] < first {
			i++
		}
		s.visible = append(s.visible[:0], s.visible[i:]...)
	}
	s.showCount()
	if s.u.screens[s.u.current] != s {
		return // hidden: shown() redraws the list when it comes back
	}
	if s.follow.Checked && s.userScrolledUp() {
		s.follow.SetChecked(false) // stop following
	}
	s.list.Refresh()
	if s.follow.Checked {
		s.scrollToEnd()
	}
}

func (s *eventsScreen) scrollToEnd() {
	if len(s.visible) == 0 {
		return
	}
	s.list.MinSize() // makes the list's scroller when it was never drawn
	s.list.ScrollToBottom()
	s.autoOffset, s.autoSize = s.list.GetScrollOffset(), s.list.Size()
}

// userScrolledUp reports whether the user scrolled away from the end
// since the last automatic scroll.
func (s *eventsScreen) userScrolledUp() bool {
	size := s.list.Size()
	return size.Height > 0 && size == s.autoSize && s.list.GetScrollOffset() < s.autoOffset-1
}

// refilter recomputes the visible rows.
func (s *eventsScreen) refilter() {
	s.visible = s.visible[:0]
	first := s.ring.Dropped()
	for i := range s.ring.Len() {
		if model.EventMatches(s.ring.At(i), s.filter) {
			s.visible = append(s.visible, first+uint64(i))
		}
	}
	s.showCount()
	s.list.Refresh()
	if s.follow != nil && s.follow.Checked {
		s.scrollToEnd()
	}
}

func (s *eventsScreen) showCount() {
	s.empty.show(s.ring.Len() == 0)
	s.count.SetText(model.EventsCount(len(s.visible), s.ring.Len(), s.missed, s.paused, len(s.held)))
}

func (s *eventsScreen) togglePause() {
	s.paused = !s.paused
	if s.paused {
		s.pause.SetText("Resume")
		s.pause.SetIcon(theme.MediaPlayIcon())
		s.showCount()
		return
	}
	s.pause.SetText("Pause")
	s.pause.SetIcon(theme.MediaPauseIcon())
	held := s.held
	s.held = nil
	s.add(held)
}

// visibleEvents are the events the filter shows, oldest first.
func (s *eventsScreen) visibleEvents() []client.Event {
	out := make([]client.Event, 0, len(s.visible))
	for id := range s.visible {
		e, _ := s.event(id)
		out = append(out, e)
	}
	return out
}

// export writes the visible events to a JSON-lines file the user picks.
func (s *eventsScreen) export() {
	events := s.visibleEvents()
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			return
		}
		path := w.URI().Path()
		_ = w.Close()
		s.exportTo(path, events)
	}, s.u.win)
	d.SetFileName("ironlocal-events.jsonl")
	d.Show()
}

func (s *eventsScreen) exportTo(path string, events []client.Event) {
	act(s.u, "export the events", func(context.Context) error {
		f, err := createPrivate(path)
		if err != nil {
			return err
		}
		w := bufio.NewWriter(f)
		if err := model.WriteJSONLines(w, events); err != nil {
			_ = f.Close()
			return err
		}
		if err := w.Flush(); err != nil {
			_ = f.Close()
			return err
		}
		return f.Close()
	}, func() { s.u.notify("Exported " + model.Counted(len(events), "event") + " to " + path) })
}

// openResource shows what an event is about on its screen: the exact
// task, message or cache item when the event names one (a message event
// naming several opens the first), else its queue, cache, binding, code
// or schedule.
func (s *eventsScreen) openResource(e client.Event) {
	u := s.u
	attr := func(k string) string { v, _ := e.Attrs[k].(string); return v }
	switch {
	case e.TaskID != "":
		u.showScreen(u.tasks)
		u.tasks.openTask(e.TaskID)
	case e.Queue != "" && len(e.IDs) > 0:
		queue := e.Queue
		if dlq := attr("dead_letter_queue"); e.Type == "messages.dead_lettered" && dlq != "" {
			queue = dlq // moved there, keeping its id
		}
		u.showScreen(u.queues)
		u.queues.openMessage(queue, e.IDs[0])
	case e.Queue != "":
		u.showScreen(u.queues)
		u.queues.open(e.Queue)
	case e.Cache != "" && e.Key != "":
		u.showScreen(u.cache)
		u.cache.openItem(e.Cache, e.Key)
	case e.Cache != "":
		u.showScreen(u.cache)
		u.cache.open(e.Cache)
	case e.Type == "trigger.event" && attr("binding_id") != "":
		u.showScreen(u.triggers)
		u.triggers.openBinding(attr("binding_id"))
	case e.CodeName != "" && !strings.HasPrefix(e.Type, "schedule."):
		u.showScreen(u.codes)
		u.codes.search.SetText(e.CodeName)
	case strings.HasPrefix(e.Type, "schedule."):
		u.openSchedule(attr("schedule_id"))
	case strings.HasPrefix(e.Type, "clock."):
		u.showScreen(u.time)
	}
}

// openSchedule shows the Schedules screen with schedule id open (the
// list alone when it is not listed).
func (u *UI) openSchedule(id string) {
	u.showScreen(u.schedules)
	for _, sc := range u.schedules.schedules {
		if sc.ID == id {
			u.schedules.open(sc)
			return
		}
	}
}

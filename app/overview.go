package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// overviewScreen shows what ironlocal is and does: services and runtime,
// address and store, counts, live rates, the last events, and the settings
// the official clients need.
type overviewScreen struct {
	u         *UI
	services  *widget.Label
	where     *widget.Label
	counts    *widget.Label
	msgRate   *model.RateSeries
	taskRate  *model.RateSeries
	msgChart  *sparkline
	taskChart *sparkline
	events    []string // newest last, at most lastEvents
	fresh     []string // record's scratch: a batch's lines, newest first
	eventList *widget.List
	redraw    *throttle // of eventList
	root      fyne.CanvasObject

	health client.Health
	stats  client.Stats
	dirty  bool
	// online is the connection state the labels were drawn with.
	online bool
}

const lastEvents = 200

func newOverviewScreen(u *UI) *overviewScreen {
	s := &overviewScreen{u: u, msgRate: model.NewRateSeries(60), taskRate: model.NewRateSeries(60)}
	s.services = widget.NewLabel("…")
	s.where = widget.NewLabel("")
	s.where.Wrapping = fyne.TextWrapWord
	s.counts = widget.NewLabel("…")
	s.counts.Wrapping = fyne.TextWrapWord
	s.msgChart = newSparkline("Messages", "/s", s.msgRate)
	s.taskChart = newSparkline("Tasks finished", "/s", s.taskRate)
	s.redraw = newThrottle(u, redrawEvery, func() { s.eventList.Refresh() })
	s.eventList = widget.NewList(func() int { return len(s.events) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.events) {
				o.(*widget.Label).SetText(s.events[len(s.events)-1-id]) // newest on top
			}
		})
	copyEnv := widget.NewButtonWithIcon("Copy IRON_* exports", theme.ContentCopyIcon(), func() {
		c := u.client()
		u.copyText("IRON_* exports", model.IronEnv(c.URL(), c.Token(), c.Project()))
	})
	copyJSON := widget.NewButtonWithIcon("Copy iron.json", theme.ContentCopyIcon(), func() {
		c := u.client()
		u.copyText("iron.json", model.IronJSON(c.URL(), c.Token(), c.Project()))
	})
	left := container.NewVBox(
		card("Services", s.services),
		card("Where", s.where),
		card("Counts", s.counts),
		container.NewGridWithColumns(2, s.msgChart, s.taskChart),
		container.NewHBox(copyEnv, copyJSON))
	right := container.NewBorder(boldLabel("Last events"), nil, nil, nil, s.eventList)
	sp := container.NewHSplit(container.NewVScroll(left), right)
	sp.SetOffset(0.55)
	s.root = sp
	return s
}

func card(title string, body fyne.CanvasObject) fyne.CanvasObject {
	return container.NewVBox(boldLabel(title), body, widget.NewSeparator())
}

func (s *overviewScreen) title() string               { return "Overview" }
func (s *overviewScreen) icon() fyne.Resource         { return theme.HomeIcon() }
func (s *overviewScreen) view() fyne.CanvasObject     { return s.root }
func (s *overviewScreen) focusSearch() fyne.Focusable { return nil }
func (s *overviewScreen) closeDetail() bool           { return false }
func (s *overviewScreen) shown() {
	s.eventList.Refresh()
	s.msgChart.Refresh()
	s.taskChart.Refresh()
	if s.dirty {
		s.dirty = false
		s.reload()
	}
}

// visible reports whether the overview is the screen in view.
func (s *overviewScreen) visible() bool { return s.u.screens[s.u.current] == s }

func (s *overviewScreen) reload() {
	c := s.u.client()
	run(s.u, "read the health", func(ctx context.Context) (client.Health, error) { return c.Health(ctx) },
		func(h client.Health) {
			s.health = h
			s.show()
		})
	run(s.u, "count resources", func(ctx context.Context) (client.Stats, error) { return c.Stats(ctx) },
		func(st client.Stats) {
			s.stats = st
			s.show()
		})
}

// show renders the labels from what was read.
func (s *overviewScreen) show() {
	s.online = s.u.connected
	s.services.SetText(servicesText(s.health, s.online, s.u.be.Client.URL()))
	s.services.Importance = widget.MediumImportance
	if !s.online && s.health.Status != "" {
		s.services.Importance = widget.DangerImportance
	}
	s.services.Refresh()
	mode := "embedded in this app"
	if s.u.be.Attached {
		mode = "attached"
	}
	where := fmt.Sprintf("ironlocal %s, %s\nAddress: %s\nProject: %s", s.health.Version, mode, s.u.be.Client.URL(), s.u.project)
	if s.u.be.Store != "" {
		where += "\nStore: " + s.u.be.Store
	}
	s.where.SetText(where)
	s.counts.SetText(countsText(s.stats))
}

// servicesText lists each service's state, the runtime last. With the
// connection lost, the last answer is stale: it says so instead of "ok".
func servicesText(h client.Health, connected bool, url string) string {
	if !connected {
		if h.Status == "" {
			return "connecting to ironlocal at " + url + "…"
		}
		return "connection lost: ironlocal at " + url + " stopped answering; reconnecting\n" +
			"services: unknown until it answers again"
	}
	if h.Status == "" {
		return "…"
	}
	keys := make([]string, 0, len(h.Services))
	for k := range h.Services {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "overall: %s", h.Status)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s: %s", k, h.Services[k])
	}
	return b.String()
}

// countsText is the counts card.
func countsText(st client.Stats) string {
	tasks := st.Tasks
	var ts []string
	total := 0
	for _, st := range []client.TaskStatus{client.TaskQueued, client.TaskRunning, client.TaskComplete, client.TaskError,
		client.TaskTimeout, client.TaskKilled, client.TaskCancelled} {
		total += tasks[st]
		if tasks[st] > 0 {
			ts = append(ts, fmt.Sprintf("%d %s", tasks[st], st))
		}
	}
	taskLine := model.Counted(total, "task")
	if len(ts) > 0 {
		taskLine += " (" + strings.Join(ts, ", ") + ")"
	}
	return fmt.Sprintf("%s, %s · %s\n%s · %s\n%s",
		model.Counted(st.Queues, "queue"), model.Counted(int(st.Messages), "message"), model.Counted(st.Caches, "cache"),
		model.Counted(st.Codes, "code package"), model.Counted(st.Schedules, "schedule"), taskLine)
}

// record counts every event (all projects) for the rates and the list.
// Only the last lastEvents of a batch are formatted: under a flood the
// others would be dropped from the list at once.
func (s *overviewScreen) record(events []client.Event) {
	listed, now := 0, s.u.now()
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		switch e.Type {
		case "messages.posted":
			s.msgRate.Add(max(1, len(e.IDs)))
		case "task.finished":
			s.taskRate.Add(1)
		}
		if e.Type != "task.log" && listed < lastEvents {
			listed++
			s.fresh = append(s.fresh, model.FormatTime(e.At, now)+"  "+model.EventSummary(e))
		}
	}
	slices.Reverse(s.fresh) // oldest first, as s.events
	s.events = append(s.events, s.fresh...)
	s.fresh = s.fresh[:0]
	if over := len(s.events) - lastEvents; over > 0 {
		s.events = append(s.events[:0], s.events[over:]...)
	}
	if s.visible() { // hidden: shown() redraws the list
		s.redraw.request()
	}
}

// apply notes that counts changed.
func (s *overviewScreen) apply(events []client.Event) {
	if isReset(events) {
		s.reload()
		return
	}
	for _, e := range events {
		if e.Type != "task.log" && e.Type != "task.progress" {
			s.dirty = true
		}
	}
}

// tick rolls the rates every second and, in view, recounts (a cheap
// call) when something changed. Hidden, it neither calls nor redraws:
// the labels of a screen shown before are still on the window's canvas,
// and setting them repainted the whole window; shown() recounts.
func (s *overviewScreen) tick() {
	s.msgRate.Roll()
	s.taskRate.Roll()
	if !s.visible() {
		return
	}
	if s.online != s.u.connected { // lost, or back: redraw, and reread once back
		s.dirty = s.dirty || s.u.connected
		s.show()
	}
	s.msgChart.Refresh()
	s.taskChart.Refresh()
	if s.dirty {
		s.dirty = false
		s.reload()
	}
}

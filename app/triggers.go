package app

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// triggersScreen shows the trigger plugins and their state, and the
// selected project's bindings with their last outcome. The detail pane
// shows a plugin (state, event types, log) or a binding: its form,
// generated from the plugin's config schema, "fire test event" with an
// editable sample, and the event trace, live, with replay.
type triggersScreen struct {
	u        *UI
	plugins  []client.TriggerPlugin
	bindings []client.TriggerBinding // the selected project's
	// last is each binding's newest traced event (by binding id).
	last map[string]client.TriggerEvent

	pluginList *escList
	table      *escTable
	body       *fyne.Container
	listBox    fyne.CanvasObject
	// One of these is open in the detail pane (or none).
	binding *bindingDetail
	plugin  *pluginDetail

	empty   *emptyState
	reloads *throttle
	traces  *throttle
}

func newTriggersScreen(u *UI) *triggersScreen {
	s := &triggersScreen{u: u, last: map[string]client.TriggerEvent{}}
	s.pluginList = newEscList(func() { s.closeDetail() }, func() int { return len(s.plugins) },
		newTitledRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.plugins) {
				return
			}
			p := s.plugins[id]
			setTitledRow(o, p.Name+" · "+p.State, pluginSummary(p), pluginImportance(p.State))
		})
	s.pluginList.OnSelected = func(id widget.ListItemID) {
		s.pluginList.UnselectAll()
		if id < len(s.plugins) {
			s.openPlugin(s.plugins[id].Path)
		}
	}
	cols := []column{{"Name", 120}, {"Plugin", 70}, {"Action", 160}, {"Enabled", 70}, {"State", 90}, {"Last outcome", 320}}
	s.table = newColumnTable(func() { s.closeDetail() }, cols, func() int { return len(s.bindings) },
		func(row, col int) (string, widget.Importance) { return s.cell(row, col) },
		func(row int) { s.openBinding(s.bindings[row].ID) })
	add := widget.NewButtonWithIcon("New binding", theme.ContentAddIcon(), func() { s.openNew() })
	add.Importance = widget.HighImportance
	pluginsBox := container.NewBorder(boldLabel("Plugins"), nil, nil, nil, s.pluginList)
	s.empty = newEmptyState("No bindings yet: a binding turns a plugin's events (a file dropped, an HTTP call, a Redis push) into tasks or messages.",
		"Create the first binding", func() { s.openNew() })
	bindingsBox := container.NewBorder(container.NewBorder(nil, nil, boldLabel("Bindings"), add), nil, nil, nil, s.empty.over(s.table))
	v := container.NewVSplit(bindingsBox, pluginsBox)
	v.SetOffset(0.65)
	s.listBox = v
	s.body = container.NewStack(s.listBox)
	s.reloads = newThrottle(u, redrawEvery, s.reload)
	s.traces = newThrottle(u, redrawEvery, func() {
		if s.binding != nil {
			s.binding.loadTrace()
		}
	})
	return s
}

func (s *triggersScreen) title() string               { return "Triggers" }
func (s *triggersScreen) icon() fyne.Resource         { return theme.MediaPlayIcon() }
func (s *triggersScreen) view() fyne.CanvasObject     { return s.body }
func (s *triggersScreen) focusSearch() fyne.Focusable { return nil }
func (s *triggersScreen) shown()                      { s.pluginList.Refresh(); s.table.Refresh() }

func pluginImportance(state string) widget.Importance {
	switch state {
	case "running":
		return widget.SuccessImportance
	case "crashed", "starting":
		return widget.WarningImportance
	case "failed":
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

// pluginSummary is a plugin's second line: why it is not running, or
// what it is.
func pluginSummary(p client.TriggerPlugin) string {
	var parts []string
	if p.Message != "" {
		parts = append(parts, p.Message)
	}
	if p.Error != "" && p.Error != p.Message {
		parts = append(parts, p.Error)
	}
	if p.Restarts > 0 {
		parts = append(parts, model.Plural(p.Restarts, "restart", "restarts"))
	}
	if len(parts) == 0 {
		if p.Version != "" {
			parts = append(parts, "v"+p.Version)
		}
		if p.Description != "" {
			parts = append(parts, p.Description)
		} else {
			parts = append(parts, p.Path)
		}
	}
	return strings.Join(parts, " · ")
}

// actionSummary says what a binding does with an event.
func actionSummary(a client.TriggerAction) string {
	if a.Type == "message" {
		return "post to queue " + a.Queue
	}
	return "task for " + a.CodeName
}

// outcomeLine is a traced event in one line: outcome, what it made, why.
func outcomeLine(e client.TriggerEvent) string {
	s := e.Outcome
	switch {
	case e.TaskID != "":
		s += " → task " + e.TaskID
	case len(e.MessageIDs) > 0:
		s += " → message " + strings.Join(e.MessageIDs, ", ")
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

func outcomeImportance(outcome string) widget.Importance {
	switch outcome {
	case "matched":
		return widget.SuccessImportance
	case "filtered":
		return widget.WarningImportance
	case "failed":
		return widget.DangerImportance
	}
	return widget.MediumImportance
}

func (s *triggersScreen) cell(row, col int) (string, widget.Importance) {
	b := s.bindings[row]
	switch col {
	case 0:
		if b.Name != "" {
			return b.Name, widget.MediumImportance
		}
		return b.ID, widget.MediumImportance
	case 1:
		return b.Plugin, widget.MediumImportance
	case 2:
		return actionSummary(b.Action), widget.MediumImportance
	case 3:
		if b.Enabled {
			return "yes", widget.MediumImportance
		}
		return "no", widget.LowImportance
	case 4:
		imp := widget.MediumImportance
		switch {
		case b.State != "running" && b.State != "disabled":
			imp = widget.DangerImportance
		case b.Warning != "":
			imp = widget.WarningImportance
		}
		return model.BindingState(b), imp
	default:
		e, ok := s.last[b.ID]
		if !ok {
			return "no events yet", widget.LowImportance
		}
		return model.FormatTime(e.At, s.u.now()) + " " + outcomeLine(e), outcomeImportance(e.Outcome)
	}
}

// triggersAnswer is one load: the plugins, the project's bindings and
// each one's newest event.
type triggersAnswer struct {
	plugins  []client.TriggerPlugin
	bindings []client.TriggerBinding
	last     map[string]client.TriggerEvent
}

func (s *triggersScreen) reload() {
	c, project := s.u.client(), s.u.project
	run(s.u, "list triggers", func(ctx context.Context) (triggersAnswer, error) {
		var a triggersAnswer
		var err error
		if a.plugins, err = c.TriggerPlugins(ctx); err != nil {
			return a, err
		}
		all, err := c.Triggers(ctx)
		if err != nil {
			return a, err
		}
		a.last = map[string]client.TriggerEvent{}
		for _, b := range all {
			if b.ProjectID != project {
				continue
			}
			a.bindings = append(a.bindings, b)
			evs, err := c.TriggerEvents(ctx, b.ID, 1)
			if err != nil && !client.IsNotFound(err) { // deleted meanwhile
				return a, err
			}
			if len(evs) > 0 {
				a.last[b.ID] = evs[0]
			}
		}
		slices.SortFunc(a.bindings, func(x, y client.TriggerBinding) int { return x.CreatedAt.Compare(y.CreatedAt) })
		return a, nil
	}, func(a triggersAnswer) {
		s.plugins, s.bindings, s.last = a.plugins, a.bindings, a.last
		s.empty.show(len(s.bindings) == 0)
		s.pluginList.Refresh()
		s.table.Refresh()
		if s.binding != nil && s.binding.id == "" { // a new binding's form offers every plugin
			s.binding.plugin.SetOptions(s.pluginNames())
		}
		if s.plugin != nil {
			if p, ok := s.pluginByPath(s.plugin.path); ok {
				s.plugin.show(p)
			}
		}
		if s.binding != nil && s.binding.id != "" {
			if b, ok := s.bindingByID(s.binding.id); ok {
				s.binding.showState(b)
			}
		}
	})
}

func (s *triggersScreen) apply(events []client.Event) {
	reload, trace, redraw := false, false, false
	for _, e := range events {
		switch e.Type {
		case "trigger.event":
			// The event names its binding and outcome: the last outcome
			// column is updated without asking ironlocal again.
			id, _ := e.Attrs["binding_id"].(string)
			if id == "" {
				continue
			}
			s.last[id] = traceEventOf(e)
			redraw = true
			if s.binding != nil && id == s.binding.id {
				trace = true
			}
		case "trigger.state", "trigger.binding_changed", "state.reset", "state.imported":
			reload = true
		}
	}
	if reload {
		s.reloads.request()
	} else if redraw {
		s.table.Refresh()
	}
	if trace {
		s.traces.request()
	}
}

// traceEventOf is what a trigger.event event says of the traced event.
func traceEventOf(e client.Event) client.TriggerEvent {
	str := func(k string) string { v, _ := e.Attrs[k].(string); return v }
	return client.TriggerEvent{ID: str("event_id"), BindingID: str("binding_id"), ProjectID: e.ProjectID,
		Type: str("event_type"), Source: str("source"), At: e.At, Outcome: str("outcome"), Reason: str("reason"),
		TaskID: e.TaskID, MessageIDs: e.IDs}
}

func (s *triggersScreen) closeDetail() bool {
	if s.binding == nil && s.plugin == nil {
		return false
	}
	s.binding, s.plugin = nil, nil
	s.body.Objects = []fyne.CanvasObject{s.listBox}
	s.body.Refresh()
	return true
}

func (s *triggersScreen) showDetail(o fyne.CanvasObject) {
	sp := container.NewHSplit(s.listBox, o)
	sp.SetOffset(0.45)
	s.body.Objects = []fyne.CanvasObject{sp}
	s.body.Refresh()
}

func (s *triggersScreen) pluginByPath(path string) (client.TriggerPlugin, bool) {
	for _, p := range s.plugins {
		if p.Path == path {
			return p, true
		}
	}
	return client.TriggerPlugin{}, false
}

func (s *triggersScreen) pluginNames() []string {
	names := make([]string, 0, len(s.plugins))
	for _, p := range s.plugins {
		names = append(names, p.Name)
	}
	return names
}

func (s *triggersScreen) pluginByName(name string) (client.TriggerPlugin, bool) {
	for _, p := range s.plugins {
		if p.Name == name {
			return p, true
		}
	}
	return client.TriggerPlugin{}, false
}

func (s *triggersScreen) bindingByID(id string) (client.TriggerBinding, bool) {
	for _, b := range s.bindings {
		if b.ID == id {
			return b, true
		}
	}
	return client.TriggerBinding{}, false
}

func (s *triggersScreen) openPlugin(path string) {
	p, ok := s.pluginByPath(path)
	if !ok {
		return
	}
	s.binding = nil
	s.plugin = newPluginDetail(s, p)
	s.showDetail(s.plugin.root)
}

// openNew opens an empty binding form.
func (s *triggersScreen) openNew() {
	s.plugin = nil
	s.binding = newBindingDetail(s, client.TriggerBinding{Enabled: true})
	s.showDetail(s.binding.root)
	s.binding.loadCodes()
}

// openBinding opens a binding: its form, fire and trace.
func (s *triggersScreen) openBinding(id string) {
	b, ok := s.bindingByID(id)
	if !ok {
		return
	}
	s.plugin = nil
	s.binding = newBindingDetail(s, b)
	s.showDetail(s.binding.root)
	s.binding.loadCodes()
	s.binding.loadTrace()
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/ironlocal/ironlocal/app/model"
	"github.com/ironlocal/ironlocal/client"
)

// A binding's pane on the Triggers screen: the form generated from its plugin's schema, its event trace with replay, and the test event.

// bindingDetail creates or edits a binding; an existing one also has
// "fire test event" and its trace.
type bindingDetail struct {
	s  *triggersScreen
	id string

	state    *widget.Label
	name     *widget.Entry
	plugin   *widget.Select
	config   *schemaForm
	cfgBox   *fyne.Container
	enabled  *widget.Check
	kind     *widget.RadioGroup
	code     *widget.SelectEntry
	codes    []string      // offered in code
	codesIn  bool          // codes was read
	codeWarn *widget.Label // under code: no code of that name (yet)
	priority *widget.Select
	delay    *widget.Entry
	timeout  *widget.Entry
	queue    *widget.Entry
	tmpl     *widget.Entry
	errLabel *widget.Label
	save     *widget.Button
	del      *widget.Button

	// Fire a test event.
	sample    *widget.Select
	eventType *widget.SelectEntry
	firePay   *widget.Entry
	fire      *widget.Button

	// The trace, newest first, and the event open for replay.
	events   []client.TriggerEvent
	trace    *widget.List
	traceSeq int
	picked   string // event id
	pickedLb *widget.Label
	// links holds the picked event's ids as links: the task it queued or
	// the messages it posted.
	links    *fyne.Container
	replayPy *widget.Entry
	replay   *widget.Button

	root fyne.CanvasObject
}

const (
	actionTask    = "Queue a task"
	actionMessage = "Post to a queue"
)

func newBindingDetail(s *triggersScreen, b client.TriggerBinding) *bindingDetail {
	d := &bindingDetail{s: s, id: b.ID}
	d.state = wrapLabel("")
	d.name = widget.NewEntry()
	d.name.SetText(b.Name)
	names := s.pluginNames()
	d.cfgBox = container.NewVBox()
	d.plugin = widget.NewSelect(names, d.pickPlugin)
	d.plugin.PlaceHolder = "(pick a plugin)"
	d.enabled = widget.NewCheck("Enabled", nil)
	d.enabled.SetChecked(b.Enabled)
	d.code = widget.NewSelectEntry(nil)
	d.code.SetText(b.Action.CodeName)
	d.codeWarn = widget.NewLabel("")
	d.codeWarn.Importance = widget.WarningImportance
	d.codeWarn.Wrapping = fyne.TextWrapWord
	d.codeWarn.Hide()
	d.code.OnChanged = func(string) { d.checkCode() }
	d.priority = widget.NewSelect([]string{"0", "1", "2"}, nil)
	d.priority.SetSelected(strconv.Itoa(deref(b.Action.Priority)))
	d.delay = widget.NewEntry()
	d.delay.SetPlaceHolder("seconds (0)")
	d.timeout = widget.NewEntry()
	d.timeout.SetPlaceHolder("seconds (the code's)")
	if b.Action.Delay != nil {
		d.delay.SetText(strconv.Itoa(*b.Action.Delay))
	}
	if b.Action.Timeout != nil {
		d.timeout.SetText(strconv.Itoa(*b.Action.Timeout))
	}
	d.queue = widget.NewEntry()
	d.queue.SetText(b.Action.Queue)
	d.tmpl = widget.NewMultiLineEntry()
	d.tmpl.TextStyle = fyne.TextStyle{Monospace: true}
	d.tmpl.SetMinRowsVisible(3)
	d.tmpl.SetPlaceHolder(`optional: {"key": {{json .Payload.Records}}} — empty sends the event's payload`)
	d.tmpl.SetText(b.Action.Template)
	taskForm := widget.NewForm(
		widget.NewFormItem("Code", d.code),
		widget.NewFormItem("", d.codeWarn),
		widget.NewFormItem("Priority", d.priority),
		widget.NewFormItem("Delay", d.delay),
		widget.NewFormItem("Timeout", d.timeout))
	msgForm := widget.NewForm(widget.NewFormItem("Queue", d.queue))
	d.kind = widget.NewRadioGroup([]string{actionTask, actionMessage}, func(k string) {
		if k == actionMessage {
			taskForm.Hide()
			msgForm.Show()
		} else {
			msgForm.Hide()
			taskForm.Show()
		}
	})
	d.kind.Horizontal = true
	d.kind.Required = true
	if b.Action.Type == "message" {
		d.kind.SetSelected(actionMessage)
	} else {
		d.kind.SetSelected(actionTask)
	}
	d.errLabel = widget.NewLabel("")
	d.errLabel.Importance = widget.DangerImportance
	d.errLabel.Wrapping = fyne.TextWrapWord
	d.save = widget.NewButtonWithIcon("Create", theme.ConfirmIcon(), d.submit)
	d.save.Importance = widget.HighImportance
	d.del = widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), func() {
		s.u.confirm("Delete binding", "Delete binding "+d.label()+" and its event trace?", d.doDelete)
	})
	d.del.Importance = widget.DangerImportance
	title := "New binding"
	if b.ID != "" {
		title = "Binding " + d.labelOf(b)
		d.save.SetText("Save")
		d.plugin.SetSelected(b.Plugin) // builds the config form
		d.plugin.Disable()             // a binding keeps its plugin
		if d.config != nil {
			d.config.set(b.Config)
		}
		d.showState(b)
	} else {
		d.del.Hide()
		if len(names) == 1 {
			d.plugin.SetSelected(names[0])
		}
	}
	editor := container.NewVBox(d.state,
		widget.NewForm(widget.NewFormItem("Name", d.name), widget.NewFormItem("Plugin", d.plugin)),
		boldLabel("Config"), d.cfgBox,
		boldLabel("Action"), d.kind, taskForm, msgForm,
		widget.NewForm(widget.NewFormItem("Template", d.tmpl)),
		d.enabled, d.errLabel, container.NewHBox(d.save, d.del))
	header := container.NewBorder(nil, nil, nil, closeButton(func() { s.closeDetail() }), titleLabel(title))
	if b.ID == "" {
		d.root = container.NewBorder(header, nil, nil, nil, container.NewVScroll(editor))
		return d
	}
	tabs := container.NewAppTabs(
		container.NewTabItem("Events", d.buildTrace()),
		container.NewTabItem("Fire test event", d.buildFire()),
		container.NewTabItem("Binding", container.NewVScroll(editor)))
	d.root = container.NewBorder(header, nil, nil, nil, tabs)
	return d
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (d *bindingDetail) labelOf(b client.TriggerBinding) string {
	if b.Name != "" {
		return b.Name
	}
	return b.ID
}

func (d *bindingDetail) label() string {
	if b, ok := d.s.bindingByID(d.id); ok {
		return d.labelOf(b)
	}
	return d.id
}

func (d *bindingDetail) showState(b client.TriggerBinding) {
	s := "state: " + model.BindingState(b)
	if b.Status != "" {
		s += " · " + b.Status
	}
	keys := make([]string, 0, len(b.StatusAttrs))
	for k := range b.StatusAttrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		s += " · " + k + " " + b.StatusAttrs[k]
	}
	d.state.SetText(s)
}

// pickPlugin builds the config form from the plugin's schema.
func (d *bindingDetail) pickPlugin(name string) {
	// A plugin not discovered (yet) gets a JSON editor.
	p, _ := d.s.pluginByName(name)
	f, err := newSchemaForm(p.ConfigSchema)
	if err != nil {
		d.config = nil
		d.cfgBox.Objects = []fyne.CanvasObject{wrapLabel(err.Error())}
		d.cfgBox.Refresh()
		return
	}
	d.config = f
	d.cfgBox.Objects = []fyne.CanvasObject{f.form}
	d.cfgBox.Refresh()
}

func (d *bindingDetail) loadCodes() {
	c := d.s.u.client()
	run(d.s.u, "list codes", func(ctx context.Context) ([]client.Code, error) { return c.Codes(ctx, client.Page{PerPage: 100}) },
		func(codes []client.Code) {
			names := make([]string, 0, len(codes))
			for _, cd := range codes {
				names = append(names, cd.Name)
			}
			d.codes, d.codesIn = names, len(codes) < 100 // a full page may not be all of them
			d.code.SetOptions(names)
			d.checkCode()
		})
}

// checkCode shows the warning line under the code field when no code of
// the project has that name (the binding is still accepted).
func (d *bindingDetail) checkCode() {
	if w := model.MissingCode(d.code.Text, d.codes, d.codesIn); w != "" {
		d.codeWarn.SetText(w)
		d.codeWarn.Show()
		return
	}
	d.codeWarn.SetText("")
	d.codeWarn.Hide()
}

// optSeconds reads an optional whole number of seconds.
func optSeconds(field, s string) (*int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%s: %q is not a whole number of seconds", field, s)
	}
	return &n, nil
}

// checkTemplate parses a payload template as ironlocal will (Go
// text/template with a json function).
func checkTemplate(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	_, err := template.New("template").Funcs(template.FuncMap{"json": func(any) (string, error) { return "", nil }}).Parse(s)
	if err != nil {
		return fmt.Errorf("template: %v", err)
	}
	return nil
}

// values reads the form; a field that cannot be right is an error and
// nothing is sent.
func (d *bindingDetail) values() (json.RawMessage, client.TriggerAction, error) {
	var a client.TriggerAction
	if d.plugin.Selected == "" {
		return nil, a, fmt.Errorf("pick a plugin")
	}
	if d.config == nil {
		return nil, a, fmt.Errorf("the plugin %s offers no config form", d.plugin.Selected)
	}
	cfg, err := d.config.value()
	if err != nil {
		return nil, a, err
	}
	a.Template = d.tmpl.Text
	if err := checkTemplate(a.Template); err != nil {
		return nil, a, err
	}
	if d.kind.Selected == actionMessage {
		a.Type = "message"
		a.Queue = strings.TrimSpace(d.queue.Text)
		if a.Queue == "" {
			return nil, a, fmt.Errorf("name the queue to post to")
		}
		return cfg, a, nil
	}
	a.Type = "task"
	a.CodeName = strings.TrimSpace(d.code.Text)
	if a.CodeName == "" {
		return nil, a, fmt.Errorf("name the code to run")
	}
	prio, _ := strconv.Atoi(d.priority.Selected)
	a.Priority = &prio
	if a.Delay, err = optSeconds("delay", d.delay.Text); err != nil {
		return nil, a, err
	}
	if a.Timeout, err = optSeconds("timeout", d.timeout.Text); err != nil {
		return nil, a, err
	}
	return cfg, a, nil
}

// submit creates or saves the binding; a wrong field sends nothing.
func (d *bindingDetail) submit() {
	cfg, action, err := d.values()
	if err != nil {
		d.errLabel.SetText(err.Error())
		d.s.u.notify(err.Error())
		return
	}
	d.errLabel.SetText("")
	c, s := d.s.u.client(), d.s
	name, enabled := strings.TrimSpace(d.name.Text), d.enabled.Checked
	if d.id == "" {
		nt := client.NewTrigger{Name: name, Plugin: d.plugin.Selected, Config: cfg, Action: action, Enabled: &enabled}
		run(s.u, "create the binding", func(ctx context.Context) (client.TriggerBinding, error) { return c.CreateTrigger(ctx, nt) },
			func(b client.TriggerBinding) {
				s.u.notify("Created binding " + d.labelOf(b))
				s.bindings = append(s.bindings, b)
				s.table.Refresh()
				s.openBinding(b.ID)
				s.reload()
			})
		return
	}
	id := d.id
	p := client.TriggerPatch{Name: &name, Config: cfg, Action: &action, Enabled: &enabled}
	run(s.u, "save the binding", func(ctx context.Context) (client.TriggerBinding, error) { return c.UpdateTrigger(ctx, id, p) },
		func(b client.TriggerBinding) {
			s.u.notify("Saved binding " + d.labelOf(b))
			d.showState(b)
			s.reload()
		})
}

func (d *bindingDetail) doDelete() {
	c, s, id := d.s.u.client(), d.s, d.id
	act(s.u, "delete the binding", func(ctx context.Context) error { return c.DeleteTrigger(ctx, id) }, func() {
		s.u.notify("Deleted binding " + id)
		if s.binding == d {
			s.closeDetail()
		}
		s.reload()
	})
}

// buildFire is the "fire test event" tab: a sample of the plugin's to
// start from, its event type and payload, both editable.
func (d *bindingDetail) buildFire() fyne.CanvasObject {
	p, _ := d.s.pluginByName(d.plugin.Selected)
	names := make([]string, 0, len(p.Samples))
	for _, sm := range p.Samples {
		names = append(names, sm.Name)
	}
	et := widget.NewSelectEntry(p.EventTypes)
	d.eventType = et
	d.firePay = widget.NewMultiLineEntry()
	d.firePay.TextStyle = fyne.TextStyle{Monospace: true}
	d.firePay.SetMinRowsVisible(12)
	d.sample = widget.NewSelect(names, func(name string) {
		for _, sm := range p.Samples {
			if sm.Name == name {
				et.SetText(sm.EventType)
				d.firePay.SetText(model.PrettyJSON(string(sm.Payload)))
			}
		}
	})
	d.sample.PlaceHolder = "(pick a sample)"
	d.fire = widget.NewButtonWithIcon("Fire", theme.MediaPlayIcon(), d.doFire)
	d.fire.Importance = widget.HighImportance
	if len(names) > 0 {
		d.sample.SetSelectedIndex(0)
	}
	form := widget.NewForm(widget.NewFormItem("Sample", d.sample), widget.NewFormItem("Event type", et))
	return container.NewBorder(form, container.NewHBox(d.fire), nil, nil, d.firePay)
}

// doFire runs the action for the edited test event; a payload that is
// not JSON sends nothing.
func (d *bindingDetail) doFire() {
	if err := model.ValidatePayload(d.firePay.Text); err != nil {
		d.s.u.notify(err.Error())
		return
	}
	var payload json.RawMessage
	if t := strings.TrimSpace(d.firePay.Text); t != "" {
		payload = json.RawMessage(model.CompactJSON(t))
	}
	c, s, id, typ := d.s.u.client(), d.s, d.id, strings.TrimSpace(d.eventType.Text)
	run(s.u, "fire a test event", func(ctx context.Context) (client.TriggerEvent, error) {
		return c.FireTrigger(ctx, id, typ, payload)
	}, func(e client.TriggerEvent) {
		s.u.notice("Test event "+outcomeLine(e), outcomeImportance(e.Outcome))
		d.addEvent(e)
	})
}

// buildTrace is the trace tab: the events, newest first, in a virtual
// list; tapping one opens it below for replay with an edited payload.
func (d *bindingDetail) buildTrace() fyne.CanvasObject {
	d.trace = widget.NewList(func() int { return len(d.events) },
		newTitledRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(d.events) {
				return
			}
			e := d.events[id]
			src := e.Source
			if e.ReplayOf != "" {
				src += " of " + e.ReplayOf
			}
			setTitledRow(o, outcomeLine(e), model.FormatTime(e.At, d.s.u.now())+" · "+e.Type+" · "+src+" · "+e.ID,
				outcomeImportance(e.Outcome))
		})
	d.trace.OnSelected = func(id widget.ListItemID) {
		if id < len(d.events) {
			d.pick(d.events[id])
		}
	}
	d.pickedLb = wrapLabel("Tap an event to replay it, with its payload edited if you like.")
	d.replayPy = widget.NewMultiLineEntry()
	d.replayPy.TextStyle = fyne.TextStyle{Monospace: true}
	d.replayPy.SetMinRowsVisible(6)
	d.replay = widget.NewButtonWithIcon("Replay", theme.MediaReplayIcon(), d.doReplay)
	d.replay.Disable()
	d.links = container.NewVBox()
	replayBox := container.NewBorder(container.NewVBox(d.pickedLb, d.links), container.NewHBox(d.replay), nil, nil, d.replayPy)
	v := container.NewVSplit(d.trace, replayBox)
	v.SetOffset(0.55)
	return v
}

func (d *bindingDetail) pick(e client.TriggerEvent) {
	d.picked = e.ID
	line := fmt.Sprintf("%s · %s · %s", e.ID, e.Type, outcomeLine(e))
	if len(e.Attrs) > 0 {
		keys := make([]string, 0, len(e.Attrs))
		for k := range e.Attrs {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			line += "\n" + k + ": " + e.Attrs[k]
		}
	}
	d.pickedLb.SetText(line)
	d.links.Objects = d.eventLinks(e)
	d.links.Refresh()
	d.replayPy.SetText(model.PrettyJSON(e.Payload))
	d.replay.Enable()
}

// eventLinks are a traced event's ids as links: "→ task …" opens the
// task, "→ message …" the message in the binding's queue.
func (d *bindingDetail) eventLinks(e client.TriggerEvent) []fyne.CanvasObject {
	u := d.s.u
	var out []fyne.CanvasObject
	if e.TaskID != "" {
		id := e.TaskID
		out = append(out, linkButton("→ task "+id, func() {
			u.showScreen(u.tasks)
			u.tasks.openTask(id)
		}))
	}
	queue := ""
	if b, ok := d.s.bindingByID(d.id); ok {
		queue = b.Action.Queue
	}
	for i, id := range e.MessageIDs {
		if queue == "" {
			break
		}
		if i == movedLinks {
			out = append(out, widget.NewLabel("… and "+model.Counted(len(e.MessageIDs)-i, "more message")))
			break
		}
		out = append(out, linkButton("→ message "+id+" in "+queue, func() {
			u.showScreen(u.queues)
			u.queues.openMessage(queue, id)
		}))
	}
	return out
}

// doReplay runs the action again for the picked event with the payload
// as edited (sent as text: ironlocal takes it as the event's payload).
func (d *bindingDetail) doReplay() {
	if d.picked == "" {
		return
	}
	text := d.replayPy.Text
	if strings.HasPrefix(strings.TrimSpace(text), "{") || strings.HasPrefix(strings.TrimSpace(text), "[") {
		if err := model.ValidatePayload(text); err != nil {
			d.s.u.notify(err.Error())
			return
		}
		text = model.CompactJSON(text)
	}
	c, s, id, ev := d.s.u.client(), d.s, d.id, d.picked
	run(s.u, "replay the event", func(ctx context.Context) (client.TriggerEvent, error) {
		return c.ReplayTriggerEvent(ctx, id, ev, &text)
	}, func(e client.TriggerEvent) {
		s.u.notice("Replayed: "+outcomeLine(e), outcomeImportance(e.Outcome))
		d.addEvent(e)
	})
}

// addEvent shows an event fired or replayed from the pane at once (the
// stream's trigger.event reloads the trace too).
func (d *bindingDetail) addEvent(e client.TriggerEvent) {
	if d.trace == nil || slices.ContainsFunc(d.events, func(x client.TriggerEvent) bool { return x.ID == e.ID }) {
		return
	}
	d.events = slices.Insert(d.events, 0, e)
	d.trace.Refresh()
}

// loadTrace fetches the trace; only the latest answer is shown.
func (d *bindingDetail) loadTrace() {
	if d.id == "" || d.trace == nil {
		return
	}
	d.traceSeq++
	seq := d.traceSeq
	c, id := d.s.u.client(), d.id
	run(d.s.u, "read the event trace", func(ctx context.Context) ([]client.TriggerEvent, error) {
		return c.TriggerEvents(ctx, id, 0)
	}, func(evs []client.TriggerEvent) {
		if seq != d.traceSeq || d.s.binding != d {
			return
		}
		d.events = evs
		d.trace.Refresh()
	})
}

package trigger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// BindingInput creates a binding; BindingPatch changes one (nil fields keep
// their value).
type BindingInput struct {
	ProjectID string                 `json:"project_id"`
	Name      string                 `json:"name"`
	Plugin    string                 `json:"plugin"`
	Config    json.RawMessage        `json:"config"`
	Action    emulator.BindingAction `json:"action"`
	// Enabled defaults to true.
	Enabled *bool `json:"enabled"`
}

// BindingPatch changes a binding.
type BindingPatch struct {
	Name    *string                 `json:"name"`
	Config  json.RawMessage         `json:"config"`
	Action  *emulator.BindingAction `json:"action"`
	Enabled *bool                   `json:"enabled"`
}

// BindingView is a binding with its live state.
type BindingView struct {
	emulator.Binding
	// State is "running", "disabled", the plugin's state ("crashed: signal:
	// killed, restarting in 1s"), or the run's error.
	State string `json:"state"`
	// Status and StatusAttrs are what the plugin reported for this binding
	// (e.g. the address it listens on).
	Status      string            `json:"status,omitempty"`
	StatusAttrs map[string]string `json:"status_attrs,omitempty"`
	// Warning says why the binding's events will fail although it was
	// accepted (its task action names a code not uploaded yet). State
	// stays the run's state ("running"), which callers compare.
	Warning string `json:"warning,omitempty"`
}

// Fire is a test event for a binding. An empty EventType takes the first
// of the plugin's samples (or the one of that type); a nil Payload takes
// the sample's. Attrs are the event's attributes, as its plugin would set
// them.
type Fire struct {
	EventType string            `json:"event_type"`
	Payload   json.RawMessage   `json:"payload"`
	Attrs     map[string]string `json:"attrs"`
}

const maxNameLen = 200

// CreateBinding validates and stores a binding and starts it.
func (h *Host) CreateBinding(ctx context.Context, in BindingInput) (BindingView, error) {
	if err := emulator.ValidateProjectID(in.ProjectID); err != nil {
		return BindingView{}, err
	}
	now := h.now()
	b := emulator.Binding{ID: h.cfg.IDs.ObjectID(), Project: in.ProjectID, Name: in.Name, Plugin: in.Plugin,
		Config: in.Config, Action: in.Action, Enabled: in.Enabled == nil || *in.Enabled, CreatedAt: now, UpdatedAt: now}
	if err := h.validate(ctx, &b); err != nil {
		return BindingView{}, err
	}
	if err := h.putNewBinding(ctx, b); err != nil {
		return BindingView{}, err
	}
	h.bindingChanged(b, "created")
	h.restartRun(b)
	return h.warned(ctx, h.view(b)), nil
}

// UpdateBinding changes a binding and restarts its run.
func (h *Host) UpdateBinding(ctx context.Context, id string, p BindingPatch) (BindingView, error) {
	b, err := h.cfg.Store.Binding(ctx, id)
	if err != nil {
		return BindingView{}, err
	}
	if p.Name != nil {
		b.Name = *p.Name
	}
	if p.Config != nil {
		b.Config = restoreSecrets(p.Config, b.Config, h.configSchema(b.Plugin))
	}
	if p.Action != nil {
		b.Action = *p.Action
	}
	if p.Enabled != nil {
		b.Enabled = *p.Enabled
	}
	if err := h.validate(ctx, &b); err != nil {
		return BindingView{}, err
	}
	b.UpdatedAt = h.now()
	if err := h.cfg.Store.PutBinding(ctx, b); err != nil {
		return BindingView{}, err
	}
	h.bindingChanged(b, "updated")
	h.restartRun(b)
	return h.warned(ctx, h.view(b)), nil
}

// DeleteBinding stops and removes a binding and its trace.
func (h *Host) DeleteBinding(ctx context.Context, id string) error {
	b, err := h.cfg.Store.Binding(ctx, id)
	if err != nil {
		return err
	}
	h.stopRun(id)
	if err := h.cfg.Store.DeleteBinding(ctx, id); err != nil {
		return err
	}
	h.bindingChanged(b, "deleted")
	return nil
}

// Binding returns one binding with its state.
func (h *Host) Binding(ctx context.Context, id string) (BindingView, error) {
	b, err := h.cfg.Store.Binding(ctx, id)
	if err != nil {
		return BindingView{}, err
	}
	return h.warned(ctx, h.view(b)), nil
}

// Bindings returns every binding with its state.
func (h *Host) Bindings(ctx context.Context) ([]BindingView, error) {
	bs, err := h.cfg.Store.Bindings(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]BindingView, len(bs))
	for i, b := range bs {
		out[i] = h.warned(ctx, h.view(b))
	}
	return out, nil
}

// Events returns a binding's trace, newest first.
func (h *Host) Events(ctx context.Context, id string, limit int) ([]emulator.TriggerEvent, error) {
	if _, err := h.cfg.Store.Binding(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > h.cfg.TraceLimit {
		limit = h.cfg.TraceLimit
	}
	return h.cfg.Store.TriggerEvents(ctx, id, limit)
}

// Fire runs a binding's action for a test event, enabled or not, and
// returns the event's journey.
func (h *Host) Fire(ctx context.Context, id string, f Fire) (emulator.TriggerEvent, error) {
	b, err := h.cfg.Store.Binding(ctx, id)
	if err != nil {
		return emulator.TriggerEvent{}, err
	}
	ev := sdk.Event{Type: f.EventType, Payload: f.Payload, At: h.now(), ID: sdk.NewEventID(), Attrs: hostAttrsDropped(f.Attrs)}
	if f.Payload == nil || f.EventType == "" {
		sample, err := h.sample(b.Plugin, f.EventType)
		if err != nil {
			return emulator.TriggerEvent{}, err
		}
		if ev.Type == "" {
			ev.Type = sample.EventType
		}
		if ev.Payload == nil {
			ev.Payload = sample.Payload
		}
	}
	return h.process(ctx, b, ev, SourceFire, ""), nil
}

// hostAttrsDropped is attrs without the one the host itself sets on a
// trace event (attrTruncated), which a replayed or fired event must not
// carry: it would read as cut short when replayed from the trace. attrs
// is shared when it holds none (process clones before it adds one).
func hostAttrsDropped(attrs map[string]string) map[string]string {
	if _, ok := attrs[attrTruncated]; !ok {
		return attrs
	}
	attrs = maps.Clone(attrs)
	delete(attrs, attrTruncated)
	return attrs
}

// Replay runs the binding's action again for an event of its trace,
// optionally with another payload.
func (h *Host) Replay(ctx context.Context, id, eventID string, payload *string) (emulator.TriggerEvent, error) {
	b, err := h.cfg.Store.Binding(ctx, id)
	if err != nil {
		return emulator.TriggerEvent{}, err
	}
	evs, err := h.cfg.Store.TriggerEvents(ctx, id, h.cfg.TraceLimit)
	if err != nil {
		return emulator.TriggerEvent{}, err
	}
	for _, e := range evs {
		if e.ID != eventID {
			continue
		}
		p := e.Payload
		if payload != nil {
			p = *payload
		} else if n := e.Attrs[attrTruncated]; n != "" {
			return emulator.TriggerEvent{}, emulator.Invalid("the trace kept only the first %d of the event's %s bytes: replay it with a payload", maxTracePayload, n)
		}
		return h.process(ctx, b, sdk.Event{ID: sdk.NewEventID(), Type: e.Type, Payload: []byte(p), At: h.now(),
			Attrs: hostAttrsDropped(e.Attrs)}, SourceReplay, e.ID), nil
	}
	return emulator.TriggerEvent{}, emulator.NotFound("Trigger event not found")
}

// sample returns the plugin's sample of the given type (any type when "").
func (h *Host) sample(plugin, eventType string) (sdk.Sample, error) {
	for _, st := range h.Plugins() {
		if st.Name != plugin {
			continue
		}
		for _, s := range st.Samples {
			if eventType == "" || s.EventType == eventType {
				return s, nil
			}
		}
		return sdk.Sample{}, emulator.Invalid("plugin %s has no sample event of type %q: give a payload", plugin, eventType)
	}
	return sdk.Sample{}, emulator.Invalid("plugin %s is not known yet, so it has no samples: give an event_type and a payload", plugin)
}

// SeedBinding stores a binding from a seed file, checked for everything but
// its plugin's config: plugins are not running yet when the seed is
// applied. A config the plugin refuses shows as the binding's state once
// the plugin runs ("invalid config: …").
func (h *Host) SeedBinding(ctx context.Context, b emulator.Binding) error {
	if err := emulator.ValidateProjectID(b.Project); err != nil {
		return err
	}
	now := h.now()
	b.ID, b.CreatedAt, b.UpdatedAt = h.cfg.IDs.ObjectID(), now, now
	if _, err := validateStatic(&b); err != nil {
		return err
	}
	return h.putNewBinding(ctx, b)
}

// putNewBinding stores a new binding unless its project already has
// MaxBindingsPerProject.
func (h *Host) putNewBinding(ctx context.Context, b emulator.Binding) error {
	h.createMu.Lock()
	defer h.createMu.Unlock()
	all, err := h.cfg.Store.Bindings(ctx)
	if err != nil {
		return err
	}
	n := 0
	for _, o := range all {
		if o.Project == b.Project {
			n++
		}
	}
	if n >= h.cfg.MaxBindingsPerProject {
		return &emulator.Error{Code: emulator.CodeConflict, Msg: fmt.Sprintf(
			"project %s already has %d trigger bindings, the limit (--max-bindings)", b.Project, n)}
	}
	return h.cfg.Store.PutBinding(ctx, b)
}

// validate checks a binding against its plugin's schema and Validate, and
// its action.
func (h *Host) validate(ctx context.Context, b *emulator.Binding) error {
	cfg, err := validateStatic(b)
	if err != nil {
		return err
	}
	p, err := h.awaitPlugin(ctx, b.Plugin)
	if err != nil {
		return err
	}
	return checkConfig(ctx, p, b.Plugin, b.Config, cfg)
}

// checkConfig checks a config against the plugin's schema, then its
// Validate.
func checkConfig(ctx context.Context, p *proc, plugin string, raw json.RawMessage, cfg any) error {
	st := p.snapshot()
	if st.schema != nil {
		if err := st.schema.Validate(cfg); err != nil {
			return emulator.Invalid("config for plugin %s: %s", plugin, redactText(schemaError(err)))
		}
	}
	trig := p.trigger()
	if trig == nil {
		return &emulator.Error{Code: emulator.CodeUnavailable, Msg: fmt.Sprintf("plugin %s is restarting", plugin)}
	}
	if err := trig.Validate(ctx, raw); err != nil {
		return emulator.Invalid("config: %s", redactText(err.Error()))
	}
	return nil
}

// validateStatic checks what needs no plugin: name, plugin, the config
// being a JSON object (returned decoded), the action.
func validateStatic(b *emulator.Binding) (any, error) {
	if len(b.Name) > maxNameLen {
		return nil, emulator.Invalid("name is over %d characters", maxNameLen)
	}
	if b.Plugin == "" {
		return nil, emulator.Invalid("plugin is required")
	}
	if len(bytes.TrimSpace(b.Config)) == 0 || bytes.Equal(bytes.TrimSpace(b.Config), []byte("null")) {
		b.Config = json.RawMessage(`{}`)
	}
	var cfg any
	if err := json.Unmarshal(b.Config, &cfg); err != nil {
		return nil, emulator.Invalid("config is not JSON: %v", err)
	}
	if _, ok := cfg.(map[string]any); !ok {
		return nil, emulator.Invalid("config must be a JSON object")
	}
	if err := validateAction(b.Action); err != nil {
		return nil, err
	}
	return cfg, nil
}

func validateAction(a emulator.BindingAction) error {
	switch a.Type {
	case emulator.ActionTask:
		if a.CodeName == "" {
			return emulator.Invalid("action.code_name is required for a task action")
		}
		if a.Queue != "" {
			return emulator.Invalid("action.queue belongs to a message action, not a task action")
		}
		if p := a.Priority; p != nil && (*p < 0 || *p > 2) {
			return emulator.Invalid("action.priority must be 0, 1 or 2")
		}
	case emulator.ActionMessage:
		if a.Queue == "" {
			return emulator.Invalid("action.queue is required for a message action")
		}
		if a.CodeName != "" {
			return emulator.Invalid("action.code_name belongs to a task action, not a message action")
		}
	default:
		return emulator.Invalid("action.type must be %q or %q", emulator.ActionTask, emulator.ActionMessage)
	}
	if a.Template != "" {
		if _, err := parseTemplate(a.Template); err != nil {
			return emulator.Invalid("action.template: %v", err)
		}
	}
	return nil
}

// compileSchema compiles a plugin's JSON Schema (nil accepts anything). It
// loads nothing from outside the document.
func compileSchema(doc []byte) (*jsonschema.Schema, error) {
	if len(bytes.TrimSpace(doc)) == 0 {
		return nil, nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("plugin-config.json", v); err != nil {
		return nil, err
	}
	return c.Compile("plugin-config.json")
}

func (h *Host) view(b emulator.Binding) (v BindingView) {
	defer func() { v = h.redactView(v) }()
	v = BindingView{Binding: b}
	if !b.Enabled {
		v.State = "disabled"
		return v
	}
	h.mu.Lock()
	r := h.runs[b.ID]
	h.mu.Unlock()
	if r != nil {
		r.mu.Lock()
		v.State, v.Status, v.StatusAttrs = r.state, r.status, r.attrs
		r.mu.Unlock()
		if st := r.proc.snapshot(); st.State != StateRunning {
			v.State = stateText(st)
		}
		return v
	}
	for _, st := range h.Plugins() {
		if st.Name == b.Plugin {
			v.State = stateText(st)
			return v
		}
	}
	v.State = fmt.Sprintf("waiting: no plugin named %s is running", b.Plugin)
	return v
}

// warned adds the warning of a task action naming a code that does not
// exist (yet): the binding is kept, since the code may be uploaded
// later, but until then each event it matches fails.
func (h *Host) warned(ctx context.Context, v BindingView) BindingView {
	a := v.Action
	if a.Type != emulator.ActionTask || a.CodeName == "" || h.cfg.Tasks == nil {
		return v
	}
	_, err := h.cfg.Tasks.CodeByName(ctx, v.Project, a.CodeName)
	if !errors.Is(err, emulator.ErrNotFound) {
		return v // found, or unknown: no claim either way
	}
	v.Warning = fmt.Sprintf("code %q does not exist yet; events will fail until it is uploaded", a.CodeName)
	return v
}

func stateText(st PluginState) string {
	if st.Message != "" {
		return st.Message
	}
	return st.State
}

func (h *Host) bindingChanged(b emulator.Binding, change string) {
	if h.cfg.Bus != nil {
		h.cfg.Bus.Publish(emulator.Event{Type: emulator.EventBindingChanged, At: h.now(), Project: b.Project,
			Attrs: map[string]any{"binding_id": b.ID, "plugin": b.Plugin, "change": change}})
	}
}

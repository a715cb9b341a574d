package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/trigger"
	"github.com/ironlocal/ironlocal/wire"
)

// Trigger plugins and bindings (docs/triggers.md), under the
// control plane.

// limitTrigger bounds a binding or a fired event's body.
const limitTrigger = 1 << 20

func fromWireAction(w wire.TriggerAction) emulator.BindingAction {
	return emulator.BindingAction{Type: emulator.BindingActionType(w.Type), CodeName: w.CodeName, Priority: w.Priority, Delay: w.Delay,
		Timeout: w.Timeout, Queue: w.Queue, Template: w.Template}
}

func toWireAction(a emulator.BindingAction) wire.TriggerAction {
	return wire.TriggerAction{Type: string(a.Type), CodeName: a.CodeName, Priority: a.Priority, Delay: a.Delay, Timeout: a.Timeout,
		Queue: a.Queue, Template: a.Template}
}

func toWireBinding(v trigger.BindingView) wire.TriggerBinding {
	return wire.TriggerBinding{ID: v.ID, ProjectID: v.Project, Name: v.Name, Plugin: v.Plugin, Config: v.Config,
		Action: toWireAction(v.Action), Enabled: v.Enabled, State: v.State, Status: v.Status,
		StatusAttrs: v.StatusAttrs, Warning: v.Warning, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

func toWireTriggerEvent(e emulator.TriggerEvent) wire.TriggerEvent {
	return wire.TriggerEvent{ID: e.ID, BindingID: e.BindingID, ProjectID: e.Project, Type: e.Type, Source: e.Source,
		ReplayOf: e.ReplayOf, At: e.At, Payload: e.Payload, Attrs: e.Attrs, Outcome: e.Outcome, Reason: e.Reason,
		TaskID: e.TaskID, MessageIDs: e.MessageIDs}
}

func toWirePlugin(p trigger.PluginState) wire.TriggerPlugin {
	w := wire.TriggerPlugin{Name: p.Name, Path: p.Path, Version: p.Version, State: p.State, Message: p.Message, Error: p.Error,
		Restarts: p.Restarts, PID: p.PID, ReadyMS: float64(p.ReadyIn) / float64(time.Millisecond), Description: p.Description, EventTypes: append([]string{}, p.EventTypes...),
		Samples: []wire.PluginSample{}, Log: append([]string{}, p.Log...)}
	if json.Valid(p.Schema) {
		w.ConfigSchema = p.Schema
	}
	for _, s := range p.Samples {
		ws := wire.PluginSample{Name: s.Name, EventType: s.EventType}
		if json.Valid(s.Payload) {
			ws.Payload = s.Payload
		} else {
			ws.Payload, _ = json.Marshal(string(s.Payload))
		}
		w.Samples = append(w.Samples, ws)
	}
	return w
}

// triggers returns the host, answering 404 when this API has none.
func (a *API) triggers(w http.ResponseWriter) (*trigger.Host, bool) {
	if a.cfg.Triggers == nil {
		writeMsg(w, http.StatusNotFound, "Trigger plugins are not available in this emulator")
		return nil, false
	}
	return a.cfg.Triggers, true
}

func (a *API) handlePluginList(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	out := []wire.TriggerPlugin{}
	for _, p := range h.Plugins() {
		out = append(out, toWirePlugin(p))
	}
	writeJSON(w, http.StatusOK, wire.PluginList{Plugins: out})
}

func (a *API) handleTriggerList(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	bs, err := h.Bindings(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.TriggerBinding, len(bs))
	for i, b := range bs {
		out[i] = toWireBinding(b)
	}
	writeJSON(w, http.StatusOK, wire.BindingList{Bindings: out})
}

func (a *API) handleTriggerCreate(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	var body wire.NewTrigger
	if err := decodeBody(r, limitTrigger, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	if a.cfg.Auth.Strict() {
		// A binding acts in its project: strict mode serves only its own.
		if err := a.cfg.Auth.Check(requestToken(r), body.ProjectID); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	v, err := h.CreateBinding(r.Context(), trigger.BindingInput{ProjectID: body.ProjectID, Name: body.Name,
		Plugin: body.Plugin, Config: body.Config, Action: fromWireAction(body.Action), Enabled: body.Enabled})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, toWireBinding(v))
}

func (a *API) handleTriggerGet(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	v, err := h.Binding(r.Context(), r.PathValue("id"))
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireBinding(v))
}

func (a *API) handleTriggerPatch(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	var body wire.TriggerPatch
	if err := decodeBody(r, limitTrigger, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	p := trigger.BindingPatch{Name: body.Name, Config: body.Config, Enabled: body.Enabled}
	if body.Action != nil {
		act := fromWireAction(*body.Action)
		p.Action = &act
	}
	v, err := h.UpdateBinding(r.Context(), r.PathValue("id"), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireBinding(v))
}

func (a *API) handleTriggerDelete(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	if err := h.DeleteBinding(r.Context(), r.PathValue("id")); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeMsg(w, http.StatusOK, "Deleted")
}

// handleTriggerFire runs a binding's action for a test event: the body
// {"event_type","payload"} is optional (the plugin's sample otherwise).
func (a *API) handleTriggerFire(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	var body wire.FireBody
	if r.ContentLength != 0 {
		if err := decodeBody(r, limitTrigger, &body); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	payload := body.Payload
	var text string
	if json.Unmarshal(payload, &text) == nil {
		payload = json.RawMessage(text) // a JSON string is the payload's text
	}
	ev, err := h.Fire(r.Context(), r.PathValue("id"), trigger.Fire{EventType: body.EventType, Payload: payload, Attrs: body.Attrs})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireTriggerEvent(ev))
}

func (a *API) handleTriggerEvents(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	limit, err := queryInt(r, "limit", 0)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	evs, err := h.Events(r.Context(), r.PathValue("id"), limit)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := make([]wire.TriggerEvent, len(evs))
	for i, e := range evs {
		out[i] = toWireTriggerEvent(e)
	}
	writeJSON(w, http.StatusOK, wire.TriggerEventList{Events: out})
}

// handleTriggerReplay runs the action again for a traced event; the body
// {"payload":"…"} is optional (the recorded payload otherwise).
func (a *API) handleTriggerReplay(w http.ResponseWriter, r *http.Request) {
	h, ok := a.triggers(w)
	if !ok {
		return
	}
	var body wire.ReplayBody
	if r.ContentLength != 0 {
		if err := decodeBody(r, limitTrigger, &body); err != nil {
			a.writeError(w, r, err)
			return
		}
	}
	ev, err := h.Replay(r.Context(), r.PathValue("id"), r.PathValue("event_id"), body.Payload)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireTriggerEvent(ev))
}

package client

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/ironlocal/ironlocal/wire"
)

// Trigger plugins and bindings: the control plane's /_ironlocal/triggers
// and /_ironlocal/plugins (docs/triggers.md).

// TriggerAction is what a binding does with each event: queue a task for
// CodeName (Type "task") or post to Queue (Type "message"). Template, when
// set, renders the payload or body from the event (Go text/template).
type TriggerAction = wire.TriggerAction

// NewTrigger creates a binding. ProjectID defaults to the client's project;
// Enabled to true.
type NewTrigger = wire.NewTrigger

// TriggerBinding is a binding with its live state.
type TriggerBinding = wire.TriggerBinding

// TriggerEvent is one event's journey through a binding.
type TriggerEvent = wire.TriggerEvent

// TriggerPlugin is a discovered plugin and its state.
type TriggerPlugin = wire.TriggerPlugin

// TriggerPlugins lists the discovered plugins.
func (c *Client) TriggerPlugins(ctx context.Context) ([]TriggerPlugin, error) {
	var out wire.PluginList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/plugins", nil, &out)
	return out.Plugins, err
}

// Triggers lists the bindings.
func (c *Client) Triggers(ctx context.Context) ([]TriggerBinding, error) {
	var out wire.BindingList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/triggers", nil, &out)
	return out.Bindings, err
}

// CreateTrigger creates a binding. Made while its plugin is still starting
// (ironlocal answers before its plugins are up), it waits for the plugin;
// one that has not started within the plugins' start timeout answers 503.
func (c *Client) CreateTrigger(ctx context.Context, t NewTrigger) (TriggerBinding, error) {
	if t.ProjectID == "" {
		t.ProjectID = c.project
	}
	var out TriggerBinding
	err := c.call(ctx, http.MethodPost, "/_ironlocal/triggers", t, &out)
	return out, err
}

// Trigger returns one binding.
func (c *Client) Trigger(ctx context.Context, id string) (TriggerBinding, error) {
	var out TriggerBinding
	err := c.call(ctx, http.MethodGet, "/_ironlocal/triggers/"+esc(id), nil, &out)
	return out, err
}

// TriggerPatch changes a binding; nil fields keep their value.
type TriggerPatch = wire.TriggerPatch

// UpdateTrigger changes a binding and restarts it.
func (c *Client) UpdateTrigger(ctx context.Context, id string, p TriggerPatch) (TriggerBinding, error) {
	var out TriggerBinding
	err := c.call(ctx, http.MethodPatch, "/_ironlocal/triggers/"+esc(id), p, &out)
	return out, err
}

// DeleteTrigger removes a binding and its trace.
func (c *Client) DeleteTrigger(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/_ironlocal/triggers/"+esc(id), nil, nil)
}

// FireTrigger runs a binding's action for a test event: the plugin's
// sample when eventType and payload are empty.
func (c *Client) FireTrigger(ctx context.Context, id, eventType string, payload json.RawMessage) (TriggerEvent, error) {
	return c.FireTriggerEvent(ctx, id, wire.FireBody{EventType: eventType, Payload: payload})
}

// FireTriggerEvent is FireTrigger with the event's attributes as well, as
// its plugin would set them (the binding's template reads them as .Attrs;
// the HTTP gateway's are method, path, route and mode).
func (c *Client) FireTriggerEvent(ctx context.Context, id string, ev wire.FireBody) (TriggerEvent, error) {
	var out TriggerEvent
	err := c.call(ctx, http.MethodPost, "/_ironlocal/triggers/"+esc(id)+"/fire", ev, &out)
	return out, err
}

// TriggerEvents returns a binding's trace, newest first (limit 0: all kept).
func (c *Client) TriggerEvents(ctx context.Context, id string, limit int) ([]TriggerEvent, error) {
	var out wire.TriggerEventList
	path := "/_ironlocal/triggers/" + esc(id) + "/events"
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	err := c.call(ctx, http.MethodGet, path, nil, &out)
	return out.Events, err
}

// ReplayTriggerEvent runs the action again for a traced event, with
// payload instead of the recorded one when not nil.
func (c *Client) ReplayTriggerEvent(ctx context.Context, id, eventID string, payload *string) (TriggerEvent, error) {
	in := wire.ReplayBody{Payload: payload}
	var out TriggerEvent
	err := c.call(ctx, http.MethodPost, "/_ironlocal/triggers/"+esc(id)+"/events/"+esc(eventID)+"/replay", in, &out)
	return out, err
}

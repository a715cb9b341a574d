package trigger

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// maxTracePayload bounds the payload a trace keeps per event (a binding
// keeps TraceLimit events); attrTruncated then holds the full length.
const (
	maxTracePayload = 64 << 10
	attrTruncated   = "payload_truncated_from"
)

// Event sources recorded in the trace.
const (
	SourcePlugin = "plugin"
	SourceFire   = "fire"
	SourceReplay = "replay"
)

// handle is called for each event a binding's plugin emits, in order.
func (h *Host) handle(ctx context.Context, b emulator.Binding, ev sdk.Event) {
	te := h.process(ctx, b, ev, SourcePlugin, "")
	if h.cfg.PluginEvent != nil {
		h.cfg.PluginEvent(ev.Payload, ev.Attrs, te)
	}
}

// process runs b's action for ev, records the event's journey in the trace
// and on the bus, and hands the outcome to a plugin waiting for it.
func (h *Host) process(ctx context.Context, b emulator.Binding, ev sdk.Event, source, replayOf string) emulator.TriggerEvent {
	te := emulator.TriggerEvent{ID: ev.ID, BindingID: b.ID, Project: b.Project, Type: ev.Type, Source: source,
		ReplayOf: replayOf, At: ev.At, Payload: string(ev.Payload), Attrs: ev.Attrs}
	if te.ID == "" {
		te.ID = sdk.NewEventID()
	}
	if te.At.IsZero() {
		te.At = h.now()
	}
	if len(te.Payload) > maxTracePayload {
		// The action gets the whole payload; the trace keeps its start.
		te.Payload = strings.ToValidUTF8(te.Payload[:maxTracePayload], "")
		te.Attrs = maps.Clone(te.Attrs)
		if te.Attrs == nil {
			te.Attrs = map[string]string{}
		}
		te.Attrs[attrTruncated] = strconv.Itoa(len(ev.Payload))
	}
	switch {
	case ev.Attrs[sdk.AttrPayloadDropped] != "" || len(ev.Payload) > sdk.MaxEventBytes:
		size := ev.Attrs[sdk.AttrPayloadDropped]
		if size == "" {
			size = strconv.Itoa(len(ev.Payload))
		}
		te.Outcome, te.Reason = emulator.TriggerFailed,
			fmt.Sprintf("the event's payload is %s bytes, over the %d byte event limit", size, sdk.MaxEventBytes)
		te.Payload = ""
	case ev.Filtered != "":
		te.Outcome, te.Reason = emulator.TriggerFiltered, ev.Filtered
	case !utf8.Valid(ev.Payload):
		te.Outcome, te.Reason = emulator.TriggerFailed, "the event's payload is not UTF-8 text"
		te.Payload = ""
	default:
		taskID, msgIDs, err := h.act(ctx, b, ev)
		if err != nil {
			te.Outcome, te.Reason = emulator.TriggerFailed, err.Error()
		} else {
			te.Outcome, te.TaskID, te.MessageIDs = emulator.TriggerMatched, taskID, msgIDs
		}
	}
	h.record(ctx, te, source != SourcePlugin)
	h.states.put(te.ID, sdk.Outcome{Outcome: te.Outcome, Reason: te.Reason, TaskID: te.TaskID, MessageIDs: te.MessageIDs})
	if h.cfg.Bus != nil {
		attrs := map[string]any{"binding_id": b.ID, "event_id": te.ID, "event_type": te.Type, "outcome": te.Outcome,
			"source": source, "plugin": b.Plugin}
		if te.Reason != "" {
			attrs["reason"] = te.Reason
		}
		e := emulator.Event{Type: emulator.EventTriggerEvent, At: te.At, Project: b.Project, TaskID: te.TaskID,
			Code: b.Action.CodeName, Attrs: attrs}
		if b.Action.Type == emulator.ActionMessage {
			e.Queue, e.IDs = b.Action.Queue, te.MessageIDs
		}
		h.cfg.Bus.Publish(e)
	}
	return te
}

// record adds te to its binding's trace; with wait (fired and replayed
// events) it returns once te is stored. Before Start, or once the writer
// is gone, it writes directly.
func (h *Host) record(ctx context.Context, te emulator.TriggerEvent, wait bool) {
	h.mu.Lock()
	w := h.traces
	h.mu.Unlock()
	var err error
	if w == nil {
		err = h.cfg.Store.AppendTriggerEvents(context.WithoutCancel(ctx), []emulator.TriggerEvent{te}, h.cfg.TraceLimit)
	} else {
		err = w.record(context.WithoutCancel(ctx), te, wait)
	}
	if err != nil {
		h.log.Error("record trigger event", "binding", te.BindingID, "event", te.ID, "err", err)
	}
}

// act runs the binding's action.
func (h *Host) act(ctx context.Context, b emulator.Binding, ev sdk.Event) (taskID string, msgIDs []string, err error) {
	body, err := render(b.Action.Template, ev, h.actionLimit(b.Action.Type))
	if err != nil {
		return "", nil, err
	}
	switch b.Action.Type {
	case emulator.ActionTask:
		tasks, err := h.cfg.Tasks.QueueTasks(ctx, b.Project, []worker.NewTask{{CodeName: b.Action.CodeName,
			Payload: body, Priority: b.Action.Priority, Delay: b.Action.Delay, Timeout: b.Action.Timeout,
			Label: "trigger:" + b.ID}})
		if err != nil {
			return "", nil, fmt.Errorf("queue a task for code %s: %w", b.Action.CodeName, err)
		}
		return tasks[0].ID, nil, nil
	case emulator.ActionMessage:
		ids, err := h.cfg.Queues.PostMessages(ctx, b.Project, b.Action.Queue, []mq.NewMessage{{Body: body}})
		if err != nil {
			return "", nil, fmt.Errorf("post to queue %s: %w", b.Action.Queue, err)
		}
		return "", idStrings(ids), nil
	}
	return "", nil, fmt.Errorf("unknown action %q", b.Action.Type)
}

// outcomes hands each event's outcome to the plugin waiting for it
// (EmitWait). Outcomes nobody asked for yet are kept, the oldest dropped
// past a bound.
type outcomes struct {
	mu      sync.Mutex
	done    map[string]sdk.Outcome
	order   []string
	waiters map[string][]chan sdk.Outcome
}

const keptOutcomes = 4096

func newOutcomes() *outcomes {
	return &outcomes{done: map[string]sdk.Outcome{}, waiters: map[string][]chan sdk.Outcome{}}
}

func (o *outcomes) put(id string, out sdk.Outcome) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if ws := o.waiters[id]; len(ws) > 0 {
		for _, w := range ws {
			w <- out
		}
		delete(o.waiters, id)
		return
	}
	o.done[id] = out
	o.order = append(o.order, id)
	for len(o.order) > keptOutcomes {
		delete(o.done, o.order[0])
		o.order = o.order[1:]
	}
}

func (o *outcomes) wait(ctx context.Context, id string) (sdk.Outcome, error) {
	o.mu.Lock()
	if out, ok := o.done[id]; ok {
		delete(o.done, id)
		o.mu.Unlock()
		return out, nil
	}
	c := make(chan sdk.Outcome, 1)
	o.waiters[id] = append(o.waiters[id], c)
	o.mu.Unlock()
	select {
	case out := <-c:
		return out, nil
	case <-ctx.Done():
		o.mu.Lock()
		ws := o.waiters[id]
		for i, w := range ws {
			if w == c {
				o.waiters[id] = append(ws[:i], ws[i+1:]...)
				break
			}
		}
		if len(o.waiters[id]) == 0 {
			delete(o.waiters, id)
		}
		o.mu.Unlock()
		select {
		case out := <-c: // put raced the cancellation
			return out, nil
		default:
		}
		return sdk.Outcome{}, ctx.Err()
	}
}

package trigger

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/worker"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// hostAPI serves one binding's run: what the plugin may ask of ironlocal,
// within the binding's project.
type hostAPI struct {
	h *Host
	b emulator.Binding
	r *run
}

// sdkError keeps the domain error's message and makes errors.Is match the
// SDK's sentinel, which the gRPC adapter turns into a status code.
type sdkError struct {
	err  error
	kind error
}

func (e *sdkError) Error() string        { return e.err.Error() }
func (e *sdkError) Is(target error) bool { return target == e.kind }
func (e *sdkError) Unwrap() error        { return e.err }

func toSDK(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, emulator.ErrNotFound):
		return &sdkError{err: err, kind: sdk.ErrNotFound}
	case errors.Is(err, emulator.ErrInvalid), errors.Is(err, emulator.ErrTooLarge), errors.Is(err, emulator.ErrConflict):
		return &sdkError{err: err, kind: sdk.ErrInvalid}
	}
	return err
}

func (a *hostAPI) Outcome(ctx context.Context, eventID string) (sdk.Outcome, error) {
	return a.h.states.wait(ctx, eventID)
}

func (a *hostAPI) QueueTask(ctx context.Context, t sdk.Task) (string, error) {
	tasks, err := a.h.cfg.Tasks.QueueTasks(ctx, a.b.Project, []worker.NewTask{{CodeName: t.CodeName,
		Payload: string(t.Payload), Priority: t.Priority, Delay: t.Delay, Timeout: t.Timeout, Label: "trigger:" + a.b.ID}})
	if err != nil {
		return "", toSDK(err)
	}
	return tasks[0].ID, nil
}

func (a *hostAPI) WaitTask(ctx context.Context, taskID string) (sdk.TaskResult, error) {
	res, err := a.h.waitTask(ctx, a.b.Project, taskID)
	return res, toSDK(err)
}

func (a *hostAPI) PostMessages(ctx context.Context, queue string, bodies ...string) ([]string, error) {
	msgs := make([]mq.NewMessage, len(bodies))
	for i, b := range bodies {
		msgs[i] = mq.NewMessage{Body: b}
	}
	ids, err := a.h.cfg.Queues.PostMessages(ctx, a.b.Project, queue, msgs)
	if err != nil {
		return nil, toSDK(err)
	}
	return idStrings(ids), nil
}

func idStrings(ids []emulator.MessageID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

func (a *hostAPI) Reserve(ctx context.Context, queue string, n, timeout, wait int) ([]sdk.Message, error) {
	msgs, err := a.h.cfg.Queues.Reserve(ctx, a.b.Project, queue, mq.ReserveRequest{N: n, Timeout: timeout, Wait: wait})
	if err != nil {
		return nil, toSDK(err)
	}
	out := make([]sdk.Message, len(msgs))
	for i, m := range msgs {
		out[i] = sdk.Message{ID: m.ID.String(), Body: m.Body, ReservationID: m.ReservationID, ReservedCount: m.ReservedCount}
	}
	return out, nil
}

func parseID(s string) (emulator.MessageID, error) {
	id, ok := emulator.ParseMessageID(s)
	if !ok {
		return 0, &sdkError{err: emulator.Invalid("message id %q is not a number", s), kind: sdk.ErrInvalid}
	}
	return id, nil
}

func (a *hostAPI) Delete(ctx context.Context, queue string, refs ...sdk.MessageRef) error {
	out := make([]mq.DeleteRef, len(refs))
	for i, r := range refs {
		id, err := parseID(r.ID)
		if err != nil {
			return err
		}
		out[i] = mq.DeleteRef{ID: id, ReservationID: r.ReservationID}
	}
	return toSDK(a.h.cfg.Queues.DeleteMessages(ctx, a.b.Project, queue, out))
}

func (a *hostAPI) Release(ctx context.Context, queue string, ref sdk.MessageRef, delay int) error {
	id, err := parseID(ref.ID)
	if err != nil {
		return err
	}
	return toSDK(a.h.cfg.Queues.Release(ctx, a.b.Project, queue, id, ref.ReservationID, delay))
}

func (a *hostAPI) CacheGet(ctx context.Context, c, key string) (json.RawMessage, error) {
	it, err := a.h.cfg.Caches.GetItem(ctx, a.b.Project, c, key)
	if err != nil {
		return nil, toSDK(err)
	}
	return it.Value, nil
}

func (a *hostAPI) CachePut(ctx context.Context, c, key string, value json.RawMessage, expiresIn int) error {
	return toSDK(a.h.cfg.Caches.PutItem(ctx, a.b.Project, c, key, cache.Put{Value: value, ExpiresIn: expiresIn}))
}

func (a *hostAPI) SetStatus(_ context.Context, status string, attrs map[string]string) error {
	a.r.setStatus(status, attrs)
	if a.h.cfg.Bus != nil {
		a.h.cfg.Bus.Publish(emulator.Event{Type: emulator.EventTriggerState, At: a.h.now(), Project: a.b.Project,
			Attrs: map[string]any{"binding_id": a.b.ID, "plugin": a.b.Plugin, "status": redactText(status)}})
	}
	return nil
}

// waitTask waits until the task has finished or ctx ends (the worker
// wakes it at the task's end: nothing polls), then returns it with its
// stdout; a wait that ended first returns the task as it stands.
func (h *Host) waitTask(ctx context.Context, project, taskID string) (sdk.TaskResult, error) {
	t, err := h.cfg.Tasks.WaitTask(ctx, project, taskID)
	if err != nil && ctx.Err() == nil {
		return sdk.TaskResult{}, err
	}
	res := sdk.TaskResult{TaskID: t.ID, Status: string(t.Status), Msg: t.Msg, Done: t.Status.Terminal()}
	if res.Done {
		if out, err := h.cfg.Tasks.Log(ctx, project, taskID, true); err == nil {
			res.Output = out
		}
		if log, err := h.cfg.Tasks.Log(ctx, project, taskID, false); err == nil {
			res.Log = log
		}
	}
	return res, nil
}

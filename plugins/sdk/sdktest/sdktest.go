// Package sdktest is the test harness for trigger plugin authors: it serves
// a Trigger over a real in-process gRPC connection (go-plugin's
// TestPluginGRPCConn), runs bindings against an in-memory Host, and collects
// the events they emit.
//
//	h := sdktest.New(t, myTrigger{})
//	run := h.Run(t, sdk.Binding{ID: "b1", Config: cfg, Action: sdk.ActionTask})
//	ev := run.Next(t, 5*time.Second)
package sdktest

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

// Harness holds a plugin served over gRPC and the fake host its runs use.
type Harness struct {
	// Client is the host's handle on the plugin, as ironlocal holds it.
	Client *sdk.Client
	// Host answers the plugin's Host calls and decides event outcomes.
	Host *Host
}

// New serves impl over an in-process gRPC connection closed at the end of
// the test.
func New(t testing.TB, impl sdk.Trigger) *Harness {
	t.Helper()
	client, server := plugin.TestPluginGRPCConn(t, false, sdk.PluginSet(impl))
	t.Cleanup(func() {
		_ = client.Close()
		server.Stop()
	})
	raw, err := client.Dispense(sdk.PluginName)
	if err != nil {
		t.Fatalf("dispense the trigger plugin: %v", err)
	}
	c, ok := raw.(*sdk.Client)
	if !ok {
		t.Fatalf("dispensed %T, want *sdk.Client", raw)
	}
	return &Harness{Client: c, Host: NewHost()}
}

// Run is one binding running in the background.
type Run struct {
	events chan sdk.Event
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

// Run starts binding b and stops it at the end of the test.
func (h *Harness) Run(t testing.TB, b sdk.Binding) *Run {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Run{events: make(chan sdk.Event, 1024), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.err = h.Client.Run(ctx, b, h.Host, func(ev sdk.Event) {
			h.Host.handle(ev)
			select {
			case r.events <- ev:
			default: // a test that emits more than it reads loses the surplus
			}
		})
	}()
	t.Cleanup(func() { _ = r.Stop() })
	return r
}

// Next returns the next event, failing the test if none arrives within d.
func (r *Run) Next(t testing.TB, d time.Duration) sdk.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-r.done:
		t.Fatalf("the run ended before emitting an event: %v", r.err)
	case <-time.After(d):
		t.Fatalf("no event within %s", d)
	}
	return sdk.Event{}
}

// Events is the channel of emitted events.
func (r *Run) Events() <-chan sdk.Event { return r.events }

// Done is closed when the plugin's Run has returned.
func (r *Run) Done() <-chan struct{} { return r.done }

// Stop cancels the run, waits for it and returns its error.
func (r *Run) Stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// Host is an in-memory sdk.Host: queued tasks are recorded and finish as
// TaskResults say, queues and caches live in maps.
type Host struct {
	// Decide picks each event's outcome; nil queues a task per event
	// (matched, task ids "task-1", "task-2" …) unless the plugin filtered it.
	Decide func(sdk.Event) sdk.Outcome
	// Result says how a task finished; nil finishes every task complete
	// with empty output.
	Result func(taskID string) sdk.TaskResult

	mu       sync.Mutex
	seq      int // message and reservation ids
	taskSeq  int
	outcomes map[string]sdk.Outcome
	waiters  map[string]chan struct{}
	tasks    []sdk.Task
	queues   map[string][]sdk.Message
	reserved map[string]sdk.Message
	caches   map[string]json.RawMessage
	status   string
	attrs    map[string]string
}

// NewHost returns an empty host.
func NewHost() *Host {
	return &Host{outcomes: map[string]sdk.Outcome{}, waiters: map[string]chan struct{}{},
		queues: map[string][]sdk.Message{}, reserved: map[string]sdk.Message{}, caches: map[string]json.RawMessage{}}
}

func (h *Host) waiter(id string) chan struct{} {
	c, ok := h.waiters[id]
	if !ok {
		c = make(chan struct{})
		h.waiters[id] = c
	}
	return c
}

func (h *Host) handle(ev sdk.Event) {
	var o sdk.Outcome
	switch {
	case h.Decide != nil:
		o = h.Decide(ev)
	case ev.Filtered != "":
		o = sdk.Outcome{Outcome: sdk.OutcomeFiltered, Reason: ev.Filtered}
	default:
		h.mu.Lock()
		h.taskSeq++
		o = sdk.Outcome{Outcome: sdk.OutcomeMatched, TaskID: "task-" + strconv.Itoa(h.taskSeq)}
		h.tasks = append(h.tasks, sdk.Task{CodeName: "(binding)", Payload: ev.Payload})
		h.mu.Unlock()
	}
	h.mu.Lock()
	h.outcomes[ev.ID] = o
	close(h.waiter(ev.ID))
	h.mu.Unlock()
}

// Tasks returns the tasks queued so far, by events and QueueTask.
func (h *Host) Tasks() []sdk.Task {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sdk.Task(nil), h.tasks...)
}

// Status returns the last status the plugin reported.
func (h *Host) Status() (string, map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status, h.attrs
}

// Queue returns a queue's messages that are neither reserved nor deleted.
func (h *Host) Queue(name string) []sdk.Message {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]sdk.Message(nil), h.queues[name]...)
}

func (h *Host) Outcome(ctx context.Context, eventID string) (sdk.Outcome, error) {
	h.mu.Lock()
	c := h.waiter(eventID)
	h.mu.Unlock()
	select {
	case <-c:
	case <-ctx.Done():
		return sdk.Outcome{}, ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.outcomes[eventID], nil
}

func (h *Host) QueueTask(_ context.Context, t sdk.Task) (string, error) {
	if t.CodeName == "" {
		return "", fmt.Errorf("%w: code_name is required", sdk.ErrInvalid)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.taskSeq++
	h.tasks = append(h.tasks, t)
	return "task-" + strconv.Itoa(h.taskSeq), nil
}

func (h *Host) WaitTask(_ context.Context, taskID string) (sdk.TaskResult, error) {
	if h.Result != nil {
		return h.Result(taskID), nil
	}
	return sdk.TaskResult{TaskID: taskID, Status: "complete", Done: true}, nil
}

func (h *Host) PostMessages(_ context.Context, queue string, bodies ...string) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]string, len(bodies))
	for i, b := range bodies {
		h.seq++
		ids[i] = strconv.Itoa(h.seq)
		h.queues[queue] = append(h.queues[queue], sdk.Message{ID: ids[i], Body: b})
	}
	return ids, nil
}

func (h *Host) Reserve(_ context.Context, queue string, n, _, _ int) ([]sdk.Message, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	q := h.queues[queue]
	n = min(n, len(q))
	out := make([]sdk.Message, n)
	for i, m := range q[:n] {
		h.seq++
		m.ReservationID = "r" + strconv.Itoa(h.seq)
		m.ReservedCount++
		h.reserved[m.ID] = m
		out[i] = m
	}
	h.queues[queue] = q[n:]
	return out, nil
}

func (h *Host) Delete(_ context.Context, _ string, refs ...sdk.MessageRef) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, r := range refs {
		if m, ok := h.reserved[r.ID]; !ok || m.ReservationID != r.ReservationID {
			return fmt.Errorf("%w: message %s is not reserved as %s", sdk.ErrNotFound, r.ID, r.ReservationID)
		}
		delete(h.reserved, r.ID)
	}
	return nil
}

func (h *Host) Release(_ context.Context, queue string, ref sdk.MessageRef, _ int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	m, ok := h.reserved[ref.ID]
	if !ok || m.ReservationID != ref.ReservationID {
		return fmt.Errorf("%w: message %s is not reserved as %s", sdk.ErrNotFound, ref.ID, ref.ReservationID)
	}
	delete(h.reserved, ref.ID)
	m.ReservationID = ""
	h.queues[queue] = append(h.queues[queue], m)
	return nil
}

func (h *Host) CacheGet(_ context.Context, cache, key string) (json.RawMessage, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	v, ok := h.caches[cache+"\x00"+key]
	if !ok {
		return nil, fmt.Errorf("%w: item %s in cache %s", sdk.ErrNotFound, key, cache)
	}
	return v, nil
}

func (h *Host) CachePut(_ context.Context, cache, key string, value json.RawMessage, _ int) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.caches[cache+"\x00"+key] = value
	return nil
}

func (h *Host) SetStatus(_ context.Context, status string, attrs map[string]string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.status, h.attrs = status, attrs
	return nil
}

package trigger

import (
	"context"
	"errors"
	"log/slog"

	"github.com/ironlocal/ironlocal/emulator"
)

// traceWriter writes trigger events to the store in batches: one
// transaction for whatever piled up while the previous one committed, so a
// busy binding (an HTTP trigger under load) costs one commit per batch, not
// per event. Events a plugin emits are written asynchronously, a few
// milliseconds after their action ran; fired and replayed events wait for
// their write, so the trace shows them when the control plane answers.
type traceWriter struct {
	store emulator.BindingStore
	keep  int
	log   *slog.Logger
	in    chan traceItem
	// stopped is closed once loop has returned: later records fail
	// instead of waiting for a writer that is gone.
	stopped chan struct{}
}

type traceItem struct {
	ev   emulator.TriggerEvent
	done chan error // nil: nobody waits
}

// maxTraceBatch bounds one transaction.
const maxTraceBatch = 256

func newTraceWriter(store emulator.BindingStore, keep int, log *slog.Logger) *traceWriter {
	return &traceWriter{store: store, keep: keep, log: log, in: make(chan traceItem, 4096), stopped: make(chan struct{})}
}

// record queues ev; with wait it returns once ev is stored. A full queue
// blocks the caller (back-pressure on the plugin's stream).
func (w *traceWriter) record(ctx context.Context, ev emulator.TriggerEvent, wait bool) error {
	it := traceItem{ev: ev}
	if wait {
		it.done = make(chan error, 1)
	}
	select {
	case w.in <- it:
	case <-w.stopped:
		return errWriterStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	if !wait {
		return nil
	}
	select {
	case err := <-it.done:
		return err
	case <-w.stopped:
		select {
		case err := <-it.done:
			return err
		default:
			return errWriterStopped
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errWriterStopped = errors.New("the trigger host is closed")

// loop writes batches until ctx ends, then writes what is still queued.
func (w *traceWriter) loop(ctx context.Context) {
	defer close(w.stopped)
	for {
		select {
		case it := <-w.in:
			w.write(context.WithoutCancel(ctx), w.batch(it))
		case <-ctx.Done():
			for {
				select {
				case it := <-w.in:
					w.write(context.WithoutCancel(ctx), w.batch(it))
				default:
					return
				}
			}
		}
	}
}

// batch collects first and whatever else is queued, up to maxTraceBatch.
func (w *traceWriter) batch(first traceItem) []traceItem {
	items := []traceItem{first}
	for len(items) < maxTraceBatch {
		select {
		case it := <-w.in:
			items = append(items, it)
		default:
			return items
		}
	}
	return items
}

func (w *traceWriter) write(ctx context.Context, items []traceItem) {
	evs := make([]emulator.TriggerEvent, len(items))
	for i, it := range items {
		evs[i] = it.ev
	}
	err := w.store.AppendTriggerEvents(ctx, evs, w.keep)
	if err != nil {
		w.log.Error("record trigger events", "count", len(evs), "err", err)
	}
	for _, it := range items {
		if it.done != nil {
			it.done <- err
		}
	}
}

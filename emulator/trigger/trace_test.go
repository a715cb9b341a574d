package trigger

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

func TestTraceWriter(t *testing.T) {
	ctx := context.Background()
	store := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(t, store.Open())
	t.Cleanup(func() { _ = store.Close() })
	require.NoError(t, store.PutBinding(ctx, emulator.Binding{ID: "b1", Project: "000000000000000000000001"}))

	w := newTraceWriter(store, 50, slog.New(slog.DiscardHandler))
	lctx, stop := context.WithCancel(ctx)
	go w.loop(lctx)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 100 {
		require.NoError(t, w.record(ctx, emulator.TriggerEvent{ID: fmt.Sprintf("e%03d", i), BindingID: "b1",
			At: at.Add(time.Duration(i) * time.Millisecond)}, false))
	}
	require.NoError(t, w.record(ctx, emulator.TriggerEvent{ID: "last", BindingID: "b1", At: at.Add(time.Second)}, true),
		"a waited record returns once stored")
	evs, err := store.TriggerEvents(ctx, "b1", 100)
	require.NoError(t, err)
	require.Len(t, evs, 50, "trimmed to the bound")
	require.Equal(t, "last", evs[0].ID)
	require.Equal(t, "e099", evs[1].ID, "every earlier event was written first")

	stop()
	<-w.stopped
	require.ErrorIs(t, w.record(ctx, emulator.TriggerEvent{ID: "late", BindingID: "b1"}, true), errWriterStopped)
}

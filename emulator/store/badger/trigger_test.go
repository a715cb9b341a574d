package badger

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

const triggerProject = "000000000000000000000001"

func TestStore_Bindings(t *testing.T) {
	runStoreTest(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		b := emulator.Binding{ID: "b1", Project: triggerProject, Plugin: "upload", Config: []byte(`{"dir":"/in"}`),
			Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "csv"}, Enabled: true}
		require.NoError(t, s.PutBinding(ctx, b))
		require.NoError(t, s.PutBinding(ctx, emulator.Binding{ID: "a0", Project: triggerProject, Plugin: "http"}))

		got, err := s.Binding(ctx, "b1")
		require.NoError(t, err)
		require.Equal(t, "csv", got.Action.CodeName)
		all, err := s.Bindings(ctx)
		require.NoError(t, err)
		require.Len(t, all, 2)
		require.Equal(t, "a0", all[0].ID, "ordered by id")

		base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range 4 {
			require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{{ID: fmt.Sprintf("e%d", i), BindingID: "b1",
				At: base.Add(time.Duration(i) * time.Second), Outcome: emulator.TriggerMatched}}, 3))
		}
		require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{
			{ID: "e4", BindingID: "b1", At: base.Add(4 * time.Second)},
			{ID: "x", BindingID: "gone", At: base}, // its binding does not exist: dropped
		}, 3))
		gone, err := s.TriggerEvents(ctx, "gone", 10)
		require.NoError(t, err)
		require.Empty(t, gone)
		evs, err := s.TriggerEvents(ctx, "b1", 10)
		require.NoError(t, err)
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		require.Equal(t, []string{"e4", "e3", "e2"}, ids, "newest first, trimmed to 3")

		var snap bytes.Buffer
		require.NoError(t, s.Export(ctx, &snap, emulator.SnapshotOptions{}))
		require.NoError(t, s.DeleteBinding(ctx, "b1"))
		_, err = s.Binding(ctx, "b1")
		require.ErrorIs(t, err, emulator.ErrNotFound)
		evs, err = s.TriggerEvents(ctx, "b1", 10)
		require.NoError(t, err)
		require.Empty(t, evs, "the trace goes with its binding")
		require.ErrorIs(t, s.DeleteBinding(ctx, "b1"), emulator.ErrNotFound)

		require.NoError(t, s.Import(ctx, &snap))
		evs, err = s.TriggerEvents(ctx, "b1", 10)
		require.NoError(t, err)
		require.Len(t, evs, 3, "snapshots carry bindings and traces")

		require.NoError(t, s.Reset(ctx))
		all, err = s.Bindings(ctx)
		require.NoError(t, err)
		require.Empty(t, all)
	})
}

func TestCheckTriggerRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		k, v string
		ok   bool
	}{
		{"binding", "Bb1", `{"id":"b1","project_id":"000000000000000000000001"}`, true},
		{"binding id differs", "Bb1", `{"id":"b2","project_id":"000000000000000000000001"}`, false},
		{"binding bad project", "Bb1", `{"id":"b1","project_id":""}`, false},
		{"binding not json", "Bb1", `{`, false},
		{"event", "Eb1\x0012345678e1", `{"id":"e1"}`, true},
		{"event short key", "Eb1\x00123", `{}`, false},
		{"event no separator", "Eb1", `{}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRecord([]byte(tc.k), []byte(tc.v))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

// TestStore_TraceTrim: a trace holds its newest keep events whatever the
// appends look like, also once its size is known from earlier appends
// (traceSizes) and after the store's contents were replaced or reopened.
func TestStore_TraceTrim(t *testing.T) {
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(i int) emulator.TriggerEvent {
		return emulator.TriggerEvent{ID: fmt.Sprintf("e%03d", i), BindingID: "b1", At: base.Add(time.Duration(i) * time.Second)}
	}
	trace := func(t *testing.T, s *Store) []string {
		t.Helper()
		evs, err := s.TriggerEvents(ctx, "b1", 1000)
		require.NoError(t, err)
		var ids []string
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		return ids
	}
	newest := func(last, n int) []string {
		var ids []string
		for i := last; i > last-n; i-- {
			ids = append(ids, fmt.Sprintf("e%03d", i))
		}
		return ids
	}
	const keep = 5
	dir := t.TempDir()
	s := openStore(t, Options{Dir: dir})
	require.NoError(t, s.PutBinding(ctx, emulator.Binding{ID: "b1", Project: triggerProject, Plugin: "http"}))

	for i := 0; i < 40; i += 4 { // batches of 4, trimmed as they come
		require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(i), ev(i + 1), ev(i + 2), ev(i + 3)}, keep))
		require.Equal(t, newest(i+3, min(keep, i+4)), trace(t, s))
	}
	require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(39), ev(39)}, keep), "the same event again")
	require.Equal(t, newest(39, keep), trace(t, s), "a repeated event is not counted twice")
	require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(40), ev(1)}, keep), "an event older than the trace")
	require.Equal(t, newest(40, keep), trace(t, s), "the older event is the first trimmed")

	require.NoError(t, s.DeleteBinding(ctx, "b1"))
	require.NoError(t, s.PutBinding(ctx, emulator.Binding{ID: "b1", Project: triggerProject, Plugin: "http"}))
	require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(50)}, keep))
	require.Equal(t, []string{"e050"}, trace(t, s), "a binding made again starts an empty trace")

	var snap bytes.Buffer
	require.NoError(t, s.Export(ctx, &snap, emulator.SnapshotOptions{}))
	require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(51), ev(52), ev(53), ev(54)}, keep))
	require.NoError(t, s.Import(ctx, &snap))
	require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(55)}, keep))
	require.Equal(t, []string{"e055", "e050"}, trace(t, s), "sizes are read again after an import")

	require.NoError(t, s.Close())
	s = openStore(t, Options{Dir: dir})
	for i := 61; i < 70; i++ {
		require.NoError(t, s.AppendTriggerEvents(ctx, []emulator.TriggerEvent{ev(i)}, keep))
	}
	require.Equal(t, newest(69, keep), trace(t, s), "a reopened store learns the size again")
}

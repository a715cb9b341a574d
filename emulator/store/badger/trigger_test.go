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
		require.NoError(t, s.Export(ctx, &snap))
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

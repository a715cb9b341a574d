package trigger

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/plugins/sdk"
)

func TestRender(t *testing.T) {
	ev := sdk.Event{ID: "e1", Type: "t", Payload: []byte(`{"key":"a b.csv","n":2}`), Attrs: map[string]string{"bucket": "in"}}
	for _, tc := range []struct {
		name, tmpl, want string
	}{
		{"no template: the payload as is", "", `{"key":"a b.csv","n":2}`},
		{"fields of the decoded payload", `{{.Payload.key}} #{{.Payload.n}}`, "a b.csv #2"},
		{"attrs and json", `{"bucket":{{json .Attrs.bucket}},"id":"{{.ID}}"}`, `{"bucket":"in","id":"e1"}`},
		{"raw", `<{{.Raw}}>`, `<{"key":"a b.csv","n":2}>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(tc.tmpl, ev, 1<<10)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	t.Run("text payload", func(t *testing.T) {
		got, err := render(`[{{.Payload}}]`, sdk.Event{Payload: []byte("plain")}, 1<<10)
		require.NoError(t, err)
		require.Equal(t, "[plain]", got)
	})
	t.Run("a failing template is an error", func(t *testing.T) {
		_, err := render(`{{index .Payload 5}}`, ev, 1<<10)
		require.ErrorContains(t, err, "action template")
	})
}

func TestValidateAction(t *testing.T) {
	two, nine := 2, 9
	for _, tc := range []struct {
		name string
		a    emulator.BindingAction
		want string // "" = valid
	}{
		{"task", emulator.BindingAction{Type: emulator.ActionTask, CodeName: "c", Priority: &two}, ""},
		{"message", emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q"}, ""},
		{"no type", emulator.BindingAction{CodeName: "c"}, "action.type must be"},
		{"task without code", emulator.BindingAction{Type: emulator.ActionTask}, "action.code_name is required"},
		{"task with queue", emulator.BindingAction{Type: emulator.ActionTask, CodeName: "c", Queue: "q"}, "action.queue belongs"},
		{"priority", emulator.BindingAction{Type: emulator.ActionTask, CodeName: "c", Priority: &nine}, "action.priority"},
		{"message without queue", emulator.BindingAction{Type: emulator.ActionMessage}, "action.queue is required"},
		{"bad template", emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q", Template: "{{"}, "action.template"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateAction(tc.a)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, emulator.ErrInvalid)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestOutcomes(t *testing.T) {
	ctx := context.Background()
	o := newOutcomes()
	t.Run("put before wait", func(t *testing.T) {
		o.put("a", sdk.Outcome{Outcome: sdk.OutcomeMatched, TaskID: "t1"})
		got, err := o.wait(ctx, "a")
		require.NoError(t, err)
		require.Equal(t, "t1", got.TaskID)
	})
	t.Run("wait before put", func(t *testing.T) {
		done := make(chan sdk.Outcome)
		go func() {
			got, _ := o.wait(ctx, "b")
			done <- got
		}()
		require.Eventually(t, func() bool {
			o.mu.Lock()
			defer o.mu.Unlock()
			return len(o.waiters["b"]) == 1
		}, time.Second, time.Millisecond)
		o.put("b", sdk.Outcome{Outcome: sdk.OutcomeFailed, Reason: "no code"})
		require.Equal(t, "no code", (<-done).Reason)
	})
	t.Run("a wait that ends first leaves nothing behind", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		_, err := o.wait(cctx, "c")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Empty(t, o.waiters["c"])
	})
	t.Run("unclaimed outcomes are bounded", func(t *testing.T) {
		for i := range keptOutcomes + 10 {
			o.put(sdk.NewEventID()+string(rune(i)), sdk.Outcome{})
		}
		require.LessOrEqual(t, len(o.done), keptOutcomes)
	})
}

func TestDiscover(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), mode))
	}
	write("b-plugin", 0o755)
	write("a-plugin", 0o755)
	write("notes.txt", 0o644)
	write(".hidden", 0o755)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	got, err := discover([]string{dir, filepath.Join(dir, "missing")})
	require.NoError(t, err)
	require.Equal(t, []string{filepath.Join(dir, "a-plugin"), filepath.Join(dir, "b-plugin")}, got)
}

func TestPluginLog(t *testing.T) {
	l := newPluginLog(slog.New(slog.DiscardHandler))
	_, _ = l.Write([]byte("one\ntw"))
	_, _ = l.Write([]byte("o\n\nthree\n"))
	require.Equal(t, []string{"one", "two", "three"}, l.Lines())
	for i := range logLines + 5 {
		_, _ = l.Write([]byte{byte('a' + i%26), '\n'})
	}
	lines := l.Lines()
	require.Len(t, lines, logLines)
	require.Equal(t, string(rune('a'+(logLines+4)%26)), lines[len(lines)-1], "newest last")
}

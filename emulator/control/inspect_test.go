package control_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/control"
)

func TestInspect_Pauses(t *testing.T) {
	e := newEnv(t, envOpts{})
	sub := e.bus.Subscribe(16)
	defer sub.Close()

	p, err := e.control.PauseTest("TestOrders")
	require.NoError(t, err)
	require.Equal(t, "1", p.ID)
	require.Equal(t, emulator.EventTestPaused, (<-sub.C).Type)
	_, err = e.control.PauseTest(strings.Repeat("x", 2000))
	require.ErrorIs(t, err, emulator.ErrInvalid)

	t.Run("wait ends with its context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.ErrorIs(t, e.control.WaitResumed(ctx, p.ID), context.Canceled)
	})
	t.Run("unknown pause", func(t *testing.T) {
		require.ErrorIs(t, e.control.WaitResumed(context.Background(), "42"), emulator.ErrNotFound)
		_, err := e.control.ResumeTests("42")
		require.ErrorIs(t, err, emulator.ErrNotFound)
	})
	t.Run("resume wakes the waiter", func(t *testing.T) {
		waited := make(chan error, 1)
		go func() { waited <- e.control.WaitResumed(context.Background(), p.ID) }()
		resumed, err := e.control.ResumeTests("")
		require.NoError(t, err)
		require.Len(t, resumed, 1)
		require.Equal(t, "TestOrders", resumed[0].Test)
		require.NoError(t, <-waited)
		ev := <-sub.C
		require.Equal(t, emulator.EventTestResumed, ev.Type)
		require.Equal(t, "TestOrders", ev.Attrs["test"])
		require.Empty(t, e.control.Pauses())
		// Resumed pauses are remembered: a late wait returns at once.
		require.NoError(t, e.control.WaitResumed(context.Background(), p.ID))
	})
	t.Run("a reset leaves pauses alone", func(t *testing.T) {
		p2, err := e.control.PauseTest("TestReset")
		require.NoError(t, err)
		require.NoError(t, e.control.Reset(context.Background()))
		require.Equal(t, []string{p2.ID}, ids(e.control.Pauses()))
	})
}

func TestTestContainers_NoFinder(t *testing.T) {
	e := newEnv(t, envOpts{})
	_, err := e.control.TestContainers(context.Background())
	require.True(t, errors.Is(err, emulator.ErrUnavailable), "%v", err)
	require.ErrorIs(t, e.control.RemoveTestContainer(context.Background(), "../x"), emulator.ErrInvalid)
}

func ids(ps []control.Pause) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/clock"
)

// woken reports whether the alarm has a wake pending: one is taken at once,
// so the short wait bounds only the answer "no".
func woken(a *emulator.Alarm) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	return a.Wait(ctx)
}

func TestAlarm_onVirtualClock(t *testing.T) {
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	v := clock.NewVirtual(start)
	a := emulator.NewAlarm(v)
	require.False(t, woken(a))

	a.Set(start.Add(time.Hour))
	v.Advance(59 * time.Minute)
	require.False(t, woken(a), "not yet due")
	v.Advance(time.Minute)
	require.True(t, a.Wait(context.Background()), "the move that reached it woke the loop")

	a.Set(start.Add(2 * time.Hour))
	a.Set(start.Add(3 * time.Hour)) // replaces the earlier setting
	v.Set(start.Add(2*time.Hour + time.Minute))
	require.False(t, woken(a))
	a.Set(time.Time{}) // disarmed
	v.Set(start.Add(4 * time.Hour))
	require.False(t, woken(a))

	a.Set(start) // already past: at once
	require.True(t, a.Wait(context.Background()))

	a.Poke()
	a.Poke() // wakes coalesce
	require.True(t, a.Wait(context.Background()))
	require.False(t, woken(a))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.False(t, a.Wait(ctx))
}

func TestAlarm_onWallClock(t *testing.T) {
	a := emulator.NewAlarm(clock.Real{})
	a.Set(time.Now().Add(20 * time.Millisecond))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.True(t, a.Wait(ctx))
}

package clock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/clock"
)

var start = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// A run of timers fires in the same order every time: by time, ties in the
// order they were armed, each seeing the clock at its own time; timers a
// firing timer arms fire in the same move when they are due by its end.
func TestVirtual_timersFireInTimeOrder(t *testing.T) {
	var first []string
	for run := range 20 {
		v := clock.NewVirtual(start)
		var got []string
		record := func(name string) func() {
			return func() { got = append(got, fmt.Sprintf("%s@%s", name, v.Now().Sub(start))) }
		}
		v.AfterFunc(3*time.Second, record("c"))
		v.AfterFunc(time.Second, record("a1"))
		v.AfterFunc(time.Second, record("a2"))
		v.AfterFunc(2*time.Second, func() {
			record("b")()
			v.AfterFunc(500*time.Millisecond, record("b+0.5s")) // due at 2.5 s: this move
			v.AfterFunc(time.Hour, record("later"))             // not this move
		})
		stopped := v.AfterFunc(2*time.Second, record("stopped"))
		require.True(t, stopped.Stop())
		require.False(t, stopped.Stop())

		require.Equal(t, start.Add(10*time.Second), v.Advance(10*time.Second))
		require.Equal(t, []string{"a1@1s", "a2@1s", "b@2s", "b+0.5s@2.5s", "c@3s"}, got)
		if run == 0 {
			first = got
		}
		require.Equal(t, first, got, "run %d", run)

		got = nil
		v.Set(start.Add(2 * time.Hour))
		require.Equal(t, []string{"later@1h0m2s"}, got)
	}
}

func TestVirtual_neverBackwards(t *testing.T) {
	v := clock.NewVirtual(start)
	fired := false
	v.AfterFunc(0, func() { fired = true })
	require.Equal(t, start, v.Set(start.Add(-time.Hour)))
	require.True(t, fired, "a timer due now fires at the next move, even one that goes nowhere")
	require.Equal(t, start, v.Advance(-time.Second))
}

func TestVirtual_shiftHooksRunAfterTimers(t *testing.T) {
	v := clock.NewVirtual(start)
	var order []string
	v.AfterFunc(time.Minute, func() { order = append(order, "timer") })
	v.OnShift(func(now time.Time) { order = append(order, "shift@"+now.Sub(start).String()) })
	v.Advance(time.Hour)
	require.Equal(t, []string{"timer", "shift@1h0m0s"}, order)
}

// Moves from many goroutines fire each timer once.
func TestVirtual_concurrentMoves(t *testing.T) {
	v := clock.NewVirtual(start)
	var mu sync.Mutex
	fired := map[int]int{}
	for i := range 100 {
		v.AfterFunc(time.Duration(i)*time.Second, func() {
			mu.Lock()
			fired[i]++
			mu.Unlock()
		})
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				v.Advance(time.Second)
			}
		})
	}
	wg.Wait()
	require.Len(t, fired, 100)
	for i, n := range fired {
		require.Equal(t, 1, n, "timer %d", i)
	}
}

func TestReal_AfterFunc(t *testing.T) {
	done := make(chan struct{})
	clock.Real{}.AfterFunc(time.Millisecond, func() { close(done) })
	<-done
	require.False(t, clock.Real{}.AfterFunc(time.Hour, func() {}).Stop() == false)
}

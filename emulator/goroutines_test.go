package emulator_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newOwner(t *testing.T) (*emulator.Goroutines, *syncBuffer) {
	t.Helper()
	var logs syncBuffer
	g := emulator.NewGoroutines(slog.New(slog.NewTextHandler(&logs, nil)))
	g.MinBackoff, g.MaxBackoff = time.Millisecond, 4*time.Millisecond
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, g.Close(ctx))
	})
	return g, &logs
}

func TestGoroutines_Loop(t *testing.T) {
	t.Run("a panicking loop is restarted and the panic logged with its stack", func(t *testing.T) {
		g, logs := newOwner(t)
		var starts atomic.Int32
		require.True(t, g.Loop("flaky", func(ctx context.Context) {
			if starts.Add(1) <= 3 {
				panic("bad record")
			}
			<-ctx.Done()
		}))
		require.Eventually(t, func() bool { return starts.Load() == 4 }, 10*time.Second, time.Millisecond)
		out := logs.String()
		assert.Contains(t, out, "background goroutine panicked")
		assert.Contains(t, out, "goroutine=flaky")
		assert.Contains(t, out, "panic=\"bad record\"")
		assert.Contains(t, out, "goroutines_test.go", "the stack names the panicking function")
		assert.Equal(t, []string{"flaky"}, g.Running())
	})

	t.Run("a loop that returns is not restarted", func(t *testing.T) {
		g, _ := newOwner(t)
		done := make(chan struct{})
		var starts atomic.Int32
		require.True(t, g.Loop("once", func(context.Context) {
			starts.Add(1)
			close(done)
		}))
		<-done
		require.Eventually(t, func() bool { return len(g.Running()) == 0 }, 10*time.Second, time.Millisecond)
		assert.Equal(t, int32(1), starts.Load())
	})
}

func TestGoroutines_Go(t *testing.T) {
	g, logs := newOwner(t)
	cleaned := make(chan struct{})
	require.True(t, g.Go("runner", func(context.Context) {
		defer close(cleaned)
		var m map[string]int
		m["boom"]++ // a runtime panic
	}))
	<-cleaned
	require.Eventually(t, func() bool { return len(g.Running()) == 0 }, 10*time.Second, time.Millisecond)
	assert.Contains(t, logs.String(), "goroutine=runner")
}

func TestGoroutines_Close(t *testing.T) {
	t.Run("stops in reverse start order and refuses afterwards", func(t *testing.T) {
		g := emulator.NewGoroutines(nil)
		var mu sync.Mutex
		var order []string
		started := make(chan struct{}, 3)
		for _, name := range []string{"first", "second", "third"} {
			require.True(t, g.Go(name, func(ctx context.Context) {
				started <- struct{}{}
				<-ctx.Done()
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
			}))
		}
		for range 3 {
			<-started
		}
		require.NoError(t, g.Close(context.Background()))
		assert.Equal(t, []string{"third", "second", "first"}, order)
		assert.False(t, g.Go("late", func(context.Context) { t.Error("ran after Close") }))
		assert.False(t, g.Loop("late", func(context.Context) { t.Error("ran after Close") }))
		assert.False(t, g.AfterFunc("late", 0, func(context.Context) { t.Error("ran after Close") }))
		require.NoError(t, g.Close(context.Background()), "idempotent")
	})

	t.Run("pending timers never fire", func(t *testing.T) {
		g := emulator.NewGoroutines(nil)
		var fired atomic.Bool
		require.True(t, g.AfterFunc("retry", 50*time.Millisecond, func(context.Context) { fired.Store(true) }))
		require.NoError(t, g.Close(context.Background()))
		time.Sleep(100 * time.Millisecond) // past the timer's due time: it must stay silent
		assert.False(t, fired.Load())
	})

	t.Run("a timer that fired runs owned", func(t *testing.T) {
		g, _ := newOwner(t)
		ran := make(chan struct{})
		require.True(t, g.AfterFunc("retry", time.Millisecond, func(context.Context) { close(ran) }))
		<-ran
	})

	t.Run("names what did not stop in time", func(t *testing.T) {
		g := emulator.NewGoroutines(nil)
		release := make(chan struct{})
		defer close(release)
		require.True(t, g.Go("stubborn", func(context.Context) { <-release }))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		err := g.Close(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "stubborn")
	})
}

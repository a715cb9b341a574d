package server

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServer_LoopPanic: a background loop that panics is logged with its
// stack and restarted, and the server keeps answering meanwhile.
func TestServer_LoopPanic(t *testing.T) {
	var logs lockedBuffer
	s := RunT(t, Options{Runtime: "process", Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s.bg.MinBackoff = time.Millisecond

	var starts atomic.Int32
	require.True(t, s.bg.Loop("flaky loop", func(ctx context.Context) {
		if starts.Add(1) <= 2 {
			var m map[string]int
			m["boom"]++ // a bug: a runtime panic
		}
		<-ctx.Done()
	}))
	require.Eventually(t, func() bool { return starts.Load() == 3 }, 10*time.Second, time.Millisecond,
		"the loop is started again after each panic")

	out := logs.String()
	assert.Equal(t, 2, strings.Count(out, "background goroutine panicked"))
	assert.Contains(t, out, "goroutine=\"flaky loop\"")
	assert.Contains(t, out, "assignment to entry in nil map")
	assert.Contains(t, out, "loops_test.go", "the stack is logged")
	assert.Contains(t, s.bg.Running(), "http", "the other goroutines carry on")

	resp, err := http.Get(s.URL() + "/version")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "body %s", body)
}

// TestServer_ExpirySweep: with nothing reading the queue, an expired
// message is swept when it expires (the sweeper sleeps until then; it does
// not poll), and so is one posted while the sweeper waits for a later one.
func TestServer_ExpirySweep(t *testing.T) {
	s := RunT(t, Options{Runtime: "process"})
	ctx := context.Background()
	sub := s.Bus().Subscribe(100)
	defer sub.Close()
	expireIn := func(queue string, seconds int) {
		_, err := s.MQ().UpsertQueue(ctx, "p", queue, mq.QueueSettings{MessageExpiration: &seconds})
		require.NoError(t, err)
		_, err = s.MQ().PostMessages(ctx, "p", queue, []mq.NewMessage{{Body: "x"}})
		require.NoError(t, err)
	}
	expireIn("late", 3600)
	expireIn("soon", 1)
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-sub.C:
			if ev.Type == emulator.EventMessagesExpired {
				require.Equal(t, "soon", ev.Queue)
				return
			}
		case <-deadline:
			t.Fatal("the expired message was never swept")
		}
	}
}

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
	assert.Contains(t, s.bg.Running(), "expiry sweeper", "the other loops carry on")

	resp, err := http.Get(s.URL() + "/version")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "body %s", body)
}

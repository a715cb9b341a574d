package test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCrash_KillKeepsAcknowledgedWrites kills ironlocald with SIGKILL while
// clients are writing, restarts it on the same data dir and checks that
// every write it acknowledged is there exactly once. Writes in flight at the
// kill may or may not be there, but a message batch is all or nothing.
func TestCrash_KillKeepsAcknowledgedWrites(t *testing.T) {
	const (
		posters   = 8
		batchSize = 10
		queue     = "crash"
		cache     = "crash"
		// Kill once this much has been acknowledged.
		wantMessages = 3000
		wantItems    = 300
	)
	dataDir := t.TempDir()
	d := StartDaemon(t, "--data-dir", dataDir, "--log-level", "warn")
	c := newAPIClient(d.URL)

	var (
		mu       sync.Mutex
		messages = map[string]string{} // acknowledged id → body
		items    = map[string]string{} // acknowledged key → value
		failures []string              // answers other than success before the kill
		killed   = make(chan struct{})
	)
	fail := func(format string, args ...any) {
		select {
		case <-killed: // errors after the kill are expected
		default:
			mu.Lock()
			failures = append(failures, fmt.Sprintf(format, args...))
			mu.Unlock()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	for p := range posters {
		wg.Go(func() {
			for b := 0; ctx.Err() == nil; b++ {
				bodies := make([]string, batchSize)
				for i := range bodies {
					bodies[i] = fmt.Sprintf("p%d-b%d-m%d", p, b, i)
				}
				// One large body a batch, so the value log is exercised
				// as well as the LSM tree's write-ahead log.
				bodies[0] += "-" + strings.Repeat("x", 5<<10)
				ids, status, err := c.postMessages(ctx, queue, bodies)
				if err != nil {
					fail("poster %d: post: %v", p, err)
					return // the daemon is gone
				}
				if status != http.StatusCreated || len(ids) != batchSize {
					fail("poster %d: post answered %d with %d ids", p, status, len(ids))
					return
				}
				mu.Lock()
				for i, id := range ids {
					messages[id] = bodies[i]
				}
				mu.Unlock()

				key, value := fmt.Sprintf("p%d-k%d", p, b), fmt.Sprintf("v%d-%d", p, b)
				status, err = c.putItem(ctx, cache, key, value)
				if err != nil {
					fail("poster %d: put item: %v", p, err)
					return
				}
				if status != http.StatusOK {
					fail("poster %d: put item answered %d", p, status)
					return
				}
				mu.Lock()
				items[key] = value
				mu.Unlock()
			}
		})
	}

	// Let the writers get going, then pull the plug while they write.
	counts := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(messages), len(items)
	}
	require.Eventually(t, func() bool {
		m, i := counts()
		return m >= wantMessages && i >= wantItems
	}, 10*time.Second, 5*time.Millisecond, "writers too slow or failing")
	close(killed)
	d.Kill(t)
	wg.Wait()
	cancel()
	require.Empty(t, failures, "writes failed before the kill")
	m, i := counts()
	t.Logf("killed after %d messages and %d items were acknowledged", m, i)

	d = StartDaemon(t, "--data-dir", dataDir, "--log-level", "warn")
	c = newAPIClient(d.URL)
	ctx = context.Background()

	t.Run("every acknowledged message is there once", func(t *testing.T) {
		got := map[string]string{}
		for {
			msgs, status, err := c.reserve(ctx, queue, 100, 3600)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			if len(msgs) == 0 {
				break
			}
			for _, m := range msgs {
				_, dup := got[m.ID]
				require.False(t, dup, "message %s delivered twice", m.ID)
				require.Equal(t, 1, m.ReservedCount, "message %s", m.ID)
				got[m.ID] = m.Body
			}
		}
		for id, body := range messages {
			gotBody, ok := got[id]
			require.True(t, ok, "acknowledged message %s (%s) was lost", id, body)
			require.Equal(t, body, gotBody, "body of %s", id)
		}

		// Unacknowledged batches in flight at the kill: at most one per
		// poster, and never half a batch.
		batches := map[string]int{}
		seenBodies := map[string]bool{}
		for _, body := range got {
			require.False(t, seenBodies[body], "body %s stored twice", body)
			seenBodies[body] = true
			batches[body[:strings.LastIndex(body, "-m")]]++
		}
		for batch, n := range batches {
			require.Equal(t, batchSize, n, "batch %s is partly stored", batch)
		}
		require.LessOrEqual(t, len(got)-len(messages), posters*batchSize, "more unacknowledged messages than were in flight")
		t.Logf("%d messages after restart: %d acknowledged, %d from batches in flight", len(got), len(messages), len(got)-len(messages))

		var q struct {
			Queue struct {
				Size int `json:"size"`
			} `json:"queue"`
		}
		status, err := c.do(ctx, http.MethodGet, c.mqPath(queue, ""), nil, &q)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, len(got), q.Queue.Size, "queue size after restart")

		// Ids keep growing after the crash.
		ids, status, err := c.postMessages(ctx, queue, []string{"after"})
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, status)
		after := parseID(t, ids[0])
		for id := range got {
			require.Greater(t, after, parseID(t, id), "id %s issued after the restart is not above %s", ids[0], id)
		}
	})

	t.Run("every acknowledged cache put is there", func(t *testing.T) {
		for key, value := range items {
			got, status, err := c.getItem(ctx, cache, key)
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status, "acknowledged item %s was lost", key)
			require.JSONEq(t, strconv.Quote(value), string(got), "value of %s", key)
		}
	})

	d.Stop(t)
}

func parseID(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err, "message id %q", s)
	return v
}

package tcironlocal_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestContainer_WaitIdlePushSettled: a push queue whose subscriber fails
// (nothing listens on 127.0.0.1:1 in the emulator's container), with one
// retry 3 s later. WaitIdle, by default, returns only once the retry failed
// too and the failure is in the error queue.
func TestContainer_WaitIdlePushSettled(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)

	queues := "/3/projects/" + ctr.ProjectID() + "/queues/"
	require.NoError(t, call(ctx, ctr, http.MethodPut, queues+"failed", map[string]any{}, nil))
	require.NoError(t, call(ctx, ctr, http.MethodPut, queues+"pushed", map[string]any{"queue": map[string]any{
		"type": "multicast",
		"push": map[string]any{"retries": 1, "retries_delay": 3, "error_queue": "failed",
			"subscribers": []map[string]string{{"name": "down", "url": "http://127.0.0.1:1/hook"}}},
	}}, nil))
	require.NoError(t, call(ctx, ctr, http.MethodPost, queues+"pushed/messages",
		map[string]any{"messages": []map[string]string{{"body": "hello"}}}, nil))

	start := time.Now()
	require.NoError(t, ctr.WaitIdle(ctx, time.Minute))
	var got struct {
		Messages []struct {
			Body string `json:"body"`
		} `json:"messages"`
	}
	require.NoError(t, call(ctx, ctr, http.MethodGet, queues+"failed/messages", nil, &got))
	require.Len(t, got.Messages, 1, "the failure is in the error queue when WaitIdle returns (after %s)", time.Since(start))
	require.Contains(t, got.Messages[0].Body, `"source_msg_id"`)
}

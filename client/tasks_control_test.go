package client_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

func waitTask(t *testing.T, c *client.Client, id string, want client.TaskStatus) {
	t.Helper()
	require.Eventually(t, func() bool {
		got, err := c.Task(ctxT(t), id)
		return err == nil && got.Status == want
	}, wait, 10*time.Millisecond, "task %s: want %s", id, want)
}

func TestLiveTaskLog(t *testing.T) {
	c, _ := newClient(t, func(o *server.Options) { o.LiveLogs = false })
	ctx := ctxT(t)
	dir := t.TempDir()
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "wait", Image: "x/y",
		Command: `echo before; while [ ! -f '` + dir + `/go' ]; do sleep 0.05; done; echo after; true`})
	require.NoError(t, err)
	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "wait"})
	require.NoError(t, err)

	require.Eventually(t, func() bool {
		l, err := c.LiveTaskLog(ctx, id)
		return err == nil && l.Log == "before\n"
	}, wait, 10*time.Millisecond, "the log so far, while the task runs")
	l, err := c.LiveTaskLog(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.LiveLog{Log: "before\n", Size: 7, Status: client.TaskRunning}, l)
	_, err = c.TaskLog(ctx, id)
	require.True(t, client.IsNotFound(err), "the Iron route: 404 until the task ends")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "go"), nil, 0o600))
	waitTask(t, c, id, client.TaskComplete)
	l, err = c.LiveTaskLog(ctx, id)
	require.NoError(t, err)
	require.Equal(t, client.LiveLog{Log: "before\nafter\n", Size: 13, Status: client.TaskComplete}, l)

	_, err = c.LiveTaskLog(ctx, "000000000000000000000000")
	require.True(t, client.IsNotFound(err))
}

func TestBulkTasks(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "fails", Image: "x/y", Command: "exit 2"})
	require.NoError(t, err)
	var ids []string
	for range 3 {
		id, err := c.QueueTask(ctx, client.NewTask{CodeName: "fails", Label: "batch-7"})
		require.NoError(t, err)
		waitTask(t, c, id, client.TaskError)
		ids = append(ids, id)
	}
	f := client.BulkFilter{CodeName: "fails", Statuses: []client.TaskStatus{client.TaskError}, Label: "batch-7"}
	res, err := c.BulkTasks(ctx, client.BulkRetry, f, true)
	require.NoError(t, err)
	require.Equal(t, client.BulkResult{Matched: 3, Eligible: 3, DryRun: true}, res)
	res, err = c.BulkTasks(ctx, client.BulkRetry, f, false)
	require.NoError(t, err)
	require.Equal(t, client.BulkResult{Matched: 3, Eligible: 3, Done: 3}, res)
	for _, id := range ids {
		got, err := c.Task(ctx, id)
		require.NoError(t, err)
		require.NotEmpty(t, got.RetryTaskID)
	}
	future := time.Now().Add(time.Hour)
	res, err = c.BulkTasks(ctx, client.BulkCancel, client.BulkFilter{From: &future}, true)
	require.NoError(t, err)
	require.Zero(t, res.Matched, "nothing was created after from_time")

	_, err = c.BulkTasks(ctx, "drop", client.BulkFilter{}, true)
	require.Equal(t, 400, client.StatusOf(err))
}

// TestTaskActivity runs a task on the process runtime whose command calls
// ironlocal with curl and its own $IRON_TOKEN, as a worker would: what it
// did is listed against it.
func TestTaskActivity(t *testing.T) {
	curl := testtool.Need(t, "curl")
	c, _ := newClient(t)
	ctx := ctxT(t)
	script := filepath.Join(t.TempDir(), "act.sh")
	require.NoError(t, os.WriteFile(script, []byte(`set -e
base="$IRON_SCHEME://$IRON_HOST:$IRON_PORT"
auth="Authorization: OAuth $IRON_TOKEN"
`+curl+` -sf -H "$auth" -H 'Content-Type: application/json' -d '{"messages":[{"body":"hi"}]}' "$base/3/projects/$IRON_PROJECT_ID/queues/done/messages"
`+curl+` -sf -X PUT -H "$auth" -H 'Content-Type: application/json' -d '{"value":"42"}' "$base/1/projects/$IRON_PROJECT_ID/caches/results/items/answer"
`), 0o600))
	_, err := c.RegisterCode(ctx, client.NewCode{Name: "act", Image: "x/y", Command: "sh " + script})
	require.NoError(t, err)
	id, err := c.QueueTask(ctx, client.NewTask{CodeName: "act"})
	require.NoError(t, err)
	waitTask(t, c, id, client.TaskComplete)

	got, err := c.TaskActivity(ctx, id)
	require.NoError(t, err)
	require.Len(t, got, 2, "%+v", got)
	msgs, err := c.Peek(ctx, "done", 10)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	post, put := got[0], got[1]
	require.Equal(t, client.ActivityMessagePost, post.Kind)
	require.Equal(t, "done", post.Queue)
	require.Equal(t, []string{msgs[0].ID}, post.MessageIDs)
	require.Equal(t, 201, post.Status)
	require.Equal(t, client.ActivityCachePut, put.Kind)
	require.Equal(t, "results", put.Cache)
	require.Equal(t, "answer", put.Key)
	require.Equal(t, "PUT", put.Method)
	require.Equal(t, "/1/projects/"+client.DefaultProject+"/caches/results/items/answer", put.Path)

	_, err = c.TaskActivity(ctx, "000000000000000000000000")
	require.True(t, client.IsNotFound(err))
}

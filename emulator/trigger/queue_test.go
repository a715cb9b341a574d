package trigger_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/mq"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// partial fails the message whose body is "bad" the first time it is
// received, through a partial batch failure answer.
const partial = `id=$(sed 's/"attributes"/\n/g' "$PAYLOAD_FILE" | grep '"ApproximateReceiveCount":"1".*"body":"bad"' | ` +
	`sed 's/.*"messageId":"\([0-9]*\)".*/\1/'); ` +
	`echo "processing"; ` +
	`if [ -n "$id" ]; then printf '{"batchItemFailures":[{"itemIdentifier":"%s"}]}\n' "$id"; ` +
	`else echo '{"batchItemFailures":[]}'; fi; :`

type sqsBatch struct {
	Records []struct {
		MessageID     string `json:"messageId"`
		ReceiptHandle string `json:"receiptHandle"`
		Body          string `json:"body"`
		Attributes    struct {
			ApproximateReceiveCount string `json:"ApproximateReceiveCount"`
		} `json:"attributes"`
		EventSource string `json:"eventSource"`
	} `json:"Records"`
}

func TestQueue_EventSourceMapping(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "queue")}}, "queue")
	shellCode(t, srv, "batch", partial)
	_, err := srv.MQ().PostMessages(ctx, project, "orders", []mq.NewMessage{{Body: "ok1"}, {Body: "bad"}, {Body: "ok2"}, {Body: "ok3"}})
	require.NoError(t, err)

	_, err = srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "queue",
		Config: json.RawMessage(`{"queue":"orders","batch_size":4,"batching_window_ms":300,"report_batch_item_failures":true}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "batch"}})
	require.NoError(t, err)

	tasks := finishedTasks(t, srv, "batch", 2)
	var batches []sqsBatch
	for i := len(tasks) - 1; i >= 0; i-- { // oldest first
		var b sqsBatch
		require.NoError(t, json.Unmarshal([]byte(tasks[i].Payload), &b))
		batches = append(batches, b)
		require.Equal(t, emulator.TaskComplete, tasks[i].Status)
	}
	require.Len(t, batches, 2)
	var first []string
	for _, r := range batches[0].Records {
		first = append(first, r.Body)
		require.Equal(t, "1", r.Attributes.ApproximateReceiveCount)
		require.Equal(t, "ironlocal:mq", r.EventSource)
		require.NotEmpty(t, r.ReceiptHandle)
	}
	require.Equal(t, []string{"ok1", "bad", "ok2", "ok3"}, first, "one task for the whole batch")
	require.Len(t, batches[1].Records, 1, "only the failed item came back")
	require.Equal(t, "bad", batches[1].Records[0].Body)
	require.Equal(t, "2", batches[1].Records[0].Attributes.ApproximateReceiveCount)

	// Every message was deleted once its task succeeded.
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		q, err := srv.MQ().GetQueue(ctx, project, "orders")
		if assert.NoError(c, err) {
			assert.Zero(c, q.Size, "queue size")
		}
	}, 10*time.Second, 20*time.Millisecond)
}

func TestQueue_FailedTaskReleasesTheBatch(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "queue")}}, "queue")
	// The task fails on a batch's first delivery and succeeds on the next.
	shellCode(t, srv, "flaky", `grep -q '"ApproximateReceiveCount":"1"' "$PAYLOAD_FILE" && exit 1; :`)
	_, err := srv.MQ().PostMessages(ctx, project, "jobs", []mq.NewMessage{{Body: "a"}, {Body: "b"}})
	require.NoError(t, err)
	_, err = srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "queue",
		Config: json.RawMessage(`{"queue":"jobs","batch_size":2}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "flaky"}})
	require.NoError(t, err)
	tasks := finishedTasks(t, srv, "flaky", 2)
	statuses := map[emulator.TaskStatus]int{}
	for _, tk := range tasks {
		statuses[tk.Status]++
	}
	require.Equal(t, 1, statuses[emulator.TaskError], "the first delivery failed")
	require.Equal(t, 1, statuses[emulator.TaskComplete], "the released batch came back and succeeded")
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		q, err := srv.MQ().GetQueue(ctx, project, "jobs")
		if assert.NoError(c, err) {
			assert.Zero(c, q.Size, "queue size")
		}
	}, 10*time.Second, 20*time.Millisecond)
}

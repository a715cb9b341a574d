// Package queuetrigger is ironlocal's event source mapping plugin: it reads an
// ironlocal queue in batches (1–100 messages, an optional batching window),
// queues one task per batch with an SQS-shaped event, deletes the batch
// when the task completes and releases it when the task fails (so the
// queue's dead-letter settings apply). With report_batch_item_failures the
// task may answer {"batchItemFailures":[{"itemIdentifier":"<id>"}]} to
// release only those messages. It uses only the public SDK.
package queuetrigger

import "github.com/ironlocal/ironlocal/plugins/sdk"

// New returns the plugin, for sdk.Serve.
func New() sdk.Trigger { return &trigger{} }

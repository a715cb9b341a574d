package queuetrigger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/plugins/sdk"
)

const eventType = "ironmq:messages"

// config is a binding's config.
type config struct {
	Queue string `json:"queue"`
	// BatchSize is the most messages per task (1–100, default 10).
	BatchSize int `json:"batch_size"`
	// BatchingWindowMS is how long to gather a fuller batch once the first
	// message arrived (default 0: take what is there).
	BatchingWindowMS int `json:"batching_window_ms"`
	// VisibilityTimeout is the reservation timeout in seconds (0: the
	// queue's message_timeout); keep it above the task's run time.
	VisibilityTimeout int `json:"visibility_timeout"`
	// ReportBatchItemFailures makes the task's output decide which
	// messages failed ({"batchItemFailures":[{"itemIdentifier":…}]}).
	ReportBatchItemFailures bool `json:"report_batch_item_failures"`
}

const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["queue"],
  "additionalProperties": false,
  "properties": {
    "queue": {"type": "string", "minLength": 1, "description": "the ironlocal queue to read"},
    "batch_size": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
    "batching_window_ms": {"type": "integer", "minimum": 0, "maximum": 300000, "default": 0},
    "visibility_timeout": {"type": "integer", "minimum": 0, "maximum": 86400, "default": 0},
    "report_batch_item_failures": {"type": "boolean", "default": false}
  }
}`

func parseConfig(raw []byte) (config, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("%w: %v", sdk.ErrInvalid, err)
	}
	if c.Queue == "" {
		return c, fmt.Errorf("%w: queue is required", sdk.ErrInvalid)
	}
	if c.BatchSize == 0 {
		c.BatchSize = 10
	}
	if c.BatchSize < 1 || c.BatchSize > 100 {
		return c, fmt.Errorf("%w: batch_size %d: want 1 to 100", sdk.ErrInvalid, c.BatchSize)
	}
	if c.BatchingWindowMS < 0 || c.VisibilityTimeout < 0 {
		return c, fmt.Errorf("%w: batching_window_ms and visibility_timeout must not be negative", sdk.ErrInvalid)
	}
	return c, nil
}

type trigger struct{}

func (*trigger) Info(context.Context) (sdk.Info, error) {
	sample, _ := json.Marshal(batchEvent("000000000000000000000001", "orders", []sdk.Message{
		{ID: "1", Body: `{"order":1}`, ReservationID: "sample-reservation-1", ReservedCount: 1},
		{ID: "2", Body: `{"order":2}`, ReservationID: "sample-reservation-2", ReservedCount: 1}}))
	return sdk.Info{
		Name: "queue", Version: version,
		Description:  "Event source mapping: batches of an ironlocal queue's messages → one task each, deleted on success, released on failure, partial batch failures",
		EventTypes:   []string{eventType},
		ConfigSchema: json.RawMessage(schema),
		Samples:      []sdk.Sample{{Name: "two messages", EventType: eventType, Payload: sample}},
	}, nil
}

func (*trigger) Validate(_ context.Context, raw json.RawMessage) error {
	_, err := parseConfig(raw)
	return err
}

// Run reads the queue until ctx ends.
func (*trigger) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	c, err := parseConfig(b.Config)
	if err != nil {
		return err
	}
	if b.Action != sdk.ActionTask {
		return fmt.Errorf("the queue plugin runs a task per batch: the binding needs a task action, not %q", b.Action)
	}
	_ = host.SetStatus(ctx, fmt.Sprintf("reading queue %s in batches of up to %d", c.Queue, c.BatchSize),
		map[string]string{"queue": c.Queue})
	m := &mapping{cfg: c, host: host, emit: emit, project: b.ProjectID}
	pause := time.Duration(0)
	for ctx.Err() == nil {
		if pause > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(pause):
			}
		}
		batch, err := m.gather(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			pause = min(max(2*pause, 200*time.Millisecond), 5*time.Second)
			sdk.Log.Warn("reserve", "queue", c.Queue, "err", err)
			_ = host.SetStatus(ctx, fmt.Sprintf("cannot read queue %s: %v", c.Queue, err), map[string]string{"queue": c.Queue})
			continue
		}
		pause = 0
		if len(batch) == 0 {
			continue
		}
		if err := m.process(ctx, batch); err != nil && ctx.Err() == nil {
			sdk.Log.Warn("batch", "queue", c.Queue, "err", err)
			pause = time.Second // a failing action: do not spin on the same messages
		}
	}
	return nil
}

type mapping struct {
	cfg     config
	host    sdk.Host
	emit    sdk.Emitter
	project string
}

// gather reserves a batch: it waits up to 5 s for a first message, then
// for up to the batching window for more.
func (m *mapping) gather(ctx context.Context) ([]sdk.Message, error) {
	batch, err := m.host.Reserve(ctx, m.cfg.Queue, m.cfg.BatchSize, m.cfg.VisibilityTimeout, 5)
	if err != nil || len(batch) == 0 || m.cfg.BatchingWindowMS == 0 {
		return batch, err
	}
	deadline := time.Now().Add(time.Duration(m.cfg.BatchingWindowMS) * time.Millisecond)
	for len(batch) < m.cfg.BatchSize {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		wctx, cancel := context.WithTimeout(ctx, left)
		more, err := m.host.Reserve(wctx, m.cfg.Queue, m.cfg.BatchSize-len(batch), m.cfg.VisibilityTimeout,
			int((left+time.Second-1)/time.Second))
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				break // the window closed during the wait
			}
			m.releaseAll(context.WithoutCancel(ctx), batch)
			return nil, err
		}
		batch = append(batch, more...)
	}
	return batch, nil
}

// process queues one task for the batch and settles the batch by its result.
func (m *mapping) process(ctx context.Context, batch []sdk.Message) error {
	payload, err := json.Marshal(batchEvent(m.project, m.cfg.Queue, batch))
	if err != nil {
		return err
	}
	out, err := m.emit.EmitWait(ctx, sdk.Event{Type: eventType, Payload: payload,
		Attrs: map[string]string{"queue": m.cfg.Queue, "messages": strconv.Itoa(len(batch))}})
	if err != nil {
		m.releaseAll(context.WithoutCancel(ctx), batch)
		return err
	}
	if out.Outcome != sdk.OutcomeMatched || out.TaskID == "" {
		m.releaseAll(context.WithoutCancel(ctx), batch)
		return fmt.Errorf("no task for the batch: %s", out.Reason)
	}
	res, err := m.host.WaitTask(ctx, out.TaskID)
	if err != nil || !res.Done {
		m.releaseAll(context.WithoutCancel(ctx), batch)
		return fmt.Errorf("wait for task %s: %v", out.TaskID, err)
	}
	settle := context.WithoutCancel(ctx)
	if !res.Succeeded() {
		m.releaseAll(settle, batch)
		return nil
	}
	failed, ok := map[string]bool{}, true
	if m.cfg.ReportBatchItemFailures {
		failed, ok = batchItemFailures(res.Output, batch)
	}
	if !ok { // an identifier that is not in the batch fails the whole batch
		m.releaseAll(settle, batch)
		return nil
	}
	var done []sdk.MessageRef
	for _, msg := range batch {
		if failed[msg.ID] {
			m.release(settle, msg)
		} else {
			done = append(done, msg.Ref())
		}
	}
	if len(done) > 0 {
		if err := m.host.Delete(settle, m.cfg.Queue, done...); err != nil {
			return fmt.Errorf("delete the batch's messages (did the reservation expire before task %s finished?): %w", out.TaskID, err)
		}
	}
	return nil
}

func (m *mapping) releaseAll(ctx context.Context, batch []sdk.Message) {
	for _, msg := range batch {
		m.release(ctx, msg)
	}
}

func (m *mapping) release(ctx context.Context, msg sdk.Message) {
	if err := m.host.Release(ctx, m.cfg.Queue, msg.Ref(), 0); err != nil {
		sdk.Log.Warn("release", "queue", m.cfg.Queue, "message", msg.ID, "err", err)
	}
}

// batchItemFailures reads the task's answer. An empty or non-JSON answer
// is a full success; ok is false when an identifier is not in the batch.
func batchItemFailures(output []byte, batch []sdk.Message) (failed map[string]bool, ok bool) {
	failed = map[string]bool{}
	answer := lastJSON(output)
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier any `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if len(answer) == 0 || json.Unmarshal(answer, &resp) != nil {
		return failed, true
	}
	in := map[string]bool{}
	for _, m := range batch {
		in[m.ID] = true
	}
	for _, f := range resp.BatchItemFailures {
		id := fmt.Sprint(f.ItemIdentifier)
		if f.ItemIdentifier == nil || !in[id] {
			return nil, false
		}
		failed[id] = true
	}
	return failed, true
}

// lastJSON is the whole output if it is JSON, else its last JSON line.
func lastJSON(out []byte) []byte {
	out = bytes.TrimSpace(out)
	if json.Valid(out) {
		return out
	}
	lines := bytes.Split(out, []byte("\n"))
	for i := len(lines) - 1; i >= 0; i-- {
		if l := bytes.TrimSpace(lines[i]); json.Valid(l) {
			return l
		}
	}
	return nil
}

// batchEvent is the task's payload: SQS's event source mapping shape.
func batchEvent(project, queue string, batch []sdk.Message) map[string]any {
	records := make([]any, len(batch))
	for i, m := range batch {
		records[i] = map[string]any{
			"messageId": m.ID, "receiptHandle": m.ReservationID, "body": m.Body,
			"attributes":        map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.ReservedCount)},
			"messageAttributes": map[string]any{},
			"eventSource":       "ironlocal:mq",
			"eventSourceARN":    "arn:ironlocal:mq:local:" + project + ":" + queue,
			"awsRegion":         "local",
		}
	}
	return map[string]any{"Records": records}
}

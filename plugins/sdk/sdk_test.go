package sdk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/plugins/sdk"
	"github.com/ironlocal/ironlocal/plugins/sdk/sdktest"
)

// echo emits one event per line of its config's "lines", then exercises the
// host API and reports what it saw through SetStatus.
type echo struct{}

func (echo) Info(context.Context) (sdk.Info, error) {
	return sdk.Info{Name: "echo", Version: "1.0.0", EventTypes: []string{"echo"},
		ConfigSchema: json.RawMessage(`{"type":"object"}`),
		Samples:      []sdk.Sample{{Name: "hello", EventType: "echo", Payload: json.RawMessage(`{"line":"hello"}`)}}}, nil
}

func (echo) Validate(_ context.Context, config json.RawMessage) error {
	var c struct{ Lines []string }
	if err := json.Unmarshal(config, &c); err != nil || len(c.Lines) == 0 {
		return fmt.Errorf("%w: lines: need at least one line", sdk.ErrInvalid)
	}
	return nil
}

func (echo) Run(ctx context.Context, b sdk.Binding, host sdk.Host, emit sdk.Emitter) error {
	var c struct{ Lines []string }
	if err := json.Unmarshal(b.Config, &c); err != nil {
		return err
	}
	for i, l := range c.Lines {
		ev := sdk.Event{Type: "echo", Payload: []byte(l)}
		if l == "skip" {
			ev.Filtered = "line is skip"
		}
		o, err := emit.EmitWait(ctx, ev)
		if err != nil {
			return err
		}
		if _, err := host.PostMessages(ctx, "seen", fmt.Sprintf("%d:%s:%s", i, o.Outcome, o.TaskID)); err != nil {
			return err
		}
	}
	_, err := host.CacheGet(ctx, "c", "missing")
	res, werr := host.WaitTask(ctx, "task-1")
	if werr != nil {
		return werr
	}
	if err := host.SetStatus(ctx, "done", map[string]string{"not_found": fmt.Sprint(errors.Is(err, sdk.ErrNotFound)),
		"task": fmt.Sprintf("%s %s %v %q %q", res.TaskID, res.Status, res.Succeeded(), res.Output, res.Log)}); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

func TestTrigger_OverGRPC(t *testing.T) {
	h := sdktest.New(t, echo{})
	h.Host.Result = func(id string) sdk.TaskResult {
		return sdk.TaskResult{TaskID: id, Status: "complete", Done: true, Output: []byte("out"), Log: []byte("out+err")}
	}
	ctx := context.Background()

	t.Run("info", func(t *testing.T) {
		info, err := h.Client.Info(ctx)
		require.NoError(t, err)
		require.Equal(t, "echo", info.Name)
		require.Equal(t, []string{"echo"}, info.EventTypes)
		require.JSONEq(t, `{"type":"object"}`, string(info.ConfigSchema))
		require.Len(t, info.Samples, 1)
		require.JSONEq(t, `{"line":"hello"}`, string(info.Samples[0].Payload))
	})
	t.Run("validate", func(t *testing.T) {
		require.NoError(t, h.Client.Validate(ctx, []byte(`{"lines":["a"]}`)))
		err := h.Client.Validate(ctx, []byte(`{}`))
		require.ErrorIs(t, err, sdk.ErrInvalid)
		require.Contains(t, err.Error(), "lines: need at least one line")
	})
	t.Run("run", func(t *testing.T) {
		run := h.Run(t, sdk.Binding{ID: "b1", Config: []byte(`{"lines":["a","skip","b"]}`), Action: sdk.ActionTask})
		var got []sdk.Event
		for range 3 {
			got = append(got, run.Next(t, 5*time.Second))
		}
		require.Equal(t, "a", string(got[0].Payload))
		require.NotEmpty(t, got[0].ID)
		require.False(t, got[0].At.IsZero())
		require.Equal(t, "line is skip", got[1].Filtered)
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			status, attrs := h.Host.Status()
			assert.Equal(c, "done", status)
			assert.Equal(c, "true", attrs["not_found"])
			assert.Equal(c, `task-1 complete true "out" "out+err"`, attrs["task"])
		}, 5*time.Second, 10*time.Millisecond)
		var bodies []string
		for _, m := range h.Host.Queue("seen") {
			bodies = append(bodies, m.Body)
		}
		require.Equal(t, []string{"0:matched:task-1", "1:filtered:", "2:matched:task-2"}, bodies)
		require.NoError(t, run.Stop())
	})
	t.Run("run error", func(t *testing.T) {
		run := h.Run(t, sdk.Binding{ID: "b2", Config: []byte(`not json`)})
		<-run.Done()
		err := run.Stop()
		require.Error(t, err)
		require.Contains(t, err.Error(), "invalid character")
	})
}

package tcironlocal_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestContainer_Trigger: the image ships the built-in plugins; WithTrigger
// binds the http plugin (published port) to a queue, and a request becomes
// a message.
// A binding made right after Run, while the image's trigger plugins may
// still be starting, waits for its plugin instead of being refused with
// 503 "still starting" (the emulator answers before its plugins are up).
func TestContainer_BindingRightAfterRun(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	cl, err := ctr.Client(ctx)
	require.NoError(t, err)
	_, err = cl.CreateTrigger(ctx, client.NewTrigger{Name: "first", Plugin: "http",
		Config: json.RawMessage(`{"listen":"127.0.0.1:0","routes":[{"method":"POST","path":"/x"}]}`),
		Action: client.TriggerAction{Type: "message", Queue: "x"}})
	require.NoError(t, err, "the first binding after Run")
}

func TestContainer_Trigger(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"),
		testcontainers.WithExposedPorts("8080/tcp"),
		tcironlocal.WithTrigger(tcironlocal.Trigger{Name: "orders", Plugin: "http",
			Config: json.RawMessage(`{"listen":"0.0.0.0:8080","routes":[{"method":"POST","path":"/orders"}]}`),
			Action: client.TriggerAction{Type: "message", Queue: "orders"}}))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	id := ctr.TriggerID("orders")
	require.NotEmpty(t, id)

	cl, err := ctr.Client(ctx)
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		plugins, err := cl.TriggerPlugins(ctx)
		if !assert.NoError(c, err) {
			return
		}
		running := map[string]bool{}
		for _, p := range plugins {
			running[p.Name] = p.State == "running"
		}
		assert.Equal(c, map[string]bool{"upload": true, "http": true, "redis": true, "queue": true}, running)
	}, time.Minute, 50*time.Millisecond)

	ep, err := ctr.PortEndpoint(ctx, "8080/tcp", "http")
	require.NoError(t, err)
	resp, err := http.Post(ep+"/orders", "application/json", strings.NewReader(`{"sku":"A-1"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusAccepted, resp.StatusCode, string(body))

	msgs, err := cl.Peek(ctx, "orders", 1)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	var ev struct {
		HTTPMethod string `json:"httpMethod"`
		Body       string `json:"body"`
	}
	require.NoError(t, json.Unmarshal([]byte(msgs[0].Body), &ev))
	require.Equal(t, "POST", ev.HTTPMethod)
	require.Equal(t, `{"sku":"A-1"}`, ev.Body)

	events, err := cl.TriggerEvents(ctx, id, 0)
	require.NoError(t, err)
	require.Len(t, events, 1)
	require.Equal(t, "matched", events[0].Outcome)
}

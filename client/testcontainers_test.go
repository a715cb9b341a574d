package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// oneContainer is an engine holding one kept test container.
type oneContainer struct{ removed []string }

func (f *oneContainer) List(context.Context) ([]emulator.TestContainer, error) {
	return []emulator.TestContainer{{ID: "c1", Name: "calm_euler", Test: "TestOrders", State: "running",
		StartedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), URL: "http://127.0.0.1:32768", Token: "secret",
		KeepOnFailure: true, Kept: true, KeptAt: time.Date(2025, 3, 1, 10, 1, 0, 0, time.UTC)}}, nil
}

func (f *oneContainer) Remove(_ context.Context, id string) error {
	if id != "c1" {
		return emulator.Forbidden("not a test container")
	}
	f.removed = append(f.removed, id)
	return nil
}

func TestClient_TestContainers(t *testing.T) {
	fake := &oneContainer{}
	c, _ := newClient(t, func(o *server.Options) { o.TestContainers = fake })
	ctx := ctxT(t)

	list, err := c.TestContainers(ctx)
	require.NoError(t, err)
	keptAt := time.Date(2025, 3, 1, 10, 1, 0, 0, time.UTC)
	require.Equal(t, []client.TestContainer{{ID: "c1", Name: "calm_euler", Test: "TestOrders", State: "running",
		StartedAt: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC), URL: "http://127.0.0.1:32768", Token: "secret",
		KeepOnFailure: true, Kept: true, KeptAt: &keptAt}}, list)

	attached, err := client.AttachTestContainer(list[0])
	require.NoError(t, err)
	require.Equal(t, "http://127.0.0.1:32768", attached.URL())
	require.Equal(t, "secret", attached.Token())

	require.NoError(t, c.RemoveTestContainer(ctx, "c1"))
	require.Equal(t, []string{"c1"}, fake.removed)
	require.Equal(t, http.StatusForbidden, client.StatusOf(c.RemoveTestContainer(ctx, "postgres")))
}

func TestClient_Inspect(t *testing.T) {
	c, _ := newClient(t)
	ctx := ctxT(t)

	p, err := c.PauseInspect(ctx, "TestOrders")
	require.NoError(t, err)
	require.Equal(t, "TestOrders", p.Test)
	paused, err := c.PausedTests(ctx)
	require.NoError(t, err)
	require.Equal(t, []client.PausedTest{p}, paused)

	ok, err := c.WaitInspectResumed(ctx, p.ID, 0)
	require.NoError(t, err)
	require.False(t, ok, "still paused")

	waited := make(chan bool, 1)
	go func() {
		ok, err := c.WaitInspectResumed(ctx, p.ID, time.Minute)
		waited <- ok && err == nil
	}()
	resumed, err := c.ResumeInspect(ctx, "")
	require.NoError(t, err)
	require.Equal(t, []client.PausedTest{p}, resumed)
	require.True(t, <-waited)

	_, err = c.ResumeInspect(ctx, "99")
	require.True(t, client.IsNotFound(err), "%v", err)
}

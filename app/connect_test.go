package app

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
)

// fakeEngine is a Docker engine holding a fixed list of test containers
// (server.Options.TestContainers), recording what was removed.
type fakeEngine struct {
	mu      sync.Mutex
	list    []emulator.TestContainer
	removed []string
}

func (f *fakeEngine) List(context.Context) ([]emulator.TestContainer, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]emulator.TestContainer(nil), f.list...), nil
}

func (f *fakeEngine) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, c := range f.list {
		if c.ID == id {
			f.list = append(f.list[:i], f.list[i+1:]...)
			f.removed = append(f.removed, id)
			return nil
		}
	}
	return emulator.NotFound("No container " + id)
}

func (f *fakeEngine) removedIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.removed...)
}

// TestConnect_AttachToTestContainerAndBack: the picker lists the test
// containers the embedded emulator finds (their URLs reach a second real
// emulator, strict, so the listed token matters); choosing one attaches
// the whole window to it, Back returns, Remove removes a kept one.
func TestConnect_AttachToTestContainerAndBack(t *testing.T) {
	ctx := context.Background()
	other := server.RunT(t, server.Options{Runtime: "process", Tokens: []string{"ctr-secret"}})
	oc, err := client.New(other.URL(), "ctr-secret")
	require.NoError(t, err)
	_, err = oc.PostMessages(ctx, "only-in-the-container", client.NewMessage{Body: "left by the test"})
	require.NoError(t, err)

	started := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	keptAt := started.Add(30 * time.Second)
	engine := &fakeEngine{list: []emulator.TestContainer{
		{ID: "c2", Name: "busy_kepler", Test: "TestOrders/fails", StartedAt: started, State: "running", URL: other.URL(),
			Token: "ctr-secret", KeepOnFailure: true, Kept: true, KeptAt: keptAt},
		{ID: "c1", Name: "calm_euler", Test: "TestOrders/with_a_rather_long_subtest_name", StartedAt: started, State: "running", URL: other.URL(),
			Token: "ctr-secret"},
		{ID: "c0", Name: "old_turing", Test: "TestStale", StartedAt: started, State: "running", URL: other.URL(),
			Token: "a-stale-token"},
	}}
	u := newTestUI(t, server.Options{TestContainers: engine})
	home := u.srv.URL()
	_, err = u.c.PostMessages(ctx, "only-at-home", client.NewMessage{Body: "x"})
	require.NoError(t, err)
	u.eventually(t, "home's queue listed", func() bool { _, ok := u.queues.queue("only-at-home"); return ok })

	u.locked(func() { test.Tap(u.conn.button) })
	u.eventually(t, "the containers listed", func() bool { return len(u.conn.rowByID) == 3 })
	u.locked(func() { test.Tap(u.conn.rowByID["c0"].attach) })
	u.eventually(t, "a refused token says so", func() bool {
		return strings.HasPrefix(u.lastNotice(), "Could not attach to TestStale: ")
	})
	u.locked(func() { require.Equal(t, home, u.be.Client.URL(), "and the window stays where it was") })
	u.locked(func() {
		require.True(t, u.conn.pickerOpen())
		require.NotNil(t, u.conn.rowByID["c2"].kept, "the kept one says so")
		require.NotNil(t, u.conn.rowByID["c2"].remove, "and can be removed")
		require.Nil(t, u.conn.rowByID["c1"].kept)
		require.Nil(t, u.conn.rowByID["c1"].remove, "a running test's container is not offered for removal")
		require.True(t, u.conn.back.Disabled(), "the window is home already")
		require.Contains(t, u.conn.homeText.Text, "embedded emulator at "+home)
		test.Tap(u.conn.rowByID["c1"].attach)
	})
	u.eventually(t, "attached to the container, its queues shown", func() bool {
		_, theirs := u.queues.queue("only-in-the-container")
		_, ours := u.queues.queue("only-at-home")
		return u.be.Client.URL() == other.URL() && u.connected && theirs && !ours
	})
	u.locked(func() {
		require.False(t, u.conn.pickerOpen(), "choosing closes the picker")
		require.Equal(t, "ctr-secret", u.be.Client.Token(), "the token came from the listing")
		require.Equal(t, "test TestOrders/with_a_rat… · connected", u.shell.conn.Text)
		require.Equal(t, other.URL(), u.shell.addr.Text)
		require.Equal(t, "ironlocal — "+other.URL(), u.win.Title())
		require.LessOrEqual(t, u.win.Content().MinSize().Width, float32(1280), "a long test name does not widen the window")
	})

	// Live on the new connection: a message posted there shows.
	_, err = oc.PostMessages(ctx, "posted-while-attached", client.NewMessage{Body: "y"})
	require.NoError(t, err)
	u.eventually(t, "the container's events reach the window", func() bool {
		_, ok := u.queues.queue("posted-while-attached")
		return ok
	})

	u.locked(func() {
		test.Tap(u.conn.button)
		require.False(t, u.conn.back.Disabled())
		test.Tap(u.conn.back)
	})
	u.eventually(t, "back on the embedded emulator", func() bool {
		_, ours := u.queues.queue("only-at-home")
		_, theirs := u.queues.queue("only-in-the-container")
		return u.be.Client.URL() == home && u.connected && ours && !theirs
	})
	u.locked(func() { require.Equal(t, "embedded · connected", u.shell.conn.Text) })

	u.locked(func() { test.Tap(u.conn.button) })
	u.eventually(t, "listed again", func() bool { return u.conn.rowByID["c2"] != nil })
	u.locked(func() {
		test.Tap(u.conn.rowByID["c2"].remove)
		answerConfirm(t, u, "Yes")
	})
	u.eventually(t, "removed, and gone from the list", func() bool {
		return len(engine.removedIDs()) == 1 && u.conn.rowByID["c2"] == nil && len(u.conn.rowByID) == 2
	})
	require.Equal(t, []string{"c2"}, engine.removedIDs())
}

// TestConnect_NoEngineSaysSo: without a Docker engine the picker says so
// (the route's 503) instead of an empty list.
func TestConnect_NoEngineSaysSo(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-docker.sock"))
	u := newTestUI(t, server.Options{})
	u.locked(func() { test.Tap(u.conn.button) })
	u.eventually(t, "the picker says no engine answers", func() bool {
		return strings.HasPrefix(u.conn.status.Text, "No Docker engine answers")
	})
	u.locked(func() { require.Empty(t, u.conn.rowByID) })
}

// TestInspect_PausedTestBarResumes: a test paused on the connected
// emulator shows the bar; Resume test resumes it and the bar goes.
func TestInspect_PausedTestBarResumes(t *testing.T) {
	ctx := context.Background()
	u := newTestUI(t, server.Options{})
	u.locked(func() { require.False(t, u.inspect.root.Visible()) })
	p, err := u.c.PauseInspect(ctx, "TestOrders")
	require.NoError(t, err)
	u.eventually(t, "the bar shows", func() bool {
		return u.inspect.root.Visible() && u.inspect.text.Text == "Test TestOrders is paused for a look"
	})
	resumed := make(chan bool, 1)
	go func() {
		ok, err := u.c.WaitInspectResumed(ctx, p.ID, waitFor)
		if err != nil {
			t.Error(err)
		}
		resumed <- ok
	}()
	u.locked(func() { test.Tap(u.inspect.resume) })
	require.True(t, <-resumed, "Resume test resumes the test")
	u.eventually(t, "the bar goes", func() bool { return !u.inspect.root.Visible() })
}

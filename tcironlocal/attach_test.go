package tcironlocal_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/tcironlocal"
)

// lines is a testcontainers logger that keeps what it is given.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.l = append(l.l, fmt.Sprintf(format, v...))
}

func (l *lines) matching(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, s := range l.l {
		if strings.Contains(s, sub) {
			out = append(out, s)
		}
	}
	return out
}

// fakeTB is a test that fails when told, without failing this one.
type fakeTB struct {
	name   string
	failed bool
}

func (f *fakeTB) Name() string { return f.name }
func (f *fakeTB) Failed() bool { return f.failed }

// theApp is what the desktop app does: an emulator on this host, whose
// control plane lists the test containers on the Docker engine.
func theApp(t *testing.T) *client.Client {
	srv := server.RunT(t, server.Options{Runtime: "process"})
	c, err := client.New(srv.URL(), "local-token")
	require.NoError(t, err)
	return c
}

func find(t *testing.T, app *client.Client, id string) (client.TestContainer, bool) {
	t.Helper()
	list, err := app.TestContainers(context.Background())
	require.NoError(t, err)
	for _, c := range list {
		if c.ID == id {
			return c, true
		}
	}
	return client.TestContainer{}, false
}

// TestContainer_AttachFromTheApp: Run logs the attach command; the app
// lists the container with its test name and token and attaches to it;
// Breakpoint blocks the test until the app resumes it; a passing test's
// container is removed as usual.
func TestContainer_AttachFromTheApp(t *testing.T) {
	t.Setenv("IRONLOCAL_INSPECT", "1")
	ctx := context.Background()
	log := &lines{}
	test := &fakeTB{name: t.Name()}
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"),
		tcironlocal.WithKeepOnFailure(test), testcontainers.WithLogger(log))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	app := theApp(t)

	cmd, err := ctr.AttachCommand(ctx)
	require.NoError(t, err)
	require.Regexp(t, `^ironlocal --attach http://[^ ]+:[0-9]+ --token `+regexp.QuoteMeta(ctr.Token())+`$`, cmd)
	require.Len(t, log.matching("attach the desktop app with: "+cmd), 1, "%v", log.l)

	listed, ok := find(t, app, ctr.GetContainerID())
	require.True(t, ok, "the app lists the container")
	require.Equal(t, t.Name(), listed.Test)
	require.Equal(t, ctr.Token(), listed.Token)
	require.Equal(t, "running", listed.State)
	require.True(t, listed.KeepOnFailure)
	require.False(t, listed.Kept)
	require.WithinDuration(t, time.Now(), listed.StartedAt, time.Minute)
	attached, err := client.AttachTestContainer(listed)
	require.NoError(t, err)
	require.NoError(t, attached.Reset(ctx), "the app attaches with the listed URL and token")
	wrong, err := client.New(listed.URL, "wrong-token")
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, client.StatusOf(wrong.Reset(ctx)), "strict auth, from IRONLOCAL_TOKEN")

	t.Run("breakpoint until the app resumes", func(t *testing.T) {
		resumed := make(chan error, 1)
		go func() { resumed <- resumeWhenPaused(ctx, attached, t.Name()) }()
		ctr.Breakpoint(t)
		require.NoError(t, <-resumed)
		require.Len(t, log.matching("paused "+t.Name()), 1)
	})

	t.Run("a passing test's container is removed", func(t *testing.T) {
		require.NoError(t, testcontainers.TerminateContainer(ctr))
		_, ok := find(t, app, ctr.GetContainerID())
		require.False(t, ok)
	})
}

// resumeWhenPaused is the app's "Resume test" button, pressed once test
// shows as paused (the app follows the event stream).
func resumeWhenPaused(ctx context.Context, app *client.Client, test string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	events, err := app.Events(ctx, "test.paused")
	if err != nil {
		return err
	}
	paused, err := app.PausedTests(ctx) // paused before the stream began?
	for err == nil && (len(paused) != 1 || paused[0].Test != test) {
		if _, ok := <-events; !ok {
			return fmt.Errorf("%s never showed as paused: %w", test, ctx.Err())
		}
		paused, err = app.PausedTests(ctx)
	}
	if err != nil {
		return err
	}
	_, err = app.ResumeInspect(ctx, "")
	return err
}

// TestContainer_KeepOnFailure: the container of a failed test stays
// running, listed as kept; the log says how to attach and remove it; the
// app removes it.
func TestContainer_KeepOnFailure(t *testing.T) {
	ctx := context.Background()
	log := &lines{}
	failing := &fakeTB{name: t.Name() + "/fails"}
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"),
		tcironlocal.WithKeepOnFailure(failing), testcontainers.WithLogger(log))
	id := ""
	if ctr != nil {
		id = ctr.GetContainerID()
	}
	t.Cleanup(func() { // whatever happens, nothing is left behind
		if id != "" {
			_ = exec.Command("docker", "rm", "-f", id).Run()
		}
	})
	require.NoError(t, err)
	app := theApp(t)

	failing.failed = true
	require.NoError(t, testcontainers.TerminateContainer(ctr), "what CleanupContainer does when the test ends")
	require.True(t, ctr.IsRunning())
	require.Len(t, log.matching("kept running because the test failed: attach the desktop app with: ironlocal --attach"), 1, "%v", log.l)
	require.Len(t, log.matching("docker rm -f "+ctr.ShortID()), 1, "%v", log.l)

	kept, ok := find(t, app, id)
	require.True(t, ok)
	require.True(t, kept.Kept)
	require.NotNil(t, kept.KeptAt)
	require.Equal(t, failing.name, kept.Test)
	attached, err := client.AttachTestContainer(kept)
	require.NoError(t, err)
	_, err = attached.Version(ctx)
	require.NoError(t, err, "the kept emulator still serves")

	require.NoError(t, app.RemoveTestContainer(ctx, id))
	_, ok = find(t, app, id)
	require.False(t, ok)
	require.Equal(t, http.StatusNotFound, client.StatusOf(app.RemoveTestContainer(ctx, id)))
}

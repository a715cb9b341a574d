package tcironlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
)

// Environment variables of the test process that change what the
// debugging helpers do.
const (
	envInspect        = "IRONLOCAL_INSPECT"
	envInspectTimeout = "IRONLOCAL_INSPECT_TIMEOUT"
	// DefaultInspectTimeout is how long Breakpoint waits for "Resume test"
	// without IRONLOCAL_INSPECT_TIMEOUT.
	DefaultInspectTimeout = 10 * time.Minute
)

// AttachCommand is the command that opens the desktop app on this
// container's emulator, with its token (and project, unless the default):
// "ironlocal --attach http://127.0.0.1:32768 --token T". Run logs it once
// the container is ready.
func (c *Container) AttachCommand(ctx context.Context) (string, error) {
	url, err := c.APIURL(ctx)
	if err != nil {
		return "", fmt.Errorf("ironlocal endpoint: %w", err)
	}
	cmd := "ironlocal --attach " + url
	if !c.permissive {
		cmd += " --token " + c.token
	}
	if c.project != DefaultProject {
		cmd += " --project " + c.project
	}
	return cmd, nil
}

// logAttach logs, through testcontainers' logger, how to attach the app.
func (c *Container) logAttach(ctx context.Context, what string) {
	cmd, err := c.AttachCommand(ctx)
	if err != nil {
		c.logger.Printf("ironlocal %s: %s (attach command unknown: %v)", c.ShortID(), what, err)
		return
	}
	c.logger.Printf("ironlocal %s%s %s: attach the desktop app with: %s", c.ShortID(), c.testSuffix(), what, cmd)
}

func (c *Container) testSuffix() string {
	if c.testName == "" {
		return ""
	}
	return fmt.Sprintf(" (%s)", c.testName)
}

// ShortID is the container's id as docker ps shows it.
func (c *Container) ShortID() string {
	id := c.GetContainerID()
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

// Terminate stops and removes the container, unless it was started
// WithKeepOnFailure (or WithTest and IRONLOCAL_KEEP_ON_FAILURE=1) and its
// test has failed: then it is left running, marked kept for the desktop
// app, and the log says how to attach to it and how to remove it.
// testcontainers.CleanupContainer(t, ctr) calls it when t ends.
func (c *Container) Terminate(ctx context.Context, opts ...testcontainers.TerminateOption) error {
	if c == nil || c.Container == nil {
		return nil
	}
	if c.keepFor != nil && c.keepFor.Failed() && c.IsRunning() {
		err := c.keep(ctx)
		if err == nil {
			return nil
		}
		c.logger.Printf("ironlocal %s: could not keep the container of the failed test, removing it: %v", c.ShortID(), err)
	}
	return c.Container.Terminate(ctx, opts...)
}

// keep marks the container kept (the app lists it so) and says how to
// look at it and remove it.
func (c *Container) keep(ctx context.Context) error {
	mark, err := json.Marshal(map[string]any{"test": c.testName, "kept_at": time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := c.CopyToContainer(ctx, mark, keptMarker, 0o644); err != nil {
		return fmt.Errorf("mark the container kept: %w", err)
	}
	c.logAttach(ctx, "kept running because the test failed")
	c.logger.Printf("ironlocal %s: remove it with: docker rm -f %s (or Remove in the desktop app's list of test containers)",
		c.ShortID(), c.ShortID())
	return nil
}

// Breakpoint pauses the test for a look at the emulator's state, when
// IRONLOCAL_INSPECT=1 (else it does nothing): it logs the attach command,
// announces the pause to the emulator (the desktop app shows it, with a
// "Resume test" button) and blocks until it is resumed there
// (client.ResumeInspect) or IRONLOCAL_INSPECT_TIMEOUT (a Go duration;
// DefaultInspectTimeout) passes. A failure to pause fails t. (Issue 24
// called it Inspect; testcontainers.Container already has an Inspect.)
func (c *Container) Breakpoint(t testing.TB) {
	t.Helper()
	if !envTrue(os.Getenv(envInspect)) {
		return
	}
	timeout := DefaultInspectTimeout
	if v := os.Getenv(envInspectTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			t.Fatalf("ironlocal breakpoint: %s=%q is not a duration such as 5m", envInspectTimeout, v)
		}
		timeout = d
	}
	ctx := context.Background()
	resumed, err := c.pause(ctx, t.Name(), timeout)
	if err != nil {
		t.Fatalf("ironlocal breakpoint: %v", err)
	}
	if resumed {
		t.Logf("ironlocal %s: resumed", c.ShortID())
	} else {
		t.Logf("ironlocal %s: nobody resumed the test within %s (%s): carrying on", c.ShortID(), timeout, envInspectTimeout)
	}
}

// pause announces the pause and waits for the resume; at the timeout it
// resumes the pause itself, so the app stops showing it.
func (c *Container) pause(ctx context.Context, test string, timeout time.Duration) (bool, error) {
	cl, err := c.Client(ctx)
	if err != nil {
		return false, err
	}
	p, err := cl.PauseInspect(ctx, test)
	if err != nil {
		return false, err
	}
	c.logAttach(ctx, fmt.Sprintf("paused %s for a look until \"Resume test\" in the app (or %s)", test, timeout))
	resumed, err := cl.WaitInspectResumed(ctx, p.ID, timeout)
	if err != nil || resumed {
		return resumed, err
	}
	_, err = cl.ResumeInspect(ctx, p.ID)
	return false, err
}

func envTrue(v string) bool {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

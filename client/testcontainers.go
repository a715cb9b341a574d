package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// The test suites' ironlocal containers (tcironlocal) on the Docker engine
// the emulator uses, and tests paused for a look: what the desktop app's
// connection selector lists and attaches to, and its "Resume test" button.

// TestContainer is an ironlocal container a test suite started.
type TestContainer = wire.TestContainer

// AttachTestContainer is a client of the container's emulator, with its token (a
// placeholder when it accepts any) and this client's options.
func AttachTestContainer(tc TestContainer, opts ...Option) (*Client, error) {
	if tc.URL == "" {
		return nil, fmt.Errorf("test container %s publishes no port", tc.Name)
	}
	token := tc.Token
	if token == "" {
		token = "local-token"
	}
	return New(tc.URL, token, opts...)
}

// TestContainers lists the ironlocal containers test suites started on
// the emulator's Docker engine, newest first, with the URL and token to
// attach to each. Without an engine the server answers 503.
// GET /_ironlocal/containers
func (c *Client) TestContainers(ctx context.Context) ([]TestContainer, error) {
	var out wire.TestContainerList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/containers", nil, &out)
	return out.Containers, err
}

// RemoveTestContainer force-removes a test container (by id or name),
// typically one kept after its test failed. Containers that are not
// ironlocal test containers are refused (403).
// DELETE /_ironlocal/containers/{id}
func (c *Client) RemoveTestContainer(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/_ironlocal/containers/"+esc(id), nil, nil)
}

// PausedTest is a test paused for a look at the emulator's state
// (tcironlocal's Breakpoint with IRONLOCAL_INSPECT=1), until ResumeInspect.
type PausedTest = wire.PausedTest

// PausedTests lists the tests paused on this emulator, oldest first.
// GET /_ironlocal/inspect
func (c *Client) PausedTests(ctx context.Context) ([]PausedTest, error) {
	var out wire.PausedList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/inspect", nil, &out)
	return out.Paused, err
}

// ResumeInspect resumes the paused tests (the app's "Resume test"): the
// one with id, or every one when id is "". It returns those resumed.
// POST /_ironlocal/inspect/resume, POST /_ironlocal/inspect/{id}/resume
func (c *Client) ResumeInspect(ctx context.Context, id string) ([]PausedTest, error) {
	path := "/_ironlocal/inspect/resume"
	if id != "" {
		path = "/_ironlocal/inspect/" + esc(id) + "/resume"
	}
	var out wire.ResumedList
	err := c.call(ctx, http.MethodPost, path, nil, &out)
	return out.Resumed, err
}

// PauseInspect announces that test is paused; WaitInspectResumed then
// blocks until it is resumed. (tcironlocal's Inspect calls both.)
// POST /_ironlocal/inspect {"test":…}
func (c *Client) PauseInspect(ctx context.Context, test string) (PausedTest, error) {
	var out wire.PauseAnswer
	err := c.call(ctx, http.MethodPost, "/_ironlocal/inspect", wire.PauseBody{Test: test}, &out)
	return out.Pause, err
}

// WaitInspectResumed blocks until pause id is resumed (true), or timeout
// passes first (false, nil), asking again every 10 minutes.
// GET /_ironlocal/inspect/{id}/wait?timeout=
func (c *Client) WaitInspectResumed(ctx context.Context, id string, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(max(timeout, 0))
	for {
		left := max(time.Until(deadline), 0)
		q := url.Values{"timeout": {min(left, maxWaitRequest).String()}}
		err := c.call(ctx, http.MethodGet, "/_ironlocal/inspect/"+esc(id)+"/wait?"+q.Encode(), nil, nil)
		if StatusOf(err) != http.StatusRequestTimeout {
			return err == nil, err
		}
		if left <= maxWaitRequest {
			return false, nil
		}
	}
}

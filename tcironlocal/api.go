package tcironlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// ErrNotIdle is returned (wrapped) by WaitIdle when ironlocal is still busy
// (tasks, due schedules, push deliveries) at its timeout. It is
// client.ErrNotIdle: errors.Is matches either.
var ErrNotIdle = client.ErrNotIdle

// APIURL is the base URL of every Iron API (/1, /2, /3) and of the control
// plane (/_ironlocal), as seen from the test process: "http://host:port".
func (c *Container) APIURL(ctx context.Context) (string, error) {
	return c.PortEndpoint(ctx, Port, "http")
}

// Env is the environment that points the official Iron clients (and
// ironcli) at this emulator: IRON_HOST, IRON_PORT, IRON_SCHEME,
// IRON_PROTOCOL (the Python clients read it instead of the scheme),
// IRON_TOKEN and IRON_PROJECT_ID.
func (c *Container) Env(ctx context.Context) (map[string]string, error) {
	host, port, err := c.endpoint(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"IRON_HOST": host, "IRON_PORT": strconv.Itoa(port), "IRON_SCHEME": "http", "IRON_PROTOCOL": "http",
		"IRON_TOKEN": c.token, "IRON_PROJECT_ID": c.project,
	}, nil
}

// ironJSON is iron.json as the official clients read it: port is a number.
type ironJSON struct {
	Host      string `json:"host"`
	Port      int    `json:"port"`
	Scheme    string `json:"scheme"`
	Protocol  string `json:"protocol"`
	Token     string `json:"token"`
	ProjectID string `json:"project_id"`
}

// IronJSON is the content of an iron.json that points the official clients
// at this emulator (the Java client needs it: it reads the port only from
// iron.json).
func (c *Container) IronJSON(ctx context.Context) ([]byte, error) {
	host, port, err := c.endpoint(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(ironJSON{Host: host, Port: port, Scheme: "http", Protocol: "http", Token: c.token, ProjectID: c.project})
}

// endpoint is the host and mapped port the test process reaches.
func (c *Container) endpoint(ctx context.Context) (string, int, error) {
	host, err := c.Host(ctx)
	if err != nil {
		return "", 0, fmt.Errorf("ironlocal host: %w", err)
	}
	p, err := c.MappedPort(ctx, Port)
	if err != nil {
		return "", 0, fmt.Errorf("ironlocal port: %w", err)
	}
	return host, int(p.Num()), nil
}

// Client is a typed client (package client) of this emulator's Iron APIs,
// control plane and event stream, carrying the container's token and
// ProjectID: everything the other helpers do and more. It reads the mapped
// endpoint on each call, so call it again after a container restart.
func (c *Container) Client(ctx context.Context) (*client.Client, error) {
	base, err := c.APIURL(ctx)
	if err != nil {
		return nil, fmt.Errorf("ironlocal endpoint: %w", err)
	}
	return client.New(base, c.token, client.WithProject(c.project))
}

// Reset wipes all state (queues, caches, codes, tasks, schedules) and stops
// running tasks: a fresh emulator for the next test, without a restart.
func (c *Container) Reset(ctx context.Context) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	return cl.Reset(ctx)
}

// WaitOption changes what WaitIdle waits for.
type WaitOption func(*waitOptions)

type waitOptions struct{ dueOnly bool }

// WaitPushDueOnly makes WaitIdle return while push deliveries are still
// pending a retry (retries_delay) or a 202 acknowledgement
// (wait-idle?push=due): it then waits only for tasks, due schedules and
// deliveries due now or in flight.
func WaitPushDueOnly() WaitOption { return func(o *waitOptions) { o.dueOnly = true } }

// WaitIdle blocks until ironlocal is idle, or returns an error wrapping
// ErrNotIdle when timeout passes first. Idle means: no task queued or
// running, no schedule due, and every push message settled — delivered to
// each subscriber, or given up on and posted to its error queue (pending
// retries and 202 acknowledgements are waited for; see WaitPushDueOnly).
func (c *Container) WaitIdle(ctx context.Context, timeout time.Duration, opts ...WaitOption) error {
	var o waitOptions
	for _, opt := range opts {
		opt(&o)
	}
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	if o.dueOnly {
		return cl.WaitIdle(ctx, timeout)
	}
	return cl.WaitIdle(ctx, timeout, client.WaitPushSettled())
}

// AdvanceClock moves the virtual clock forward by d (WithVirtualClock is
// required); due delays, expirations and schedules fire.
func (c *Container) AdvanceClock(ctx context.Context, d time.Duration) error {
	cl, err := c.Client(ctx)
	if err != nil {
		return err
	}
	_, err = cl.AdvanceClock(ctx, d)
	return err
}

// Now is the emulator's clock (the virtual one with WithVirtualClock).
func (c *Container) Now(ctx context.Context) (time.Time, error) {
	cl, err := c.Client(ctx)
	if err != nil {
		return time.Time{}, err
	}
	clock, err := cl.Clock(ctx)
	return clock.Now, err
}

// RunSchedule queues a task for schedule id of ProjectID now, whatever its
// timing, and returns the task's id.
func (c *Container) RunSchedule(ctx context.Context, scheduleID string) (string, error) {
	cl, err := c.Client(ctx)
	if err != nil {
		return "", err
	}
	return cl.RunSchedule(ctx, scheduleID)
}

// TaskLog is the captured stdout and stderr of task taskID of ProjectID.
// Unless ironlocald runs with --live-logs, it is only there once the task
// finished (WaitIdle first).
func (c *Container) TaskLog(ctx context.Context, taskID string) (string, error) {
	cl, err := c.Client(ctx)
	if err != nil {
		return "", err
	}
	return cl.TaskLog(ctx, taskID)
}

package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/ironlocal/ironlocal/wire"
)

// The control plane (/_ironlocal/…): health, reset, clock, idleness,
// snapshots and fault injection.

// Version is ironlocal's version; it answers as soon as every service
// accepts requests. GET /version
func (c *Client) Version(ctx context.Context) (string, error) {
	var out wire.Version
	err := c.call(ctx, http.MethodGet, "/version", nil, &out)
	return out.Version, err
}

// Health is the state of each part of ironlocal.
type Health = wire.Health

// Health reports the state of each part. When a part cannot serve, the
// server answers 503: Health returns what it reported along with an
// *Error. GET /_ironlocal/health
func (c *Client) Health(ctx context.Context) (Health, error) {
	const path = "/_ironlocal/health"
	var h Health
	req, err := c.request(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return h, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return h, fmt.Errorf("GET %s: %w", path, err)
	}
	defer drain(resp.Body)
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return h, errorFrom(resp, http.MethodGet, path)
	}
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return h, fmt.Errorf("GET %s: decode answer: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return h, &Error{Status: resp.StatusCode, Msg: fmt.Sprintf("ironlocal is %s: %v", h.Status, h.Services), Method: http.MethodGet, Path: path}
	}
	return h, nil
}

// Reset wipes all state (queues, caches, codes, tasks, schedules, faults)
// and stops running tasks. POST /_ironlocal/reset
func (c *Client) Reset(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/_ironlocal/reset", nil, nil)
}

// Clock is the emulator's clock.
type Clock = wire.Clock

// Clock reads the emulator's clock. GET /_ironlocal/clock
func (c *Client) Clock(ctx context.Context) (Clock, error) {
	var out Clock
	err := c.call(ctx, http.MethodGet, "/_ironlocal/clock", nil, &out)
	return out, err
}

// AdvanceClock moves a virtual clock forward by d (due delays, expiries
// and schedules fire) and returns it. POST /_ironlocal/clock {"advance":…}
func (c *Client) AdvanceClock(ctx context.Context, d time.Duration) (Clock, error) {
	var out Clock
	err := c.call(ctx, http.MethodPost, "/_ironlocal/clock", wire.ClockBody{Advance: d.String()}, &out)
	return out, err
}

// SetClock moves a virtual clock forward to t. POST /_ironlocal/clock {"set":…}
func (c *Client) SetClock(ctx context.Context, t time.Time) (Clock, error) {
	var out Clock
	err := c.call(ctx, http.MethodPost, "/_ironlocal/clock", wire.ClockBody{Set: t.UTC()}, &out)
	return out, err
}

// ErrNotIdle is returned (wrapped, with the server's *Error saying what
// is busy) by WaitIdle when work remains at its timeout.
var ErrNotIdle = errors.New("ironlocal is not idle")

// WaitOption changes what WaitIdle waits for.
type WaitOption func(*waitOptions)

type waitOptions struct{ push string }

// WaitPushSettled makes WaitIdle also wait for push deliveries pending a
// retry (retries_delay) or a 202 acknowledgement, until every push message
// is delivered or given up on (wait-idle?push=settled).
func WaitPushSettled() WaitOption { return func(o *waitOptions) { o.push = "settled" } }

// maxWaitRequest is the longest wait one wait-idle request may ask for;
// WaitIdle asks again for longer timeouts.
const maxWaitRequest = 10 * time.Minute

// WaitIdle blocks until no task is queued or running, no schedule is due
// and no push delivery is in flight or due now; when timeout passes first
// it returns an error wrapping ErrNotIdle and the server's *Error (408).
// GET /_ironlocal/wait-idle?timeout=&push=
func (c *Client) WaitIdle(ctx context.Context, timeout time.Duration, opts ...WaitOption) error {
	o := waitOptions{push: "due"}
	for _, opt := range opts {
		opt(&o)
	}
	deadline := time.Now().Add(max(timeout, 0))
	for {
		left := max(time.Until(deadline), 0)
		q := url.Values{"timeout": {min(left, maxWaitRequest).String()}, "push": {o.push}}
		err := c.call(ctx, http.MethodGet, "/_ironlocal/wait-idle?"+q.Encode(), nil, nil)
		if StatusOf(err) != http.StatusRequestTimeout {
			return err
		}
		if left <= maxWaitRequest {
			return fmt.Errorf("%w: %w", ErrNotIdle, err)
		}
	}
}

// ExportSnapshot streams a snapshot of the whole state into w as it
// arrives and returns the bytes written; wrap w to show progress.
// GET /_ironlocal/snapshot
func (c *Client) ExportSnapshot(ctx context.Context, w io.Writer) (int64, error) {
	const path = "/_ironlocal/snapshot"
	resp, err := c.send(ctx, c.stream, http.MethodGet, path, nil, "")
	if err != nil {
		return 0, err
	}
	defer drain(resp.Body)
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, fmt.Errorf("GET %s: %w", path, err)
	}
	return n, nil
}

// LoadSeed applies a seed file (the format of ironlocald --seed, see
// Seed) on top of the running emulator's state. A seed that fails its dry
// run loads nothing. POST /_ironlocal/seed
func (c *Client) LoadSeed(ctx context.Context, r io.Reader) error {
	req, err := c.request(ctx, http.MethodPost, "/_ironlocal/seed", r, "application/json")
	if err != nil {
		return err
	}
	resp, err := c.do(c.stream, req)
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// ImportSnapshot replaces the whole state with the snapshot read from r,
// streamed as it is read (wrap r to show progress). size is its length,
// or -1 when unknown. A damaged, truncated or newer snapshot is refused
// (400) and nothing changes. PUT /_ironlocal/snapshot
func (c *Client) ImportSnapshot(ctx context.Context, r io.Reader, size int64) error {
	const path = "/_ironlocal/snapshot"
	req, err := c.request(ctx, http.MethodPut, path, r, "application/octet-stream")
	if err != nil {
		return err
	}
	req.ContentLength = size
	if size == 0 {
		req.Body = http.NoBody
	}
	resp, err := c.do(c.stream, req)
	if err != nil {
		return err
	}
	drain(resp.Body)
	return nil
}

// SavedSnapshot is a snapshot ironlocal wrote into its snapshot
// directory.
type SavedSnapshot = wire.SavedSnapshot

// SaveSnapshot makes ironlocal write a snapshot named name into its own
// snapshot directory (atomically); an existing one is replaced only with
// overwrite. POST /_ironlocal/snapshot {"name":…,"overwrite":…}
func (c *Client) SaveSnapshot(ctx context.Context, name string, overwrite bool) (SavedSnapshot, error) {
	var out SavedSnapshot
	err := c.call(ctx, http.MethodPost, "/_ironlocal/snapshot", wire.SaveSnapshotBody{Name: name, Overwrite: overwrite}, &out)
	return out, err
}

// Fault is a fault-injection rule: matching Iron API requests answer
// Status (when set) after Latency. Empty match fields match everything.
type Fault = wire.Fault

// Faults lists the fault rules with their hit counts. GET /_ironlocal/faults
func (c *Client) Faults(ctx context.Context) ([]Fault, error) {
	var out wire.FaultList
	err := c.call(ctx, http.MethodGet, "/_ironlocal/faults", nil, &out)
	return out.Faults, err
}

// AddFault installs a rule and returns it with its id.
// POST /_ironlocal/faults
func (c *Client) AddFault(ctx context.Context, f Fault) (Fault, error) {
	f.ID, f.Hits = "", 0
	var out wire.FaultAdded
	err := c.call(ctx, http.MethodPost, "/_ironlocal/faults", f.Wire(), &out)
	return out.Fault, err
}

// DeleteFault removes one rule. DELETE /_ironlocal/faults/{id}
func (c *Client) DeleteFault(ctx context.Context, id string) error {
	return c.call(ctx, http.MethodDelete, "/_ironlocal/faults/"+esc(id), nil, nil)
}

// ClearFaults removes every rule. DELETE /_ironlocal/faults
func (c *Client) ClearFaults(ctx context.Context) error {
	return c.call(ctx, http.MethodDelete, "/_ironlocal/faults", nil, nil)
}

// ChaosBody switches chaos mode on (see StartChaos).
type ChaosBody = wire.ChaosBody

// ChaosState is chaos mode's state and the injections it made.
type ChaosState = wire.ChaosState

// StartChaos switches chaos mode on from its first chance: the platform
// misbehaves as production may (redelivered messages, duplicate and failed
// pushes, killed and delayed tasks, 503s, latency) at the points the seed
// decides, the same points every run with the same requests in the same
// order. A nil Profile takes the default one. POST /_ironlocal/chaos
func (c *Client) StartChaos(ctx context.Context, b ChaosBody) (ChaosState, error) {
	var out ChaosState
	err := c.call(ctx, http.MethodPost, "/_ironlocal/chaos", b, &out)
	return out, err
}

// StopChaos switches chaos mode off. DELETE /_ironlocal/chaos
func (c *Client) StopChaos(ctx context.Context) (ChaosState, error) {
	var out ChaosState
	err := c.call(ctx, http.MethodDelete, "/_ironlocal/chaos", nil, &out)
	return out, err
}

// Chaos returns chaos mode's state and what it injected (the last 1000
// injections). GET /_ironlocal/chaos
func (c *Client) Chaos(ctx context.Context) (ChaosState, error) {
	var out ChaosState
	err := c.call(ctx, http.MethodGet, "/_ironlocal/chaos", nil, &out)
	return out, err
}

// Journal is the emulator's journal: the Iron API writes that succeeded
// since it started (or was reset). GET /_ironlocal/journal
type Journal = wire.Journal

// Journal returns the emulator's journal of inputs (see package
// client/exporttest, which turns it into a regression test).
func (c *Client) Journal(ctx context.Context) (Journal, error) {
	var out Journal
	err := c.call(ctx, http.MethodGet, "/_ironlocal/journal", nil, &out)
	return out, err
}

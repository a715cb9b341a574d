package tcironlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ErrNotIdle is returned by WaitIdle when ironlocal is still busy (tasks,
// due schedules, push deliveries) at its timeout.
var ErrNotIdle = errors.New("ironlocal is not idle")

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

// Reset wipes all state (queues, caches, codes, tasks, schedules) and stops
// running tasks: a fresh emulator for the next test, without a restart.
func (c *Container) Reset(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/_ironlocal/reset", nil, nil)
}

// maxWaitRequest is the longest wait one wait-idle request may ask for
// (the control plane's limit); WaitIdle asks again for longer timeouts.
const maxWaitRequest = 10 * time.Minute

// WaitOption changes what WaitIdle waits for.
type WaitOption func(*waitOptions)

type waitOptions struct{ push string }

// WaitPushDueOnly makes WaitIdle return while push deliveries are still
// pending a retry (retries_delay) or a 202 acknowledgement
// (wait-idle?push=due): it then waits only for tasks, due schedules and
// deliveries due now or in flight.
func WaitPushDueOnly() WaitOption { return func(o *waitOptions) { o.push = "due" } }

// WaitIdle blocks until ironlocal is idle, or returns an error wrapping
// ErrNotIdle when timeout passes first. Idle means: no task queued or
// running, no schedule due, and every push message settled — delivered to
// each subscriber, or given up on and posted to its error queue (pending
// retries and 202 acknowledgements are waited for; see WaitPushDueOnly).
func (c *Container) WaitIdle(ctx context.Context, timeout time.Duration, opts ...WaitOption) error {
	o := waitOptions{push: "settled"}
	for _, opt := range opts {
		opt(&o)
	}
	deadline := time.Now().Add(max(timeout, 0))
	for {
		left := max(time.Until(deadline), 0)
		wait := min(left, maxWaitRequest)
		err := c.call(ctx, http.MethodGet, "/_ironlocal/wait-idle?push="+o.push+"&timeout="+url.QueryEscape(wait.String()), nil, nil)
		var se *statusError
		if !errors.As(err, &se) || se.status != http.StatusRequestTimeout {
			return err
		}
		if left <= maxWaitRequest {
			return fmt.Errorf("%w after %s: %s", ErrNotIdle, timeout, se.msg)
		}
	}
}

// AdvanceClock moves the virtual clock forward by d (WithVirtualClock is
// required); due delays, expirations and schedules fire.
func (c *Container) AdvanceClock(ctx context.Context, d time.Duration) error {
	return c.call(ctx, http.MethodPost, "/_ironlocal/clock", map[string]string{"advance": d.String()}, nil)
}

// Now is the emulator's clock (the virtual one with WithVirtualClock).
func (c *Container) Now(ctx context.Context) (time.Time, error) {
	var out struct {
		Now time.Time `json:"now"`
	}
	err := c.call(ctx, http.MethodGet, "/_ironlocal/clock", nil, &out)
	return out.Now, err
}

// RunSchedule queues a task for schedule id of ProjectID now, whatever its
// timing, and returns the task's id.
func (c *Container) RunSchedule(ctx context.Context, scheduleID string) (string, error) {
	var out struct {
		Tasks []struct {
			ID string `json:"id"`
		} `json:"tasks"`
	}
	if err := c.call(ctx, http.MethodPost, "/_ironlocal/schedules/"+url.PathEscape(c.project)+"/"+url.PathEscape(scheduleID)+"/run", nil, &out); err != nil {
		return "", err
	}
	if len(out.Tasks) == 0 {
		return "", errors.New("run schedule: no task in the answer")
	}
	return out.Tasks[0].ID, nil
}

// TaskLog is the captured stdout and stderr of task taskID of ProjectID.
// Unless ironlocald runs with --live-logs, it is only there once the task
// finished (WaitIdle first).
func (c *Container) TaskLog(ctx context.Context, taskID string) (string, error) {
	var buf bytes.Buffer
	err := c.call(ctx, http.MethodGet, "/2/projects/"+url.PathEscape(c.project)+"/tasks/"+url.PathEscape(taskID)+"/log", nil, &buf)
	return buf.String(), err
}

// statusError is a non-2xx answer.
type statusError struct {
	method, path string
	status       int
	msg          string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.method, e.path, e.status, http.StatusText(e.status), e.msg)
}

// call sends in as JSON (if not nil) with the container's token and decodes
// a 2xx answer into out: a *bytes.Buffer gets the raw body, anything else
// is JSON-decoded; nil discards it.
func (c *Container) call(ctx context.Context, method, path string, in, out any) error {
	base, err := c.APIURL(ctx)
	if err != nil {
		return fmt.Errorf("ironlocal endpoint: %w", err)
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal(b, &e) != nil || e.Msg == "" {
			e.Msg = string(bytes.TrimSpace(b))
		}
		return &statusError{method: method, path: path, status: resp.StatusCode, msg: e.Msg}
	}
	switch o := out.(type) {
	case nil:
	case *bytes.Buffer:
		o.Write(b)
	default:
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

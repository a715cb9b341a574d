package tcironlocal

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"
)

// readyBanner is what ironlocald prints once it serves requests.
var readyBanner = []byte(" ready in ")

// unreachableGrace is how long Run keeps trying to reach an ironlocal whose
// log already says it is ready, before it fails with a hint.
const unreachableGrace = 5 * time.Second

// healthWait waits until GET /_ironlocal/health answers 200 through the
// published port. When the container's log says ironlocal is ready but the
// port cannot be reached from this process, it fails within
// unreachableGrace, saying what to set, instead of waiting out the whole
// startup timeout: that happens when the tests run inside a container that
// also hosts the Docker engine, where testcontainers looks for published
// ports at the default gateway.
type healthWait struct {
	token   string
	timeout time.Duration
	poll    time.Duration
}

var _ wait.Strategy = healthWait{}

func (w healthWait) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	var readyAt time.Time
	var lastErr error
	for {
		state, err := target.State(ctx)
		if err == nil && !state.Running && state.Status != "created" {
			return fmt.Errorf("ironlocal stopped (%s, exit code %d) before it was ready: %s", state.Status, state.ExitCode, lastLog(ctx, target))
		}
		addr, err := w.address(ctx, target)
		if err == nil {
			if err = w.probe(ctx, client, addr); err == nil {
				return nil
			}
		}
		lastErr = err
		if readyAt.IsZero() && logSaysReady(ctx, target) {
			readyAt = time.Now()
		}
		if !readyAt.IsZero() && time.Since(readyAt) > unreachableGrace {
			return fmt.Errorf("ironlocal is ready in its container but not reachable from this process (%v). "+
				"If the tests run inside a container that also hosts the Docker engine (nested Docker), testcontainers "+
				"looks for published ports at the default gateway: set TESTCONTAINERS_HOST_OVERRIDE=localhost "+
				"(or the address where the engine publishes ports)", lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for ironlocal's %s: %w (last: %v)", healthPath, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// address is host:port of the published API port.
func (w healthWait) address(ctx context.Context, target wait.StrategyTarget) (string, error) {
	host, err := target.Host(ctx)
	if err != nil {
		return "", fmt.Errorf("container host: %w", err)
	}
	port, err := target.MappedPort(ctx, Port)
	if err != nil {
		return "", fmt.Errorf("mapped port: %w", err)
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port.Num()))), nil
}

func (w healthWait) probe(ctx context.Context, client *http.Client, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+healthPath, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "OAuth "+w.token)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s at %s: %s", healthPath, addr, resp.Status)
	}
	return nil
}

// logSaysReady reports whether ironlocald's banner is in the log.
func logSaysReady(ctx context.Context, target wait.StrategyTarget) bool {
	rc, err := target.Logs(ctx)
	if err != nil {
		return false
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	return bytes.Contains(b, readyBanner)
}

// lastLog is the end of the container's log, for errors.
func lastLog(ctx context.Context, target wait.StrategyTarget) string {
	rc, err := target.Logs(ctx)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

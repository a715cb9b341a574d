// Package test holds black-box tests: they build the real ironlocald binary
// and drive it over HTTP, as users and the official clients do.
package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ironlocal/ironlocal/internal/testbin"
)

// Credentials the tests use; ironlocald is permissive by default.
const (
	testProject = "000000000000000000000001"
	testToken   = "local-token"
)

// moduleRoot is the directory of the module's go.mod.
func moduleRoot() (string, error) { return testbin.ModuleRoot() }

// daemonBinary returns ironlocald, built once per make test run (or per
// test binary when this package is tested alone).
func daemonBinary(t testing.TB) string {
	t.Helper()
	return testbin.Daemon(t)
}

// freeAddr returns a loopback address that was free a moment ago. Another
// process may take it before the daemon binds it; StartDaemon retries.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// lockedBuffer collects a process's output from two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Daemon is a running ironlocald process.
type Daemon struct {
	URL  string // http://127.0.0.1:port
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{} // closed when the process has exited
	err  error         // Wait's result, set before done closes
}

// Output is everything the process printed so far (stdout and stderr).
func (d *Daemon) Output() string { return d.out.String() }

// Exited reports whether the process has ended.
func (d *Daemon) Exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Kill ends the process with SIGKILL, as a crash or kill -9 would, and
// waits for it to be gone.
func (d *Daemon) Kill(t testing.TB) {
	t.Helper()
	if d.Exited() {
		return
	}
	if err := d.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill ironlocald: %v", err)
	}
	d.wait(t, 10*time.Second)
}

// Stop asks the process to shut down (SIGTERM) and waits for it; it fails
// the test when the process does not exit cleanly.
func (d *Daemon) Stop(t testing.TB) {
	t.Helper()
	if d.Exited() {
		return
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signal ironlocald: %v", err)
	}
	d.wait(t, 30*time.Second)
	if d.err != nil {
		t.Fatalf("ironlocald exited with %v\n%s", d.err, d.Output())
	}
}

func (d *Daemon) wait(t testing.TB, limit time.Duration) {
	t.Helper()
	select {
	case <-d.done:
	case <-time.After(limit):
		_ = d.cmd.Process.Kill()
		t.Fatalf("ironlocald did not exit within %s\n%s", limit, d.Output())
	}
}

// StartDaemon starts ironlocald on a free loopback port with the given
// extra flags (for example "--data-dir", dir) and returns once GET /version
// answers 200. The process is killed when the test ends if still running;
// its output is logged if the test failed.
func StartDaemon(t testing.TB, args ...string) *Daemon {
	t.Helper()
	bin := daemonBinary(t)
	var last *Daemon
	for attempt := 0; attempt < 5; attempt++ {
		addr := freeAddr(t)
		d := launch(t, bin, addr, args)
		last = d
		err := waitReady(d, 15*time.Second)
		if err == nil {
			return d
		}
		d.Kill(t)
		if !strings.Contains(d.Output(), "address already in use") {
			t.Fatalf("ironlocald did not become ready: %v\n%s", err, d.Output())
		}
		// Lost the port to someone else: try another.
	}
	t.Fatalf("ironlocald could not bind a port\n%s", last.Output())
	return nil
}

func launch(t testing.TB, bin, addr string, args []string) *Daemon {
	t.Helper()
	d := &Daemon{URL: "http://" + addr, out: &lockedBuffer{}, done: make(chan struct{})}
	d.cmd = exec.Command(bin, append([]string{"--listen", addr}, args...)...)
	d.cmd.Stdout, d.cmd.Stderr = d.out, d.out
	// Keep the developer's configuration out of the test.
	d.cmd.Env = []string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start ironlocald: %v", err)
	}
	go func() {
		d.err = d.cmd.Wait()
		close(d.done)
	}()
	t.Cleanup(func() {
		if !d.Exited() {
			_ = d.cmd.Process.Kill()
			<-d.done
		}
		if t.Failed() {
			t.Logf("ironlocald %s output:\n%s", addr, d.Output())
		}
	})
	return d
}

// waitReady polls GET /version until it answers 200, the process exits or
// the deadline passes.
func waitReady(d *Daemon, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(d.URL + "/version")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /version: %s", resp.Status)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", limit, err)
		}
		select {
		case <-d.done:
			return fmt.Errorf("exited early: %v", d.err)
		case <-tick.C:
		}
	}
}

// apiClient speaks the Iron wire protocol to a daemon.
type apiClient struct {
	base    string
	project string
	token   string
	http    *http.Client
}

func newAPIClient(base string) *apiClient {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}
	return &apiClient{base: base, project: testProject, token: testToken, http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// do sends in as JSON (if not nil) to a path under /N/projects/{pid} (or
// an absolute path starting with "/_" or "/version") and decodes a 2xx
// JSON answer into out (if not nil). A transport error is returned as err;
// an HTTP error status is not an error.
func (c *apiClient) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "OAuth "+c.token)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("decode %s %s answer %q: %w", method, path, b, err)
		}
	}
	return resp.StatusCode, nil
}

func (c *apiClient) mqPath(queue, rest string) string {
	return "/3/projects/" + c.project + "/queues/" + queue + rest
}

func (c *apiClient) cachePath(cache, rest string) string {
	return "/1/projects/" + c.project + "/caches/" + cache + rest
}

type wireMessage struct {
	ID            string `json:"id"`
	Body          string `json:"body"`
	ReservedCount int    `json:"reserved_count"`
	ReservationID string `json:"reservation_id"`
}

// postMessages posts bodies as one batch; ids are set on 201.
func (c *apiClient) postMessages(ctx context.Context, queue string, bodies []string) (ids []string, status int, err error) {
	type msg struct {
		Body string `json:"body"`
	}
	in := struct {
		Messages []msg `json:"messages"`
	}{}
	for _, b := range bodies {
		in.Messages = append(in.Messages, msg{b})
	}
	var out struct {
		IDs []string `json:"ids"`
	}
	status, err = c.do(ctx, http.MethodPost, c.mqPath(queue, "/messages"), in, &out)
	return out.IDs, status, err
}

// reserve reserves up to n messages for timeout seconds.
func (c *apiClient) reserve(ctx context.Context, queue string, n, timeout int) ([]wireMessage, int, error) {
	var out struct {
		Messages []wireMessage `json:"messages"`
	}
	status, err := c.do(ctx, http.MethodPost, c.mqPath(queue, "/reservations"), map[string]int{"n": n, "timeout": timeout}, &out)
	return out.Messages, status, err
}

// putItem stores a string value.
func (c *apiClient) putItem(ctx context.Context, cache, key, value string) (int, error) {
	return c.do(ctx, http.MethodPut, c.cachePath(cache, "/items/"+key), map[string]string{"value": value}, nil)
}

// getItem reads an item's value; it is only meaningful on status 200.
func (c *apiClient) getItem(ctx context.Context, cache, key string) (json.RawMessage, int, error) {
	var out struct {
		Value json.RawMessage `json:"value"`
	}
	status, err := c.do(ctx, http.MethodGet, c.cachePath(cache, "/items/"+key), nil, &out)
	return out.Value, status, err
}

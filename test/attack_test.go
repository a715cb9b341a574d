package test

// The attack suite: each test reproduces a finding of the security review
// (issue "Safe on a developer's machine") against the real daemon or the
// tcironlocal container, and fails if the attack works again.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rawRequest sends a request exactly as a browser would for a cross-site
// "simple" request: no Authorization header beyond ?oauth=, the given
// content type and browser headers.
func rawRequest(t *testing.T, method, rawURL, contentType, body string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAttack_CSRFRunsNoCommand: a web page posts a code whose command writes
// a file, then a task for it, with every content type an HTML form or a
// no-cors fetch can send. Nothing may run.
func TestAttack_CSRFRunsNoCommand(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "pwned")
	d := StartDaemon(t, "--ephemeral", "--runtime", "process")
	code := fmt.Sprintf(`{"name":"pwn","image":"i","command":"touch %s"}`, marker)
	task := `{"tasks":[{"code_name":"pwn"}]}`
	// An HTML form with one field whose name holds the JSON: the body is
	// `{"name":…,"x":"="}` url-encoded, which naive servers parse as JSON.
	form := func(j string) string {
		return url.Values{strings.TrimSuffix(j, "}") + `,"x":"`: {`"}`}}.Encode()
	}
	multipart := func(j string) string {
		return "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.json\"\r\n\r\n" + j + "\r\n--b--\r\n"
	}
	origins := []map[string]string{
		{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
		{"Origin": "http://evil.example"},                                  // a browser without fetch metadata
		{"Sec-Fetch-Site": "cross-site"},                                   // a navigation without Origin
		{"Origin": "null", "Sec-Fetch-Site": "cross-site"},                 // a sandboxed frame
		{"Origin": "http://localhost:8080", "Sec-Fetch-Site": "same-site"}, // another local dev server
	}
	for _, h := range origins {
		for _, ct := range []struct{ contentType, code, task string }{
			{"text/plain", code, task},
			{"application/x-www-form-urlencoded", form(code), form(task)},
			{"multipart/form-data; boundary=b", multipart(code), multipart(task)},
		} {
			base := d.URL + "/2/projects/" + testProject
			status, body := rawRequest(t, http.MethodPost, base+"/codes?oauth=x", ct.contentType, ct.code, h)
			require.Equal(t, http.StatusForbidden, status, "register code, %s %v: %s", ct.contentType, h, body)
			status, body = rawRequest(t, http.MethodPost, base+"/tasks?oauth=x", ct.contentType, ct.task, h)
			require.Equal(t, http.StatusForbidden, status, "queue task, %s %v: %s", ct.contentType, h, body)
			status, body = rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/reset", ct.contentType, "", h)
			require.Equal(t, http.StatusForbidden, status, "reset, %s %v: %s", ct.contentType, h, body)
		}
	}
	api := newAPIClient(d.URL)
	var codes struct {
		Codes []any `json:"codes"`
	}
	status, err := api.do(context.Background(), http.MethodGet, "/2/projects/"+testProject+"/codes", nil, &codes)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Empty(t, codes.Codes, "no code was registered")
	_, err = os.Stat(marker)
	require.True(t, os.IsNotExist(err), "the command ran: %v", err)
}

// TestAttack_DNSRebinding: the attacker's name resolves to 127.0.0.1; every
// route, the snapshot download included, refuses its Host header.
func TestAttack_DNSRebinding(t *testing.T) {
	d := StartDaemon(t, "--ephemeral")
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(d.URL, "http://"))
	for _, path := range []string{"/version", "/_ironlocal/snapshot", "/_ironlocal/health", "/_ironlocal/events",
		"/3/projects/" + testProject + "/queues?oauth=x", "/1/projects/" + testProject + "/caches?oauth=x",
		"/2/projects/" + testProject + "/tasks?oauth=x"} {
		status, body := rawRequest(t, http.MethodGet, d.URL+path, "", "", map[string]string{"Host": "evil.example:" + port})
		require.Equal(t, http.StatusForbidden, status, "GET %s: %s", path, body)
		require.Contains(t, body, "DNS rebinding")
	}
	status, _ := rawRequest(t, http.MethodGet, d.URL+"/version", "", "", map[string]string{"Host": "localhost:" + port})
	require.Equal(t, http.StatusOK, status)
}

// TestAttack_ControlPlaneNeedsToken: with --token, reset, faults and the
// snapshot need the token too.
func TestAttack_ControlPlaneNeedsToken(t *testing.T) {
	d := StartDaemon(t, "--ephemeral", "--token", "s3cret")
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/_ironlocal/reset", ""},
		{http.MethodPost, "/_ironlocal/faults", `{"status":503}`},
		{http.MethodGet, "/_ironlocal/snapshot", ""},
		{http.MethodPut, "/_ironlocal/snapshot", "junk"},
		{http.MethodPost, "/_ironlocal/clock", `{"advance":"1h"}`},
	} {
		status, body := rawRequest(t, r.method, d.URL+r.path, "application/json", r.body, nil)
		require.Equal(t, http.StatusUnauthorized, status, "%s %s: %s", r.method, r.path, body)
	}
	status, _ := rawRequest(t, http.MethodGet, d.URL+"/_ironlocal/health", "", "", map[string]string{"Authorization": "OAuth s3cret"})
	require.Equal(t, http.StatusOK, status)
}

// TestAttack_IdleConnections: thousands of idle connections (keep-alives
// left open, and connections that never send a request) must not stop
// /version from answering, also past the connection cap.
func TestAttack_IdleConnections(t *testing.T) {
	d := StartDaemon(t, "--ephemeral", "--max-connections", "500")
	addr := strings.TrimPrefix(d.URL, "http://")
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	open := func(n int, sendRequest bool) {
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := net.DialTimeout("tcp", addr, 5*time.Second)
				if err != nil {
					return // refused or reset: the cap at work
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				if sendRequest {
					_, _ = fmt.Fprintf(c, "GET /version HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
					_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, _ = http.ReadResponse(bufio.NewReader(c), nil) // then idle, kept alive
				}
			}()
		}
		wg.Wait()
	}
	open(1000, true)
	open(1000, false)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range 20 {
		resp, err := client.Get(d.URL + "/version")
		require.NoError(t, err, "GET /version #%d with 2,000 idle connections open", i)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.False(t, d.Exited(), "the daemon is still running")
}

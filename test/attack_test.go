package test

// The attack suite: each test reproduces a finding of the security review
// (issue "Safe on a developer's machine") against the real daemon or the
// tcironlocal container, and fails if the attack works again.

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/tcironlocal"
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

// TestAttack_SnapshotWritesOnlyItsDirectory: a snapshot save takes a name,
// never a path; nothing is written outside the snapshot directory and no
// OS error text comes back.
func TestAttack_SnapshotWritesOnlyItsDirectory(t *testing.T) {
	dataDir := t.TempDir()
	outside := t.TempDir()
	d := StartDaemon(t, "--data-dir", dataDir)
	for _, body := range []string{
		`{"path":"` + filepath.Join(outside, "authorized_keys") + `"}`,
		`{"name":"` + filepath.Join(outside, "authorized_keys") + `"}`,
		`{"name":"../../authorized_keys"}`,
		`{"name":"..\\authorized_keys"}`,
		`{"name":".ssh"}`,
		`{"name":"a\u0000b"}`,
		`{"name":"` + strings.Repeat("a", 300) + `"}`,
	} {
		status, resp := rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/snapshot", "application/json", body, nil)
		require.Equal(t, http.StatusBadRequest, status, "save %s: %s", body, resp)
		require.NotContains(t, resp, outside, "the answer echoes no path")
	}
	entries, err := os.ReadDir(outside)
	require.NoError(t, err)
	require.Empty(t, entries, "nothing written outside the snapshot directory")

	status, resp := rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/snapshot", "application/json", `{"name":"before.snapshot"}`, nil)
	require.Equal(t, http.StatusOK, status, resp)
	_, err = os.Stat(filepath.Join(dataDir, "snapshots", "before.snapshot"))
	require.NoError(t, err, "saved inside <data-dir>/snapshots")
	status, resp = rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/snapshot", "application/json", `{"name":"before.snapshot"}`, nil)
	require.Equal(t, http.StatusConflict, status, "no silent overwrite: %s", resp)
}

// TestAttack_CraftedSnapshotThenRestart: damaged snapshots are refused,
// nothing changes, and the daemon restarts on its data dir afterwards.
func TestAttack_CraftedSnapshotThenRestart(t *testing.T) {
	dataDir := t.TempDir()
	d := StartDaemon(t, "--data-dir", dataDir)
	api := newAPIClient(d.URL)
	ctx := context.Background()
	status, err := api.do(ctx, http.MethodPost, api.mqPath("keep", "/messages"), map[string]any{"messages": []map[string]string{{"body": "kept"}}}, nil)
	require.NoError(t, err)
	require.Equal(t, 2, status/100, "post: %d", status)

	snap := exportSnapshot(t, d.URL)
	header, _, _ := strings.Cut(snap, "\n")
	// Inverted, not overwritten: the byte is one of the trailer's hash,
	// which held the overwriting 'X' once in 256 runs.
	flipped := []byte(snap)
	flipped[len(flipped)-40] ^= 0xff
	for name, body := range map[string]string{
		"truncated":          snap[:len(snap)/2],
		"flipped byte":       string(flipped),
		"header only":        header + "\n",
		"garbage after head": header + "\n" + strings.Repeat("\x00\xff", 4096),
		"huge header line":   strings.Repeat("{", 1<<20),
		"not a snapshot":     `{"format":"something-else"}` + "\n",
	} {
		status, resp := rawRequest(t, http.MethodPut, d.URL+"/_ironlocal/snapshot", "application/octet-stream", body, nil)
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", name, resp)
	}
	d.Kill(t)
	d2 := StartDaemon(t, "--data-dir", dataDir)
	var q struct {
		Queue struct {
			Size int `json:"size"`
		} `json:"queue"`
	}
	status, err = newAPIClient(d2.URL).do(ctx, http.MethodGet, api.mqPath("keep", ""), nil, &q)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, q.Queue.Size, "the refused imports changed nothing")
}

// exportSnapshot downloads the daemon's snapshot.
func exportSnapshot(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/_ironlocal/snapshot")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestAttack_HugeImportMemoryBound: a 1 GB snapshot body is streamed to
// disk while it is hashed, not buffered: the daemon's peak RSS stays small.
func TestAttack_HugeImportMemoryBound(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the daemon's peak RSS from /proc")
	}
	d := StartDaemon(t, "--data-dir", t.TempDir())
	header, _, _ := strings.Cut(exportSnapshot(t, d.URL), "\n")
	const size = 1 << 30
	body := io.MultiReader(strings.NewReader(header+"\n"), io.LimitReader(zeroes{}, size))
	req, err := http.NewRequest(http.MethodPut, d.URL+"/_ironlocal/snapshot", body)
	require.NoError(t, err)
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", b)
	peak := peakRSS(t, d.cmd.Process.Pid)
	t.Logf("peak RSS after a 1 GiB import: %d MiB", peak>>20)
	require.Less(t, peak, int64(256<<20), "peak RSS %d MiB: the body was buffered", peak>>20)
}

type zeroes struct{}

func (zeroes) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// peakRSS is a process's high-water resident set (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// TestAttack_PushLoopRefused: a push queue subscribed to itself (directly
// or through another queue) would grow without end; it is refused.
func TestAttack_PushLoopRefused(t *testing.T) {
	d := StartDaemon(t, "--ephemeral")
	api := newAPIClient(d.URL)
	ctx := context.Background()
	push := func(name, target string) int {
		status, err := api.do(ctx, http.MethodPut, api.mqPath(name, ""), map[string]any{"queue": map[string]any{
			"type": "multicast", "push": map[string]any{"subscribers": []map[string]string{{"name": "s", "url": "ironmq:///" + target}}}}}, nil)
		require.NoError(t, err)
		return status
	}
	require.Equal(t, http.StatusBadRequest, push("loop", "loop"))
	require.Equal(t, http.StatusOK, push("a", "b"))
	require.Equal(t, http.StatusBadRequest, push("b", "a"), "a → b → a")
}

// TestAttack_ZipBombRefusedAtUpload: a small zip that declares more than
// the extraction cap is refused before it is stored.
func TestAttack_ZipBombRefusedAtUpload(t *testing.T) {
	d := StartDaemon(t, "--ephemeral", "--runtime", "process", "--max-code-bytes", "1048576")
	var zipBuf strings.Builder
	zw := zip.NewWriter(&zipBuf)
	f, err := zw.Create("bomb.bin")
	require.NoError(t, err)
	_, err = io.Copy(f, io.LimitReader(zeroes{}, 8<<20)) // 8 MiB of zeros compress to a few KiB
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Less(t, zipBuf.Len(), 64<<10)

	var body strings.Builder
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("data", `{"name":"bomb","image":"busybox","command":"true"}`))
	fw, err := mw.CreateFormFile("file", "bomb.zip")
	require.NoError(t, err)
	_, err = io.WriteString(fw, zipBuf.String())
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	status, resp := rawRequest(t, http.MethodPost, d.URL+"/2/projects/"+testProject+"/codes?oauth="+testToken,
		mw.FormDataContentType(), body.String(), nil)
	require.Equal(t, http.StatusBadRequest, status, resp)
	require.Contains(t, resp, "too large")
}

// TestAttack_ContainerNotOnLAN: the tcironlocal container (which holds the
// host's Docker socket) is published on 127.0.0.1 only, in strict mode: a
// peer on the network cannot reach it, and no request without its token
// drives it.
func TestAttack_ContainerNotOnLAN(t *testing.T) {
	ctx := context.Background()
	c, api := startIronlocal(ctx, t, tcironlocal.WithRuntime("process"))
	inspect, err := c.Inspect(ctx)
	require.NoError(t, err)
	bindings := inspect.HostConfig.PortBindings[network.MustParsePort(tcironlocal.Port)]
	require.NotEmpty(t, bindings)
	for _, b := range bindings {
		require.Equal(t, "127.0.0.1", b.HostIP.String(), "published on loopback only")
	}
	port, err := c.MappedPort(ctx, tcironlocal.Port)
	require.NoError(t, err)

	lan := lanAddresses(t)
	if len(lan) == 0 {
		t.Log("this machine has no non-loopback address: only the binding was checked")
	}
	for _, ip := range lan {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), strconv.Itoa(int(port.Num()))), 2*time.Second)
		if err == nil {
			_ = conn.Close()
		}
		require.Error(t, err, "the container answered on the LAN address %s", ip)
	}

	// Strict by default: the random token is needed, on the control plane too.
	base, err := c.APIURL(ctx)
	require.NoError(t, err)
	status, _ := rawRequest(t, http.MethodPost, base+"/_ironlocal/reset", "", "", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = rawRequest(t, http.MethodGet, base+"/3/projects/"+testProject+"/queues?oauth="+tcironlocal.DefaultToken, "", "", nil)
	require.Equal(t, http.StatusUnauthorized, status)
	status, err = api.do(ctx, http.MethodGet, "/3/projects/"+testProject+"/queues", nil, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "the container's own token works")
}

// lanAddresses are this machine's non-loopback unicast addresses.
func lanAddresses(t *testing.T) []net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	var out []net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() && n.IP.To4() != nil {
			out = append(out, n.IP)
		}
	}
	return out
}

// Trigger surfaces (issue 19 §1, §4, §5, §6): what a binding, a seed or a
// plugin may cost the daemon, and what it may show.

// fireEvent fires a test event at a binding over the control plane and
// returns the traced outcome and reason.
func fireEvent(t *testing.T, d *Daemon, id, payload string) (outcome, reason string) {
	t.Helper()
	status, body := rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/triggers/"+id+"/fire", "application/json",
		`{"event_type":"x","payload":`+payload+`}`, map[string]string{"Authorization": "OAuth " + testToken})
	require.Equal(t, http.StatusOK, status, body)
	var ev struct {
		Outcome string `json:"outcome"`
		Reason  string `json:"reason"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &ev), body)
	return ev.Outcome, ev.Reason
}

// uploadBindingBody is a binding of the upload plugin on a fresh folder
// that posts each event, through template, to queue q.
func uploadBindingBody(t *testing.T, template string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"project_id": testProject, "plugin": "upload",
		"config": map[string]any{"dir": t.TempDir()},
		"action": map[string]any{"type": "message", "queue": "q", "template": template}})
	require.NoError(t, err)
	return string(b)
}

// TestAttack_TemplateBomb: a 60-byte template that renders 300 MB per
// event, and one that never ends, fail their event (traced, with the
// reason) instead of taking the daemon's memory or a core; the binding
// goes on working, and the daemon stops at once when asked.
func TestAttack_TemplateBomb(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the daemon's peak RSS from /proc")
	}
	d := StartDaemonWithPlugins(t, "--ephemeral", "--runtime", "process")
	id := mustCreateBinding(t, d, uploadBindingBody(t, `{{if .Payload.bomb}}{{range 30000000}}0123456789{{end}}`+
		`{{else if .Payload.spin}}{{range 1000000000000}}{{end}}{{else}}ok{{end}}`))

	outcome, reason := fireEvent(t, d, id, `{"bomb":true}`)
	require.Equal(t, "failed", outcome)
	require.Contains(t, reason, "over the 262144 byte limit")
	outcome, reason = fireEvent(t, d, id, `{"spin":true}`)
	require.Equal(t, "failed", outcome)
	require.Contains(t, reason, "template ran too long")
	outcome, reason = fireEvent(t, d, id, `{}`)
	require.Equal(t, "matched", outcome, "the binding works for the next event: %s", reason)

	peak := peakRSS(t, d.cmd.Process.Pid)
	t.Logf("peak RSS after the template bombs: %d MiB", peak>>20)
	require.Less(t, peak, int64(200<<20), "peak RSS %d MiB: the template's output was built", peak>>20)

	// A template that calls itself is refused when the binding is made.
	status, body := createBinding(t, d, uploadBindingBody(t, `{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`))
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, `action.template: template \"a\" calls itself`)

	require.NoError(t, d.cmd.Process.Signal(syscall.SIGTERM))
	d.wait(t, 10*time.Second) // a render in flight once held shutdown for 30 s
}

// TestAttack_SeededTemplateBomb: the same bomb from a seed file is
// stored, fails its events, and the daemon restarts on its data dir after
// a kill (no crash loop); a seeded template that calls itself is refused
// at start, naming the binding, and loads nothing.
func TestAttack_SeededTemplateBomb(t *testing.T) {
	seedFile := func(template string) string {
		b, err := json.Marshal(map[string]any{"ironlocal_seed": 1, "triggers": []map[string]any{{
			"name": "bomb", "project_id": testProject, "plugin": "upload", "config": map[string]any{"dir": t.TempDir()},
			"action": map[string]any{"type": "message", "queue": "q", "template": template}}}})
		require.NoError(t, err)
		p := filepath.Join(t.TempDir(), "seed.json")
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	bin := daemonBinary(t)
	out, err := exec.Command(bin, "--ephemeral", "--listen", freeAddr(t),
		"--seed", seedFile(`{{define "a"}}{{template "a" .}}{{end}}{{template "a" .}}`)).CombinedOutput()
	require.Error(t, err, "a seed with a template that calls itself is refused:\n%s", out)
	require.Contains(t, string(out), `triggers[0] ("bomb"): action.template: template "a" calls itself`)

	dataDir := t.TempDir()
	d := StartDaemonWithPlugins(t, "--data-dir", dataDir, "--seed", seedFile(`{{range 30000000}}0123456789{{end}}`))
	var list struct {
		Bindings []binding `json:"bindings"`
	}
	status, err := newAPIClient(d.URL).do(context.Background(), http.MethodGet, "/_ironlocal/triggers", nil, &list)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, list.Bindings, 1)
	outcome, _ := fireEvent(t, d, list.Bindings[0].ID, `{}`)
	require.Equal(t, "failed", outcome)
	d.Kill(t)
	d2 := StartDaemonWithPlugins(t, "--data-dir", dataDir)
	outcome, _ = fireEvent(t, d2, list.Bindings[0].ID, `{}`)
	require.Equal(t, "failed", outcome)
	require.False(t, d2.Exited(), "the stored bomb takes the daemon down no more")
}

// TestAttack_BindingFlood: bindings per project are capped on create,
// seed and snapshot import (each holds descriptors in a plugin and in the
// daemon), and the API keeps answering.
func TestAttack_BindingFlood(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral", "--max-bindings", "3")
	for range 3 {
		mustCreateBinding(t, d, uploadBindingBody(t, ""))
	}
	status, body := createBinding(t, d, uploadBindingBody(t, ""))
	require.Equal(t, http.StatusConflict, status, body)
	require.Contains(t, body, "already has 3 trigger bindings, the limit (--max-bindings)")

	// A snapshot of the three, imported where the limit is two.
	snap := exportSnapshot(t, d.URL)
	d2 := StartDaemonWithPlugins(t, "--ephemeral", "--max-bindings", "2")
	status, body = rawRequest(t, http.MethodPut, d2.URL+"/_ironlocal/snapshot", "application/octet-stream", snap, nil)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, "over 2 trigger bindings for project "+testProject)

	// 5,000 bindings in a seed: refused at start, nothing loaded.
	var triggers []map[string]any
	dir := t.TempDir()
	for i := range 5000 {
		triggers = append(triggers, map[string]any{"name": fmt.Sprint("b", i), "project_id": testProject, "plugin": "http",
			"config": map[string]any{"listen": "127.0.0.1:0", "routes": []map[string]any{{"path": "/x"}}},
			"action": map[string]any{"type": "message", "queue": "q"}})
	}
	b, err := json.Marshal(map[string]any{"ironlocal_seed": 1, "triggers": triggers})
	require.NoError(t, err)
	seed := filepath.Join(dir, "seed.json")
	require.NoError(t, os.WriteFile(seed, b, 0o600))
	out, err := exec.Command(daemonBinary(t), "--ephemeral", "--listen", freeAddr(t), "--seed", seed).CombinedOutput()
	require.Error(t, err, "%s", out)
	require.Contains(t, string(out), "already has 200 trigger bindings")
}

// TestAttack_UploadWholeDisk: an upload binding on "/" would walk and
// watch the whole disk; it is refused, saying why.
func TestAttack_UploadWholeDisk(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	status, body := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"upload","config":{"dir":"/","max_folders":50},`+
		`"action":{"type":"message","queue":"q"}}`)
	require.Equal(t, http.StatusBadRequest, status, body)
	require.Contains(t, body, "holds over 50 folders (max_folders)")
}

// TestAttack_ConfigErrorsInWords: a config that breaks a plugin's schema is
// answered in words, not with the validator's Go values.
func TestAttack_ConfigErrorsInWords(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	for _, tc := range []struct{ plugin, config, want string }{
		{"upload", `{"dir":"/tmp","settle_ms":-5}`, `settle_ms: must be >= 0, got -5`},
		{"upload", `{"dir":"/tmp","sufix":".csv"}`, `unknown field \"sufix\"`},
		{"upload", `{}`, `dir: required`},
		{"upload", `{"dir":5}`, `dir: must be a string, got a number`},
		{"queue", `{"queue":"in","batch_size":500}`, `batch_size: must be <= 100, got 500`},
	} {
		status, body := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"`+tc.plugin+`","config":`+tc.config+
			`,"action":{"type":"message","queue":"q"}}`)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Contains(t, body, tc.want)
		require.NotContains(t, body, "&{", "no Go values")
	}
}

// TestAttack_PprofCmdlineShowsNoTokens: one token must not read the
// others off the profiler's command line page.
func TestAttack_PprofCmdlineShowsNoTokens(t *testing.T) {
	d := StartDaemon(t, "--ephemeral", "--pprof", "--token", "reader-token,admin-secret-token")
	status, body := rawRequest(t, http.MethodGet, d.URL+"/_ironlocal/debug/pprof/cmdline", "", "",
		map[string]string{"Authorization": "OAuth reader-token"})
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "--pprof")
	require.NotContains(t, body, "admin-secret-token")
}

// TestAttack_StoreFilesPrivate: in a data directory the user made
// world-readable, the store's files are the user's alone.
func TestAttack_StoreFilesPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no POSIX modes")
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.Mkdir(dataDir, 0o755))
	require.NoError(t, os.Chmod(dataDir, 0o755))
	d := StartDaemon(t, "--data-dir", dataDir)
	api := newAPIClient(d.URL)
	_, _, err := api.postMessages(context.Background(), "secret", []string{strings.Repeat("s", 8<<10)})
	require.NoError(t, err)
	status, body := rawRequest(t, http.MethodPost, d.URL+"/_ironlocal/snapshot", "application/json", `{"name":"s.snapshot"}`, nil)
	require.Equal(t, http.StatusOK, status, body)
	d.Stop(t)
	var checked int
	require.NoError(t, filepath.WalkDir(dataDir, func(path string, e fs.DirEntry, err error) error {
		require.NoError(t, err)
		if path == dataDir {
			return nil
		}
		fi, err := e.Info()
		require.NoError(t, err)
		require.Zero(t, fi.Mode().Perm()&0o077, "%s is %v: readable by other users", path, fi.Mode().Perm())
		checked++
		return nil
	}))
	require.Greater(t, checked, 3, "the store's files were checked")
}

package test

// The gateway's part of the attack suite (issue 19 §3): the http trigger
// plugin's own listener, run by the real daemon as the real plugin binary.
// Its sync routes answer with a task's output, so a page that can read
// them reads the task's output; and its connections are the plugin
// process's memory.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gatewaySecret is what the task behind the gateway's routes answers. Its
// answer also sets Access-Control-Allow-Origin: * itself, as a careless
// function might: with CORS configured on the gateway, that header must
// not reach a browser on an origin the gateway does not allow.
const gatewaySecret = "s3cret-task-output"

// startGateway starts a daemon with the built-in plugins on the process
// runtime, registers the code "answer" whose task prints gatewaySecret as a
// Lambda proxy answer (the trailing ":" takes the Iron arguments the
// command is given), binds the http plugin to it with config (a JSON
// object) and returns the daemon and the gateway's base URL.
func startGateway(t *testing.T, config string) (*Daemon, string) {
	t.Helper()
	d := StartDaemonWithPlugins(t, "--ephemeral", "--runtime", "process")
	code, err := json.Marshal(map[string]string{"name": "answer", "image": "x",
		"command": `echo '{"statusCode":200,"headers":{"Access-Control-Allow-Origin":"*"},"body":"` + gatewaySecret + `"}'; :`})
	require.NoError(t, err)
	status, body := rawRequest(t, http.MethodPost, d.URL+workerPath("/codes"), "application/json", string(code),
		map[string]string{"Authorization": "OAuth " + testToken})
	require.Equal(t, http.StatusOK, status, body)
	return d, bindGateway(t, d, config)
}

// bindGateway binds one more http listener to the code "answer" and
// returns its base URL.
func bindGateway(t *testing.T, d *Daemon, config string) string {
	t.Helper()
	id := mustCreateBinding(t, d, `{"project_id":"`+testProject+`","plugin":"http","config":`+config+
		`,"action":{"type":"task","code_name":"answer"}}`)
	waitBindingRunning(t, d, id)
	var addr string
	require.Eventually(t, func() bool {
		addr = getBinding(t, d, id).StatusAttrs["address"]
		return addr != ""
	}, 10*time.Second, 20*time.Millisecond, "binding %s never reported its address", id)
	return "http://" + addr
}

// gatewayCall sends one request with the given headers ("Host" sets the
// Host header) and returns the answer with its body read.
func gatewayCall(t *testing.T, method, rawURL string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, nil)
	require.NoError(t, err)
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	require.NoError(t, err, "%s %s", method, rawURL)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// TestAttack_GatewayDNSRebinding: a page on rebound.attacker.example, whose
// name the attacker resolves to 127.0.0.1, is same-origin with the
// gateway; only the Host header still names the attacker. It must not read
// a sync route's answer (the task's output), nor queue the task.
func TestAttack_GatewayDNSRebinding(t *testing.T) {
	d, base := startGateway(t, `{"listen":"127.0.0.1:0","routes":[{"path":"/secret","mode":"sync"}]}`)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	for _, host := range []string{"rebound.attacker.example:" + port, "rebound.attacker.example",
		"localhost.attacker.example:" + port, "127.0.0.1.attacker.example:" + port} {
		resp, body := gatewayCall(t, http.MethodGet, base+"/secret", map[string]string{"Host": host})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "Host %s: %s", host, body)
		require.NotContains(t, body, gatewaySecret, "Host %s read the task's output", host)
		require.Contains(t, body, "DNS rebinding", "the answer says why")
	}
	require.Empty(t, listTasks(t.Context(), t, newAPIClient(d.URL), "answer"), "a refused request queues no task")

	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port} {
		resp, body := gatewayCall(t, http.MethodGet, base+"/secret", map[string]string{"Host": host})
		require.Equal(t, http.StatusOK, resp.StatusCode, "Host %s: %s", host, body)
		require.Equal(t, gatewaySecret, body)
	}

	t.Run("allow_hosts names more hosts", func(t *testing.T) {
		named := bindGateway(t, d, `{"listen":"127.0.0.1:0","allow_hosts":["gateway.test",".apps.test"],"routes":[{"path":"/secret","mode":"sync"}]}`)
		for host, want := range map[string]int{"gateway.test": http.StatusOK, "api.apps.test": http.StatusOK,
			"rebound.attacker.example": http.StatusForbidden, "apps.test.attacker.example": http.StatusForbidden} {
			resp, body := gatewayCall(t, http.MethodGet, named+"/secret", map[string]string{"Host": host})
			require.Equal(t, want, resp.StatusCode, "Host %s: %s", host, body)
		}
	})
	t.Run(`allow_hosts "*" turns the rule off`, func(t *testing.T) {
		open := bindGateway(t, d, `{"listen":"127.0.0.1:0","allow_hosts":["*"],"routes":[{"path":"/secret","mode":"sync"}]}`)
		resp, body := gatewayCall(t, http.MethodGet, open+"/secret", map[string]string{"Host": "rebound.attacker.example"})
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Equal(t, gatewaySecret, body)
	})
}

// stall opens a connection to base and sends what a stalled peer sends
// before it stops: a request head with a body it never finishes.
func stall(t *testing.T, base string) net.Conn {
	t.Helper()
	addr := strings.TrimPrefix(base, "http://")
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	// A write to a connection the gateway has just refused may fail: that
	// is the cap at work, and the watcher sees the connection closed.
	_, _ = fmt.Fprintf(c, "POST /jobs HTTP/1.1\r\nHost: %s\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\nthe first bytes", addr)
	return c
}

// watchClosed counts the connections the gateway closes: each is read
// until it ends (the peer's own Close at cleanup ends the rest).
func watchClosed(conns []net.Conn) *atomic.Int64 {
	var closed atomic.Int64
	for _, c := range conns {
		go func() {
			_, _ = io.Copy(io.Discard, c)
			closed.Add(1)
		}()
	}
	return &closed
}

// TestAttack_GatewayStalledConnections: peers that stall, with a request
// body they never finish or with nothing at all, are not held beyond the
// connection cap; the gateway keeps answering while idle connections fill
// it.
func TestAttack_GatewayStalledConnections(t *testing.T) {
	// Timeouts far longer than the test: only the cap can close anything.
	d, base := startGateway(t, `{"listen":"127.0.0.1:0","max_connections":20,`+
		`"read_header_timeout_ms":120000,"body_timeout_ms":120000,"idle_timeout_ms":120000,"routes":[{"path":"/jobs"}]}`)
	const limit, stalled = 20, 80
	conns := make([]net.Conn, 0, stalled)
	for range stalled {
		conns = append(conns, stall(t, base))
	}
	closed := watchClosed(conns)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, closed.Load(), int64(stalled-limit), "connections beyond the cap are closed")
	}, 10*time.Second, 20*time.Millisecond, "the gateway held %d stalled connections (cap %d)", stalled-int(closed.Load()), limit)
	for _, c := range conns {
		_ = c.Close()
	}

	// Idle connections (nothing sent) are evicted to make room: the
	// gateway still answers.
	idle := make([]net.Conn, 0, 200)
	for range 200 {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		idle = append(idle, c)
	}
	closedIdle := watchClosed(idle)
	for range 5 {
		resp, body := gatewayCall(t, http.MethodGet, base+"/no-such-route", nil)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, body)
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, closedIdle.Load(), int64(200-limit), "idle connections beyond the cap are closed")
	}, 10*time.Second, 20*time.Millisecond)
	require.Empty(t, listTasks(t.Context(), t, newAPIClient(d.URL), "answer"), "no stalled request became a task")
}

// TestAttack_GatewaySlowPeers: a body that stops arriving, a request head
// that never ends and a keep-alive connection nobody uses are each cut off
// after their timeout; a body that keeps arriving slowly is not.
func TestAttack_GatewaySlowPeers(t *testing.T) {
	d, base := startGateway(t, `{"listen":"127.0.0.1:0","read_header_timeout_ms":500,"body_timeout_ms":500,"idle_timeout_ms":500,`+
		`"routes":[{"path":"/jobs"}]}`)
	addr := strings.TrimPrefix(base, "http://")
	// ended waits for the gateway to end the connection, at most 10 s
	// (20 times the timeouts), and returns what it answered.
	ended := func(t *testing.T, c net.Conn) string {
		t.Helper()
		require.NoError(t, c.SetReadDeadline(time.Now().Add(10*time.Second)))
		b, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the gateway still holds the connection after 10 s (read %q)", b)
		}
		return string(b)
	}

	t.Run("a stalled body", func(t *testing.T) {
		answer := ended(t, stall(t, base))
		require.Contains(t, answer, "408", "the gateway answers Request Timeout")
	})
	t.Run("a stalled request head", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		_, err = fmt.Fprintf(c, "GET /jobs HTTP/1.1\r\nHost: %s\r\nX-Slow: ", addr)
		require.NoError(t, err)
		ended(t, c)
	})
	t.Run("an idle keep-alive connection", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		_, err = fmt.Fprintf(c, "GET /no-such-route HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		require.NoError(t, err)
		require.Contains(t, ended(t, c), "404 Not Found", "answered, then closed when idle")
	})
	t.Run("a slow body that keeps arriving", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		const chunks = 10
		_, err = fmt.Fprintf(c, "POST /jobs HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", addr, chunks)
		require.NoError(t, err)
		// One byte every 100 ms: 1 s in all, twice the body timeout, which
		// bounds progress, not the whole body.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for range chunks {
			<-tick.C
			_, err = c.Write([]byte("x"))
			require.NoError(t, err)
		}
		require.Contains(t, ended(t, c), "202 Accepted")
	})
	require.Len(t, listTasks(t.Context(), t, newAPIClient(d.URL), "answer"), 1, "only the finished body became a task")
}

// TestAttack_GatewayCORS: with CORS configured, the gateway answers
// preflights itself (no task runs for them) and lets only the allowed
// origins read answers, whatever CORS headers the task's answer carries.
func TestAttack_GatewayCORS(t *testing.T) {
	d, base := startGateway(t, `{"listen":"127.0.0.1:0","cors":{"allow_origins":["http://app.example"],`+
		`"allow_methods":["GET","POST"],"allow_headers":["Content-Type","X-Api-Key"],"expose_headers":["X-Ironlocal-Task-Id"],"max_age":600},`+
		`"routes":[{"path":"/jobs"},{"path":"/secret","mode":"sync"}]}`)
	api := newAPIClient(d.URL)

	t.Run("preflight of an allowed origin", func(t *testing.T) {
		resp, body := gatewayCall(t, http.MethodOptions, base+"/jobs", map[string]string{"Origin": "http://app.example",
			"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key"})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, body)
		require.Equal(t, "http://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
		require.Contains(t, strings.ToUpper(resp.Header.Get("Access-Control-Allow-Methods")), "POST")
		require.Contains(t, strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "x-api-key")
		require.Equal(t, "600", resp.Header.Get("Access-Control-Max-Age"))
		require.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
	t.Run("preflight of another origin", func(t *testing.T) {
		resp, body := gatewayCall(t, http.MethodOptions, base+"/secret", map[string]string{"Origin": "http://evil.example",
			"Access-Control-Request-Method": "GET"})
		require.Equal(t, http.StatusNoContent, resp.StatusCode, body)
		for k := range resp.Header {
			require.False(t, strings.HasPrefix(k, "Access-Control-"), "preflight for another origin has %s", k)
		}
	})
	require.Empty(t, listTasks(t.Context(), t, api, "answer"), "preflights run no task")

	t.Run("an allowed origin reads the answer", func(t *testing.T) {
		resp, body := gatewayCall(t, http.MethodGet, base+"/secret", map[string]string{"Origin": "http://app.example"})
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Equal(t, gatewaySecret, body)
		require.Equal(t, "http://app.example", resp.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "X-Ironlocal-Task-Id", resp.Header.Get("Access-Control-Expose-Headers"))
	})
	t.Run("another origin gets no CORS headers", func(t *testing.T) {
		for _, origin := range []string{"http://evil.example", "null", "http://app.example.evil.example", "https://app.example"} {
			resp, body := gatewayCall(t, http.MethodGet, base+"/secret", map[string]string{"Origin": origin})
			require.Equal(t, http.StatusOK, resp.StatusCode, "served, as API Gateway does: %s", body)
			for k := range resp.Header {
				require.False(t, strings.HasPrefix(k, "Access-Control-"), "origin %s got %s: %v (the task's own CORS headers must be dropped)",
					origin, k, resp.Header)
			}
		}
	})
}

package test

// The embedded Redis of the redis trigger plugin (a binding without "url"),
// attacked the way any local user can: over its TCP port. Issue 19 §2.

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// respConn is a raw RESP2 connection to a Redis server, for attacks.
type respConn struct {
	nc net.Conn
	r  *bufio.Reader
}

func dialRESP(t *testing.T, addr string) *respConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	return &respConn{nc: nc, r: bufio.NewReader(nc)}
}

// command encodes args as a RESP array.
func command(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// do sends one command and returns its reply, as reply() does.
func (c *respConn) do(t *testing.T, args ...string) string {
	t.Helper()
	_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(c.nc, command(args...))
	require.NoError(t, err)
	reply, err := c.reply()
	require.NoError(t, err, "reply to %q", args)
	return reply
}

// reply reads one reply: a status, error or integer as its line ("+OK",
// "-ERR …", ":1"), a bulk string as its text, a nil as "(nil)", an array as
// its elements joined by "\n".
func (c *respConn) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "(nil)", err
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "(nil)", err
		}
		parts := make([]string, n)
		for i := range parts {
			if parts[i], err = c.reply(); err != nil {
				return "", err
			}
		}
		return strings.Join(parts, "\n"), nil
	}
	return line, nil
}

// embeddedRedis creates a binding whose plugin starts an embedded Redis
// with the given extra config fields (JSON members, "" for none), waits
// until it runs and returns its id and the server's address.
func embeddedRedis(t *testing.T, d *Daemon, extra string) (id, addr string) {
	t.Helper()
	cfg := `{"keys":["jobs"]`
	if extra != "" {
		cfg += "," + extra
	}
	id = mustCreateBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis","config":`+cfg+`},`+
		`"action":{"type":"message","queue":"popped"}}`)
	return id, embeddedAddr(t, d, id)
}

// embeddedAddr waits until the binding runs and its status shows the
// embedded server's address.
func embeddedAddr(t *testing.T, d *Daemon, id string) string {
	t.Helper()
	var b binding
	require.Eventually(t, func() bool {
		b = getBinding(t, d, id)
		return b.State == "running" && b.StatusAttrs["address"] != ""
	}, 30*time.Second, 20*time.Millisecond, "binding %s never reported its address: %+v", id, b)
	return b.StatusAttrs["address"]
}

// redisPlugin is the redis plugin's process as the control plane shows it.
type redisPlugin struct {
	PID      int `json:"pid"`
	Restarts int `json:"restarts"`
}

func redisPluginState(t *testing.T, d *Daemon) redisPlugin {
	t.Helper()
	var list struct {
		Plugins []struct {
			Name string `json:"name"`
			redisPlugin
		} `json:"plugins"`
	}
	status, err := newAPIClient(d.URL).do(context.Background(), http.MethodGet, "/_ironlocal/plugins", nil, &list)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	for _, p := range list.Plugins {
		if p.Name == "redis" {
			return p.redisPlugin
		}
	}
	t.Fatal("no redis plugin")
	return redisPlugin{}
}

// TestAttack_RedisLuaReadsNoFile: miniredis's Lua has the base, package and
// debug libraries open, so EVAL could dofile, loadfile or require any file
// the developer can read (their .env). Scripting is off on the embedded
// server: every scripting command answers an error and nothing leaks. The
// daemon runs in strict mode: the embedded server is reachable regardless.
func TestAttack_RedisLuaReadsNoFile(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.lua"), []byte(`return "TOPSECRET-lua"`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte(`API_KEY="TOPSECRET-env"`+"\n"), 0o600))
	d := StartDaemonWithPlugins(t, "--ephemeral", "--token", testToken)
	_, addr := embeddedRedis(t, d, "")
	c := dialRESP(t, addr)

	dofile := fmt.Sprintf(`return dofile(%q)`, filepath.Join(dir, "secret.lua"))
	loadEnv := fmt.Sprintf(`local f = loadfile(%q); local env = {}; setfenv(f, env); f(); return env.API_KEY`,
		filepath.Join(dir, ".env"))
	requireMod := fmt.Sprintf(`package.path = %q; return require("secret")`, filepath.Join(dir, "?.lua"))
	sum := sha1.Sum([]byte(dofile))
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"EVAL dofile", []string{"EVAL", dofile, "0"}},
		{"EVAL loadfile .env", []string{"EVAL", loadEnv, "0"}},
		{"EVAL require", []string{"EVAL", requireMod, "0"}},
		{"EVAL debug", []string{"EVAL", `return type(debug.getregistry())`, "0"}},
		{"eval lower case", []string{"eval", dofile, "0"}},
		{"EVAL_RO", []string{"EVAL_RO", dofile, "0"}},
		{"SCRIPT LOAD", []string{"SCRIPT", "LOAD", dofile}},
		{"EVALSHA", []string{"EVALSHA", hex.EncodeToString(sum[:]), "0"}},
		{"EVALSHA_RO", []string{"EVALSHA_RO", hex.EncodeToString(sum[:]), "0"}},
		{"FUNCTION LOAD", []string{"FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f', function() return dofile('" +
			filepath.Join(dir, "secret.lua") + "') end)"}},
		{"FCALL", []string{"FCALL", "f", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reply := c.do(t, tc.args...)
			assert.NotContains(t, reply, "TOPSECRET")
			assert.True(t, strings.HasPrefix(reply, "-ERR "), "a Redis error: %q", reply)
		})
	}
	// Inside MULTI the refusal is immediate too, and EXEC runs nothing.
	require.Equal(t, "+OK", c.do(t, "MULTI"))
	reply := c.do(t, "EVAL", dofile, "0")
	require.True(t, strings.HasPrefix(reply, "-ERR "), "%q", reply)
	reply = c.do(t, "EXEC")
	require.NotContains(t, reply, "TOPSECRET")
	require.Equal(t, "+PONG", c.do(t, "PING"), "the connection still works")
}

// TestAttack_RedisHugeLengthsRefused: a request announcing a huge bulk or
// array length (20 bytes) made miniredis allocate it and the plugin crash,
// losing the embedded data. Such requests are refused before miniredis
// reads them: the connection gets a protocol error, the plugin keeps
// running and the data stays. So are the other few-byte crashes: an empty
// command, and sizes given as numbers (SETBIT at a huge offset …).
func TestAttack_RedisHugeLengthsRefused(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	_, addr := embeddedRedis(t, d, "")
	before := redisPluginState(t, d)
	require.Equal(t, "+OK", dialRESP(t, addr).do(t, "SET", "kept", "value"))

	for _, tc := range []struct{ name, request string }{
		{"huge bulk", "*1\r\n$100000000000\r\n"},
		{"huge bulk inside a command", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000000\r\n"},
		{"bulk over the default cap", "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n"},
		{"huge array", "*100000000000\r\n"},
		{"int overflow", "*1\r\n$99999999999999999999999\r\n"},
		{"negative bulk", "*1\r\n$-5\r\n"},
		{"endless header line", "*" + strings.Repeat("1", 1<<20)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRESP(t, addr)
			_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
			_, err := io.WriteString(c.nc, tc.request)
			require.NoError(t, err)
			reply, err := c.reply()
			require.NoError(t, err, "a protocol error comes back before the connection closes")
			require.True(t, strings.HasPrefix(reply, "-ERR Protocol error"), "%q", reply)
			_, err = c.reply()
			require.Error(t, err, "then the connection is closed")
		})
	}
	t.Run("empty commands", func(t *testing.T) {
		// Redis ignores them; miniredis indexed the missing command name.
		c := dialRESP(t, addr)
		_, err := io.WriteString(c.nc, "*0\r\n*-1\r\n")
		require.NoError(t, err)
		require.Equal(t, "+PONG", c.do(t, "PING"))
	})
	t.Run("sizes in numbers", func(t *testing.T) {
		// Short commands whose numbers size what miniredis allocates.
		c := dialRESP(t, addr)
		require.Equal(t, ":1", c.do(t, "SADD", "set", "a"))
		require.Equal(t, ":1", c.do(t, "HSET", "hash", "a", "b"))
		require.Equal(t, ":1", c.do(t, "ZADD", "zset", "1", "a"))
		for _, args := range [][]string{
			{"SETBIT", "bits", "400000000000", "1"},
			{"SETRANGE", "str", "400000000000", "x"},
			{"SRANDMEMBER", "set", "-400000000000"},
			{"HRANDFIELD", "hash", "-400000000000"},
			{"ZRANDMEMBER", "zset", "-400000000000"},
		} {
			reply := c.do(t, args...)
			require.True(t, strings.HasPrefix(reply, "-ERR "), "%s: %q", args[0], reply)
		}
		require.Equal(t, ":0", c.do(t, "SETBIT", "bits", "7", "1"), "small offsets still work")
		require.Equal(t, "a\na", c.do(t, "SRANDMEMBER", "set", "-2"), "small counts too")
	})
	after := redisPluginState(t, d)
	require.Equal(t, before, after, "the plugin neither crashed nor restarted")
	require.Equal(t, "value", dialRESP(t, addr).do(t, "GET", "kept"), "the embedded data is still there")
}

// TestAttack_RedisBigPushMemoryBound: a 100 MB LPUSH is refused at its
// header instead of costing the plugin (and the daemon it emits to)
// several copies of it.
func TestAttack_RedisBigPushMemoryBound(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads peak RSS from /proc")
	}
	d := StartDaemonWithPlugins(t, "--ephemeral")
	_, addr := embeddedRedis(t, d, "")
	plugin := redisPluginState(t, d)
	c := dialRESP(t, addr)
	_ = c.nc.SetDeadline(time.Now().Add(2 * time.Minute))
	const size = 100 << 20
	sent := make(chan error, 1)
	go func() {
		_, err := io.WriteString(c.nc, fmt.Sprintf("*3\r\n$5\r\nLPUSH\r\n$4\r\njobs\r\n$%d\r\n", size))
		if err == nil {
			_, err = io.Copy(c.nc, io.LimitReader(zeroes{}, size))
		}
		if err == nil {
			_, err = io.WriteString(c.nc, "\r\n")
		}
		sent <- err
	}()
	reply, err := c.reply()
	require.NoError(t, err)
	<-sent // the server drained or closed: either is fine
	pluginPeak, daemonPeak := peakRSS(t, plugin.PID), peakRSS(t, d.cmd.Process.Pid)
	t.Logf("peak RSS after a 100 MiB LPUSH: plugin %d MiB, daemon %d MiB", pluginPeak>>20, daemonPeak>>20)
	require.True(t, strings.HasPrefix(reply, "-ERR Protocol error"), "refused: %q", reply[:min(len(reply), 80)])
	require.Equal(t, plugin, redisPluginState(t, d), "the plugin did not restart")
	require.Less(t, pluginPeak, int64(64<<20), "the plugin buffered the value")
	require.Less(t, daemonPeak, int64(128<<20), "the daemon received the value")
	require.Equal(t, "0", strings.TrimPrefix(dialRESP(t, addr).do(t, "LLEN", "jobs"), ":"), "nothing was pushed")
}

// TestAttack_RedisURLPasswordNeverShown: a url's password is in no answer:
// not the binding's config, status or state, nor the plugin's log.
func TestAttack_RedisURLPasswordNeverShown(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	_, addr := embeddedRedis(t, d, "") // no password: the url's AUTH fails, and says so
	const pw = "pw-url-9e2b"
	status, answer := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis",`+
		`"config":{"url":"redis://app:`+pw+`@`+addr+`/1","keys":["jobs"]},"action":{"type":"message","queue":"popped"}}`)
	require.Equal(t, http.StatusCreated, status, answer)
	require.NotContains(t, answer, pw, "the create answer")
	var b binding
	require.NoError(t, json.Unmarshal([]byte(answer), &b))
	require.Eventually(t, func() bool {
		return strings.HasPrefix(getBinding(t, d, b.ID).Status, "reconnecting")
	}, 30*time.Second, 20*time.Millisecond, "the failed AUTH shows in the status")
	for _, path := range []string{"/_ironlocal/triggers", "/_ironlocal/triggers/" + b.ID, "/_ironlocal/plugins"} {
		status, body := rawRequest(t, http.MethodGet, d.URL+path, "", "", map[string]string{"Authorization": "OAuth " + testToken})
		require.Equal(t, http.StatusOK, status, body)
		require.NotContains(t, body, pw, "GET %s", path)
		if path != "/_ironlocal/triggers" {
			require.Contains(t, body, "redis://app:xxxxx@", "GET %s", path)
		}
	}
	status, answer = rawRequest(t, http.MethodPatch, d.URL+"/_ironlocal/triggers/"+b.ID, "application/json",
		`{"config":{"url":"http://app:`+pw+`@h","keys":["jobs"]}}`, map[string]string{"Authorization": "OAuth " + testToken})
	require.Equal(t, http.StatusBadRequest, status, answer)
	require.NotContains(t, answer, pw, "a refused config's error")
}

// TestAttack_RedisPasswordNeverShown: the embedded server takes a password
// (AUTH); the binding's answers show that one is set, never its value, nor
// a url's password. Editing a binding with the config as shown keeps the
// stored secrets.
func TestAttack_RedisPasswordNeverShown(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	const pw = "pw-embedded-7d1f"
	embeddedID, addr := embeddedRedis(t, d, `"password":"`+pw+`"`)

	c := dialRESP(t, addr)
	require.True(t, strings.HasPrefix(c.do(t, "LPUSH", "jobs", "x"), "-NOAUTH"), "no command without AUTH")
	require.True(t, strings.HasPrefix(c.do(t, "AUTH", "wrong"), "-WRONGPASS"))
	require.Equal(t, "+OK", c.do(t, "AUTH", pw))

	// A second binding watches the first one's server through a URL with
	// the password in it.
	status, answer := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis",`+
		`"config":{"url":"redis://:`+pw+`@`+addr+`","keys":["urljobs"]},"action":{"type":"message","queue":"popped"}}`)
	require.Equal(t, http.StatusCreated, status, answer)
	require.NotContains(t, answer, pw, "the create answer")
	var created binding
	require.NoError(t, json.Unmarshal([]byte(answer), &created))
	urlID := created.ID
	waitBindingRunning(t, d, urlID)

	shown := func() string {
		t.Helper()
		var all strings.Builder
		for _, path := range []string{"/_ironlocal/triggers", "/_ironlocal/triggers/" + embeddedID,
			"/_ironlocal/triggers/" + urlID, "/_ironlocal/plugins"} {
			status, body := rawRequest(t, http.MethodGet, d.URL+path, "", "", map[string]string{"Authorization": "OAuth " + testToken})
			require.Equal(t, http.StatusOK, status, body)
			require.NotContains(t, body, pw, "GET %s", path)
			all.WriteString(body)
		}
		return all.String()
	}
	shown()
	emb := getBinding(t, d, embeddedID)
	require.Equal(t, "password", emb.StatusAttrs["auth"], "the status says a password is set: %+v", emb)

	// Edit both bindings with the config as shown (one more key): the
	// stored passwords stay, so both still authenticate.
	patch := func(id string, cfg map[string]any) {
		t.Helper()
		body, err := json.Marshal(map[string]any{"config": cfg})
		require.NoError(t, err)
		status, answer := rawRequest(t, http.MethodPatch, d.URL+"/_ironlocal/triggers/"+id, "application/json",
			string(body), map[string]string{"Authorization": "OAuth " + testToken})
		require.Equal(t, http.StatusOK, status, answer)
		require.NotContains(t, answer, pw, "the patch answer")
	}
	shownConfig := func(id string) map[string]any {
		t.Helper()
		var cfg map[string]any
		require.NoError(t, json.Unmarshal(getBinding(t, d, id).Config, &cfg))
		return cfg
	}
	for _, id := range []string{embeddedID, urlID} {
		cfg := shownConfig(id)
		cfg["keys"] = append(cfg["keys"].([]any), "edited")
		patch(id, cfg)
	}
	addr = embeddedAddr(t, d, embeddedID) // the embedded server restarted with the edit
	c = dialRESP(t, addr)
	require.True(t, strings.HasPrefix(c.do(t, "AUTH", "xxxxx"), "-WRONGPASS"), "the placeholder is not the password")
	require.Equal(t, "+OK", c.do(t, "AUTH", pw), "the stored password was kept")

	// The URL binding's server moved: point it at the new address, keeping
	// the password as shown.
	cfg := shownConfig(urlID)
	shownURL, _ := cfg["url"].(string)
	require.Contains(t, shownURL, "xxxxx", "the url's password is shown redacted: %s", shownURL)
	userinfo, _, _ := strings.Cut(shownURL, "@")
	cfg["url"] = userinfo + "@" + addr
	cfg["keys"] = []string{"urlonly"}
	patch(urlID, cfg)
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		b := getBinding(t, d, urlID)
		assert.Equal(ct, "running", b.State)
		assert.True(ct, strings.HasPrefix(b.Status, "watching"), "authenticated: %q", b.Status)
	}, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, ":1", c.do(t, "LPUSH", "urlonly", "through the url"))
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		var evs struct {
			Events []struct {
				Payload string `json:"payload"`
			} `json:"events"`
		}
		status, err := newAPIClient(d.URL).do(context.Background(), http.MethodGet,
			"/_ironlocal/triggers/"+urlID+"/events", nil, &evs)
		assert.NoError(ct, err)
		assert.Equal(ct, http.StatusOK, status)
		if assert.Len(ct, evs.Events, 1, "the url binding popped the item") {
			assert.Contains(ct, evs.Events[0].Payload, "through the url")
		}
	}, 20*time.Second, 20*time.Millisecond)
	shown()
}

// TestAttack_RedisListenNeedsExpose: an embedded server on a non-loopback
// address is reachable from the network; it needs "expose": true.
func TestAttack_RedisListenNeedsExpose(t *testing.T) {
	d := StartDaemonWithPlugins(t, "--ephemeral")
	for _, listen := range []string{"0.0.0.0:0", ":0", "[::]:0", "example.com:0"} {
		status, answer := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis",`+
			`"config":{"listen":"`+listen+`","keys":["jobs"]},"action":{"type":"message","queue":"popped"}}`)
		require.Equal(t, http.StatusBadRequest, status, "listen %s: %s", listen, answer)
		require.Contains(t, answer, "expose", "listen %s", listen)
	}
	for _, listen := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		status, answer := createBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis",`+
			`"config":{"listen":"`+listen+`","keys":["jobs"]},"action":{"type":"message","queue":"popped"}}`)
		require.Equal(t, http.StatusCreated, status, "listen %s: %s", listen, answer)
	}
	id := mustCreateBinding(t, d, `{"project_id":"`+testProject+`","plugin":"redis",`+
		`"config":{"listen":"0.0.0.0:0","expose":true,"keys":["jobs"]},"action":{"type":"message","queue":"popped"}}`)
	embeddedAddr(t, d, id)
	require.Equal(t, "true", getBinding(t, d, id).StatusAttrs["exposed"])
}

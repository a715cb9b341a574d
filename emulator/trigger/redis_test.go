package trigger_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/server"
	"github.com/ironlocal/ironlocal/emulator/trigger"
)

// redisCmd sends one command over RESP and returns the reply line.
func redisCmd(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

func redisDo(t *testing.T, addr string, args ...string) string {
	t.Helper()
	reply, err := redisCmd(addr, args...)
	require.NoError(t, err)
	return reply
}

func TestRedis_EmbeddedServer(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "redis")}}, "redis")
	shellCode(t, srv, "popped", `cat "$PAYLOAD_FILE"; :`)
	shellCode(t, srv, "heard", `cat "$PAYLOAD_FILE"; :`)

	list, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "redis",
		Config: json.RawMessage(`{"keys":["jobs"]}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "popped"}})
	require.NoError(t, err)
	v := bindingRunning(t, srv, list.ID)
	addr := v.StatusAttrs["address"]
	require.NotEmpty(t, addr, "the embedded server's address is reported")
	require.Equal(t, "true", v.StatusAttrs["embedded"])

	require.Equal(t, ":1", redisDo(t, addr, "LPUSH", "jobs", `{"job":7}`))
	tasks := finishedTasks(t, srv, "popped", 1)
	require.JSONEq(t, `{"source":"redis","mode":"list","key":"jobs","value":"{\"job\":7}"}`, taskLog(t, srv, tasks[0].ID))

	// A channel subscription on a URL: the first binding's embedded server.
	sub, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "redis",
		Config: json.RawMessage(`{"url":"redis://` + addr + `","mode":"psubscribe","channels":["orders.*"],"payload":"value"}`),
		Action: emulator.BindingAction{Type: emulator.ActionTask, CodeName: "heard"}})
	require.NoError(t, err)
	bindingRunning(t, srv, sub.ID)
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		reply, err := redisCmd(addr, "PUBLISH", "orders.new", "order 9")
		assert.NoError(c, err)
		assert.Equal(c, ":1", reply, "one subscriber heard it")
	}, 10*time.Second, 50*time.Millisecond)
	tasks = finishedTasks(t, srv, "heard", 1)
	require.Equal(t, "order 9", taskLog(t, srv, tasks[0].ID))
}

// TestRedis_URLPasswordNeverShown: a url's password is in no view, status
// event or log line, and an update with the config as shown keeps it.
func TestRedis_URLPasswordNeverShown(t *testing.T) {
	ctx := context.Background()
	srv := start(t, server.Options{PluginsDirs: []string{pluginDir(t, "redis")}}, "redis")
	sub := srv.Bus().Subscribe(1024)
	defer sub.Close()
	const pw = "pw-url-51c3"
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a Redis that never answers
	require.NoError(t, err)
	defer ln.Close()
	stored := `{"url":"redis://app:` + pw + `@` + ln.Addr().String() + `/2","keys":["jobs"]}`
	v, err := srv.Triggers().CreateBinding(ctx, trigger.BindingInput{ProjectID: project, Plugin: "redis",
		Config: json.RawMessage(stored), Action: emulator.BindingAction{Type: emulator.ActionMessage, Queue: "q"}})
	require.NoError(t, err)
	require.NotContains(t, string(v.Config), pw)
	require.Contains(t, string(v.Config), "redis://app:xxxxx@")

	var statuses []string
	require.Eventually(t, func() bool {
		for {
			select {
			case ev := <-sub.C:
				if s, ok := ev.Attrs["status"].(string); ok && ev.Type == emulator.EventTriggerState {
					statuses = append(statuses, s)
				}
			default:
				return len(statuses) > 0
			}
		}
	}, 10*time.Second, 5*time.Millisecond)
	for _, s := range statuses {
		require.NotContains(t, s, pw)
	}
	require.Contains(t, statuses[0], "watching redis://app:xxxxx@")
	v, err = srv.Triggers().Binding(ctx, v.ID)
	require.NoError(t, err)
	require.NotContains(t, fmt.Sprint(v), pw)

	authSent := func() string {
		t.Helper()
		c, err := ln.Accept()
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
		auth := make([]byte, len("*3\r\n$4\r\nAUTH\r\n$3\r\napp\r\n$11\r\n"+pw+"\r\n"))
		_, err = io.ReadFull(c, auth)
		require.NoError(t, err)
		return string(auth)
	}
	require.Contains(t, authSent(), pw, "the first run authenticates")

	// An update with the config as shown, and another key, keeps the
	// password: the next run still sends it.
	var cfg map[string]any
	require.NoError(t, json.Unmarshal(v.Config, &cfg))
	cfg["keys"] = []string{"jobs", "more"}
	shown, err := json.Marshal(cfg)
	require.NoError(t, err)
	v, err = srv.Triggers().UpdateBinding(ctx, v.ID, trigger.BindingPatch{Config: shown})
	require.NoError(t, err)
	require.NotContains(t, string(v.Config), pw)
	require.Contains(t, string(v.Config), `"more"`)
	require.Contains(t, authSent(), pw, "the updated run authenticates with the stored password")

	p, ok := pluginState(srv, "redis")
	require.True(t, ok)
	require.NotContains(t, strings.Join(p.Log, "\n"), pw)
}

package trigger_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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

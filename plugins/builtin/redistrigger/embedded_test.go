package redistrigger

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// startTestServer starts an embedded server on loopback with small caps.
func startTestServer(t *testing.T, password string) *embedded {
	t.Helper()
	e, err := startEmbedded(config{Listen: "127.0.0.1:0", Password: password, MaxBulkBytes: 16, MaxRequestBytes: 64})
	require.NoError(t, err)
	t.Cleanup(e.Close)
	return e
}

// client is a raw connection to the server.
type client struct {
	nc net.Conn
	r  *bufio.Reader
}

func dialTest(t *testing.T, e *embedded) *client {
	t.Helper()
	nc, err := net.DialTimeout("tcp", e.Addr().String(), 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nc.Close() })
	require.NoError(t, nc.SetDeadline(time.Now().Add(10*time.Second)))
	return &client{nc: nc, r: bufio.NewReader(nc)}
}

func (c *client) send(t *testing.T, raw string) {
	t.Helper()
	_, err := io.WriteString(c.nc, raw)
	require.NoError(t, err)
}

// line reads one reply line, CRLF removed.
func (c *client) line(t *testing.T) string {
	t.Helper()
	l, err := c.r.ReadString('\n')
	require.NoError(t, err)
	return strings.TrimRight(l, "\r\n")
}

func (c *client) do(t *testing.T, args ...string) string {
	t.Helper()
	c.send(t, command(args...))
	return c.line(t)
}

func TestEmbedded_RefusalComesAfterEarlierReplies(t *testing.T) {
	e := startTestServer(t, "")
	c := dialTest(t, e)
	// Pipelined: two good commands, then one over max_bulk_bytes.
	c.send(t, command("SET", "k", "v")+command("GET", "k")+"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$17\r\n")
	require.Equal(t, "+OK", c.line(t))
	require.Equal(t, "$1", c.line(t))
	require.Equal(t, "v", c.line(t))
	require.Equal(t, "-ERR Protocol error: invalid bulk length (max_bulk_bytes is 16)", c.line(t))
	_, err := c.r.ReadString('\n')
	require.ErrorIs(t, err, io.EOF, "then the server closes the connection")
	require.Equal(t, "$1", dialTest(t, e).do(t, "GET", "k"), "the refused SET changed nothing")
}

func TestEmbedded_ScriptingRefused(t *testing.T) {
	e := startTestServer(t, "")
	c := dialTest(t, e)
	for _, args := range [][]string{
		{"EVAL", "return 1", "0"}, {"eval", "return 1", "0"}, {"EVAL_RO", "return 1", "0"},
		{"EVALSHA", "e0e1f9fa", "0"}, {"SCRIPT", "LOAD", "return 1"},
		{"FUNCTION", "LIST"}, {"FCALL", "f", "0"},
	} {
		require.Equal(t, "-"+errScripting, c.do(t, args...), "%v", args)
	}
	require.Equal(t, "+OK", c.do(t, "MULTI"))
	require.Equal(t, "-"+errScripting, c.do(t, "EVAL", "return 1", "0"), "refused, not queued")
	require.Equal(t, "*0", c.do(t, "EXEC"))
}

func TestEmbedded_SizesInNumbers(t *testing.T) {
	e := startTestServer(t, "")
	c := dialTest(t, e)
	require.Equal(t, ":1", c.do(t, "SADD", "s", "a"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"SETBIT", "b", "127", "1"}, ":0"}, // byte 15 of 16
		{[]string{"SETBIT", "b", "128", "1"}, "-ERR bit offset is not an integer or out of range (max_bulk_bytes is 16)"},
		{[]string{"SETRANGE", "r", "15", "x"}, ":16"},
		{[]string{"SETRANGE", "r", "15", "xy"}, "-ERR string exceeds maximum allowed size (max_bulk_bytes is 16)"},
		{[]string{"SETRANGE", "r", "400000000000", "x"}, "-ERR string exceeds maximum allowed size (max_bulk_bytes is 16)"},
		{[]string{"SRANDMEMBER", "s", "-1048577"}, "-ERR value is out of range (the embedded server returns at most 1048576 members)"},
		{[]string{"HRANDFIELD", "h", "-400000000000"}, "-ERR value is out of range (the embedded server returns at most 1048576 members)"},
		{[]string{"ZRANDMEMBER", "z", "1048577"}, "-ERR value is out of range (the embedded server returns at most 1048576 members)"},
		{[]string{"SRANDMEMBER", "s", "-1"}, "*1"},
		{[]string{"SETBIT", "b", "x", "1"}, "-ERR bit offset is not an integer or out of range"}, // miniredis's own answer
	} {
		require.Equal(t, tc.want, c.do(t, tc.args...), "%v", tc.args)
		if tc.want == "*1" {
			require.Equal(t, "$1", c.line(t))
			require.Equal(t, "a", c.line(t))
		}
	}
}

func TestEmbedded_Password(t *testing.T) {
	e := startTestServer(t, "s3cret")
	c := dialTest(t, e)
	require.Equal(t, "-NOAUTH Authentication required.", c.do(t, "GET", "k"))
	require.True(t, strings.HasPrefix(c.do(t, "AUTH", "wrong"), "-WRONGPASS"))
	require.Equal(t, "+OK", c.do(t, "AUTH", "s3cret"))
	require.Equal(t, "$-1", c.do(t, "GET", "k"))
}

func TestEmbedded_QuitClosesAndCloseWaits(t *testing.T) {
	e := startTestServer(t, "")
	c := dialTest(t, e)
	require.Equal(t, "+OK", c.do(t, "QUIT"))
	_, err := c.r.ReadString('\n')
	require.ErrorIs(t, err, io.EOF)

	idle := dialTest(t, e)
	require.Equal(t, "+PONG", idle.do(t, "PING"))
	e.Close()
	_, err = idle.r.ReadString('\n')
	require.Error(t, err, "Close ends the clients")
	e.Close() // idempotent
}

func TestEmbedded_MaxClients(t *testing.T) {
	e := startTestServer(t, "")
	for range maxClients {
		require.Equal(t, "+PONG", dialTest(t, e).do(t, "PING"))
	}
	require.Equal(t, "-ERR max number of clients reached", dialTest(t, e).line(t))
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		err       string // "" when valid
	}{
		{"defaults", `{"keys":["k"]}`, ""},
		{"loopback v4", `{"keys":["k"],"listen":"127.0.0.2:6379"}`, ""},
		{"loopback v6", `{"keys":["k"],"listen":"[::1]:0"}`, ""},
		{"localhost", `{"keys":["k"],"listen":"localhost:0"}`, ""},
		{"every interface", `{"keys":["k"],"listen":":0"}`, `set "expose": true`},
		{"unspecified v4", `{"keys":["k"],"listen":"0.0.0.0:0"}`, `set "expose": true`},
		{"a name", `{"keys":["k"],"listen":"my-laptop:0"}`, `set "expose": true`},
		{"exposed", `{"keys":["k"],"listen":"0.0.0.0:0","expose":true}`, ""},
		{"no port", `{"keys":["k"],"listen":"127.0.0.1"}`, "listen: "},
		{"password with a url", `{"keys":["k"],"url":"redis://h:1","password":"p"}`, "password: applies to the embedded server"},
		{"listen ignored with a url", `{"keys":["k"],"url":"redis://h:1","listen":"0.0.0.0:0"}`, ""},
		{"bulk cap too big", `{"keys":["k"],"max_bulk_bytes":536870913}`, "max_bulk_bytes"},
		{"request below bulk", `{"keys":["k"],"max_bulk_bytes":100,"max_request_bytes":99}`, "max_request_bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig([]byte(tc.raw))
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
		})
	}
	c, err := parseConfig([]byte(`{"keys":["k"]}`))
	require.NoError(t, err)
	require.Equal(t, 1<<20, c.MaxBulkBytes)
	require.Equal(t, 4<<20, c.MaxRequestBytes, "4 × max_bulk_bytes")
	c, err = parseConfig([]byte(`{"keys":["k"],"max_bulk_bytes":1000}`))
	require.NoError(t, err)
	require.Equal(t, 4000, c.MaxRequestBytes)
}

func TestEmbeddedURL(t *testing.T) {
	require.Equal(t, "redis://127.0.0.1:6379", embeddedURL(&net.TCPAddr{IP: net.IPv4zero, Port: 6379}, ""))
	require.Equal(t, "redis://[::1]:6379", embeddedURL(&net.TCPAddr{IP: net.IPv6unspecified, Port: 6379}, ""))
	require.Equal(t, "redis://:p%40ss@127.0.0.1:1", embeddedURL(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, "p@ss"))
	require.Equal(t, "redis://:xxxxx@h:1", redactURL("redis://:pw@h:1"))
	require.Equal(t, "redis://h:1", redactURL("redis://h:1"))
}

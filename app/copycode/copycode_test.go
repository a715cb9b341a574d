package copycode

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/client"
	"github.com/ironlocal/ironlocal/internal/testtool"
)

var testConn = Conn{BaseURL: "http://127.0.0.1:4766/", Token: "t'ok", Project: "000000000000000000000001"}

func TestShellQuote(t *testing.T) {
	testtool.Need(t, "sh")
	for _, s := range []string{"", "plain", "it's", `"$HOME" \n` + "`id`", "a'b''c", "new\nline"} {
		out, err := exec.Command("sh", "-c", "printf %s "+shellQuote(s)).Output()
		require.NoError(t, err)
		assert.Equal(t, s, string(out))
	}
}

func TestConn_Endpoint(t *testing.T) {
	for _, tc := range []struct {
		url, scheme, host string
		port              uint16
	}{
		{"http://127.0.0.1:4766", "http", "127.0.0.1", 4766},
		{"https://example.test", "https", "example.test", 443},
		{"http://[::1]:8080/", "http", "::1", 8080},
	} {
		scheme, host, port, err := Conn{BaseURL: tc.url}.endpoint()
		require.NoError(t, err, tc.url)
		assert.Equal(t, []any{tc.scheme, tc.host, tc.port}, []any{scheme, host, port}, tc.url)
	}
	_, _, _, err := Conn{BaseURL: "ftp://x"}.endpoint()
	assert.Error(t, err)
}

func TestCurlCommand(t *testing.T) {
	got, err := CurlCommand(testConn, Peek("a queue/x", 3))
	require.NoError(t, err)
	assert.Equal(t, "curl -sS --fail-with-body 'http://127.0.0.1:4766/3/projects/000000000000000000000001/queues/a%20queue%2Fx/messages?n=3' \\\n"+
		"  -H 'Authorization: OAuth t'\\''ok'\n", got)
}

func TestGoProgram_SaysWhatIronGo3Cannot(t *testing.T) {
	t.Run("cron schedule: no call", func(t *testing.T) {
		got, err := GoProgram(testConn, CreateSchedule(client.NewSchedule{CodeName: "c", Cron: "*/5 * * * *"}))
		require.NoError(t, err)
		assert.Contains(t, got, "iron_go3 has no call for a cron schedule")
		assert.NotContains(t, got, "package main")
	})
	t.Run("dead letter left out", func(t *testing.T) {
		got, err := GoProgram(testConn, PutQueue("q", client.QueueSettings{DeadLetter: &client.DeadLetter{QueueName: "dl", MaxReservations: 3}}))
		require.NoError(t, err)
		assert.Contains(t, got, "// Note: iron_go3 has no dead-letter settings")
		assert.Contains(t, got, "package main")
	})
	t.Run("a cache value iron_go3 cannot store", func(t *testing.T) {
		got, err := GoProgram(testConn, PutItem("c", "k", client.ItemPut{Value: []int{1}}))
		require.NoError(t, err)
		assert.Contains(t, got, "not []int")
	})
}

func TestPythonProgram_Literal(t *testing.T) {
	got, err := pyLiteral(`{"b":[true,false,null,1.5e3],"a":"x\"y","e":{},"l":[]}`)
	require.NoError(t, err)
	assert.Equal(t, "{\n    \"a\": \"x\\\"y\",\n    \"b\": [\n        True,\n        False,\n        None,\n        1.5e3,\n    ],\n"+
		"    \"e\": {},\n    \"l\": [],\n}", got)
}

func TestRender_Unknown(t *testing.T) {
	_, err := Render("ruby", testConn, Peek("q", 1))
	require.Error(t, err)
	for _, l := range Langs {
		out, err := Render(l, testConn, Peek("q", 1))
		require.NoError(t, err, l)
		assert.True(t, strings.Contains(out, "127.0.0.1"), l)
	}
}

package httpapi_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/server"
)

// TestMemcached_SameItemsAsREST drives the opt-in memcached listener the way
// iron_cache_ruby's test_memcached does and checks that the REST API sees
// the same items, both ways, in strict mode.
func TestMemcached_SameItemsAsREST(t *testing.T) {
	e := newEnvWith(t, server.Options{VirtualClock: true, MemcachedListen: "127.0.0.1:0",
		Tokens: []string{token}, Projects: []string{project}})
	addr := e.srv.MemcachedAddr()
	require.NotNil(t, addr, "the memcached listener is on")

	c, err := net.Dial("tcp", addr.String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(time.Minute)))
	r := bufio.NewReader(c)
	do := func(lines ...string) string {
		t.Helper()
		_, err := io.WriteString(c, strings.Join(lines, "\r\n")+"\r\n")
		require.NoError(t, err)
		l, err := r.ReadString('\n')
		require.NoError(t, err)
		return strings.TrimSuffix(l, "\r\n")
	}

	login := fmt.Sprintf("%s %s gem_tests", token, project)
	require.Contains(t, do(fmt.Sprintf("set oauth 0 0 %d", len("wrong "+project+" gem_tests")), "wrong "+project+" gem_tests"),
		"CLIENT_ERROR authentication failed", "strict mode's tokens hold here too")
	require.Equal(t, "STORED", do(fmt.Sprintf("set oauth 0 0 %d", len(login)), login))
	require.Equal(t, "STORED", do("set abc 0 0 3", "xyz"))

	got := e.item(t, "gem_tests", "abc")
	require.JSONEq(t, `"xyz"`, string(got.Value), "REST reads what memcached stored")

	e.put(t, "gem_tests", "n", `{"value":41}`).expectMsg(t, http.StatusOK, "Stored.")
	require.Equal(t, "42", do("incr n 1"), "memcached counts what REST stored")
	require.Equal(t, "42", string(e.item(t, "gem_tests", "n").Value))

	require.Equal(t, "DELETED", do("delete abc"))
	e.do(t, http.MethodGet, itemPath("gem_tests", "abc"), "").expectError(t, http.StatusNotFound)
}

func TestMemcached_OffByDefault(t *testing.T) {
	e := newEnv(t)
	require.Nil(t, e.srv.MemcachedAddr())
}

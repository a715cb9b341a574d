package tcironlocal_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/testcontainers/testcontainers-go"

	"github.com/ironlocal/ironlocal/tcironlocal"
)

// TestContainer_Memcached: WithMemcached publishes the memcached listener;
// an item set through it (after set oauth with the container's token) is
// the one the REST API returns.
func TestContainer_Memcached(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"), tcironlocal.WithMemcached())
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)

	ep, err := ctr.MemcachedEndpoint(ctx)
	require.NoError(t, err)
	c, err := net.Dial("tcp", ep)
	require.NoError(t, err)
	defer c.Close()
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
	login := ctr.Token() + " " + ctr.ProjectID() + " sessions"
	require.Equal(t, "STORED", do(fmt.Sprintf("set oauth 0 0 %d", len(login)), login))
	require.Equal(t, "STORED", do("set greeting 0 0 5", "hello"))

	var item struct {
		Value string `json:"value"`
	}
	require.NoError(t, call(ctx, ctr, http.MethodGet, "/1/projects/"+ctr.ProjectID()+"/caches/sessions/items/greeting", nil, &item))
	require.Equal(t, "hello", item.Value)
}

func TestContainer_MemcachedOff(t *testing.T) {
	ctx := context.Background()
	ctr, err := tcironlocal.Run(ctx, tcironlocal.DefaultImage, tcironlocal.WithRuntime("process"))
	testcontainers.CleanupContainer(t, ctr)
	require.NoError(t, err)
	_, err = ctr.MemcachedEndpoint(ctx)
	require.ErrorIs(t, err, tcironlocal.ErrNoMemcached)
}

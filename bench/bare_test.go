package bench_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/bench"
)

// The bare server must answer every request of the throughput figures the
// way the client expects ironlocal to, or the ceiling would measure errors.
func TestBareHandler_AnswersTheFiguresRequests(t *testing.T) {
	srv := httptest.NewServer(bench.BareHandler())
	t.Cleanup(srv.Close)
	c, err := bench.NewClient(srv.Client(), srv.URL, "000000000000000000000001", "t")
	require.NoError(t, err)
	ctx := context.Background()

	require.NoError(t, c.PostMessages(ctx, "q", bench.MessagesBody(100, "body")))
	msgs, err := c.Reserve(ctx, "q", 1, 60)
	require.NoError(t, err)
	require.Len(t, msgs, 1)
	require.NotEmpty(t, msgs[0].ReservationID)
	require.NoError(t, c.DeleteMessage(ctx, "q", msgs[0]))
	require.NoError(t, c.DeleteMessages(ctx, "q", msgs))
	require.NoError(t, c.CachePut(ctx, "bench", "k", bench.CacheItemBody("v")))
	require.NoError(t, c.CacheGet(ctx, "bench", "k"))
	v, err := c.Version(ctx)
	require.NoError(t, err)
	require.Equal(t, "bare", v)
}

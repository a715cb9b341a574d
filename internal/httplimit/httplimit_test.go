package httplimit_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/httplimit"
)

// serve runs h behind a Listener capped at max, with BodyProgress(timeout),
// and returns its address and a counter of refused connections.
func serve(t *testing.T, max int, timeout time.Duration, h http.Handler) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var refused atomic.Int64
	l := httplimit.NewListener(ln, max, func() { refused.Add(1) })
	require.Equal(t, max, l.Max())
	srv := &http.Server{Handler: httplimit.BodyProgress(h, timeout), ReadHeaderTimeout: time.Minute, ConnState: l.Track}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		l.CloseUnused()
		_ = srv.Close()
	})
	return ln.Addr().String(), &refused
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// closedByServer reads c until it ends and reports whether the server
// closed it within limit (and what it answered).
func closedByServer(t *testing.T, c net.Conn, limit time.Duration) (string, bool) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(limit)))
	b, err := io.ReadAll(c)
	return string(b), !errors.Is(err, os.ErrDeadlineExceeded)
}

func get(t *testing.T, addr string) int {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestListener_EvictsIdle(t *testing.T) {
	addr, refused := serve(t, 5, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	var closed atomic.Int64
	for range 30 {
		c := dial(t, addr) // never sends a request
		go func() {
			_, _ = io.Copy(io.Discard, c)
			closed.Add(1)
		}()
	}
	for range 3 {
		require.Equal(t, http.StatusOK, get(t, addr), "idle connections make room")
	}
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.GreaterOrEqual(c, closed.Load(), int64(30-5), "idle connections beyond the cap are closed")
	}, 5*time.Second, 10*time.Millisecond)
	require.Zero(t, refused.Load(), "an idle connection was evicted each time, none refused")
}

func TestListener_RefusesWhenBusy(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	started := make(chan struct{}, 2)
	addr, refused := serve(t, 2, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		started <- struct{}{}
		<-release
	}))
	for range 2 {
		c := dial(t, addr)
		_, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		<-started
	}
	_, ok := closedByServer(t, dial(t, addr), 5*time.Second)
	require.True(t, ok, "a connection past the cap of busy ones is closed at once")
	require.Equal(t, int64(1), refused.Load())
}

func TestBodyProgress(t *testing.T) {
	const timeout = 200 * time.Millisecond
	addr, _ := serve(t, 100, timeout, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			w.WriteHeader(http.StatusRequestTimeout)
			return
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/long-poll" {
			// Wait past the body timeout, as a long poll does once its
			// body is read: the connection must stay usable.
			<-time.After(3 * timeout)
		}
		_, _ = fmt.Fprintf(w, "got %d bytes", len(b))
	}))

	t.Run("a stalled body is answered and the connection closed", func(t *testing.T) {
		c := dial(t, addr)
		// Less than net/http's 256 KiB it would otherwise wait to discard.
		_, err := fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc")
		require.NoError(t, err)
		answer, ok := closedByServer(t, c, 5*time.Second)
		require.True(t, ok, "the connection is still held after 5 s (read %q)", answer)
		require.Contains(t, answer, "408 Request Timeout")
	})
	t.Run("a slow body that keeps arriving", func(t *testing.T) {
		c := dial(t, addr)
		const chunks = 6
		_, err := fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", chunks)
		require.NoError(t, err)
		tick := time.NewTicker(timeout / 2)
		defer tick.Stop()
		for range chunks {
			<-tick.C
			_, err = c.Write([]byte("x"))
			require.NoError(t, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "got 6 bytes", string(b))
	})
	t.Run("a read body lifts the deadline", func(t *testing.T) {
		c := dial(t, addr)
		br := bufio.NewReader(c)
		for range 2 { // and the connection is reused
			_, err := fmt.Fprintf(c, "POST /long-poll HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi")
			require.NoError(t, err)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
			require.Equal(t, "got 2 bytes", string(b))
		}
	})
}

func TestFitFDs(t *testing.T) {
	require.Equal(t, 10, httplimit.FitFDs(10, 256), "a small cap is kept")
	require.GreaterOrEqual(t, httplimit.FitFDs(1<<30, 1<<29), 64, "never below 64")
}

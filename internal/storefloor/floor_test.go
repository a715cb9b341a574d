package storefloor

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The floor must do its store work before it answers, and answer as the
// handler it wraps does; Close must leave nothing behind.
func TestFloor_WritesThenAnswers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "floor")
	f, err := Open(dir)
	require.NoError(t, err)
	calls := 0
	srv := httptest.NewServer(f.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.WriteHeader(http.StatusTeapot)
	})))
	t.Cleanup(srv.Close)

	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodGet} {
		req, err := http.NewRequest(method, srv.URL+"/x", strings.NewReader(`{"value":"v"}`))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusTeapot, resp.StatusCode, method)
	}
	require.Equal(t, 4, calls)
	require.Equal(t, uint64(2), f.written(), "a POST and a PUT each write a key")

	srv.Close()
	require.NoError(t, f.Close())
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err), "Close removes the directory: %v", err)
}

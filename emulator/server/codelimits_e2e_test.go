package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/runtimetest"
)

// Zip bombs on both runtimes, through the API: --max-code-bytes reaches the
// upload check and each runtime's extraction.
func TestWorkerE2E_CodeLimits(t *testing.T) {
	for _, rt := range e2eRuntimes {
		t.Run(rt.name, func(t *testing.T) {
			opts, fixture := rt.prepare(t)
			opts.MaxCodeBytes = 1 << 20
			e := newE2E(t, rt, opts, fixture)

			t.Run("declared over the limit: 400 at upload", func(t *testing.T) {
				status, body := e.upload(t, "bomb", runtimetest.ZeroZip(t, "zeros.bin", 2<<20))
				require.Equal(t, http.StatusBadRequest, status, "%s", body)
				require.JSONEq(t, `{"msg":"The uploaded zip is too large: the zip's files add up to 2 MiB, over the 1 MiB limit (--max-code-bytes)"}`, string(body))
			})

			t.Run("sizes that lie: the task fails", func(t *testing.T) {
				status, body := e.upload(t, "liar", runtimetest.LyingZip(t, "zeros.bin", 64<<20, 1024))
				require.Equal(t, http.StatusOK, status, "%s", body)
				id := e.queue(t, "liar", map[string]any{}, nil)
				task := e.waitStatus(t, id, "error")
				require.Equal(t, `extract code zip: entry "zeros.bin": holds more data than the 1024 bytes the zip declares for it`, task.Msg)
				require.Zero(t, e.containers(t, id), "no container left behind")
			})

			t.Run("within the limit: the task runs", func(t *testing.T) {
				status, body := e.upload(t, "fine", runtimetest.Zip(t, map[string]string{"data.txt": "from the zip"}))
				require.Equal(t, http.StatusOK, status, "%s", body)
				id := e.queue(t, "fine", map[string]any{"print_files": []string{"data.txt"}}, nil)
				e.waitStatus(t, id, "complete")
				require.Contains(t, e.log(t, id), "file data.txt: from the zip")
			})
		})
	}
}

// upload registers a fixture code package with a zip, multipart as the
// official clients send it.
func (e *e2e) upload(t *testing.T, name string, zip []byte) (int, []byte) {
	t.Helper()
	data := map[string]any{"name": name}
	maps.Copy(data, e.fixture)
	js, err := json.Marshal(data)
	require.NoError(t, err)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("data", string(js)))
	w, err := mw.CreateFormFile("file", "worker.zip")
	require.NoError(t, err)
	_, err = w.Write(zip)
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, e.srv.URL()+e2ePath("/codes"), &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "OAuth "+e2eToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := e.hc.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b
}

package server_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator/seed"
	"github.com/ironlocal/ironlocal/emulator/server"
)

type healthBody struct {
	Status         string `json:"status"`
	DecodeFailures struct {
		Count    int      `json:"count"`
		Examples []string `json:"examples"`
	} `json:"decode_failures"`
}

// health fetches /_ironlocal/health without failing the test, so it can run
// inside EventuallyWithT.
func health(hc *http.Client, srv *server.Server) (healthBody, error) {
	var h healthBody
	res, err := hc.Get(srv.URL() + "/_ironlocal/health")
	if err != nil {
		return h, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return h, fmt.Errorf("health: %s", res.Status)
	}
	return h, json.NewDecoder(res.Body).Decode(&h)
}

// TestStart_DamagedDataDir: records that do not decode (a damaged data dir)
// used to panic the expiry sweeper at every start (a queue key without its
// separator) or fail every list (a queue record of bad JSON). The daemon
// must start, serve without them, report them in health, and restart.
func TestStart_DamagedDataDir(t *testing.T) {
	dir := t.TempDir()
	srv, err := start(t, server.Options{DataDir: dir, Seed: exampleSeed})
	require.NoError(t, err)
	closeServer(t, srv)

	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
	require.NoError(t, err)
	gen := binary.BigEndian.AppendUint64(nil, 999)
	require.NoError(t, db.Update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte("qnoseparator"), append(gen, "{}"...)); err != nil {
			return err
		}
		return txn.Set([]byte("q"+seed.DefaultProject+"\x00broken"), append(gen, `{"Type":`...))
	}))
	require.NoError(t, db.Close())

	for run := range 2 {
		srv, err := start(t, server.Options{DataDir: dir})
		require.NoError(t, err, "start %d on the damaged data dir", run+1)
		s := newSeeded(t, srv)
		require.ElementsMatch(t, []string{"jobs", "audit"}, s.queueNames(t), "the damaged queue is left out")
		// The expiry sweeper scans every queue each second, the key without
		// a separator included.
		require.EventuallyWithT(t, func(c *assert.CollectT) {
			h, err := health(s.hc, srv)
			if !assert.NoError(c, err) {
				return
			}
			assert.Equal(c, "ok", h.Status)
			assert.Equal(c, 2, h.DecodeFailures.Count, "decode failures: %q", h.DecodeFailures.Examples)
			assert.Contains(c, h.DecodeFailures.Examples, `key "qnoseparator": queue record: key has no NUL separator between its parts`)
		}, 10*time.Second, 20*time.Millisecond, "health reports both damaged records")
		closeServer(t, srv)
	}
}

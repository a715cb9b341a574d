package memcache

import (
	"bufio"
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/clock"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

// FuzzSession feeds arbitrary bytes to a connection's command loop: it must
// never panic, and whatever it answers is whole CRLF-terminated lines.
func FuzzSession(f *testing.F) {
	store := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(f, store.Open())
	f.Cleanup(func() { _ = store.Close() })
	clk := clock.NewVirtual(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	srv := New(Config{Cache: cache.New(store, clk, emulator.NewBus()), Clock: clk})

	login := "set oauth 0 0 35\r\nt 5f0c6e8a1b2c3d4e5f6a7b8c fuzzcache\r\n"
	for _, seed := range []string{
		login + "set k 0 0 1\r\nv\r\nget k\r\ngets k x\r\ndelete k\r\n",
		login + "set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 99 noreply\r\ntouch n 10\r\nflush_all\r\n",
		login + "cas k 0 0 1 123\r\nv\r\nadd k 0 0 1\r\nv\r\nreplace k 0 0 1\r\nw\r\n",
		login + "set k 0 4000000000 1\r\nv\r\nset k 0 -1 1\r\nv\r\nset k x y z\r\n",
		"get k\r\nversion\r\nverbosity 1\r\nbogus\r\n\r\nquit\r\n",
		"set oauth 0 0 3\r\nabc\r\nset k 0 0 99999999999\r\n",
		login + "set k 0 0 2\r\n\xff\xfe\r\nset k 0 0 1\r\nvvvv\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		sess := &session{srv: srv, r: bufio.NewReaderSize(bytes.NewReader(data), MaxLine), w: bufio.NewWriter(&out)}
		for i := 0; i < 200 && sess.step(); i++ {
		}
		require.NoError(t, sess.w.Flush())
		if out.Len() > 0 {
			require.True(t, bytes.HasSuffix(out.Bytes(), []byte("\r\n")), "reply %q is not CRLF-terminated", out.Bytes())
		}
	})
}

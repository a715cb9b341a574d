package memcache_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
	"github.com/ironlocal/ironlocal/emulator/clock"
	"github.com/ironlocal/ironlocal/emulator/memcache"
	badgerstore "github.com/ironlocal/ironlocal/emulator/store/badger"
)

const (
	project = "5f0c6e8a1b2c3d4e5f6a7b8c"
	token   = "mc-token"
	auth    = token + " " + project + " sessions"
)

var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

type env struct {
	cache *cache.Service
	clock *clock.Virtual
	srv   *memcache.Server
}

func newEnv(t *testing.T, cfg memcache.Config) *env {
	t.Helper()
	store := badgerstore.New(badgerstore.Options{InMemory: true})
	require.NoError(t, store.Open())
	t.Cleanup(func() { _ = store.Close() })
	clk := clock.NewVirtual(start)
	cfg.Cache, cfg.Clock = cache.New(store, clk, emulator.NewBus()), clk
	srv := memcache.New(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, srv.Start(ln))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, srv.Close(ctx))
	})
	return &env{cache: cfg.Cache, clock: clk, srv: srv}
}

// conn is a raw text-protocol client.
type conn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func (e *env) dial(t *testing.T) *conn {
	t.Helper()
	c, err := net.Dial("tcp", e.srv.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(time.Minute)))
	return &conn{t: t, c: c, r: bufio.NewReader(c)}
}

func (c *conn) send(s string) {
	c.t.Helper()
	_, err := io.WriteString(c.c, s)
	require.NoError(c.t, err)
}

func (c *conn) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	require.NoError(c.t, err, "read a reply line")
	require.True(c.t, strings.HasSuffix(l, "\r\n"), "reply %q ends with CRLF", l)
	return strings.TrimSuffix(l, "\r\n")
}

// do sends one command line (and data block, if any) and returns the
// first reply line.
func (c *conn) do(cmd string, data ...string) string {
	c.t.Helper()
	c.send(cmd + "\r\n")
	for _, d := range data {
		c.send(d + "\r\n")
	}
	return c.line()
}

func (c *conn) set(verb, key, value string) string {
	c.t.Helper()
	return c.do(fmt.Sprintf("%s %s 0 0 %d", verb, key, len(value)), value)
}

// get returns the values of a get/gets reply by key (with the cas when
// asked), up to END.
func (c *conn) get(cmd string) map[string]string {
	c.t.Helper()
	c.send(cmd + "\r\n")
	out := map[string]string{}
	for {
		l := c.line()
		if l == "END" {
			return out
		}
		f := strings.Fields(l)
		require.True(c.t, len(f) >= 4 && f[0] == "VALUE", "VALUE line, got %q", l)
		require.Equal(c.t, "0", f[2], "flags")
		var n int
		_, err := fmt.Sscan(f[3], &n)
		require.NoError(c.t, err)
		data := make([]byte, n+2)
		_, err = io.ReadFull(c.r, data)
		require.NoError(c.t, err)
		require.Equal(c.t, "\r\n", string(data[n:]))
		v := string(data[:n])
		if len(f) == 5 {
			v += " cas=" + f[4]
		}
		out[f[1]] = v
	}
}

func (c *conn) login() {
	c.t.Helper()
	require.Equal(c.t, "STORED", c.set("set", "oauth", auth))
}

func TestMemcache_Auth(t *testing.T) {
	e := newEnv(t, memcache.Config{})

	t.Run("commands need set oauth first", func(t *testing.T) {
		c := e.dial(t)
		require.Contains(t, c.set("set", "k", "v"), "CLIENT_ERROR authenticate first")
		require.Contains(t, c.do("get k"), "CLIENT_ERROR authenticate first")
		require.Contains(t, c.do("delete k"), "CLIENT_ERROR authenticate first")
		require.Contains(t, c.do("incr k 1"), "CLIENT_ERROR authenticate first")
		require.Equal(t, "VERSION 1.6.0-ironlocal", c.do("version"), "version needs no login")
	})
	t.Run("bad oauth data", func(t *testing.T) {
		c := e.dial(t)
		require.Contains(t, c.set("set", "oauth", "only-a-token"), "CLIENT_ERROR")
		require.Contains(t, c.set("set", "k", "v"), "CLIENT_ERROR authenticate first", "still not logged in")
	})
	t.Run("permissive mode takes any token", func(t *testing.T) {
		c := e.dial(t)
		require.Equal(t, "STORED", c.set("set", "oauth", "anything "+project+" c"))
		require.Equal(t, "STORED", c.set("set", "k", "v"))
	})

	strict := newEnv(t, memcache.Config{Access: emulator.Access{Tokens: []string{token}, Projects: []string{project}}})
	for name, data := range map[string]string{
		"unknown token":   "wrong " + project + " sessions",
		"unknown project": token + " 000000000000000000000009 sessions",
	} {
		t.Run("strict mode refuses an "+name, func(t *testing.T) {
			c := strict.dial(t)
			require.Contains(t, c.set("set", "oauth", data), "CLIENT_ERROR authentication failed")
			require.Contains(t, c.set("set", "k", "v"), "CLIENT_ERROR authenticate first")
		})
	}
	t.Run("strict mode takes a configured token", func(t *testing.T) {
		c := strict.dial(t)
		c.login()
		require.Equal(t, "STORED", c.set("set", "k", "v"))
	})
}

// TestMemcache_Commands follows iron_cache_ruby's test_memcached (set oauth,
// set, get, delete, get) and the other commands, checking that the REST
// side (the cache service) sees the same items.
func TestMemcache_Commands(t *testing.T) {
	e := newEnv(t, memcache.Config{})
	ctx := context.Background()
	c := e.dial(t)
	c.login()

	t.Run("test_memcached", func(t *testing.T) {
		require.Equal(t, "STORED", c.set("set", "abc", "xyz"))
		require.Equal(t, map[string]string{"abc": "xyz"}, c.get("get abc"))
		require.Equal(t, "DELETED", c.do("delete abc"))
		require.Empty(t, c.get("get abc"))
		require.Equal(t, "NOT_FOUND", c.do("delete abc"))
	})
	t.Run("the REST API sees the same items", func(t *testing.T) {
		require.Equal(t, "STORED", c.set("set", "shared", "from memcached"))
		it, err := e.cache.GetItem(ctx, project, "sessions", "shared")
		require.NoError(t, err)
		require.JSONEq(t, `"from memcached"`, string(it.Value))
		require.NoError(t, e.cache.PutItem(ctx, project, "sessions", "rest", cache.Put{Value: json.RawMessage(`42`)}))
		require.Equal(t, map[string]string{"rest": "42", "shared": "from memcached"}, c.get("get rest shared missing"))
	})
	t.Run("add and replace", func(t *testing.T) {
		require.Equal(t, "STORED", c.set("add", "ar", "one"))
		require.Equal(t, "NOT_STORED", c.set("add", "ar", "two"))
		require.Equal(t, "STORED", c.set("replace", "ar", "three"))
		require.Equal(t, "NOT_STORED", c.set("replace", "nope", "x"))
		require.Equal(t, map[string]string{"ar": "three"}, c.get("get ar nope"))
	})
	t.Run("gets and cas", func(t *testing.T) {
		require.Equal(t, "STORED", c.set("set", "cc", "v1"))
		it, err := e.cache.GetItem(ctx, project, "sessions", "cc")
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf("v1 cas=%d", it.CAS), c.get("gets cc")["cc"])
		require.Equal(t, "EXISTS", c.do(fmt.Sprintf("cas cc 0 0 2 %d", it.CAS+1), "v2"))
		require.Equal(t, "STORED", c.do(fmt.Sprintf("cas cc 0 0 2 %d", it.CAS), "v2"))
		require.Equal(t, "NOT_FOUND", c.do("cas gone 0 0 2 1", "v2"))
	})
	t.Run("incr and decr", func(t *testing.T) {
		require.Equal(t, "NOT_FOUND", c.do("incr counter 1"), "memcached does not create counters")
		require.Equal(t, "STORED", c.set("set", "counter", "10"))
		require.Equal(t, "15", c.do("incr counter 5"))
		require.Equal(t, "12", c.do("decr counter 3"))
		require.Equal(t, "0", c.do("decr counter 100"), "decr stops at zero")
		n, err := e.cache.Increment(ctx, project, "sessions", "counter", 7)
		require.NoError(t, err)
		require.EqualValues(t, 7, n, "the REST increment sees the same counter")
		require.Equal(t, "STORED", c.set("set", "word", "abc"))
		require.Contains(t, c.do("incr word 1"), "CLIENT_ERROR")
		require.Contains(t, c.do("incr counter -1"), "CLIENT_ERROR invalid numeric delta argument")
	})
	t.Run("expiry follows the cache's clock", func(t *testing.T) {
		require.Equal(t, "STORED", c.do("set brief 0 60 1", "x"))
		abs := e.clock.Now().Add(time.Hour).Unix() // over 30 days as a number: a Unix time
		require.Equal(t, "STORED", c.do(fmt.Sprintf("set hourly 0 %d 1", abs), "y"))
		e.clock.Advance(61 * time.Second)
		require.Equal(t, map[string]string{"hourly": "y"}, c.get("get brief hourly"))
		e.clock.Advance(time.Hour)
		require.Empty(t, c.get("get hourly"))
		require.Contains(t, c.do("set past 0 -1 1", "z"), "CLIENT_ERROR exptime is in the past")
	})
	t.Run("touch", func(t *testing.T) {
		require.Equal(t, "STORED", c.do("set t 0 10 1", "x"))
		require.Equal(t, "TOUCHED", c.do("touch t 100"))
		e.clock.Advance(50 * time.Second)
		require.Equal(t, map[string]string{"t": "x"}, c.get("get t"))
		require.Equal(t, "NOT_FOUND", c.do("touch missing 10"))
	})
	t.Run("noreply", func(t *testing.T) {
		c.send("set quiet 0 0 1 noreply\r\nq\r\ndelete nothing noreply\r\nincr nothing 1 noreply\r\n")
		require.Equal(t, map[string]string{"quiet": "q"}, c.get("get quiet"), "no reply came before the get's")
	})
	t.Run("flush_all clears the logged-in cache", func(t *testing.T) {
		require.Equal(t, "OK", c.do("flush_all"))
		require.Empty(t, c.get("get quiet shared ar"))
	})
	t.Run("another cache of the project is apart", func(t *testing.T) {
		other := e.dial(t)
		require.Equal(t, "STORED", other.set("set", "oauth", token+" "+project+" other"))
		require.Equal(t, "STORED", other.set("set", "k", "in other"))
		require.Empty(t, c.get("get k"))
	})
}

func TestMemcache_Refusals(t *testing.T) {
	e := newEnv(t, memcache.Config{})

	t.Run("unknown command", func(t *testing.T) {
		c := e.dial(t)
		require.Equal(t, "ERROR", c.do("bogus"))
		require.Equal(t, "ERROR", c.do(""))
		require.Equal(t, "VERSION 1.6.0-ironlocal", c.do("version"), "the connection goes on")
	})
	t.Run("binary value", func(t *testing.T) {
		c := e.dial(t)
		c.login()
		require.Contains(t, c.do("set bin 0 0 2", "\xff\xfe"), "CLIENT_ERROR value must be UTF-8")
	})
	t.Run("key too long", func(t *testing.T) {
		c := e.dial(t)
		c.login()
		require.Contains(t, c.set("set", strings.Repeat("k", 251), "v"), "CLIENT_ERROR")
	})
	t.Run("value over the item limit is read and refused", func(t *testing.T) {
		c := e.dial(t)
		c.login()
		big := strings.Repeat("x", cache.MaxItemBytes+1)
		require.Equal(t, "SERVER_ERROR object too large for cache", c.set("set", "big", big))
		require.Equal(t, "STORED", c.set("set", "small", "ok"), "the connection stays in step")
	})
	t.Run("a huge declared length closes the connection", func(t *testing.T) {
		c := e.dial(t)
		c.login()
		require.Equal(t, "SERVER_ERROR object too large for cache", c.do("set big 0 0 999999999999"))
		_, err := c.r.ReadString('\n')
		require.ErrorIs(t, err, io.EOF)
	})
	t.Run("bad data chunk", func(t *testing.T) {
		c := e.dial(t)
		c.login()
		require.Equal(t, "CLIENT_ERROR bad data chunk", c.do("set k 0 0 1", "toolong"))
	})
	t.Run("line too long", func(t *testing.T) {
		c := e.dial(t)
		c.send("get " + strings.Repeat("k", memcache.MaxLine) + "\r\n")
		require.Equal(t, "CLIENT_ERROR line too long", c.line())
		_, err := c.r.ReadString('\n')
		require.ErrorIs(t, err, io.EOF, "then the connection is closed")
	})
}

func TestMemcache_Limits(t *testing.T) {
	t.Run("connection cap", func(t *testing.T) {
		e := newEnv(t, memcache.Config{MaxConns: 1})
		first := e.dial(t)
		require.Equal(t, "VERSION 1.6.0-ironlocal", first.do("version"))
		second := e.dial(t)
		require.Equal(t, "SERVER_ERROR too many connections", second.line())
		require.NoError(t, first.c.Close())
		require.EventuallyWithT(t, func(ct *assert.CollectT) {
			c, err := net.Dial("tcp", e.srv.Addr().String())
			if !assert.NoError(ct, err) {
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_, err = io.WriteString(c, "version\r\n")
			assert.NoError(ct, err)
			l, _ := bufio.NewReader(c).ReadString('\n')
			assert.Equal(ct, "VERSION 1.6.0-ironlocal\r\n", l, "a slot is free again")
		}, 10*time.Second, 10*time.Millisecond)
	})
	t.Run("idle connections are closed", func(t *testing.T) {
		e := newEnv(t, memcache.Config{IdleTimeout: 50 * time.Millisecond})
		c := e.dial(t)
		_, err := c.r.ReadString('\n')
		require.ErrorIs(t, err, io.EOF)
	})
	t.Run("close ends open connections", func(t *testing.T) {
		e := newEnv(t, memcache.Config{})
		c := e.dial(t)
		require.Equal(t, "VERSION 1.6.0-ironlocal", c.do("version"))
		require.NoError(t, e.srv.Close(context.Background()))
		_, err := c.r.ReadString('\n')
		require.ErrorIs(t, err, io.EOF)
		require.NoError(t, e.srv.Close(context.Background()), "close is idempotent")
	})
}

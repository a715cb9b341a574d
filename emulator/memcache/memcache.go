// Package memcache serves IronCache over the memcached text protocol (spec
// §4.x), as Iron did on port 11211: a client first authenticates with
//
//	set oauth 0 0 <len>\r\n<token> <project_id> <cache>\r\n
//
// and then set, add, replace, cas, get, gets, delete, incr, decr, touch and
// flush_all act on that cache's items — the same items the REST API sees.
// Every rule (conditional stores, expiry, counters, names) is the cache
// service's; this package only translates the protocol.
//
// Values are stored as JSON strings, so they must be UTF-8 text; memcached
// flags are not kept (IronCache items have none: gets answer 0).
package memcache

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/cache"
)

// Bounds of the listener. A command line longer than MaxLine, or a data
// block larger than the cache's item limit, is refused.
const (
	MaxLine            = 8 << 10
	DefaultMaxConns    = 256
	DefaultIdleTimeout = 10 * time.Minute
	// maxSkip is the largest refused data block that is read and dropped to
	// keep the connection in step; above it the connection is closed.
	maxSkip = 4 << 20
)

// Config wires the listener to the cache service.
type Config struct {
	Cache *cache.Service
	// Clock turns absolute expiry times (exptime over 30 days) into
	// durations; it is the cache service's clock.
	Clock emulator.Clock
	// Access is the token/project policy (strict mode), as on the REST API.
	Access emulator.Access
	// MaxConns caps open connections; 0 = DefaultMaxConns. A connection
	// over the cap is told SERVER_ERROR and closed.
	MaxConns int
	// IdleTimeout closes a connection that sends nothing for this long;
	// 0 = DefaultIdleTimeout.
	IdleTimeout time.Duration
	Logger      *slog.Logger
}

// Server is a memcached listener. It owns its accept loop and connections
// between Serve and Close.
type Server struct {
	cfg   Config
	log   *slog.Logger
	slots chan struct{}

	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool
	done   chan struct{} // closed by Close
	wg     sync.WaitGroup
}

// New returns a server; it does no I/O.
func New(cfg Config) *Server {
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, log: log, slots: make(chan struct{}, cfg.MaxConns), conns: map[net.Conn]struct{}{},
		done: make(chan struct{})}
}

// Start serves ln in the background until Close; it takes ownership of ln.
func (s *Server) Start(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = ln.Close()
		return errors.New("memcache: server closed")
	}
	if s.ln != nil {
		_ = ln.Close()
		return errors.New("memcache: already started")
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept(ln)
	return nil
}

// Addr is the listening address, nil before Start.
func (s *Server) Addr() net.Addr {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Close stops accepting, closes every connection and waits for their
// handlers, or until ctx ends. It is idempotent, and a nil Server is
// closed already.
func (s *Server) Close(ctx context.Context) error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
		if s.ln != nil {
			_ = s.ln.Close()
		}
		for c := range s.conns {
			_ = c.Close()
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) accept(ln net.Listener) {
	defer s.wg.Done()
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Accept is failing (out of file descriptors, say): wait a
			// little before trying again rather than spin, as net/http does.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("memcached accept", "err", err, "retry_in", backoff)
			select {
			case <-s.done:
				return
			case <-time.After(backoff):
			}
			continue
		}
		backoff = 0
		select {
		case s.slots <- struct{}{}:
		default:
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("SERVER_ERROR too many connections\r\n"))
			_ = c.Close()
			continue
		}
		if !s.track(c) {
			<-s.slots
			_ = c.Close()
			return
		}
		s.wg.Add(1)
		go s.serve(c)
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("memcached connection handler panicked", "panic", v)
		}
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		_ = c.Close()
		<-s.slots
	}()
	sess := &session{srv: s, r: bufio.NewReaderSize(c, MaxLine), w: bufio.NewWriter(c)}
	for {
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		if !sess.step() {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_ = sess.w.Flush()
			lingeringClose(c)
			return
		}
		// Answer pipelined commands together: flush unless a whole next
		// command line is already buffered.
		if next, _ := sess.r.Peek(sess.r.Buffered()); !bytes.Contains(next, []byte("\n")) {
			_ = c.SetWriteDeadline(time.Now().Add(time.Minute))
			if sess.w.Flush() != nil {
				return
			}
		}
	}
}

// lingeringClose ends a connection whose peer may still be sending (a line
// too long, a bad data block): closing with unread data would reset the
// connection and could lose the error reply on its way, so the write side is
// shut first and a little of what is still coming is read and dropped.
func lingeringClose(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		_, _ = io.CopyN(io.Discard, c, 1<<20)
	}
	_ = c.Close()
}

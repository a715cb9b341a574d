package server

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Connection limits (README "Security"). A peer that opens thousands of
// idle keep-alive connections must not starve /version or the control
// plane: past the cap, the longest-idle connection is closed to make room,
// and only when every connection is busy is a new one turned away.
const (
	// DefaultMaxConnections caps open connections; the file-descriptor
	// limit lowers it further (leaving room for the store and the runtime).
	DefaultMaxConnections = 4096
	// idleTimeout closes keep-alive connections nobody uses.
	idleTimeout = 90 * time.Second
	// bodyIdleTimeout ends a request whose body stops arriving (slowloris);
	// it is an inactivity limit, so large snapshot imports still stream.
	bodyIdleTimeout = 30 * time.Second
)

// connState is what the limiter knows of one connection.
type connState struct {
	state   http.ConnState
	since   time.Time // when it entered state
	evicted bool      // closed by the limiter, not yet reported closed
}

// connLimiter wraps the listener and follows every connection through the
// HTTP server's ConnState hook.
type connLimiter struct {
	net.Listener
	max     int
	onLimit func() // called (rate-limited by the caller) when a conn is refused

	mu    sync.Mutex
	conns map[net.Conn]*connState
	open  int // connections not evicted and not closed
}

func newConnLimiter(ln net.Listener, max int, onLimit func()) *connLimiter {
	return &connLimiter{Listener: ln, max: max, onLimit: onLimit, conns: map[net.Conn]*connState{}}
}

// Accept makes room for each new connection before handing it to the
// server: an idle connection is evicted, or else the new one is refused.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		_ = c.Close()
		if l.onLimit != nil {
			l.onLimit()
		}
	}
}

func (l *connLimiter) admit(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open >= l.max {
		victim := l.longestIdleLocked()
		if victim == nil {
			return false
		}
		l.conns[victim].evicted = true
		l.open--
		_ = victim.Close()
	}
	l.conns[c] = &connState{state: http.StateNew, since: time.Now()}
	l.open++
	return true
}

// longestIdleLocked finds the connection waiting longest without a request
// in progress: idle keep-alives, or new ones that never sent a request.
func (l *connLimiter) longestIdleLocked() net.Conn {
	var victim net.Conn
	var since time.Time
	for c, st := range l.conns {
		if st.evicted || st.state != http.StateIdle && st.state != http.StateNew {
			continue
		}
		if victim == nil || st.since.Before(since) {
			victim, since = c, st.since
		}
	}
	return victim
}

// track is the HTTP server's ConnState hook.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.conns[c]
	if !ok {
		return
	}
	if state == http.StateClosed || state == http.StateHijacked {
		if !st.evicted {
			l.open--
		}
		delete(l.conns, c)
		return
	}
	st.state, st.since = state, time.Now()
}

// closeUnused closes connections that never sent a request: Shutdown would
// wait 5 s for each before treating it as idle (clients open spare
// connections ahead of need).
func (l *connLimiter) closeUnused() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c, st := range l.conns {
		if st.state == http.StateNew {
			_ = c.Close()
		}
	}
}

// bodyDeadline gives a request body an inactivity deadline: each read must
// make progress within bodyIdleTimeout. The deadline is lifted once the
// body is read (long polls and event streams then wait as long as they
// need), and never set for requests whose handler does not read a body.
func bodyDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w)}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(bodyIdleTimeout))
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

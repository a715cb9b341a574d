// Package httplimit bounds what slow and idle peers can hold of an HTTP
// server on a developer's machine: a connection cap that makes room by
// closing the longest-idle connection, and a deadline on the progress of
// request bodies (slowloris). ironlocal's API and its http trigger plugin
// (the API gateway) both serve through it; header and idle timeouts are
// http.Server's own (ReadHeaderTimeout, IdleTimeout).
package httplimit

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// connState is what the limiter knows of one connection.
type connState struct {
	state   http.ConnState
	since   time.Time // when it entered state
	evicted bool      // closed by the limiter, not yet reported closed
}

// Listener caps the connections of an http.Server: wrap the server's
// listener with NewListener and set the server's ConnState to Track. A
// peer that opens thousands of idle connections must not starve the
// others: past the cap, the longest-idle connection is closed to make
// room, and only when every connection is busy is a new one turned away.
type Listener struct {
	net.Listener
	max     int
	onLimit func() // called when a connection is refused

	mu    sync.Mutex
	conns map[net.Conn]*connState
	open  int // connections not evicted and not closed
}

// NewListener caps ln at max open connections. onLimit, if not nil, is
// called each time a connection is refused (the caller rate-limits what it
// logs).
func NewListener(ln net.Listener, max int, onLimit func()) *Listener {
	return &Listener{Listener: ln, max: max, onLimit: onLimit, conns: map[net.Conn]*connState{}}
}

// Max is the cap.
func (l *Listener) Max() int { return l.max }

// Accept makes room for each new connection before handing it to the
// server: an idle connection is evicted, or else the new one is refused.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.admit(c) {
			return c, nil
		}
		// Counted before the close, which the refused client may see at
		// once: a count read after it includes this refusal.
		if l.onLimit != nil {
			l.onLimit()
		}
		_ = c.Close()
	}
}

func (l *Listener) admit(c net.Conn) bool {
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
func (l *Listener) longestIdleLocked() net.Conn {
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

// Track is the HTTP server's ConnState hook.
func (l *Listener) Track(c net.Conn, state http.ConnState) {
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

// CloseUnused closes connections that never sent a request: call it before
// http.Server.Shutdown, which would wait 5 s for each before treating it
// as idle (clients open spare connections ahead of need).
func (l *Listener) CloseUnused() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c, st := range l.conns {
		if st.state == http.StateNew {
			_ = c.Close()
		}
	}
}

// BodyProgress gives request bodies an inactivity deadline: each read must
// make progress within timeout, so a large body may stream for as long as
// it keeps arriving. The deadline is lifted once the body is read (long
// polls and event streams then wait as long as they need), and never set
// for requests whose handler does not read a body.
//
// A read that fails (the deadline passed, the peer went away) leaves the
// deadline in the past: net/http then fails to discard the rest of the
// body after the handler's answer and closes the connection, instead of
// waiting, with no deadline, for a peer that has stopped sending.
func BodyProgress(next http.Handler, timeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &progressBody{ReadCloser: r.Body, rc: http.NewResponseController(w), timeout: timeout}
		}
		next.ServeHTTP(w, r)
	})
}

type progressBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	done    bool
}

func (b *progressBody) Read(p []byte) (int, error) {
	if b.done {
		return b.ReadCloser.Read(p)
	}
	_ = b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.done = true
		if errors.Is(err, io.EOF) {
			_ = b.rc.SetReadDeadline(time.Time{})
		} else {
			_ = b.rc.SetReadDeadline(time.Unix(1, 0))
		}
	}
	return n, err
}

// FitFDs lowers a connection cap n so that reserve file descriptors stay
// free for everything else the process opens (never below 64). The soft
// limit on open files is what counts; Go raises it to the hard limit at
// start-up.
func FitFDs(n, reserve int) int {
	if limit := fdLimit(); limit > 0 {
		n = min(n, max(limit-reserve, 64))
	}
	return n
}

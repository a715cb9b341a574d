package redistrigger

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"
)

// The embedded server: miniredis without a listener of its own. Each
// client connection is read by a guard (readCommand) that passes only
// whole, bounded commands to miniredis over an in-memory pipe, and a
// pre-hook refuses what must not run: scripting, and sizes given as numbers
// past the caps.

const (
	// maxClients bounds connections, so the per-command caps bound memory.
	maxClients = 128
	// replyTimeout drops a client that stops reading its replies: miniredis
	// writes some replies holding its lock, so one stuck reader would stall
	// every client.
	replyTimeout = time.Minute
	// drainTimeout is how long a refused client's remaining request is read
	// and discarded, so it can read the error before the connection closes
	// (closing on unread data resets the connection, losing the reply).
	drainTimeout = 10 * time.Second
)

// errScripting is the reply to EVAL, EVALSHA, SCRIPT and FUNCTION.
// miniredis opens Lua's base, package and debug libraries (dofile, loadfile,
// require) with no hook to close them, and gives scripts no time or memory
// limit while they hold its lock: no setting makes that safe, so scripting
// is off, always.
const errScripting = "ERR scripting is disabled on ironlocal's embedded Redis (its Lua could read this machine's files); " +
	"point the binding's url at a Redis of your own to run scripts"

var scriptingCommands = map[string]bool{
	"EVAL": true, "EVALSHA": true, "EVAL_RO": true, "EVALSHA_RO": true, "SCRIPT": true,
	"FUNCTION": true, "FCALL": true, "FCALL_RO": true,
}

type embedded struct {
	m   *miniredis.Miniredis
	ln  net.Listener
	lim limits
	// refuse names the command the guard sends to have miniredis refuse a
	// client in order, after its earlier replies (upper case, as the hook
	// sees commands; random, so no client sends it by chance).
	refuse string
	slots  chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// startEmbedded starts an embedded server on c.Listen.
func startEmbedded(c config) (*embedded, error) {
	var nonce [8]byte
	_, _ = rand.Read(nonce[:])
	e := &embedded{m: miniredis.NewMiniRedis(), lim: limits{bulk: c.MaxBulkBytes, command: c.MaxRequestBytes},
		refuse: "IRONLOCAL-REFUSE-" + strings.ToUpper(hex.EncodeToString(nonce[:])), slots: make(chan struct{}, maxClients),
		conns: map[net.Conn]struct{}{}}
	if c.Password != "" {
		e.m.RequireAuth(c.Password)
	}
	// Dial starts miniredis without a listener (so only the guard reaches
	// it) and creates the server the hook is set on; this first pipe is
	// not needed.
	pc, err := e.m.Dial()
	if err != nil {
		return nil, err
	}
	_ = pc.Close()
	e.m.Server().SetPreHook(e.hook)
	if e.ln, err = net.Listen("tcp", c.Listen); err != nil {
		e.m.Close()
		return nil, err
	}
	e.wg.Go(e.accept)
	return e, nil
}

// Addr is the address the server listens on.
func (e *embedded) Addr() net.Addr { return e.ln.Addr() }

// Close stops the server and its clients and waits for them.
func (e *embedded) Close() {
	e.mu.Lock()
	e.closed = true
	_ = e.ln.Close()
	for c := range e.conns {
		_ = c.Close()
	}
	e.mu.Unlock()
	e.m.Close()
	e.wg.Wait()
}

func (e *embedded) hook(c *server.Peer, cmd string, args ...string) bool {
	switch {
	case cmd == e.refuse && len(args) == 1:
		c.WriteError(args[0])
		c.Close()
		return true
	case scriptingCommands[cmd]:
		c.WriteError(errScripting)
		return true
	}
	if msg := e.oversize(cmd, args); msg != "" {
		c.WriteError(msg)
		return true
	}
	return false
}

// oversize refuses the commands whose numbers, not their bytes, size what
// miniredis allocates: a 30-byte SETBIT or SETRANGE at a huge offset, or a
// *RANDMEMBER with a huge negative count (repeats allowed), runs it out of
// memory. Strings stay within max_bulk_bytes, counts within maxArgs, as
// Redis bounds them by its proto-max-bulk-len.
func (e *embedded) oversize(cmd string, args []string) string {
	num := func(i int) (int64, bool) {
		if i >= len(args) {
			return 0, false
		}
		n, err := strconv.ParseInt(args[i], 10, 64)
		return n, err == nil
	}
	switch cmd {
	case "SETBIT":
		if off, ok := num(1); ok && off/8 >= int64(e.lim.bulk) {
			return fmt.Sprintf("ERR bit offset is not an integer or out of range (max_bulk_bytes is %d)", e.lim.bulk)
		}
	case "SETRANGE":
		if off, ok := num(1); ok && len(args) > 2 && off > int64(e.lim.bulk-len(args[2])) {
			return fmt.Sprintf("ERR string exceeds maximum allowed size (max_bulk_bytes is %d)", e.lim.bulk)
		}
	case "SRANDMEMBER", "HRANDFIELD", "ZRANDMEMBER":
		if n, ok := num(1); ok && (n > maxArgs || n < -maxArgs) {
			return fmt.Sprintf("ERR value is out of range (the embedded server returns at most %d members)", maxArgs)
		}
	}
	return ""
}

func (e *embedded) accept() {
	for {
		nc, err := e.ln.Accept()
		if err != nil {
			if e.isClosed() {
				return
			}
			// Out of file descriptors, say: the listener is still ours.
			time.Sleep(50 * time.Millisecond)
			continue
		}
		select {
		case e.slots <- struct{}{}:
		default:
			_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(nc, "-ERR max number of clients reached\r\n")
			_ = nc.Close()
			continue
		}
		if !e.track(nc) {
			_ = nc.Close()
			<-e.slots
			return
		}
		e.wg.Go(func() {
			defer func() { <-e.slots }()
			defer e.untrack(nc)
			e.serve(nc)
		})
	}
}

func (e *embedded) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (e *embedded) track(nc net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.conns[nc] = struct{}{}
	return true
}

func (e *embedded) untrack(nc net.Conn) {
	e.mu.Lock()
	delete(e.conns, nc)
	e.mu.Unlock()
	_ = nc.Close()
}

// serve passes one client's commands to miniredis and its replies back.
func (e *embedded) serve(nc net.Conn) {
	pc, err := e.m.Dial()
	if err != nil {
		return
	}
	var refusing atomic.Bool
	replied := make(chan struct{})
	go func() {
		defer close(replied)
		_, _ = io.Copy(deadlineWriter{nc}, pc)
		_ = pc.Close()
		if !refusing.Load() {
			_ = nc.Close() // QUIT, or a stuck reader: end the client's reads too
		}
	}()
	defer func() {
		_ = pc.Close()
		<-replied
	}()
	r := bufio.NewReader(nc)
	var buf []byte
	for {
		cmd, err := readCommand(r, e.lim, buf)
		var perr protocolError
		if errors.As(err, &perr) {
			// miniredis answers the commands before this one first, then
			// this refusal, then closes its end.
			refusing.Store(true)
			if _, err := pc.Write([]byte(command(e.refuse, string(perr)))); err == nil {
				<-replied
			}
			e.drain(nc)
			return
		}
		if err != nil {
			return
		}
		if cmd == nil {
			continue
		}
		if _, err := pc.Write(cmd); err != nil {
			return
		}
		if cap(cmd) > 64<<10 {
			cmd = nil // let a big command's buffer go
		}
		buf = cmd
	}
}

// drain ends a refused client's connection gently: no more replies, the
// rest of its request discarded for a while, then close.
func (e *embedded) drain(nc net.Conn) {
	if cw, ok := nc.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
	}
	_ = nc.SetReadDeadline(time.Now().Add(drainTimeout))
	_, _ = io.Copy(io.Discard, io.LimitReader(nc, 1<<30))
}

// command encodes args as a RESP array.
func command(args ...string) string {
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return string(b)
}

// deadlineWriter gives each write to a client replyTimeout to complete.
type deadlineWriter struct{ net.Conn }

func (w deadlineWriter) Write(p []byte) (int, error) {
	_ = w.SetWriteDeadline(time.Now().Add(replyTimeout))
	return w.Conn.Write(p)
}

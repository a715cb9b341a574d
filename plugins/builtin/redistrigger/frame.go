package redistrigger

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// The embedded server's clients are framed here before miniredis sees a
// byte: miniredis trusts the lengths a client announces (it allocates
// "$100000000000" bytes before reading one of them, which kills the plugin
// and the data with it) and reads a header line without end. readCommand
// reads one whole command within the binding's caps, so only complete,
// well-formed commands reach miniredis.

// limits bound one command.
type limits struct {
	bulk    int // bytes of one argument
	command int // bytes of the whole command as sent, framing included
}

const (
	// maxArgs bounds a command's argument count on top of its size: an
	// empty argument takes 6 bytes on the wire but more in miniredis.
	maxArgs = 1 << 20
	// maxHeaderLine is "*" or "$", a 64-bit length, CRLF, with room.
	maxHeaderLine = 32
)

// protocolError is a malformed or oversized command: the client gets it as
// an error reply, then its connection is closed, as Redis does.
type protocolError string

func (e protocolError) Error() string { return string(e) }

// readCommand reads one command into buf's storage and returns its bytes as
// sent, or nil for an empty array ("*0", "*-1"), which Redis ignores (and
// miniredis would index). A protocolError says what was refused; any other
// error is the connection's.
func readCommand(r *bufio.Reader, lim limits, buf []byte) ([]byte, error) {
	line, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if line[0] != '*' {
		return nil, protocolError(fmt.Sprintf("ERR Protocol error: expected '*', got '%s' "+
			"(the embedded server takes RESP arrays, as Redis clients send, not inline commands)", printable(line[0])))
	}
	n, ok := parseLen(line)
	if !ok || n > maxArgs {
		return nil, protocolError("ERR Protocol error: invalid multibulk length")
	}
	if n <= 0 {
		return nil, nil
	}
	buf = append(buf[:0], line...)
	for range n {
		line, err := readHeader(r)
		if err != nil {
			return nil, err
		}
		if line[0] != '$' {
			return nil, protocolError(fmt.Sprintf("ERR Protocol error: expected '$', got '%s'", printable(line[0])))
		}
		size, ok := parseLen(line)
		if !ok || size < 0 || size > lim.bulk {
			return nil, protocolError(fmt.Sprintf("ERR Protocol error: invalid bulk length (max_bulk_bytes is %d)", lim.bulk))
		}
		if len(buf)+len(line)+size+2 > lim.command {
			return nil, protocolError(fmt.Sprintf("ERR Protocol error: command too large (max_request_bytes is %d)", lim.command))
		}
		buf = append(buf, line...)
		start := len(buf)
		buf = slices.Grow(buf, size+2)[:start+size+2]
		if _, err := io.ReadFull(r, buf[start:]); err != nil {
			return nil, err
		}
		if buf[len(buf)-2] != '\r' || buf[len(buf)-1] != '\n' {
			return nil, protocolError("ERR Protocol error: bulk string not followed by CRLF")
		}
	}
	return buf, nil
}

// readHeader reads a "*N" or "$N" line, CRLF included. The line is only
// valid until r's next read.
func readHeader(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > maxHeaderLine {
		return nil, protocolError("ERR Protocol error: too big count string")
	}
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, protocolError("ERR Protocol error: header line not ended by CRLF")
	}
	return line, nil
}

// parseLen reads the length of a header line ("$12\r\n").
func parseLen(line []byte) (int, bool) {
	n, err := strconv.Atoi(string(line[1 : len(line)-2]))
	return n, err == nil
}

func printable(b byte) string {
	if b < 0x20 || b > 0x7e {
		return fmt.Sprintf("\\x%02x", b)
	}
	return string(b)
}

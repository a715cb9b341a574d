package redistrigger

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadCommand(t *testing.T) {
	lim := limits{bulk: 10, command: 40}
	for _, tc := range []struct {
		name, in string
		want     []string // commands read, in order ("" for an ignored empty array)
		refused  string   // the protocol error that follows them, if any
	}{
		{name: "one", in: command("GET", "k"), want: []string{command("GET", "k")}},
		{name: "pipelined", in: command("PING") + command("GET", "k"), want: []string{command("PING"), command("GET", "k")}},
		{name: "empty arrays are ignored", in: "*0\r\n*-1\r\n" + command("PING"), want: []string{"", "", command("PING")}},
		{name: "bulk at the cap", in: command("SET", "k", "0123456789"), want: []string{command("SET", "k", "0123456789")}},
		{name: "bulk over the cap", in: command("SET", "k", "0123456789x"), refused: "invalid bulk length"},
		{name: "huge bulk", in: "*1\r\n$100000000000\r\n", refused: "invalid bulk length"},
		{name: "negative bulk", in: "*1\r\n$-1\r\n", refused: "invalid bulk length"},
		{name: "bulk length not a number", in: "*1\r\n$1x\r\n", refused: "invalid bulk length"},
		{name: "int overflow", in: "*1\r\n$99999999999999999999999\r\n", refused: "invalid bulk length"},
		{name: "long header", in: "*" + strings.Repeat("0", 40) + "1\r\n", refused: "too big count string"},
		{name: "command over the cap", in: command("SET", "0123456789", "0123456789"), refused: "command too large"},
		{name: "huge array", in: "*100000000000\r\n", refused: "invalid multibulk length"},
		{name: "endless header", in: "*" + strings.Repeat("1", 10000), refused: "too big count string"},
		{name: "bare LF", in: "*1\n", refused: "not ended by CRLF"},
		{name: "inline command", in: "PING\r\n", refused: "expected '*', got 'P'"},
		{name: "non-bulk element", in: "*1\r\n:1\r\n", refused: "expected '$', got ':'"},
		{name: "bulk without CRLF", in: "*1\r\n$4\r\nPINGxx", refused: "not followed by CRLF"},
		{name: "valid, then refused", in: command("PING") + "*1\r\n$100000000000\r\n", want: []string{command("PING")},
			refused: "invalid bulk length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bufio.NewReader(strings.NewReader(tc.in))
			var got []string
			var buf []byte
			for {
				cmd, err := readCommand(r, lim, buf)
				if errors.Is(err, io.EOF) {
					require.Empty(t, tc.refused, "no refusal")
					break
				}
				var perr protocolError
				if errors.As(err, &perr) {
					require.NotEmpty(t, tc.refused, "refused: %v", perr)
					require.Contains(t, string(perr), tc.refused)
					require.True(t, strings.HasPrefix(string(perr), "ERR Protocol error: "), "%s", perr)
					break
				}
				require.NoError(t, err)
				got = append(got, string(cmd))
				buf = cmd
			}
			require.Equal(t, tc.want, got)
		})
	}
}

// FuzzReadCommand: any input is read into whole commands within the caps,
// or refused; nothing panics.
func FuzzReadCommand(f *testing.F) {
	for _, s := range []string{command("SET", "k", "v"), "*0\r\n", "*1\r\n$100000000000\r\n", "*2\r\n$1\r\na", "PING\r\n"} {
		f.Add(s)
	}
	lim := limits{bulk: 16, command: 64}
	f.Fuzz(func(t *testing.T, in string) {
		r := bufio.NewReader(strings.NewReader(in))
		var buf []byte
		for range 100 {
			cmd, err := readCommand(r, lim, buf)
			if err != nil {
				return
			}
			if len(cmd) > lim.command {
				t.Fatalf("read a %d-byte command, over the %d-byte cap", len(cmd), lim.command)
			}
			buf = cmd
		}
	})
}

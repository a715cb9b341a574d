package wire

import (
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// Hand-written encoders for the answers of the hot routes: a cache item's
// put and get, and a message's post, reserve and delete. encoding/json
// reflects over each answer, calls the Marshaler of every time and raw
// value and then validates what it returned; on those routes that was
// 8 % of the daemon's CPU. Each AppendJSON writes exactly the bytes
// encoding/json writes with SetEscapeHTML(false), which
// TestAppendJSON_matchesEncodingJSON and FuzzAppendJSON hold them to.

// AppendJSON appends m's JSON.
func (m Msg) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"msg":`...)
	dst = appendString(dst, m.Msg)
	return append(dst, '}'), nil
}

// AppendJSON appends it's JSON. It fails, as json.Marshal does, when
// Value is not valid JSON.
func (it Item) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"cache":`...)
	dst = appendString(dst, it.Cache)
	dst = append(dst, `,"key":`...)
	dst = appendString(dst, it.Key)
	dst = append(dst, `,"value":`...)
	dst, err := appendRaw(dst, it.Value)
	if err != nil {
		return dst, err
	}
	dst = append(dst, `,"cas":`...)
	dst = appendString(dst, it.CAS)
	dst = append(dst, `,"expires":`...)
	dst = appendString(dst, it.Expires.text())
	dst = append(dst, `,"flags":`...)
	dst = strconv.AppendInt(dst, int64(it.Flags), 10)
	return append(dst, '}'), nil
}

// AppendJSON appends p's JSON.
func (p PostedMessages) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"ids":`...)
	dst = appendArray(dst, p.IDs, appendString)
	dst = append(dst, `,"msg":`...)
	dst = appendString(dst, p.Msg)
	return append(dst, '}'), nil
}

// AppendJSON appends l's JSON.
func (l MessageList) AppendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"messages":`...)
	dst = appendArray(dst, l.Messages, appendMessage)
	return append(dst, '}'), nil
}

func appendMessage(dst []byte, m Message) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, m.ID)
	dst = append(dst, `,"body":`...)
	dst = appendString(dst, m.Body)
	dst = append(dst, `,"reserved_count":`...)
	dst = strconv.AppendInt(dst, int64(m.ReservedCount), 10)
	if m.ReservationID != "" {
		dst = append(dst, `,"reservation_id":`...)
		dst = appendString(dst, m.ReservationID)
	}
	return append(dst, '}')
}

// appendArray appends xs as a JSON array of what each element's append
// writes; a nil slice is null, as encoding/json writes it.
func appendArray[T any](dst []byte, xs []T, appendElem func([]byte, T) []byte) []byte {
	if xs == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendElem(dst, x)
	}
	return append(dst, ']')
}

var errInvalidRaw = errors.New("wire: raw value is not valid JSON")

// appendRaw appends a raw JSON value as encoding/json marshals a
// json.RawMessage: null when nil, else compacted (whitespace between
// tokens dropped), and an error when it is not valid JSON.
func appendRaw(dst []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(dst, "null"...), nil
	}
	if !json.Valid(raw) {
		return dst, errInvalidRaw
	}
	inString, escaped := false, false
	for _, c := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == ' ', c == '\t', c == '\n', c == '\r':
			continue
		case c == '"':
			inString = true
		}
		dst = append(dst, c)
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: '"', '\\' and control bytes escaped, invalid UTF-8
// replaced by U+FFFD, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

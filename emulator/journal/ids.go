package journal

import (
	"bytes"
	"encoding/json"
	"slices"
	"unicode/utf8"
)

// IDKeys are the keys whose string values IDsOf lists: ids of messages,
// tasks, bindings and events, and reservations.
var IDKeys = []string{"id", "ids", "reservation_id", "task_id"}

var idEnd, idsEnd = []byte(`id"`), []byte(`ids"`)

// mayNameIDs reports whether answer may name an id. Every key of IDKeys
// ends in id" or ids": an answer without either ({"msg":"Deleted"}, most
// writes' answer) names no id, and is not decoded, which costs more than
// the rest of journaling a write.
func mayNameIDs(answer []byte) bool {
	return bytes.Contains(answer, idEnd) || bytes.Contains(answer, idsEnd)
}

// IDsOf lists the ids a JSON answer names: every string under one of
// IDKeys, objects walked in key order and arrays in order. A replay lists
// its own answer's ids the same way and maps them by position, which is
// why the order is defined by the keys rather than the bytes.
func IDsOf(answer []byte) []string {
	if !mayNameIDs(answer) {
		return nil
	}
	if ids, ok := scanIDs(answer); ok {
		return ids
	}
	return decodeIDs(answer)
}

// decodeIDs is IDsOf by the book: the answer decoded whole, then walked.
func decodeIDs(answer []byte) []string {
	var v any
	if json.Unmarshal(answer, &v) != nil {
		return nil
	}
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				walk(k, x[k])
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			if slices.Contains(IDKeys, key) {
				out = append(out, x)
			}
		}
	}
	walk("", v)
	return out
}

// scanIDs is IDsOf in one pass over the bytes, without decoding the
// answer into maps: a reserve of 100 messages answers ~10 KiB, listed as
// each request is journaled, and decodeIDs on it was 5 % of the daemon's
// CPU in batch reserves and deletes. It takes the form ironlocal's own
// answers have: keys and ids without escapes, in valid UTF-8, no key
// twice in an object, shallow nesting. On anything else it reports false
// and decodeIDs decides (FuzzIDsOf holds the two to the same result).
func scanIDs(answer []byte) ([]string, bool) {
	s := idScan{b: answer}
	if !s.value(nil) {
		return nil, false
	}
	s.space()
	return s.out, s.i == len(s.b)
}

// maxScanDepth bounds scanIDs's nesting, and maxScanMembers the members
// of an object with ids (each is checked against the others); a larger
// answer is decodeIDs's.
const (
	maxScanDepth   = 32
	maxScanMembers = 32
)

type idScan struct {
	b     []byte
	i     int
	out   []string
	depth int
	// members holds, for each object being read, its members so far
	// (nested objects' above their parent's): the key, and the range of
	// out their ids took.
	members []member
}

type member struct {
	key      []byte // the input's bytes: plainString's are what they decode to
	from, to int
}

// value reads one value under key, listing the ids it names.
func (s *idScan) value(key []byte) bool {
	s.space()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '{':
		return s.object()
	case '[':
		return s.array(key)
	case '"':
		if !isIDKey(key) {
			return s.skipString()
		}
		id, ok := s.plainString()
		if ok {
			s.out = append(s.out, string(id))
		}
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *idScan) object() bool {
	if s.depth++; s.depth > maxScanDepth {
		return false
	}
	s.i++ // {
	start, base := len(s.out), len(s.members)
	if !s.next('}') {
		for {
			key, ok := s.plainString()
			if !ok || !s.next(':') {
				return false
			}
			from := len(s.out)
			if !s.value(key) {
				return false
			}
			s.members = append(s.members, member{key, from, len(s.out)})
			if s.next('}') {
				break
			}
			if !s.next(',') {
				return false
			}
		}
	}
	ok := s.inKeyOrder(start, s.members[base:])
	s.members = s.members[:base]
	s.depth--
	return ok
}

// inKeyOrder puts the ids of an object's members, listed from start on in
// the members' order, in the order of their keys. Only members with ids
// matter; in ironlocal's answers those already are in key order (id, then
// reservation_id). A key seen twice, one of them with ids, is not
// scanIDs's to read: decoded, the last value wins.
func (s *idScan) inKeyOrder(start int, ms []member) bool {
	if len(s.out) == start {
		return true // no ids: order and repeats change nothing
	}
	if len(ms) > maxScanMembers {
		return false
	}
	sorted := true
	var prev []byte
	for i, m := range ms {
		if m.from == m.to {
			continue
		}
		for j := range ms {
			if j != i && bytes.Equal(ms[j].key, m.key) {
				return false
			}
		}
		if prev != nil && bytes.Compare(prev, m.key) > 0 {
			sorted = false
		}
		prev = m.key
	}
	if sorted {
		return true
	}
	var withIDs []member
	for _, m := range ms {
		if m.from < m.to {
			withIDs = append(withIDs, m)
		}
	}
	slices.SortFunc(withIDs, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	ids := make([]string, 0, len(s.out)-start)
	for _, m := range withIDs {
		ids = append(ids, s.out[m.from:m.to]...)
	}
	copy(s.out[start:], ids) // the members with ids cover out[start:]
	return true
}

func isIDKey(key []byte) bool {
	for _, k := range IDKeys {
		if string(key) == k {
			return true
		}
	}
	return false
}

func (s *idScan) array(key []byte) bool {
	if s.depth++; s.depth > maxScanDepth {
		return false
	}
	s.i++ // [
	if !s.next(']') {
		for {
			if !s.value(key) {
				return false
			}
			if s.next(']') {
				break
			}
			if !s.next(',') {
				return false
			}
		}
	}
	s.depth--
	return true
}

func (s *idScan) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// next skips whitespace and consumes c if it comes next.
func (s *idScan) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// stringStop marks the bytes a string scan stops at: its end, an escape,
// and the control characters JSON does not allow in a string.
var stringStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// plainString reads a string without escapes, in valid UTF-8: what
// decoding it gives is its bytes, returned as a slice of the input.
func (s *idScan) plainString() ([]byte, bool) {
	if !s.next('"') {
		return nil, false
	}
	from := s.i
	for s.i < len(s.b) && !stringStop[s.b[s.i]] {
		s.i++
	}
	if s.i == len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	v := s.b[from:s.i]
	s.i++
	return v, utf8.Valid(v)
}

// skipString reads past a string, checking its escapes; its bytes need
// not be valid UTF-8 (decoding replaces what is not).
func (s *idScan) skipString() bool {
	s.i++ // "
	for {
		for s.i < len(s.b) && !stringStop[s.b[s.i]] {
			s.i++
		}
		if s.i == len(s.b) {
			return false
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return false
		}
		s.i++ // \
		if s.i >= len(s.b) {
			return false
		}
		e := s.b[s.i]
		s.i++
		switch e {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		case 'u':
			if s.i+4 > len(s.b) {
				return false
			}
			for _, h := range s.b[s.i : s.i+4] {
				if !isHex(h) {
					return false
				}
			}
			s.i += 4
		default:
			return false
		}
	}
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (s *idScan) literal(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *idScan) number() bool {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *idScan) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

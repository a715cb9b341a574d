// Package jsonscan reads JSON in one pass, without reflection: the lexer
// of the hand-written decoders of the hot request bodies (package wire)
// and of the journal's id lister (emulator/journal). It takes a plain
// form of JSON, and its callers leave anything else to encoding/json,
// whose results and error messages stand; they check that what they take,
// they read as encoding/json does.
package jsonscan

import "unicode/utf8"

// New returns a Scanner at the start of b.
func New(b []byte) Scanner { return Scanner{b: b} }

// Scanner reads JSON from b at i. Each method reads one token (after any
// whitespace) and reports false, having read an unknown amount, when the
// input is not in the plain form it takes.
type Scanner struct {
	b []byte
	i int
}

// list reads the elements of an array or the members of an object, with
// a loop, not callbacks, so nothing escapes to the heap:
//
//	var a jsonscan.Array
//	for a.Next(s) { read the element; a.Took(ok) }
//	if !a.Closed() { not the plain form }
type list struct{ started, ended, bad bool }

// next reads up to the next element of the list that open begins and
// close ends, and reports whether there is one.
func (l *list) next(s *Scanner, open, close byte) bool {
	switch {
	case l.bad || l.ended:
		return false
	case !l.started:
		l.started = true
		if !s.Next(open) {
			l.bad = true
			return false
		}
		l.ended = s.Next(close) // an empty list
		return !l.ended
	case s.Next(close):
		l.ended = true
		return false
	case s.Next(','):
		return true
	}
	l.bad = true
	return false
}

// Took records whether the element was read.
func (l *list) Took(ok bool) { l.bad = l.bad || !ok }

// Closed reports whether the whole list was read.
func (l *list) Closed() bool { return l.ended && !l.bad }

// Array reads [elem, …].
type Array struct{ list }

func (a *Array) Next(s *Scanner) bool { return a.list.next(s, '[', ']') }

// Object reads {"key": value, …}; Next stops before each value, whose key
// Key returns. A key seen twice is not the plain form (encoding/json
// merges a repeated object or array into the first, and a map keeps the
// last value), nor are more than eight members.
type Object struct {
	list
	key   []byte
	seen  [8][]byte
	nseen int
}

// Key is the key of the member Next stopped before.
func (o *Object) Key() []byte { return o.key }

func (o *Object) Next(s *Scanner) bool {
	if !o.list.next(s, '{', '}') {
		return false
	}
	key, ok := s.StrBytes()
	if !ok || !s.Next(':') || o.nseen == len(o.seen) {
		o.bad = true
		return false
	}
	for _, k := range o.seen[:o.nseen] {
		if string(k) == string(key) {
			o.bad = true
			return false
		}
	}
	o.seen[o.nseen], o.nseen, o.key = key, o.nseen+1, key
	return true
}

// AtEnd reports whether only whitespace is left.
func (s *Scanner) AtEnd() bool {
	s.space()
	return s.i == len(s.b)
}

// space skips whitespace.
func (s *Scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// Next skips whitespace and consumes c if it comes next.
func (s *Scanner) Next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// Str reads a string of valid UTF-8, with escapes other than \u for a
// surrogate (encoding/json pairs those, or replaces a lone one).
func (s *Scanner) Str(dst *string) bool {
	b, ok := s.StrBytes()
	if ok {
		*dst = string(b)
	}
	return ok
}

// StrBytes is Str's string as bytes: a slice of the input when the
// string holds no escape.
func (s *Scanner) StrBytes() ([]byte, bool) {
	if !s.Next('"') {
		return nil, false
	}
	start := s.i
	for s.i < len(s.b) { // the common string has no escape: a slice of the input
		c := s.b[s.i]
		if c == '"' {
			raw := s.b[start:s.i]
			s.i++
			return raw, utf8.Valid(raw)
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, false
		}
		s.i++
	}
	out := append([]byte(nil), s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return out, utf8.Valid(out)
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			return nil, false
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok || utf8.RuneLen(r) < 0 { // a surrogate half
				return nil, false
			}
			out = utf8.AppendRune(out, r)
		default:
			return nil, false
		}
	}
	return nil, false
}

// hex4 reads the four hex digits of a \u escape.
func (s *Scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.i += 4
	return r, true
}

// isNumberByte reports whether c may continue a JSON number.
func isNumberByte(c byte) bool {
	return c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || '0' <= c && c <= '9'
}

// Boolean reads true or false.
func (s *Scanner) Boolean(dst *bool) bool {
	s.space()
	switch {
	case s.Literal("true"):
		*dst = true
	case s.Literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

// Literal consumes word if it comes next, without skipping whitespace.
func (s *Scanner) Literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// Number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) Number() bool {
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

func (s *Scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

// Peek returns the next byte after any whitespace, without consuming it.
func (s *Scanner) Peek() (byte, bool) {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i], true
	}
	return 0, false
}

// SmallInt reads an integer of at most 9 digits, which encoding/json
// reads exactly into any integer type; a fraction, an exponent or a
// leading zero is not the plain form.
func (s *Scanner) SmallInt() (int, bool) {
	s.space()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	digits := s.digits()
	if digits == 0 || digits > 9 || (digits > 1 && s.b[start] == '0') || s.i < len(s.b) && isNumberByte(s.b[s.i]) {
		return 0, false
	}
	n := 0
	for _, c := range s.b[start:s.i] {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// RawScalar reads a string, number or boolean and returns its bytes as
// they came (a slice of the input).
func (s *Scanner) RawScalar() ([]byte, bool) {
	s.space()
	start := s.i
	switch {
	case s.i < len(s.b) && s.b[s.i] == '"':
		if _, ok := s.StrBytes(); !ok {
			return nil, false
		}
	case s.Literal("true"), s.Literal("false"):
	default:
		if !s.Number() {
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

// SkipString reads past a string, checking its escapes but not decoding
// it. Its bytes need not be valid UTF-8: decoding replaces what is not.
func (s *Scanner) SkipString() bool {
	if !s.Next('"') {
		return false
	}
	for s.i < len(s.b) {
		c := s.b[s.i]
		s.i++
		switch {
		case c == '"':
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if s.i >= len(s.b) {
				return false
			}
			e := s.b[s.i]
			s.i++
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if _, ok := s.hex4(); !ok {
					return false
				}
			default:
				return false
			}
		}
	}
	return false
}

package wire

import (
	"encoding/json"
	"unicode/utf8"
)

// Hand-written decoders for the request bodies of the hot routes: a
// message's post, reserve and delete (one or a batch), and a cache item's
// put. On those
// routes encoding/json's reflection was 4–7 % of the daemon's CPU.
//
// Each ScanJSON reads only the plain form clients send — one object, keys
// spelled exactly as the field tags, each at most once, values of the
// field's simple kind — and reports whether it did. Anything else (another
// key or spelling, a null, a fraction, a nested value, a surrogate escape,
// invalid UTF-8, bad JSON) it leaves alone and reports false: the caller
// then decodes with encoding/json, whose result and error messages stand.
// What a ScanJSON accepts, it decodes exactly as json.Unmarshal does into
// a zero value; TestScanJSON_matchesEncodingJSON and FuzzScanJSON hold it
// to that.

// ScanJSON decodes data into b, which must be zero, when data is in the
// plain form; otherwise it leaves b as it was and reports false.
func (b *ReservationBody) ScanJSON(data []byte) bool {
	var v ReservationBody
	s := scanner{b: data}
	var o object
	for o.next(&s) {
		switch string(o.key) {
		case "n":
			o.took(s.optInt(&v.N))
		case "timeout":
			o.took(s.optInt(&v.Timeout))
		case "wait":
			o.took(s.optInt(&v.Wait))
		case "delete":
			o.took(s.boolean(&v.Delete))
		default:
			o.took(false)
		}
	}
	if !o.closed() || !s.atEnd() {
		return false
	}
	*b = v
	return true
}

// ScanJSON decodes data into r, which must be zero, when data is in the
// plain form; otherwise it leaves r as it was and reports false.
func (r *ReservationRef) ScanJSON(data []byte) bool {
	var v ReservationRef
	s := scanner{b: data}
	var o object
	for o.next(&s) {
		switch string(o.key) {
		case "reservation_id":
			o.took(s.str(&v.ReservationID))
		case "subscriber_name":
			o.took(s.str(&v.SubscriberName))
		case "timeout":
			o.took(s.optInt(&v.Timeout))
		case "delay":
			o.took(s.optInt(&v.Delay))
		default:
			o.took(false)
		}
	}
	if !o.closed() || !s.atEnd() {
		return false
	}
	*r = v
	return true
}

// ScanJSON decodes data into b, which must be zero, when data is in the
// plain form (messages without push headers); otherwise it leaves b as it
// was and reports false.
func (b *MessagesBody) ScanJSON(data []byte) bool {
	var v MessagesBody
	s := scanner{b: data}
	var o object
	for o.next(&s) {
		if string(o.key) != "messages" {
			o.took(false)
			continue
		}
		v.Messages = []MessageBody{} // [] decodes to an empty slice, not nil
		var a array
		for a.next(&s) {
			m, ok := scanMessage(&s)
			if a.took(ok); ok {
				v.Messages = append(v.Messages, m)
			}
		}
		o.took(a.closed())
	}
	if !o.closed() || !s.atEnd() {
		return false
	}
	*b = v
	return true
}

// scanMessage reads one message of a post.
func scanMessage(s *scanner) (MessageBody, bool) {
	var m MessageBody
	var o object
	for o.next(s) {
		switch string(o.key) {
		case "body":
			m.Body = new(string)
			o.took(s.str(m.Body))
		case "delay":
			o.took(s.optInt(&m.Delay))
		case "timeout":
			o.took(s.optInt(&m.Timeout))
		case "expires_in":
			o.took(s.optInt(&m.ExpiresIn))
		default:
			o.took(false)
		}
	}
	return m, o.closed()
}

// ScanJSON decodes data into b, which must be zero, when data is in the
// plain form (a string, number or boolean value, no cas); otherwise it
// leaves b as it was and reports false.
func (b *ItemBody) ScanJSON(data []byte) bool {
	var v ItemBody
	s := scanner{b: data}
	var o object
	for o.next(&s) {
		switch string(o.key) {
		case "value":
			o.took(s.rawScalar(&v.Value))
		case "expires_in":
			o.took(s.optInt(&v.ExpiresIn))
		case "replace":
			o.took(s.boolean(&v.Replace))
		case "add":
			o.took(s.boolean(&v.Add))
		default:
			o.took(false)
		}
	}
	if !o.closed() || !s.atEnd() {
		return false
	}
	*b = v
	return true
}

// ScanJSON decodes data into b, which must be zero, when data is in the
// plain form (each id a string, or an object of id, reservation_id and
// subscriber_name); otherwise it leaves b as it was and reports false.
func (b *MessageRefs) ScanJSON(data []byte) bool {
	var v MessageRefs
	s := scanner{b: data}
	var o object
	for o.next(&s) {
		if string(o.key) != "ids" {
			o.took(false)
			continue
		}
		v.IDs = []MessageRef{} // [] decodes to an empty slice, not nil
		var a array
		for a.next(&s) {
			r, ok := scanMessageRef(&s)
			if a.took(ok); ok {
				v.IDs = append(v.IDs, r)
			}
		}
		o.took(a.closed())
	}
	if !o.closed() || !s.atEnd() {
		return false
	}
	*b = v
	return true
}

// scanMessageRef reads one message of a batch delete: a bare id or an
// object (MessageRef.UnmarshalJSON).
func scanMessageRef(s *scanner) (MessageRef, bool) {
	var r MessageRef
	if s.space(); s.i < len(s.b) && s.b[s.i] == '"' {
		return r, s.str(&r.ID)
	}
	var o object
	for o.next(s) {
		switch string(o.key) {
		case "id":
			o.took(s.str(&r.ID))
		case "reservation_id":
			o.took(s.str(&r.ReservationID))
		case "subscriber_name":
			o.took(s.str(&r.SubscriberName))
		default:
			o.took(false)
		}
	}
	return r, o.closed()
}

// scanner reads JSON from b at i. Each method reads one token (after any
// whitespace) and reports false, having read an unknown amount, when the
// input is not in the plain form it takes.
type scanner struct {
	b []byte
	i int
}

// list reads the elements of an array or the members of an object, with
// a loop, not callbacks, so nothing escapes to the heap:
//
//	var a array
//	for a.next(s) { read the element; a.took(ok) }
//	if !a.closed() { not the plain form }
type list struct{ started, ended, bad bool }

// next reads up to the next element of the list that open begins and
// close ends, and reports whether there is one.
func (l *list) next(s *scanner, open, close byte) bool {
	switch {
	case l.bad || l.ended:
		return false
	case !l.started:
		l.started = true
		if !s.next(open) {
			l.bad = true
			return false
		}
		l.ended = s.next(close) // an empty list
		return !l.ended
	case s.next(close):
		l.ended = true
		return false
	case s.next(','):
		return true
	}
	l.bad = true
	return false
}

// took records whether the element was read.
func (l *list) took(ok bool) { l.bad = l.bad || !ok }

// closed reports whether the whole list was read.
func (l *list) closed() bool { return l.ended && !l.bad }

// array reads [elem, …].
type array struct{ list }

func (a *array) next(s *scanner) bool { return a.list.next(s, '[', ']') }

// object reads {"key": value, …}; next stops before each value, with
// its key in key. A key seen twice is not the plain form: encoding/json
// merges a repeated object or array into the first.
type object struct {
	list
	key   []byte
	seen  [8][]byte
	nseen int
}

func (o *object) next(s *scanner) bool {
	if !o.list.next(s, '{', '}') {
		return false
	}
	key, ok := s.strBytes()
	if !ok || !s.next(':') || o.nseen == len(o.seen) {
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

// atEnd reports whether only whitespace is left.
func (s *scanner) atEnd() bool {
	s.space()
	return s.i == len(s.b)
}

func (s *scanner) space() {
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
func (s *scanner) next(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string of valid UTF-8, with escapes other than \u for a
// surrogate (encoding/json pairs those, or replaces a lone one).
func (s *scanner) str(dst *string) bool {
	b, ok := s.strBytes()
	if ok {
		*dst = string(b)
	}
	return ok
}

// strBytes is str's string as bytes: a slice of the input when the
// string holds no escape.
func (s *scanner) strBytes() ([]byte, bool) {
	if !s.next('"') {
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
func (s *scanner) hex4() (rune, bool) {
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

// optInt reads an integer of at most 9 digits, which OptInt's
// UnmarshalJSON keeps exactly; a fraction, exponent or null is not the
// plain form.
func (s *scanner) optInt(dst *OptInt) bool {
	s.space()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	digits := s.digits()
	if digits == 0 || digits > 9 || (digits > 1 && s.b[start] == '0') || s.i < len(s.b) && isNumberByte(s.b[s.i]) {
		return false
	}
	n := 0
	for _, c := range s.b[start:s.i] {
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	*dst = OptInt{Set: true, V: n}
	return true
}

// isNumberByte reports whether c may continue a JSON number.
func isNumberByte(c byte) bool {
	return c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || '0' <= c && c <= '9'
}

func (s *scanner) boolean(dst *bool) bool {
	s.space()
	switch {
	case s.literal("true"):
		*dst = true
	case s.literal("false"):
		*dst = false
	default:
		return false
	}
	return true
}

func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// rawScalar reads a string, number or boolean and keeps its bytes as they
// came, as json.RawMessage does.
func (s *scanner) rawScalar(dst *json.RawMessage) bool {
	s.space()
	start := s.i
	switch {
	case s.i < len(s.b) && s.b[s.i] == '"':
		if _, ok := s.strBytes(); !ok {
			return false
		}
	case s.literal("true"), s.literal("false"):
	default:
		if !s.number() {
			return false
		}
	}
	*dst = append(json.RawMessage(nil), s.b[start:s.i]...)
	return true
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
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

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

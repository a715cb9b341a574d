package wire

import (
	"encoding/json"

	"github.com/ironlocal/ironlocal/internal/jsonscan"
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
	s := jsonscan.New(data)
	var o jsonscan.Object
	for o.Next(&s) {
		switch string(o.Key()) {
		case "n":
			o.Took(optInt(&s, &v.N))
		case "timeout":
			o.Took(optInt(&s, &v.Timeout))
		case "wait":
			o.Took(optInt(&s, &v.Wait))
		case "delete":
			o.Took(s.Boolean(&v.Delete))
		default:
			o.Took(false)
		}
	}
	if !o.Closed() || !s.AtEnd() {
		return false
	}
	*b = v
	return true
}

// ScanJSON decodes data into r, which must be zero, when data is in the
// plain form; otherwise it leaves r as it was and reports false.
func (r *ReservationRef) ScanJSON(data []byte) bool {
	var v ReservationRef
	s := jsonscan.New(data)
	var o jsonscan.Object
	for o.Next(&s) {
		switch string(o.Key()) {
		case "reservation_id":
			o.Took(s.Str(&v.ReservationID))
		case "subscriber_name":
			o.Took(s.Str(&v.SubscriberName))
		case "timeout":
			o.Took(optInt(&s, &v.Timeout))
		case "delay":
			o.Took(optInt(&s, &v.Delay))
		default:
			o.Took(false)
		}
	}
	if !o.Closed() || !s.AtEnd() {
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
	s := jsonscan.New(data)
	var o jsonscan.Object
	for o.Next(&s) {
		if string(o.Key()) != "messages" {
			o.Took(false)
			continue
		}
		v.Messages = []MessageBody{} // [] decodes to an empty slice, not nil
		var a jsonscan.Array
		for a.Next(&s) {
			m, ok := scanMessage(&s)
			if a.Took(ok); ok {
				v.Messages = append(v.Messages, m)
			}
		}
		o.Took(a.Closed())
	}
	if !o.Closed() || !s.AtEnd() {
		return false
	}
	*b = v
	return true
}

// scanMessage reads one message of a post.
func scanMessage(s *jsonscan.Scanner) (MessageBody, bool) {
	var m MessageBody
	var o jsonscan.Object
	for o.Next(s) {
		switch string(o.Key()) {
		case "body":
			m.Body = new(string)
			o.Took(s.Str(m.Body))
		case "delay":
			o.Took(optInt(s, &m.Delay))
		case "timeout":
			o.Took(optInt(s, &m.Timeout))
		case "expires_in":
			o.Took(optInt(s, &m.ExpiresIn))
		default:
			o.Took(false)
		}
	}
	return m, o.Closed()
}

// ScanJSON decodes data into b, which must be zero, when data is in the
// plain form (a string, number or boolean value, no cas); otherwise it
// leaves b as it was and reports false.
func (b *ItemBody) ScanJSON(data []byte) bool {
	var v ItemBody
	s := jsonscan.New(data)
	var o jsonscan.Object
	for o.Next(&s) {
		switch string(o.Key()) {
		case "value":
			o.Took(rawScalar(&s, &v.Value))
		case "expires_in":
			o.Took(optInt(&s, &v.ExpiresIn))
		case "replace":
			o.Took(s.Boolean(&v.Replace))
		case "add":
			o.Took(s.Boolean(&v.Add))
		default:
			o.Took(false)
		}
	}
	if !o.Closed() || !s.AtEnd() {
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
	s := jsonscan.New(data)
	var o jsonscan.Object
	for o.Next(&s) {
		if string(o.Key()) != "ids" {
			o.Took(false)
			continue
		}
		v.IDs = []MessageRef{} // [] decodes to an empty slice, not nil
		var a jsonscan.Array
		for a.Next(&s) {
			r, ok := scanMessageRef(&s)
			if a.Took(ok); ok {
				v.IDs = append(v.IDs, r)
			}
		}
		o.Took(a.Closed())
	}
	if !o.Closed() || !s.AtEnd() {
		return false
	}
	*b = v
	return true
}

// scanMessageRef reads one message of a batch delete: a bare id or an
// object (MessageRef.UnmarshalJSON).
func scanMessageRef(s *jsonscan.Scanner) (MessageRef, bool) {
	var r MessageRef
	if c, ok := s.Peek(); ok && c == '"' {
		return r, s.Str(&r.ID)
	}
	var o jsonscan.Object
	for o.Next(s) {
		switch string(o.Key()) {
		case "id":
			o.Took(s.Str(&r.ID))
		case "reservation_id":
			o.Took(s.Str(&r.ReservationID))
		case "subscriber_name":
			o.Took(s.Str(&r.SubscriberName))
		default:
			o.Took(false)
		}
	}
	return r, o.Closed()
}

// optInt reads an OptInt in the plain form: an integer of at most 9
// digits, which OptInt's UnmarshalJSON keeps exactly.
func optInt(s *jsonscan.Scanner, dst *OptInt) bool {
	n, ok := s.SmallInt()
	if ok {
		*dst = OptInt{Set: true, V: n}
	}
	return ok
}

// rawScalar reads a string, number or boolean and keeps its bytes as they
// came, as json.RawMessage does.
func rawScalar(s *jsonscan.Scanner, dst *json.RawMessage) bool {
	b, ok := s.RawScalar()
	if ok {
		*dst = append(json.RawMessage(nil), b...)
	}
	return ok
}

package badger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Messages are the hottest records (every post, reserve and delete writes
// them), so they use a compact binary encoding instead of JSON:
//
//	version(1) id(uvarint) state(1) availableAt postedAt expiresAt (varint
//	unix ns, 0 = zero time) reservedCount(uvarint) reservationID body
//	(uvarint length + bytes) pushHeaders(uvarint count, then key, value)
//	subscribers [position(uvarint)]
//
// Version 2 writes the subscribers (push queues only) as a uvarint count,
// then each one's fields in SubscriberState's order: strings and times as
// above, headers as pushHeaders, numbers as varints. Version 1, which
// stores written before schema 2 hold, wrote them as a uvarint length and
// their JSON (0 = none); it is still read. The JSON cost more than the
// rest of a push message's record: a claim and a recorded outcome each
// decode and encode it, and decoding it alone was ~14 µs a record.
//
// The trailing position (the ready order, see emulator.Message.Position) is
// written only when set; records without it decode with position 0.
const (
	messageCodecV1 byte = 1 // subscribers as JSON
	messageCodecV2 byte = 2 // subscribers binary
)

var (
	errCorruptMessage = errors.New("corrupt record")
	errCorruptValue   = errors.New("corrupt record: its value is not JSON")
)

func encodeMessage(m emulator.Message) []byte {
	b := make([]byte, 0, 64+len(m.Body)+len(m.ReservationID)+96*len(m.Subscribers))
	b = append(b, messageCodecV2)
	b = binary.AppendUvarint(b, uint64(m.ID))
	b = append(b, byte(m.State))
	b = appendTime(appendTime(appendTime(b, m.AvailableAt), m.PostedAt), m.ExpiresAt)
	b = binary.AppendUvarint(b, uint64(m.ReservedCount))
	b = appendString(b, m.ReservationID)
	b = appendString(b, m.Body)
	b = appendHeaders(b, m.PushHeaders)
	b = binary.AppendUvarint(b, uint64(len(m.Subscribers)))
	for _, sub := range m.Subscribers {
		b = appendString(appendString(b, sub.Name), sub.URL)
		b = appendHeaders(b, sub.Headers)
		b = appendString(b, string(sub.Status))
		b = binary.AppendVarint(b, int64(sub.StatusCode))
		b = binary.AppendVarint(b, int64(sub.Tries))
		b = binary.AppendVarint(b, int64(sub.RetriesRemaining))
		b = appendTime(appendTime(b, sub.LastTryAt), sub.NextTryAt)
		b = appendString(appendString(b, sub.Msg), sub.LastResponse)
		b = appendString(b, sub.ReservationID)
	}
	if m.Position != 0 {
		b = binary.AppendUvarint(b, uint64(m.Position))
	}
	return b
}

func decodeMessage(b []byte, m *emulator.Message) error {
	d := decoder{b: b}
	version := d.byte()
	if version != messageCodecV1 && version != messageCodecV2 {
		return errCorruptMessage
	}
	m.ID = emulator.MessageID(d.uvarint())
	m.State = emulator.MessageState(d.byte())
	m.AvailableAt, m.PostedAt, m.ExpiresAt = d.time(), d.time(), d.time()
	m.ReservedCount = int(d.uvarint())
	m.ReservationID = d.string()
	m.Body = d.string()
	m.PushHeaders = d.headers()
	if version == messageCodecV1 {
		m.Subscribers = d.subscribersJSON()
	} else {
		m.Subscribers = d.subscribers()
	}
	if len(d.b) > 0 && d.err == nil {
		m.Position = emulator.MessageID(d.uvarint())
	}
	return d.err
}

// minSubscriberLen is the fewest bytes a binary subscriber takes: every
// field at least one. It bounds what a count may claim before anything is
// allocated for it.
const minSubscriberLen = 12

func (d *decoder) subscribers() []emulator.SubscriberState {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)/minSubscriberLen) {
		d.fail()
		return nil
	}
	subs := make([]emulator.SubscriberState, n)
	for i := range subs {
		sub := &subs[i]
		sub.Name, sub.URL = d.string(), d.string()
		sub.Headers = d.headers()
		sub.Status = emulator.PushStatus(d.string())
		sub.StatusCode, sub.Tries, sub.RetriesRemaining = d.int(), d.int(), d.int()
		sub.LastTryAt, sub.NextTryAt = d.time(), d.time()
		sub.Msg, sub.LastResponse = d.string(), d.string()
		sub.ReservationID = d.string()
	}
	if d.err != nil {
		return nil
	}
	return subs
}

// subscribersJSON reads version 1's subscribers. What it gives is what
// the binary form can carry, so a record read and written again reads the
// same: no empty slices or maps, times in UTC, and none a unix nanosecond
// count cannot hold (this store never wrote one).
func (d *decoder) subscribersJSON() []emulator.SubscriberState {
	raw := d.bytes()
	if len(raw) == 0 || d.err != nil {
		return nil
	}
	var subs []emulator.SubscriberState
	if err := json.Unmarshal(raw, &subs); err != nil {
		d.fail()
		return nil
	}
	for i := range subs {
		sub := &subs[i]
		if len(sub.Headers) == 0 {
			sub.Headers = nil
		}
		var ok bool
		if sub.LastTryAt, ok = inUnixNanoRange(sub.LastTryAt); !ok {
			d.fail()
		}
		if sub.NextTryAt, ok = inUnixNanoRange(sub.NextTryAt); !ok {
			d.fail()
		}
	}
	if len(subs) == 0 || d.err != nil {
		return nil
	}
	return subs
}

// inUnixNanoRange returns t in UTC, and whether a unix nanosecond count
// holds it (the zero time always does: it is written as 0).
func inUnixNanoRange(t time.Time) (time.Time, bool) {
	if t.IsZero() {
		return time.Time{}, true
	}
	t = t.UTC()
	return t, time.Unix(0, t.UnixNano()).Equal(t)
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

func appendTime(b []byte, t time.Time) []byte { return binary.AppendVarint(b, unixNano(t)) }

// appendHeaders writes a count, then each key and value in key order, so
// equal maps encode alike.
func appendHeaders(b []byte, h map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(h)))
	if len(h) == 0 {
		return b // most have none: skip sorting's allocations
	}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		b = appendString(appendString(b, k), h[k])
	}
	return b
}

// decoder reads the binary encoding; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() { d.err, d.b = errCorruptMessage, nil }

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) time() time.Time {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return time.Time{}
	}
	d.b = d.b[n:]
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, v).UTC()
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string { return string(d.bytes()) }

func (d *decoder) int() int {
	v, n := binary.Varint(d.b)
	if n <= 0 || int64(int(v)) != v {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return int(v)
}

// headers reads what appendHeaders wrote: nil when there are none.
func (d *decoder) headers() map[string]string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)/2) { // a key and a value take a byte each at least
		d.fail()
		return nil
	}
	h := make(map[string]string, n)
	for range n {
		k := d.string()
		h[k] = d.string()
	}
	if d.err != nil {
		return nil
	}
	return h
}

// Cache items are encoded as version(1) cas(uvarint) expiresAt(varint unix
// ns, 0 = never) followed by the value's JSON as is (no base64, no
// escaping). Project, cache and key are in the record's key.
const itemCodecV1 byte = 1

func encodeItem(it emulator.Item) []byte {
	b := make([]byte, 0, 24+len(it.Value))
	b = append(b, itemCodecV1)
	b = binary.AppendUvarint(b, it.CAS)
	b = binary.AppendVarint(b, unixNano(it.ExpiresAt))
	return append(b, it.Value...)
}

func decodeItem(b []byte, it *emulator.Item) error {
	d := decoder{b: b}
	if d.byte() != itemCodecV1 {
		return errCorruptMessage
	}
	it.CAS = d.uvarint()
	it.ExpiresAt = d.time()
	if d.err != nil {
		return d.err
	}
	if !json.Valid(d.b) {
		// The value is written into responses as is.
		return errCorruptValue
	}
	it.Value = append(json.RawMessage(nil), d.b...)
	return nil
}

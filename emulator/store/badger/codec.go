package badger

import (
	"encoding/binary"
	"encoding/json"
	"errors"
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
//	subscribers(uvarint length + JSON, 0 = none; push queues only)
//	[position(uvarint)]
//
// The trailing position (the ready order, see emulator.Message.Position) is
// written only when set; records without it decode with position 0.
const messageCodecV1 byte = 1

var (
	errCorruptMessage = errors.New("corrupt record")
	errCorruptValue   = errors.New("corrupt record: its value is not JSON")
)

func encodeMessage(m emulator.Message) ([]byte, error) {
	b := make([]byte, 0, 64+len(m.Body)+len(m.ReservationID))
	b = append(b, messageCodecV1)
	b = binary.AppendUvarint(b, uint64(m.ID))
	b = append(b, byte(m.State))
	for _, t := range []time.Time{m.AvailableAt, m.PostedAt, m.ExpiresAt} {
		b = binary.AppendVarint(b, unixNano(t))
	}
	b = binary.AppendUvarint(b, uint64(m.ReservedCount))
	b = appendString(b, m.ReservationID)
	b = appendString(b, m.Body)
	b = binary.AppendUvarint(b, uint64(len(m.PushHeaders)))
	for _, k := range slices.Sorted(mapKeys(m.PushHeaders)) {
		b = appendString(appendString(b, k), m.PushHeaders[k])
	}
	var subs []byte
	if len(m.Subscribers) > 0 {
		var err error
		if subs, err = json.Marshal(m.Subscribers); err != nil {
			return nil, err
		}
	}
	b = binary.AppendUvarint(b, uint64(len(subs)))
	b = append(b, subs...)
	if m.Position != 0 {
		b = binary.AppendUvarint(b, uint64(m.Position))
	}
	return b, nil
}

func decodeMessage(b []byte, m *emulator.Message) error {
	d := decoder{b: b}
	if d.byte() != messageCodecV1 {
		return errCorruptMessage
	}
	m.ID = emulator.MessageID(d.uvarint())
	m.State = emulator.MessageState(d.byte())
	m.AvailableAt, m.PostedAt, m.ExpiresAt = d.time(), d.time(), d.time()
	m.ReservedCount = int(d.uvarint())
	m.ReservationID = d.string()
	m.Body = d.string()
	if n := d.uvarint(); n > 0 && n <= uint64(len(b)) {
		m.PushHeaders = make(map[string]string, n)
		for range n {
			k := d.string()
			m.PushHeaders[k] = d.string()
		}
	}
	if subs := d.bytes(); len(subs) > 0 && d.err == nil {
		if err := json.Unmarshal(subs, &m.Subscribers); err != nil {
			return errCorruptMessage
		}
	}
	if len(d.b) > 0 && d.err == nil {
		m.Position = emulator.MessageID(d.uvarint())
	}
	return d.err
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

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
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

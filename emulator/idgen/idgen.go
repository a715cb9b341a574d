// Package idgen mints the identifiers of the Iron wire contract: 24-hex
// object ids (Mongo ObjectId layout) and 32-hex reservation ids.
package idgen

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sync/atomic"

	"github.com/ironlocal/ironlocal/emulator"
)

// Random mints ids from a timestamp, process-random bytes and a counter,
// like a Mongo ObjectId, so ids sort roughly by creation time.
type Random struct {
	process [5]byte
	counter atomic.Uint32
	clock   emulator.Clock
}

// NewRandom returns a generator stamping ids with clock's time.
func NewRandom(clock emulator.Clock) *Random {
	r := &Random{clock: clock}
	_, _ = rand.Read(r.process[:])
	var c [4]byte
	_, _ = rand.Read(c[:])
	r.counter.Store(binary.BigEndian.Uint32(c[:]))
	return r
}

// ObjectID returns 24 lowercase hex characters.
func (r *Random) ObjectID() string {
	var b [12]byte
	binary.BigEndian.PutUint32(b[0:4], uint32(r.clock.Now().Unix()))
	copy(b[4:9], r.process[:])
	n := r.counter.Add(1)
	b[9], b[10], b[11] = byte(n>>16), byte(n>>8), byte(n)
	return hex.EncodeToString(b[:])
}

// ReservationID returns 32 lowercase hex characters of randomness.
func (r *Random) ReservationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Sequential mints predictable ids (000…001, 000…002, …) for tests.
type Sequential struct{ n atomic.Uint64 }

// ObjectID returns the next id as 24 hex digits.
func (s *Sequential) ObjectID() string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[4:], s.n.Add(1))
	return hex.EncodeToString(b[:])
}

// ReservationID returns the next id as 32 hex digits.
func (s *Sequential) ReservationID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[8:], s.n.Add(1))
	return hex.EncodeToString(b[:])
}

var (
	_ emulator.IDs = (*Random)(nil)
	_ emulator.IDs = (*Sequential)(nil)
)

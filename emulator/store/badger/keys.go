package badger

import (
	"bytes"
	"encoding/binary"
	"errors"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Key layout. Every key starts with a one-byte tag. Names are separated by a
// NUL byte (services reject NUL in names), numbers are big-endian so byte
// order is numeric order.
//
//	!schema                         schema version (uint32)
//	!seq:…                          Badger sequences (message ids, generations)
//	q  project 0 name               queue record (JSON), includes its generation
//	m  gen(8) id(8)                 message record (binary: codec.go)
//	r  gen(8) id(8)                 ready index: reservable now, FIFO by id;
//	r  gen(8) pos(8) id(8)          … or by position, for a message moved back (Message.Position)
//	p  gen(8) at(8) id(8)           pending index: delayed/reserved until at
//	x  gen(8) at(8) id(8)           expiry index: message expires at
//	c  project 0 name               cache record (JSON), includes its generation
//	i  gen(8) key                   cache item (JSON)
//	d  gen(8)                       dead generation: its m/r/p/x/i keys await sweeping
//	B, E                            trigger bindings and their event traces: trigger.go
//
// Messages and items hang off a generation number instead of the queue or
// cache name. Clearing or deleting a queue gives it a new generation (or
// removes the record) in one small transaction, so the operation is atomic and
// O(1) whatever the depth; the orphaned keys are swept in the background.
//
// Project, queue, cache and item names read back from records are taken from
// the keys, not the JSON: JSON cannot carry invalid UTF-8, and a
// percent-encoded path can hold any bytes.
//
// Reserve reads only the r and p indexes of one generation, so its cost does
// not depend on how many messages are reserved, delayed or stored.
const (
	tagQueue   byte = 'q'
	tagMessage byte = 'm'
	tagReady   byte = 'r'
	tagPending byte = 'p'
	tagExpiry  byte = 'x'
	tagCache   byte = 'c'
	tagItem    byte = 'i'
	tagDead    byte = 'd'
)

var (
	keySchema     = []byte("!schema")
	keySeqMessage = []byte("!seq:message")
	keySeqGen     = []byte("!seq:generation")
)

// generationTags lists the tags whose keys hang off a generation.
var generationTags = []byte{tagMessage, tagReady, tagPending, tagExpiry, tagItem}

func nameKey(tag byte, project, name string) []byte {
	k := make([]byte, 0, 2+len(project)+len(name))
	k = append(k, tag)
	k = append(k, project...)
	k = append(k, 0)
	return append(k, name...)
}

func projectPrefix(tag byte, project string) []byte {
	k := make([]byte, 0, 2+len(project))
	k = append(k, tag)
	k = append(k, project...)
	return append(k, 0)
}

func genPrefix(tag byte, gen uint64) []byte {
	k := make([]byte, 9, 25)
	k[0] = tag
	binary.BigEndian.PutUint64(k[1:], gen)
	return k
}

func genIDKey(tag byte, gen uint64, id emulator.MessageID) []byte {
	return binary.BigEndian.AppendUint64(genPrefix(tag, gen), uint64(id))
}

func genTimeIDKey(tag byte, gen uint64, at time.Time, id emulator.MessageID) []byte {
	k := binary.BigEndian.AppendUint64(genPrefix(tag, gen), timeBits(at))
	return binary.BigEndian.AppendUint64(k, uint64(id))
}

// readyKey files a ready message by its position. A message at its own id
// keeps the short key, so stores written before positions existed read the
// same; a moved one sorts by position, and both end with the id.
func readyKey(gen uint64, m emulator.Message) []byte {
	if pos := m.ReadyPosition(); pos != m.ID {
		return binary.BigEndian.AppendUint64(genIDKey(tagReady, gen, pos), uint64(m.ID))
	}
	return genIDKey(tagReady, gen, m.ID)
}

func itemKey(gen uint64, key string) []byte {
	return append(genPrefix(tagItem, gen), key...)
}

// namesFromKey splits a q or c key into project and name. A key this store
// wrote always holds the separator; a damaged one is an error, not a panic.
func namesFromKey(k []byte) (project, name string, err error) {
	if len(k) < 2 {
		return "", "", errShortKey
	}
	p, n, ok := bytes.Cut(k[1:], []byte{0})
	if !ok {
		return "", "", errNoSeparator
	}
	return string(p), string(n), nil
}

var (
	errShortKey    = errors.New("key is too short for its kind")
	errNoSeparator = errors.New("key has no NUL separator between its parts")
)

// timeBits orders times as unsigned integers; times before 1970 clamp to 0.
func timeBits(t time.Time) uint64 {
	n := t.UnixNano()
	if n < 0 {
		return 0
	}
	return uint64(n)
}

// Index keys: r is gen(8) id(8) or gen(8) pos(8) id(8), p and x are gen(8)
// at(8) id(8).
const (
	readyKeyLen = 1 + 8 + 8
	timeKeyLen  = 1 + 8 + 8 + 8
)

// idFromKey reads the trailing message id of an r, p or x key; ok is false
// when the key is neither length an index key has.
func idFromKey(k []byte) (id emulator.MessageID, ok bool) {
	if len(k) != readyKeyLen && len(k) != timeKeyLen {
		return 0, false
	}
	return emulator.MessageID(binary.BigEndian.Uint64(k[len(k)-8:])), true
}

// timeFromKey reads the time of a p or x key; ok is false when the key is
// not as long as its kind prescribes.
func timeFromKey(k []byte) (at time.Time, ok bool) {
	if len(k) != timeKeyLen {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[9:17]))), true
}

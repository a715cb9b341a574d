package badger

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/ironlocal/ironlocal/emulator"
)

// checkRecord reports whether key and value form a record this store could
// have written: the key has the structure its tag prescribes (keys.go,
// worker.go) and the value decodes. A snapshot import runs it on every
// record before anything is replaced, so no imported record can make a
// lookup, a list or a background loop fail.
func checkRecord(k, v []byte) error {
	if len(k) == 0 {
		return errors.New("empty key")
	}
	rest := k[1:]
	switch k[0] {
	case '!':
		return checkMeta(k, v)
	case tagQueue, tagCache:
		return checkContainer(k, v)
	case tagMessage:
		return checkMessage(k, v)
	case tagReady:
		if len(k) != readyKeyLen && len(k) != timeKeyLen {
			return errBadIndexKey
		}
		return checkEmpty(v)
	case tagPending, tagExpiry:
		if len(k) != timeKeyLen {
			return errBadIndexKey
		}
		return checkEmpty(v)
	case tagDead:
		if len(k) != 9 {
			return errBadDeadKey
		}
		return checkEmpty(v)
	case tagItem:
		return checkItem(k, v)
	case tagCode, tagRevision, tagTask, tagSchedule:
		if _, err := parts(rest, 2); err != nil {
			return err
		}
		return checkJSON(k[0], v)
	case tagCredential:
		p, err := parts(rest, 2)
		if err != nil {
			return err
		}
		if err := checkProject(p[0]); err != nil {
			return err
		}
		if err := checkName("registry", p[1]); err != nil {
			return err
		}
		return checkJSON(k[0], v)
	case tagCodeName:
		p, err := parts(rest, 2)
		if err != nil {
			return err
		}
		if err := checkName("code name", p[1]); err != nil {
			return err
		}
		return checkID(v)
	case tagRevisionIdx, tagZip, tagLog:
		return checkNumbered(k, v)
	case tagTaskProject:
		p, err := parts(rest, 2)
		if err != nil {
			return err
		}
		if len(p[1]) != 16 {
			return errors.New("task order key does not end in created(8) seq(8)")
		}
		return checkID(v)
	case tagTaskCode:
		p, err := parts(rest, 3)
		if err != nil {
			return err
		}
		if err := checkName("code name", p[1]); err != nil {
			return err
		}
		if len(p[2]) != 16 {
			return errors.New("task order key does not end in created(8) seq(8)")
		}
		return checkID(v)
	case tagTaskStatus:
		p, err := parts(rest, 3)
		if err != nil {
			return err
		}
		if !slices.Contains(knownStatuses, emulator.TaskStatus(p[0])) {
			return fmt.Errorf("unknown task status %q", p[0])
		}
		if err := checkID(p[2]); err != nil {
			return err
		}
		return checkEmpty(v)
	case tagScheduleIdx:
		p, err := parts(rest, 2)
		if err != nil {
			return err
		}
		if len(p[1]) <= 8 {
			return errors.New("schedule order key does not hold created(8) and an id")
		}
		return checkID(v)
	case tagBinding, tagTriggerEvent:
		return checkTriggerRecord(k, v)
	case tagActive:
		if err := checkID(rest); err != nil {
			return err
		}
		return checkProject(v)
	}
	return fmt.Errorf("unknown record kind %q", k[0])
}

// knownStatuses are the task statuses the status index holds: all of them.
var knownStatuses = emulator.TaskStatuses

func checkMeta(k, v []byte) error {
	switch {
	case bytes.Equal(k, keySchema):
		if len(v) != 4 {
			return fmt.Errorf("schema version is %d bytes, not 4", len(v))
		}
		if got := binary.BigEndian.Uint32(v); got == 0 || got > SchemaVersion {
			return fmt.Errorf("schema version %d is not one this ironlocal reads (1 to %d)", got, SchemaVersion)
		}
		return nil
	case bytes.Equal(k, keySeqMessage), bytes.Equal(k, keySeqGen):
		if len(v) != 8 {
			return fmt.Errorf("sequence lease is %d bytes, not 8", len(v))
		}
		if lease := binary.BigEndian.Uint64(v); lease > maxLease {
			return fmt.Errorf("sequence lease %d is beyond %d", lease, uint64(maxLease))
		}
		return nil
	case bytes.Equal(k, keyStatusIndexed):
		return nil // import re-indexes task statuses whatever it says
	}
	return errors.New("unknown metadata key")
}

func checkContainer(k, v []byte) error {
	project, name, err := namesFromKey(k)
	if err != nil {
		return err
	}
	if err := checkProject([]byte(project)); err != nil {
		return err
	}
	noun := "queue"
	if k[0] == tagCache {
		noun = "cache"
	}
	if err := checkName(noun+" name", []byte(name)); err != nil {
		return err
	}
	if bytes.IndexByte([]byte(name), '/') >= 0 {
		return fmt.Errorf("%s name holds '/'", noun)
	}
	if k[0] == tagQueue {
		var rec stored[emulator.Queue]
		err = decodeStored(v, &rec, true)
	} else {
		var rec stored[emulator.Cache]
		err = decodeStored(v, &rec, true)
	}
	if err != nil {
		return fmt.Errorf("%s record: %w", noun, err)
	}
	return nil
}

func checkMessage(k, v []byte) error {
	if len(k) != readyKeyLen {
		return errors.New("message key is not gen(8) id(8)")
	}
	var m emulator.Message
	if err := decodeMessage(v, &m); err != nil {
		return fmt.Errorf("message record: %w", err)
	}
	if id := binary.BigEndian.Uint64(k[9:]); uint64(m.ID) != id {
		return fmt.Errorf("message record holds id %d, its key %d", m.ID, id)
	}
	return nil
}

func checkItem(k, v []byte) error {
	if len(k) <= 9 {
		return errors.New("cache item key holds no item key")
	}
	if len(k)-9 > maxItemKey || bytes.IndexByte(k[9:], 0) >= 0 {
		return fmt.Errorf("cache item key is over %d bytes or holds NUL", maxItemKey)
	}
	var it emulator.Item
	if err := decodeItem(v, &it); err != nil {
		return fmt.Errorf("cache item: %w", err)
	}
	return nil
}

// checkNumbered checks the v, Z and L keys: project 0 id 0 n(4).
func checkNumbered(k, v []byte) error {
	project, rest, ok := bytes.Cut(k[1:], []byte{0})
	if !ok {
		return errNoSeparator
	}
	id, n, ok := bytes.Cut(rest, []byte{0})
	if !ok {
		return errNoSeparator
	}
	if err := checkProject(project); err != nil {
		return err
	}
	if err := checkID(id); err != nil {
		return err
	}
	if len(n) != 4 {
		return errors.New("key does not end in a 4-byte number")
	}
	switch k[0] {
	case tagRevisionIdx:
		return checkID(v)
	case tagZip:
		if len(v) == 0 || len(v) > zipChunk {
			return fmt.Errorf("code zip chunk of %d bytes (1 to %d)", len(v), zipChunk)
		}
	case tagLog:
		if len(v) == 0 || v[0] > 1 {
			return errors.New("log chunk does not start with its stream (0 or 1)")
		}
	}
	return nil
}

// parts splits the key after its tag into n NUL-separated parts (the last
// one may hold NUL bytes: it can end in binary numbers) and checks the
// first, which is a project id except in the status index.
func parts(rest []byte, n int) ([][]byte, error) {
	out := make([][]byte, 0, n)
	for range n - 1 {
		p, tail, ok := bytes.Cut(rest, []byte{0})
		if !ok {
			return nil, errNoSeparator
		}
		out = append(out, p)
		rest = tail
	}
	out = append(out, rest)
	for _, p := range out[:len(out)-1] {
		if len(p) > emulator.MaxProjectIDLength {
			return nil, errors.New("key part is too long")
		}
	}
	if len(out[len(out)-1]) == 0 {
		return nil, errors.New("key ends in an empty part")
	}
	return out, nil
}

func checkJSON(tag byte, v []byte) error {
	var err error
	switch tag {
	case tagCode:
		err = json.Unmarshal(v, new(emulator.CodePackage))
	case tagRevision:
		err = json.Unmarshal(v, new(emulator.CodeRevision))
	case tagCredential:
		err = json.Unmarshal(v, new(emulator.RegistryCredential))
	case tagTask:
		err = json.Unmarshal(v, new(emulator.Task))
	case tagSchedule:
		err = json.Unmarshal(v, new(emulator.Schedule))
	}
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// Names and ids held in keys: the services' limits, checked here on the
// bytes (the store cannot import the services).
const (
	maxName    = 255 // queue, cache and code names
	maxItemKey = 1024
	maxID      = 255 // code, revision, task and schedule ids
)

func checkName(what string, b []byte) error {
	if len(b) == 0 || len(b) > maxName || bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("%s is empty, over %d bytes or holds NUL", what, maxName)
	}
	return nil
}

func checkID(b []byte) error {
	if len(b) == 0 || len(b) > maxID || bytes.IndexByte(b, 0) >= 0 {
		return fmt.Errorf("id is empty, over %d bytes or holds NUL", maxID)
	}
	return nil
}

func checkProject(b []byte) error {
	return emulator.ValidateProjectID(string(b))
}

func checkEmpty(v []byte) error {
	if len(v) != 0 {
		return errors.New("index entry holds a value")
	}
	return nil
}

// maxLease bounds the sequences: message ids (messageIDBase plus the
// sequence) keep their 19 digits, and neither sequence comes near wrapping.
const maxLease = 1 << 61

// usedIDs is the largest message id sequence value and generation that
// records use, so the sequences can be moved past them.
type usedIDs struct {
	msg, gen uint64
	anyMsg   bool
}

// note records what the checked record k, v uses; an id beyond maxLease is
// an error (the sequences would have to wrap to pass it).
func (u *usedIDs) note(k, v []byte) error {
	var gen uint64
	switch k[0] {
	case tagQueue, tagCache:
		gen = binary.BigEndian.Uint64(v)
	case tagDead, tagMessage, tagReady, tagPending, tagExpiry, tagItem:
		gen = binary.BigEndian.Uint64(k[1:9])
	default:
		return nil
	}
	if gen > maxLease {
		return fmt.Errorf("generation %d is beyond %d", gen, uint64(maxLease))
	}
	u.gen = max(u.gen, gen)
	if k[0] == tagMessage {
		if id := binary.BigEndian.Uint64(k[9:]); id >= messageIDBase {
			if id-messageIDBase >= maxLease {
				return fmt.Errorf("message id %d is beyond %d", id, uint64(messageIDBase+maxLease))
			}
			u.msg, u.anyMsg = max(u.msg, id-messageIDBase), true
		}
	}
	return nil
}

// leases are the smallest sequence leases that hand out no used id or
// generation again (a generation is the sequence value plus one).
func (u usedIDs) leases() map[string]uint64 {
	out := map[string]uint64{string(keySeqGen): u.gen}
	if u.anyMsg {
		out[string(keySeqMessage)] = u.msg + 1
	}
	return out
}

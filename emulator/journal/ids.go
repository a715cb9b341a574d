package journal

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/ironlocal/ironlocal/internal/jsonscan"
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
// CPU in batch reserves and deletes. It takes the plain form ironlocal's
// own answers have (internal/jsonscan: keys and ids in valid UTF-8, no key
// twice, at most eight members an object) and shallow nesting; on
// anything else it reports false and decodeIDs decides (FuzzIDsOf holds
// the two to the same list).
func scanIDs(answer []byte) ([]string, bool) {
	w := idScan{s: jsonscan.New(answer)}
	if !w.value(nil) {
		return nil, false
	}
	return w.out, w.s.AtEnd()
}

// maxScanDepth bounds scanIDs's nesting; a deeper answer is decodeIDs's.
const maxScanDepth = 32

type idScan struct {
	s     jsonscan.Scanner
	out   []string
	depth int
	// members holds, for each object being read, its members so far
	// (nested objects' above their parent's): the key, and the range of
	// out their ids took.
	members []member
}

type member struct {
	key      []byte
	from, to int
}

// value reads one value under key, listing the ids it names.
func (w *idScan) value(key []byte) bool {
	c, ok := w.s.Peek()
	if !ok {
		return false
	}
	switch c {
	case '{':
		return w.object()
	case '[':
		return w.array(key)
	case '"':
		if !isIDKey(key) {
			return w.s.SkipString()
		}
		id, ok := w.s.StrBytes()
		if ok {
			w.out = append(w.out, string(id))
		}
		return ok
	case 't', 'f':
		var b bool
		return w.s.Boolean(&b)
	case 'n':
		return w.s.Literal("null")
	default:
		return w.s.Number()
	}
}

func isIDKey(key []byte) bool {
	for _, k := range IDKeys {
		if string(key) == k {
			return true
		}
	}
	return false
}

func (w *idScan) object() bool {
	if w.depth++; w.depth > maxScanDepth {
		return false
	}
	start, base := len(w.out), len(w.members)
	var o jsonscan.Object
	for o.Next(&w.s) {
		from := len(w.out)
		ok := w.value(o.Key())
		if o.Took(ok); ok {
			w.members = append(w.members, member{o.Key(), from, len(w.out)})
		}
	}
	ok := o.Closed()
	if ok {
		w.inKeyOrder(start, w.members[base:])
	}
	w.members = w.members[:base]
	w.depth--
	return ok
}

// inKeyOrder puts the ids of an object's members, listed from start on in
// the members' order, in the order of their keys. Only members with ids
// move; in ironlocal's answers they already are in key order (id, then
// reservation_id).
func (w *idScan) inKeyOrder(start int, ms []member) {
	var prev []byte
	sorted := true
	for _, m := range ms {
		if m.from < m.to {
			if prev != nil && bytes.Compare(prev, m.key) > 0 {
				sorted = false
				break
			}
			prev = m.key
		}
	}
	if sorted {
		return
	}
	var withIDs []member
	for _, m := range ms {
		if m.from < m.to {
			withIDs = append(withIDs, m)
		}
	}
	slices.SortFunc(withIDs, func(a, b member) int { return bytes.Compare(a.key, b.key) })
	ids := make([]string, 0, len(w.out)-start)
	for _, m := range withIDs {
		ids = append(ids, w.out[m.from:m.to]...)
	}
	copy(w.out[start:], ids) // the members with ids cover out[start:]
}

func (w *idScan) array(key []byte) bool {
	if w.depth++; w.depth > maxScanDepth {
		return false
	}
	var a jsonscan.Array
	for a.Next(&w.s) {
		a.Took(w.value(key))
	}
	w.depth--
	return a.Closed()
}

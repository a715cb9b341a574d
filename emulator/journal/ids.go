package journal

import (
	"bytes"
	"encoding/json"
	"slices"
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

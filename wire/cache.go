package wire

import "encoding/json"

// IronCache v1 (spec §4).

// Cache is one entry of GET /caches (a bare array, spec §5.20).
type Cache struct {
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
}

// CacheInfo is a cache and its count of live items.
type CacheInfo struct {
	ProjectID string `json:"project_id"`
	Name      string `json:"name"`
	Size      int    `json:"size"`
}

// Item is a cache item. Value is its JSON value (a string, number or
// boolean); CAS is a string of digits.
type Item struct {
	Cache string          `json:"cache"`
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
	CAS   string          `json:"cas"`
	// Expires is the expiry time; NeverExpires for items without one.
	Expires Expires `json:"expires"`
	Flags   int     `json:"flags"`
}

// String is the value as text: a JSON string unquoted, anything else as
// its JSON.
func (it Item) String() string {
	var s string
	if json.Unmarshal(it.Value, &s) == nil {
		return s
	}
	return string(it.Value)
}

// Incremented answers an increment with the new value.
type Incremented struct {
	Msg   string `json:"msg"`
	Value int64  `json:"value"`
}

// ProjectAnswer answers IronCache's GET /projects/{pid}.
type ProjectAnswer struct {
	Project Project `json:"project"`
}

package wire

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// IronCache v1 request bodies (see worker_in.go for the pattern).

// ItemBody is the body of PUT /caches/{cache}/items/{key}. Value is the
// item's JSON value; a CAS of 0 is no condition.
type ItemBody struct {
	Value     json.RawMessage `json:"value"`
	ExpiresIn OptInt          `json:"expires_in,omitzero"`
	Replace   bool            `json:"replace,omitempty"`
	Add       bool            `json:"add,omitempty"`
	CAS       OptCAS          `json:"cas,omitzero"`
}

// IncrementBody is the body of POST …/items/{key}/increment: an integer,
// which may be negative (required).
type IncrementBody struct {
	Amount *json.Number `json:"amount"`
}

// Increment is the body adding amount.
func Increment(amount int64) IncrementBody {
	n := json.Number(strconv.FormatInt(amount, 10))
	return IncrementBody{Amount: &n}
}

// ItemPut stores a value: a string, a number, a bool, or a json.RawMessage
// holding one of them. ExpiresIn is seconds (0 = never); Add stores only a
// new key, Replace only an existing one, CAS only when the item's cas
// still matches.
type ItemPut struct {
	Value     any
	ExpiresIn int
	Add       bool
	Replace   bool
	CAS       string
}

// Wire is p as sent; a CAS that is not a string of digits is an error.
func (p ItemPut) Wire() (ItemBody, error) {
	v, err := json.Marshal(p.Value)
	if err != nil {
		return ItemBody{}, err
	}
	b := ItemBody{Value: v, ExpiresIn: nonZero(p.ExpiresIn), Replace: p.Replace, Add: p.Add}
	if p.CAS != "" {
		cas, err := strconv.ParseUint(p.CAS, 10, 64)
		if err != nil {
			return ItemBody{}, fmt.Errorf("cas %q is not a string of digits", p.CAS)
		}
		b.CAS = OptCAS{Set: true, V: cas}
	}
	return b, nil
}

// MarshalJSON writes p as an ItemBody.
func (p ItemPut) MarshalJSON() ([]byte, error) {
	b, err := p.Wire()
	if err != nil {
		return nil, err
	}
	return json.Marshal(b)
}

package wire

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The optional scalars of request bodies. Each reads leniently, as the
// official clients write (spec §1.3), remembers whether the field was
// given, and is left out of an encoded body when not (fields tagged
// omitzero). A bad value is a *json.UnmarshalTypeError whose Type is the
// scalar's, which the server names in its 400.

// OptInt is an optional integer. It accepts JSON numbers, including floats
// (iron_go3 sends durations as float seconds), which are truncated; null
// means absent (Python sends nulls for unset fields).
type OptInt struct {
	Set bool
	V   int
}

// Int returns v as a given OptInt.
func Int(v int) OptInt { return OptInt{Set: true, V: v} }

// IntPtr is *p as an OptInt, absent when p is nil.
func IntPtr(p *int) OptInt {
	if p == nil {
		return OptInt{}
	}
	return Int(*p)
}

// IsZero reports whether the field is absent (for omitzero).
func (o OptInt) IsZero() bool { return !o.Set }

// Ptr returns the value as a pointer, nil when absent.
func (o OptInt) Ptr() *int {
	if !o.Set {
		return nil
	}
	v := o.V
	return &v
}

// MarshalJSON writes the number (null when absent).
func (o OptInt) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return strconv.AppendInt(nil, int64(o.V), 10), nil
}

// UnmarshalJSON reads a number or null.
func (o *OptInt) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*o = OptInt{}
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || b[0] == '"' {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[OptInt]()}
	}
	if math.IsNaN(f) || f > math.MaxInt32*1024.0 || f < -math.MaxInt32*1024.0 {
		return &json.UnmarshalTypeError{Value: "number " + string(b), Type: reflect.TypeFor[OptInt]()}
	}
	*o = OptInt{Set: true, V: int(f)}
	return nil
}

// OptCAS is an optional cache item cas: a JSON number or a string of
// digits. It is written as a string (as items carry it).
type OptCAS struct {
	Set bool
	V   uint64
}

// IsZero reports whether the field is absent (for omitzero).
func (o OptCAS) IsZero() bool { return !o.Set }

// MarshalJSON writes the cas as a string of digits.
func (o OptCAS) MarshalJSON() ([]byte, error) {
	if !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(strconv.FormatUint(o.V, 10))
}

// UnmarshalJSON reads a number, a string of digits or null.
func (o *OptCAS) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*o = OptCAS{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b) + " " + string(b), Type: reflect.TypeFor[OptCAS]()}
	}
	*o = OptCAS{Set: true, V: v}
	return nil
}

// OptTime is an optional time. It accepts the formats the clients send:
// RFC 3339 with or without fractions and offsets (Go, Ruby), Python's
// isoformat() of a naive datetime (taken as UTC), or null/"" for absent.
// It is written in RFC 3339 at full precision.
type OptTime struct {
	Set bool
	T   time.Time
}

// TimePtr is *p as an OptTime, absent when p is nil.
func TimePtr(p *time.Time) OptTime {
	if p == nil {
		return OptTime{}
	}
	return OptTime{Set: true, T: *p}
}

// TimeOf is t as an OptTime, absent when t is zero.
func TimeOf(t time.Time) OptTime { return OptTime{Set: !t.IsZero(), T: t} }

// IsZero reports whether the field is absent (for omitzero).
func (f OptTime) IsZero() bool { return !f.Set }

// Ptr returns the time as a pointer, nil when absent.
func (f OptTime) Ptr() *time.Time {
	if !f.Set {
		return nil
	}
	t := f.T
	return &t
}

// MarshalJSON writes the time as time.Time does (null when absent).
func (f OptTime) MarshalJSON() ([]byte, error) {
	if !f.Set {
		return []byte("null"), nil
	}
	return f.T.MarshalJSON()
}

var flexLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"}

// UnmarshalJSON reads a time in any of the accepted formats.
func (f *OptTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = OptTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[OptTime]()}
	}
	if s = strings.TrimSpace(s); s == "" {
		*f = OptTime{}
		return nil
	}
	for _, layout := range flexLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*f = OptTime{Set: true, T: t.UTC()}
			return nil
		}
	}
	return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[OptTime]()}
}

// jsonKind names the JSON type of a raw value for error messages.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

package wire

import (
	"encoding/json"
	"time"
)

// TimeLayout is how every time on an Iron route (IronWorker, IronMQ,
// IronCache, and the bodies of alert notices) is written: RFC 3339 in UTC
// with exactly three fractional digits, as Iron's docs show
// (2012-02-10T22:07:52.712Z). More digits break the Java clients:
// iron_worker_java parses the fraction with SimpleDateFormat's SSS, which
// reads 287448069 as milliseconds and moves a date by days. Inputs accept
// any precision.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// FormatTime writes t as the Iron routes do. It truncates to the
// millisecond instead of rounding, so a written time is never later than
// the stored one.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(TimeLayout)
}

// Time is a time on an Iron route: written in TimeLayout, read from any
// RFC 3339 text. Fields of this type are tagged omitzero: a zero time is
// left out (iron_go3 cannot decode "" into a time, spec §5.13).
type Time struct{ time.Time }

// MarshalJSON writes t in TimeLayout.
func (t Time) MarshalJSON() ([]byte, error) {
	return json.Marshal(FormatTime(t.Time))
}

// UnmarshalJSON reads an RFC 3339 string; null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	return t.Time.UnmarshalJSON(b)
}

// NeverExpires is the expiry of cache items stored without expires_in.
var NeverExpires = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Expires is a cache item's expiry. An item that never expires (the zero
// time or NeverExpires) is written as "9999-01-01T00:00:00Z", the exact
// string iron_go3's own cache test compares (whole seconds); any other
// expiry like a Time.
type Expires struct{ time.Time }

// MarshalJSON writes e as IronCache does.
func (e Expires) MarshalJSON() ([]byte, error) {
	return json.Marshal(e.text())
}

// neverExpiresText is how NeverExpires is written.
var neverExpiresText = NeverExpires.Format(time.RFC3339)

// text is e as it is written, unquoted.
func (e Expires) text() string {
	if e.IsZero() || e.Equal(NeverExpires) {
		return neverExpiresText
	}
	return FormatTime(e.Time)
}

// UnmarshalJSON reads an RFC 3339 string; null leaves e unchanged.
func (e *Expires) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	return e.Time.UnmarshalJSON(b)
}

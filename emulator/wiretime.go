package emulator

import "time"

// WireTimeLayout is how every time on an Iron route (IronWorker, IronMQ,
// IronCache, and the bodies of alert notices) is written: RFC 3339 in UTC
// with exactly three fractional digits, as Iron's docs show
// (2012-02-10T22:07:52.712Z). More digits break the Java clients:
// iron_worker_java parses the fraction with SimpleDateFormat's SSS, which
// reads 287448069 as milliseconds and moves a date by days. One fixed width
// (rather than Go's trimmed fractions) also suits every parser that wants a
// fraction. Inputs accept any precision; the control plane and the event
// stream keep full precision.
const WireTimeLayout = "2006-01-02T15:04:05.000Z"

// FormatWireTime writes t as the Iron routes do. It truncates to the
// millisecond instead of rounding, so a written time is never later than the
// stored one.
func FormatWireTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(WireTimeLayout)
}

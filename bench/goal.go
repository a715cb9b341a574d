package bench

import (
	"fmt"
	"strconv"
)

// Cmp is how a measurement is compared with its target.
type Cmp string

const (
	Below   Cmp = "<"
	AtMost  Cmp = "≤"
	AtLeast Cmp = "≥"
)

// Goal is a figure's target, such as "< 150 ms" or "≥ 50k msgs/s".
type Goal struct {
	Cmp   Cmp
	Limit float64
	Unit  string // "ms", "s", "MB", "msgs/s", "ops/s", "×"
}

// String renders the goal as written in the issue: "< 150 ms", "≥ 50k msgs/s", "≤ 2×".
func (g Goal) String() string {
	return string(g.Cmp) + " " + withUnit(Compact(g.Limit), g.Unit)
}

// Met reports whether v satisfies the goal.
func (g Goal) Met(v float64) bool {
	switch g.Cmp {
	case Below:
		return v < g.Limit
	case AtMost:
		return v <= g.Limit
	case AtLeast:
		return v >= g.Limit
	}
	return false
}

// Verdict renders pass or MISS with the measured value divided by the
// target, e.g. "pass (0.27×)" or "MISS (1.30×)".
func (g Goal) Verdict(v float64) string {
	word := "MISS"
	if g.Met(v) {
		word = "pass"
	}
	if g.Limit == 0 {
		return word
	}
	return fmt.Sprintf("%s (%.2f×)", word, v/g.Limit)
}

// Format renders v in the goal's unit with three significant digits:
// "41.2 ms", "63.1k msgs/s", "1.08×".
func (g Goal) Format(v float64) string { return withUnit(Sig3(v), g.Unit) }

func withUnit(num, unit string) string {
	if unit == "×" || unit == "" {
		return num + unit
	}
	return num + " " + unit
}

// Compact renders a target number briefly: 150, 1, 50k, 1.5M.
func Compact(v float64) string {
	switch {
	case v >= 1e6 && v == float64(int64(v/1e5))*1e5:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case v >= 1e3 && v == float64(int64(v/1e2))*1e2:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Sig3 renders a measurement with about three significant digits, using
// k and M suffixes from 10,000 up: 0.482, 41.2, 9870, 63.1k, 1.25M.
func Sig3(v float64) string {
	suffix := ""
	switch {
	case v >= 1e6:
		v, suffix = v/1e6, "M"
	case v >= 1e4:
		v, suffix = v/1e3, "k"
	}
	var s string
	switch a := abs(v); {
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 3, 64)
	}
	return s + suffix
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

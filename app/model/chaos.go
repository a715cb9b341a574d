package model

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ironlocal/ironlocal/client"
)

// ChaosKind is a way chaos mode makes the platform misbehave: its wire
// name, its rate in the default profile and what it does, in one line.
type ChaosKind struct {
	Name    string
	Default float64
	Explain string
}

// ChaosKinds lists the kinds in the daemon's order (emulator.ChaosKinds),
// with the default profile's rates (what --chaos SEED alone injects).
var ChaosKinds = []ChaosKind{
	{"redeliver", 0.1, "a reserved message's reservation lapses at once: the next reserve gets it again, and its first consumer's delete fails"},
	{"push_twice", 0.1, "a push subscriber that accepted a message gets it a second time"},
	{"push_fail", 0.1, "a push attempt fails with 503 before the real one (retried per the queue's retries)"},
	{"kill_task", 0.05, "a running task is killed once it has started working (retried per its code)"},
	{"delay_task", 0.1, "a task starts late, by 1s up to the largest delay (5s by default)"},
	{"api_503", 0.02, "an Iron API call is answered 503 Service Unavailable without being served"},
	{"latency", 0.05, "an Iron API call is served late, by up to the largest latency (200ms by default)"},
}

// DefaultChaosProfile is the default profile's rates by kind.
func DefaultChaosProfile() map[string]float64 {
	p := make(map[string]float64, len(ChaosKinds))
	for _, k := range ChaosKinds {
		p[k.Name] = k.Default
	}
	return p
}

// FormatRate writes a rate as the flag and the form take it: 0.1, 1, 0.05.
func FormatRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }

// ParseChaosRate reads the rate of kind: a number from 0 to 1; empty is 0
// (the kind is never injected).
func ParseChaosRate(kind, s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	r, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(r) {
		return 0, fmt.Errorf("the rate of %s must be a number from 0 to 1, got %q", kind, s)
	}
	if r < 0 || r > 1 {
		return 0, fmt.Errorf("the rate of %s must be from 0 to 1, got %s", kind, s)
	}
	return r, nil
}

// ParseChaosSeed reads a seed: any integer.
func ParseChaosSeed(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("give a seed (an integer), or pick a random one")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("the seed must be an integer, got %q", s)
	}
	return n, nil
}

// ChaosSpec is the daemon's --chaos value for seed and profile,
// SEED:kind=rate,…: the kinds in ChaosKinds' order, then any other sorted.
// Every kind of the profile is written, 0 included, so the spec replays
// exactly what ran; an empty profile is the seed alone (the default
// profile).
func ChaosSpec(seed int64, profile map[string]float64) string {
	s := strconv.FormatInt(seed, 10)
	if len(profile) == 0 {
		return s
	}
	var pairs []string
	for _, k := range ChaosKinds {
		if r, ok := profile[k.Name]; ok {
			pairs = append(pairs, k.Name+"="+FormatRate(r))
		}
	}
	var other []string
	for k := range profile {
		if !slices.ContainsFunc(ChaosKinds, func(c ChaosKind) bool { return c.Name == k }) {
			other = append(other, k)
		}
	}
	slices.Sort(other)
	for _, k := range other {
		pairs = append(pairs, k+"="+FormatRate(profile[k]))
	}
	return s + ":" + strings.Join(pairs, ",")
}

// ChaosFlag is the daemon flag that replays seed and profile.
func ChaosFlag(seed int64, profile map[string]float64) string {
	return "--chaos " + ChaosSpec(seed, profile)
}

// ChaosReadout is the one-line state: "on · seed 42 · 17 injections";
// "off" before chaos mode ever ran, and "off · seed 42 · …" after a run
// (its injections stay readable).
func ChaosReadout(on bool, seed int64, ran bool, total int) string {
	if !on && !ran {
		return "off"
	}
	state := "off"
	if on {
		state = "on"
	}
	return state + " · seed " + strconv.FormatInt(seed, 10) + " · " + Plural(total, "injection", "injections")
}

// ChaosInjection is one injection chaos mode made (client.ChaosState's
// Injections, or a chaos.<kind> event): the Position-th chance of Kind
// under Seed, at Detail.
type ChaosInjection struct {
	Kind       string
	Seed       int64
	Position   uint64
	Detail     string
	At         time.Time
	DurationMS int64
}

// ChaosInjectionLine is an injection as the list shows it: kind and
// position (the position-th chance of the kind), when, for a delay or a
// latency how long, then where (last, as the part an ellipsis may cut).
func ChaosInjectionLine(in ChaosInjection, now time.Time) string {
	s := in.Kind + " #" + strconv.FormatUint(in.Position, 10) + " · " + FormatTime(in.At, now)
	if in.DurationMS > 0 {
		s += " · " + FormatDuration(time.Duration(in.DurationMS)*time.Millisecond)
	}
	if in.Detail != "" {
		s += " · " + in.Detail
	}
	return s
}

// ChaosInjectionOf reads a chaos.<kind> event as the injection it
// reports; ok is false for any other event.
func ChaosInjectionOf(e client.Event) (in ChaosInjection, seed any, ok bool) {
	kind, ok := strings.CutPrefix(e.Type, "chaos.")
	if !ok || kind == "" {
		return in, nil, false
	}
	in = ChaosInjection{Kind: kind, At: e.At}
	if p, ok := attrInt(e.Attrs["position"]); ok && p > 0 {
		in.Position = uint64(p)
	}
	if d, ok := attrInt(e.Attrs["duration_ms"]); ok {
		in.DurationMS = d
	}
	in.Detail, _ = e.Attrs["detail"].(string)
	return in, e.Attrs["seed"], true
}

// attrInt reads a number of an event's attributes, decoded from JSON
// (float64 or json.Number) or set in-process.
func attrInt(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int:
		return int64(n), true
	case int64:
		return n, true
	case uint64:
		return int64(n), true
	}
	return 0, false
}

// sameSeed reports whether an event's seed attribute is seed. A seed
// decoded from JSON as float64 is compared as float64 (large seeds lose
// their last digits there).
func sameSeed(v any, seed int64) bool {
	switch n := v.(type) {
	case float64:
		return n == float64(seed)
	case json.Number:
		return n.String() == strconv.FormatInt(seed, 10)
	case int:
		return int64(n) == seed
	case int64:
		return n == seed
	case uint64:
		return int64(n) == seed
	}
	return false
}

// ChaosLog is the app's copy of chaos mode's state: Set from GET
// /_ironlocal/chaos, then kept live by folding chaos.<kind> events. It
// holds at most cap injections (the oldest go first), as the daemon does.
type ChaosLog struct {
	On      bool
	Seed    int64
	Profile map[string]float64
	Total   int  // injections since chaos mode started
	Ran     bool // chaos mode ran (its seed and injections are readable)

	ring  []ChaosInjection
	start int
	n     int
	held  map[chaosKey]struct{}
}

type chaosKey struct {
	kind string
	pos  uint64
}

// NewChaosLog returns an empty log holding up to capacity injections.
func NewChaosLog(capacity int) *ChaosLog {
	return &ChaosLog{ring: make([]ChaosInjection, max(capacity, 1)), held: map[chaosKey]struct{}{}}
}

// Set replaces the log with st.
func (l *ChaosLog) Set(st client.ChaosState) {
	l.On, l.Seed, l.Profile, l.Total = st.On, st.Seed, st.Profile, st.Total
	l.Ran = st.On || st.Total > 0 || len(st.Profile) > 0
	clear(l.ring)
	l.start, l.n = 0, 0
	clear(l.held)
	for _, in := range st.Injections {
		l.add(ChaosInjection{Kind: in.Kind, Seed: in.Seed, Position: in.Position, Detail: in.Detail, At: in.At,
			DurationMS: in.DurationMS})
	}
}

// Fold adds the injections events report. changed says the log changed;
// stale that an event came from a chaos mode other than the one held
// (started elsewhere, or with another seed): GET the state again.
// An injection held already (the GET that Set the log included it) is
// not added twice.
func (l *ChaosLog) Fold(events []client.Event) (changed, stale bool) {
	for _, e := range events {
		in, seed, ok := ChaosInjectionOf(e)
		if !ok {
			continue
		}
		if !l.On || !sameSeed(seed, l.Seed) {
			stale = true
			continue
		}
		if _, dup := l.held[chaosKey{in.Kind, in.Position}]; dup {
			continue
		}
		in.Seed = l.Seed
		l.add(in)
		l.Total++
		changed = true
	}
	return changed, stale
}

func (l *ChaosLog) add(in ChaosInjection) {
	if l.n == len(l.ring) {
		old := l.ring[l.start]
		delete(l.held, chaosKey{old.Kind, old.Position})
		l.ring[l.start] = in
		l.start = (l.start + 1) % len(l.ring)
	} else {
		l.ring[(l.start+l.n)%len(l.ring)] = in
		l.n++
	}
	l.held[chaosKey{in.Kind, in.Position}] = struct{}{}
}

// Len counts the injections held.
func (l *ChaosLog) Len() int { return l.n }

// Newest returns injection i, 0 the newest.
func (l *ChaosLog) Newest(i int) ChaosInjection {
	return l.ring[(l.start+l.n-1-i)%len(l.ring)]
}

// Readout is ChaosReadout of the log.
func (l *ChaosLog) Readout() string { return ChaosReadout(l.On, l.Seed, l.Ran, l.Total) }

// Package chaos injects, from a seed, the misbehaviour production IronMQ
// and IronWorker are allowed: redelivered messages, duplicate and failed
// pushes, killed and delayed tasks, 503s and latency. Each decision is a
// pure function of the seed, the kind and the chance's position among that
// kind's chances, so the same client requests in the same order, on the
// virtual clock, meet the same injections: a failing run prints its seed
// and reruns identically.
package chaos

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Profile gives the rate (0 to 1) of each kind of injection, and the
// largest delay and latency injected.
type Profile struct {
	Rates      map[emulator.ChaosKind]float64
	MaxDelay   time.Duration // delay_task: up to this; 0 = DefaultMaxDelay
	MaxLatency time.Duration // latency: up to this; 0 = DefaultMaxLatency
}

// Defaults of a profile.
const (
	DefaultMaxDelay   = 5 * time.Second
	DefaultMaxLatency = 200 * time.Millisecond
)

// DefaultProfile is what --chaos SEED alone injects: every kind, rarely
// enough that a run still makes progress.
func DefaultProfile() Profile {
	return Profile{Rates: map[emulator.ChaosKind]float64{
		emulator.ChaosRedeliver: 0.1, emulator.ChaosPushTwice: 0.1, emulator.ChaosPushFail: 0.1,
		emulator.ChaosKillTask: 0.05, emulator.ChaosDelayTask: 0.1, emulator.ChaosAPI503: 0.02, emulator.ChaosLatency: 0.05,
	}}
}

// Validate checks the rates and bounds.
func (p Profile) Validate() error {
	for k, r := range p.Rates {
		if !slices.Contains(emulator.ChaosKinds, k) {
			return emulator.Invalid("chaos: unknown kind %q (known: %s)", k, kindList())
		}
		if math.IsNaN(r) || r < 0 || r > 1 {
			return emulator.Invalid("chaos: the rate of %s must be between 0 and 1, got %v", k, r)
		}
	}
	if p.MaxDelay < 0 || p.MaxDelay > time.Hour {
		return emulator.Invalid("chaos: max_delay must be between 0 and 1h")
	}
	if p.MaxLatency < 0 || p.MaxLatency > 30*time.Second {
		return emulator.Invalid("chaos: max_latency must be between 0 and 30s")
	}
	return nil
}

func kindList() string {
	names := make([]string, len(emulator.ChaosKinds))
	for i, k := range emulator.ChaosKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// ParseSpec reads --chaos SEED[:PROFILE], PROFILE being KIND=RATE pairs
// separated by commas (redeliver=0.2,kill_task=0.1); without one, the
// default profile.
func ParseSpec(s string) (seed int64, p Profile, err error) {
	seedText, profile, hasProfile := strings.Cut(s, ":")
	seed, err = strconv.ParseInt(strings.TrimSpace(seedText), 10, 64)
	if err != nil {
		return 0, p, fmt.Errorf("chaos: the seed must be an integer, got %q", seedText)
	}
	if !hasProfile {
		return seed, DefaultProfile(), nil
	}
	p.Rates = map[emulator.ChaosKind]float64{}
	for pair := range strings.SplitSeq(profile, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok {
			return 0, p, fmt.Errorf("chaos: %q is not KIND=RATE", pair)
		}
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, p, fmt.Errorf("chaos: the rate of %s is not a number: %q", k, v)
		}
		p.Rates[emulator.ChaosKind(k)] = r
	}
	return seed, p, p.Validate()
}

// Injection is one misbehaviour injected.
type Injection struct {
	Kind     emulator.ChaosKind
	Seed     int64
	Position uint64 // among the chances of Kind, from 1
	Detail   string
	At       time.Time
	Duration time.Duration // delay_task, latency: how long
}

// maxLog bounds the injections kept for GET /_ironlocal/chaos.
const maxLog = 1000

// Engine is chaos mode: off until Start, and again after Stop.
type Engine struct {
	clock  emulator.Clock
	events emulator.Publisher

	on atomic.Bool // read without the lock on every API call

	mu        sync.Mutex
	seed      int64
	profile   Profile
	positions map[emulator.ChaosKind]uint64
	log       []Injection // the last maxLog
	total     int
}

var _ emulator.Chaos = (*Engine)(nil)

// New returns an engine that is off.
func New(clock emulator.Clock, events emulator.Publisher) *Engine {
	return &Engine{clock: clock, events: events}
}

// Start switches chaos on with seed and profile, from the first chance of
// each kind.
func (e *Engine) Start(seed int64, p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = DefaultMaxDelay
	}
	if p.MaxLatency == 0 {
		p.MaxLatency = DefaultMaxLatency
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seed, e.profile = seed, p
	e.on.Store(true)
	e.positions = map[emulator.ChaosKind]uint64{}
	e.log, e.total = nil, 0
	return nil
}

// Restart takes chaos mode, if on, back to the first chance of each kind
// with the same seed and profile (a reset: the next run meets the same
// injections as the first).
func (e *Engine) Restart() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.positions = map[emulator.ChaosKind]uint64{}
	e.log, e.total = nil, 0
}

// Stop switches chaos off; what it injected stays readable.
func (e *Engine) Stop() {
	e.on.Store(false)
}

// State is what chaos mode is doing.
type State struct {
	On         bool
	Seed       int64
	Profile    Profile
	Positions  map[emulator.ChaosKind]uint64 // chances taken of each kind
	Injections []Injection                   // the last ones, oldest first
	Total      int                           // injections since Start
}

// State returns a copy of the engine's state.
func (e *Engine) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	pos := make(map[emulator.ChaosKind]uint64, len(e.positions))
	for k, v := range e.positions {
		pos[k] = v
	}
	return State{On: e.on.Load(), Seed: e.seed, Profile: e.profile, Positions: pos, Injections: slices.Clone(e.log), Total: e.total}
}

// Chance takes the next chance of kind.
func (e *Engine) Chance(kind emulator.ChaosKind, detail string) (bool, time.Duration) {
	if e == nil || !e.on.Load() {
		return false, 0
	}
	e.mu.Lock()
	rate := e.profile.Rates[kind]
	if !e.on.Load() || rate <= 0 {
		e.mu.Unlock()
		return false, 0
	}
	e.positions[kind]++
	pos := e.positions[kind]
	roll, size := draw(e.seed, kind, pos)
	if roll >= rate {
		e.mu.Unlock()
		return false, 0
	}
	var d time.Duration
	switch kind {
	case emulator.ChaosDelayTask:
		d = time.Second + time.Duration(size*float64(max(0, e.profile.MaxDelay-time.Second)))
	case emulator.ChaosLatency:
		d = time.Millisecond + time.Duration(size*float64(e.profile.MaxLatency))
	}
	inj := Injection{Kind: kind, Seed: e.seed, Position: pos, Detail: detail, At: e.clock.Now(), Duration: d}
	e.total++
	e.log = append(e.log, inj)
	if len(e.log) > maxLog {
		e.log = slices.Delete(e.log, 0, len(e.log)-maxLog)
	}
	e.mu.Unlock()
	if e.events != nil {
		e.events.Publish(emulator.Event{Type: emulator.EventType("chaos." + string(kind)), At: inj.At,
			Attrs: map[string]any{"seed": inj.Seed, "position": inj.Position, "detail": detail, "duration_ms": d.Milliseconds()}})
	}
	return true, d
}

// draw is the chance's roll and size: two numbers in [0, 1) from a hash
// of the seed, the kind and the position.
func draw(seed int64, kind emulator.ChaosKind, pos uint64) (roll, size float64) {
	h := fnv.New128a()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(seed))
	binary.BigEndian.PutUint64(b[8:], pos)
	h.Write(b[:])
	h.Write([]byte(kind))
	sum := h.Sum(nil)
	unit := func(x []byte) float64 { return float64(binary.BigEndian.Uint64(x)>>11) / (1 << 53) }
	return unit(sum[:8]), unit(sum[8:])
}

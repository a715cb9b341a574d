// Package fault holds the fault-injection rules of the control plane
// (/_ironlocal/faults): make requests to a service, a queue, a cache or a
// code package fail with a given status, or slow down, so users can test
// their retry logic against ironlocal.
package fault

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Rule is one fault. Empty match fields match everything.
type Rule struct {
	ID string `json:"id"`
	// Service is "mq", "worker" or "cache".
	Service string `json:"service,omitempty"`
	Project string `json:"project_id,omitempty"`
	// Resource is a queue, cache or code name (as it appears in the path).
	Resource string `json:"resource,omitempty"`
	Method   string `json:"method,omitempty"`
	// Status is the HTTP status to answer with; 0 means only add latency.
	Status int `json:"status,omitempty"`
	// Msg is the error body's msg; default "Injected fault".
	Msg     string        `json:"msg,omitempty"`
	Latency time.Duration `json:"-"`
	// Times is how many matching requests the rule affects; 0 = all.
	Times int `json:"times,omitempty"`
	// Hits counts the requests the rule affected.
	Hits int64 `json:"hits"`
}

// Request is what a rule is matched against.
type Request struct {
	Service, Project, Resource, Method string
}

// Injector holds the active rules.
type Injector struct {
	mu    sync.Mutex
	rules []*rule
	seq   atomic.Uint64
	// count is len(rules), readable without the lock: every request asks
	// (Active) and almost always there is nothing to match.
	count atomic.Int64
}

type rule struct {
	Rule
	used atomic.Int64
}

// Add validates and installs a rule, returning it with its id.
func (in *Injector) Add(r Rule) (Rule, error) {
	switch r.Service {
	case "", "mq", "worker", "cache":
	default:
		return Rule{}, emulator.Invalid("service must be mq, worker or cache, not %q", r.Service)
	}
	if r.Status != 0 && (r.Status < 400 || r.Status > 599) {
		return Rule{}, emulator.Invalid("status must be between 400 and 599")
	}
	if r.Status == 0 && r.Latency <= 0 {
		return Rule{}, emulator.Invalid("a fault needs a status, a latency, or both")
	}
	if r.Latency < 0 || r.Latency > 5*time.Minute {
		return Rule{}, emulator.Invalid("latency must be between 0 and 5m")
	}
	if r.Times < 0 {
		return Rule{}, emulator.Invalid("times must not be negative")
	}
	if r.Msg == "" {
		r.Msg = "Injected fault"
		if t := http.StatusText(r.Status); t != "" {
			r.Msg = "Injected fault: " + t
		}
	}
	r.ID = strconv.FormatUint(in.seq.Add(1), 10)
	in.mu.Lock()
	in.rules = append(in.rules, &rule{Rule: r})
	in.count.Store(int64(len(in.rules)))
	in.mu.Unlock()
	return r, nil
}

// Active reports whether any rule is installed (one used up still counts);
// without one, Match never matches.
func (in *Injector) Active() bool { return in.count.Load() > 0 }

// List returns the rules with their hit counts.
func (in *Injector) List() []Rule {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make([]Rule, len(in.rules))
	for i, r := range in.rules {
		out[i] = r.Rule
		out[i].Hits = r.used.Load()
	}
	return out
}

// Remove deletes one rule.
func (in *Injector) Remove(id string) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	i := slices.IndexFunc(in.rules, func(r *rule) bool { return r.ID == id })
	if i < 0 {
		return emulator.NotFound(fmt.Sprintf("Fault %s not found", id))
	}
	in.rules = slices.Delete(in.rules, i, i+1)
	in.count.Store(int64(len(in.rules)))
	return nil
}

// Clear deletes every rule.
func (in *Injector) Clear() {
	in.mu.Lock()
	in.rules = nil
	in.count.Store(0)
	in.mu.Unlock()
}

// Match returns the first rule that applies to req and counts the hit, or
// false when none does. A rule whose Times are used up no longer matches.
func (in *Injector) Match(req Request) (Rule, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for _, r := range in.rules {
		if !matches(r.Service, req.Service) || !matches(r.Project, req.Project) ||
			!matches(r.Resource, req.Resource) || !matches(r.Method, req.Method) {
			continue
		}
		if r.Times > 0 && r.used.Load() >= int64(r.Times) {
			continue
		}
		r.used.Add(1)
		return r.Rule, true
	}
	return Rule{}, false
}

func matches(want, got string) bool { return want == "" || want == got }

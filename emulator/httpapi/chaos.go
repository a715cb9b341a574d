package httpapi

import (
	"net/http"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/emulator/chaos"
	"github.com/ironlocal/ironlocal/wire"
)

// injectChaos applies chaos mode to an Iron API call: a latency first, then
// perhaps a 503 instead of the call, as the real service may answer. It
// reports whether the request was answered.
func (a *API) injectChaos(w http.ResponseWriter, r *http.Request) bool {
	c := a.cfg.Control
	if c == nil {
		return false
	}
	route := r.Method + " " + r.URL.Path
	if inject, d := c.ChaosChance(emulator.ChaosLatency, route); inject {
		t := time.NewTimer(d) // felt by the client, in wall time
		select {
		case <-r.Context().Done():
			t.Stop()
			return true
		case <-t.C:
		}
	}
	if inject, _ := c.ChaosChance(emulator.ChaosAPI503, route); inject {
		writeMsg(w, http.StatusServiceUnavailable, "Service Unavailable (chaos mode)")
		return true
	}
	return false
}

// handleChaosGet answers GET /_ironlocal/chaos.
func (a *API) handleChaosGet(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, toWireChaos(a.cfg.Control.Chaos()))
}

// handleChaosStart answers POST /_ironlocal/chaos.
func (a *API) handleChaosStart(w http.ResponseWriter, r *http.Request) {
	var body wire.ChaosBody
	if err := decodeBody(r, limitSmall, &body); err != nil {
		a.writeError(w, r, err)
		return
	}
	p := chaos.DefaultProfile()
	if body.Profile != nil {
		p.Rates = map[emulator.ChaosKind]float64{}
		for k, v := range body.Profile {
			p.Rates[emulator.ChaosKind(k)] = v
		}
	}
	if body.MaxDelayMS < 0 || body.MaxLatencyMS < 0 {
		a.writeError(w, r, emulator.Invalid("max_delay_ms and max_latency_ms must not be negative"))
		return
	}
	p.MaxDelay, p.MaxLatency = time.Duration(body.MaxDelayMS)*time.Millisecond, time.Duration(body.MaxLatencyMS)*time.Millisecond
	if err := a.cfg.Control.StartChaos(body.Seed, p); err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWireChaos(a.cfg.Control.Chaos()))
}

// handleChaosStop answers DELETE /_ironlocal/chaos.
func (a *API) handleChaosStop(w http.ResponseWriter, r *http.Request) {
	a.cfg.Control.StopChaos()
	writeJSON(w, http.StatusOK, toWireChaos(a.cfg.Control.Chaos()))
}

func toWireChaos(s chaos.State) wire.ChaosState {
	out := wire.ChaosState{On: s.On, Seed: s.Seed, Profile: map[string]float64{}, Positions: map[string]uint64{},
		Total: s.Total, Injections: []wire.ChaosInjection{},
		MaxDelayMS: s.Profile.MaxDelay.Milliseconds(), MaxLatencyMS: s.Profile.MaxLatency.Milliseconds()}
	for k, v := range s.Profile.Rates {
		out.Profile[string(k)] = v
	}
	for k, v := range s.Positions {
		out.Positions[string(k)] = v
	}
	for _, in := range s.Injections {
		out.Injections = append(out.Injections, wire.ChaosInjection{Kind: string(in.Kind), Seed: in.Seed, Position: in.Position,
			Detail: in.Detail, At: in.At, DurationMS: in.Duration.Milliseconds()})
	}
	return out
}

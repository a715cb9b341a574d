package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/ironlocal/ironlocal/bench"
)

// The ceiling column: each throughput figure that has one runs the same
// op, with the same clients and timing, against a bare net/http server
// (bench.BareHandler, a subprocess like the daemon) and prints ironlocal's
// figure as a fraction of it. The bare server answers the same number of
// requests per operation (one per batch post, three per single-message
// cycle, two per cache put + get) with fixed replies, so the fraction is
// what ironlocal's own work (routing, auth, JSON, the store, events)
// leaves of what HTTP over loopback and this load generator allow on this
// machine.
//
// The two sides are measured in alternating rounds (ironlocal, bare,
// ironlocal, bare, …), ceilingRounds of e.dur each, and each side's rate is
// that of all its rounds together. On a shared machine a neighbour's load
// comes and goes over seconds: measured one after the other, the share
// swung by a third between runs (0.36–0.46 for the same build) depending
// on which side had the quiet spell; alternating, both sides see the same
// machine.
const ceilingRounds = 3

// ceiling is a figure's measurement of the bare server: its rate in the
// figure's unit and the same CPU detail as the ironlocal side.
type ceiling struct {
	rate   float64
	detail string
}

// bareDaemon returns the bare server, starting it the first time: this
// very binary, re-executed with bench.BareEnv set.
func (e *env) bareDaemon(ctx context.Context) (*bench.Daemon, error) {
	if e.bare != nil {
		return e.bare, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the bare server: %w", err)
	}
	e.seq++
	d, err := bench.StartDaemon(ctx, bench.DaemonConfig{Bin: exe, Env: []string{bench.BareEnv + "=1"},
		LogFile: e.logFile("bare")})
	if err != nil {
		return nil, fmt.Errorf("start the bare server: %w", err)
	}
	e.running = append(e.running, d)
	e.bare = d
	return d, nil
}

// againstCeiling measures op on ironlocal (d) and bareOp(client of the
// bare server) on the bare server in alternating rounds (see
// ceilingRounds). It returns ironlocal's result and detail over all its
// rounds, and the ceiling; the detail names each round's share. With
// -pprof the first ironlocal round is profiled.
func (e *env) againstCeiling(ctx context.Context, d *bench.Daemon, what string, op bench.Op, bareOp func(*bench.Client) bench.Op) (bench.Result, string, *ceiling, error) {
	bare, err := e.bareDaemon(ctx)
	if err != nil {
		return bench.Result{}, "", nil, err
	}
	onBare := bareOp(e.client(bare))
	var ours, theirs measured
	shares := make([]string, 0, ceilingRounds)
	for round := range ceilingRounds {
		m, err := e.measure(ctx, d, op, round == 0 && e.pprofDir != "")
		if err != nil {
			return m.res, "", nil, err
		}
		b, err := e.measure(ctx, bare, onBare, false)
		if err != nil {
			return m.res, "", nil, fmt.Errorf("ceiling (bare net/http): %w", err)
		}
		if r := b.res.ItemsPerSec(); r > 0 {
			shares = append(shares, fmt.Sprintf("%.2f", m.res.ItemsPerSec()/r))
		}
		ours.add(m)
		theirs.add(b)
	}
	e.logf("  ceiling: the same load on a bare net/http server, rounds alternating; shares %s", strings.Join(shares, ", "))
	detail := ours.detail(what, e.sideName(d)) + fmt.Sprintf("; %d rounds alternating with the bare server, each round's share %s",
		ceilingRounds, strings.Join(shares, ", "))
	return ours.res, detail, &ceiling{rate: theirs.res.ItemsPerSec(), detail: theirs.detail(what, e.sideName(bare))}, nil
}

// ceilingCell renders the ceiling column of a row: the fraction of the
// bare server's rate and the goal for it.
func ceilingCell(f figure, out outcome) string {
	if out.ceiling == nil || out.ceiling.rate <= 0 {
		return "—"
	}
	share := out.value / out.ceiling.rate
	g := bench.Goal{Cmp: bench.AtLeast, Limit: f.share}
	verdict := "MISS"
	if g.Met(share) {
		verdict = "pass"
	}
	return fmt.Sprintf("%.2f of %s %s (goal ≥ %.2f: %s; bare %s)",
		share, bench.Sig3(out.ceiling.rate), f.goal.Unit, f.share, verdict, out.ceiling.detail)
}

// targetCell is a row's target column: the goal, or for a figure held to
// its share of the ceiling, that share (the absolute goal beside it).
func targetCell(f figure) string {
	if f.byShare {
		return fmt.Sprintf("≥ %.2f of the ceiling (%s)", f.share, f.goal)
	}
	return f.goal.String()
}

// shareVerdict is the verdict of a figure held to its share of the
// ceiling: the share ÷ its goal. Without a ceiling measured it is a MISS.
func shareVerdict(f figure, out outcome) string {
	if out.ceiling == nil || out.ceiling.rate <= 0 {
		return "MISS (no ceiling measured)"
	}
	return bench.Goal{Cmp: bench.AtLeast, Limit: f.share, Unit: "×"}.Verdict(out.value / out.ceiling.rate)
}

// logFile names a log file in the work directory.
func (e *env) logFile(name string) string {
	return fmt.Sprintf("%s/%s-%d.log", e.work, name, e.seq)
}

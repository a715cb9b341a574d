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

// With -floor, each round also measures the store floor
// (internal/storefloor): the bare server running one Badger transaction a
// request, with the store's own options, on a data directory in the work
// directory like the daemon's. Its rate is printed beside the ceiling,
// with ironlocal's share of it; the verdict stays the ceiling's.

// ceiling is a figure's measurement of the bare server: its rate in the
// figure's unit and the same CPU detail as the ironlocal side; with
// -floor, the store floor's too (floor 0 without).
type ceiling struct {
	rate        float64
	detail      string
	floor       float64
	floorDetail string
}

// bareDaemon returns the bare server, starting it the first time: this
// very binary, re-executed with bench.BareEnv set.
func (e *env) bareDaemon(ctx context.Context) (*bench.Daemon, error) {
	if e.bare == nil {
		d, err := e.startBare(ctx, "bare server", "1", "")
		if err != nil {
			return nil, err
		}
		e.bare = d
	}
	return e.bare, nil
}

// floorDaemon returns the store floor, starting it the first time on a
// fresh data directory.
func (e *env) floorDaemon(ctx context.Context) (*bench.Daemon, error) {
	if e.floorD == nil {
		dir, err := e.freshDir()
		if err != nil {
			return nil, err
		}
		d, err := e.startBare(ctx, "store floor", bench.BareFloor, dir)
		if err != nil {
			return nil, err
		}
		e.floorD = d
	}
	return e.floorD, nil
}

// startBare re-executes this binary as the bare server in mode (the
// value of bench.BareEnv).
func (e *env) startBare(ctx context.Context, what, mode, dataDir string) (*bench.Daemon, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the %s: %w", what, err)
	}
	e.seq++
	env := []string{bench.BareEnv + "=" + mode}
	if e.bareDelay > 0 {
		env = append(env, bench.BareDelayEnv+"="+e.bareDelay.String())
	}
	d, err := bench.StartDaemon(ctx, bench.DaemonConfig{Bin: exe, Env: env,
		DataDir: dataDir, LogFile: e.logFile(strings.ReplaceAll(what, " ", "-"))})
	if err != nil {
		return nil, fmt.Errorf("start the %s: %w", what, err)
	}
	e.running = append(e.running, d)
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
	var onFloor bench.Op
	if e.floor {
		fd, err := e.floorDaemon(ctx)
		if err != nil {
			return bench.Result{}, "", nil, err
		}
		onFloor = bareOp(e.client(fd))
	}
	var ours, theirs, floor measured
	shares := make([]string, 0, ceilingRounds)
	rates := make([]string, 0, ceilingRounds) // each round's rates, for the progress log
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
			rates = append(rates, fmt.Sprintf("%.0f vs %.0f", m.res.ItemsPerSec(), r))
		}
		ours.add(m)
		theirs.add(b)
		if onFloor != nil {
			f, err := e.measure(ctx, e.floorD, onFloor, false)
			if err != nil {
				return m.res, "", nil, fmt.Errorf("store floor: %w", err)
			}
			floor.add(f)
		}
	}
	e.logf("  ceiling: the same load on a bare net/http server, rounds alternating; shares %s (%s/s)",
		strings.Join(shares, ", "), strings.Join(rates, ", "))
	detail := ours.detail(what, e.sideName(d)) + fmt.Sprintf("; %d rounds alternating with the bare server, each round's share %s",
		ceilingRounds, strings.Join(shares, ", "))
	c := &ceiling{rate: theirs.res.ItemsPerSec(), detail: theirs.detail(what, e.sideName(bare))}
	if e.bareDelay > 0 {
		c.detail += fmt.Sprintf("; the bare server slept %s in each request (-bare-delay: no ceiling, not for the table)", e.bareDelay)
	}
	if onFloor != nil {
		c.floor, c.floorDetail = floor.res.ItemsPerSec(), floor.detail(what, e.sideName(e.floorD))
	}
	return ours.res, detail, c, nil
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
	cell := fmt.Sprintf("%.2f of %s %s (goal ≥ %.2f: %s; bare %s)",
		share, bench.Sig3(out.ceiling.rate), f.goal.Unit, f.share, verdict, out.ceiling.detail)
	if c := out.ceiling; c.floor > 0 {
		cell += fmt.Sprintf("; store floor %s %s, %.2f of the ceiling, ironlocal %.2f of it (floor %s)",
			bench.Sig3(c.floor), f.goal.Unit, c.floor/c.rate, out.value/c.floor, c.floorDetail)
	}
	return cell
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

package main

import (
	"context"
	"fmt"
	"os"

	"github.com/ironlocal/ironlocal/bench"
)

// The ceiling column: each throughput figure that has one runs the same
// op, with the same clients and timing, against a bare net/http server
// (bench.BareHandler, a subprocess like the daemon) right after measuring
// ironlocal, and prints ironlocal's figure as a fraction of it. The bare
// server answers the same number of requests per operation (one per batch
// post, three per single-message cycle, two per cache put + get) with fixed
// replies, so the fraction is what ironlocal's own work (routing, auth,
// JSON, the store, events) leaves of what HTTP over loopback and this load
// generator allow on this machine.

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

// measureCeiling runs op, built for the bare server's client, the way
// throughput runs it against ironlocal.
func (e *env) measureCeiling(ctx context.Context, what string, op func(c *bench.Client) bench.Op) (*ceiling, error) {
	d, err := e.bareDaemon(ctx)
	if err != nil {
		return nil, err
	}
	e.logf("  ceiling: the same load on a bare net/http server")
	res, detail, err := e.load(ctx, d, what, op(e.client(d)), false)
	if err != nil {
		return nil, fmt.Errorf("ceiling (bare net/http): %w", err)
	}
	return &ceiling{rate: res.ItemsPerSec(), detail: detail}, nil
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

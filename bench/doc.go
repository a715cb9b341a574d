// Package bench holds the reusable pieces of ironlocal's benchmark harness
// (cmd/ironbench, behind `make bench`): a daemon launcher that runs the real
// ironlocald binary as a subprocess and measures its readiness and RSS, a
// small black-box client for the Iron HTTP API (IronMQ, IronCache,
// IronWorker and the /_ironlocal control plane, including its event
// stream), a push-queue subscriber to receive deliveries, `docker` CLI
// helpers, a closed-loop load generator with N concurrent workers, latency
// percentiles, targets with verdicts and a Markdown table printer.
//
// The package talks to the emulator over HTTP only; it imports nothing from
// emulator/, so it measures what a user's client sees.
package bench

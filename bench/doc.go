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
// emulator/, so it measures what a user's client sees. Worker, control and
// event calls go through package client and its wire shapes; only the load
// generator's hot loop (client.go: post, reserve, delete, cache get/put)
// builds its request bodies by hand and decodes answers into the minimal
// Message, on purpose: client's encoding/json bodies and full message
// decoding would be measured along with ironlocal. That loop's bodies are
// the one copy of API JSON outside package wire.
package bench

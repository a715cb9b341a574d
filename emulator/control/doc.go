// Package control is the emulator's control service: reset, snapshots
// (export, import, save by name), the clock, health, waiting until idle,
// fault injection, the test suites' ironlocal containers on the Docker
// engine, and tests paused for a look (tcironlocal's Inspect). The HTTP
// control plane (/_ironlocal), the desktop app and the plugin host call the
// same methods, so the rules live here once.
//
// Reset and import quiesce the background loops (scheduler, dispatcher,
// pusher, expiry sweeper) before the store's contents are replaced, so no
// loop reads a half-wiped store.
package control

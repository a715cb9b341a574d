// Package seedfile writes what an ironlocal holds — queues and their
// messages, caches and their items, image code packages, active schedules —
// as a seed file (format "ironlocal_seed": 1, see docs/testing.md) that a
// test loads into a fresh ironlocal with --seed / server.Options.Seed.
//
// It reads through package client only (the app may not import the
// emulator), so it mirrors the seed format's JSON here. What the format
// cannot express is left out and listed in Result.Left, so the user knows
// what the seed does not recreate.
package seedfile

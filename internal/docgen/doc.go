// Package docgen keeps the pages under docs/ true to the code. It writes the
// tables that mirror code between marker comments — the daemon's flags
// (docs/configuration.md, from the flag.FlagSet emulator/daemon registers)
// and the HTTP routes (docs/control-plane.md, from httpapi's route table) —
// and reads Markdown for the checks: heading anchors and relative links, and
// the shell examples marked runnable (a fence whose info string is
// "sh runnable"), which test/docs_test.go runs against a real daemon.
//
// `make docs` (internal/cmd/docgen) rewrites the tables; this package's tests
// fail when a committed page differs from what the code generates, and when a
// link between pages, to a heading or to a file of the repository is broken.
package docgen

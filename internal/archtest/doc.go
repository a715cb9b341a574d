// Package archtest holds the architecture test: it keeps the dependency
// direction drawn in docs/architecture.md (and in STYLE.md's layout table)
// honest by reading `go list -deps -json ./...` and failing when a package
// imports one it may not. It has no code of its own.
package archtest

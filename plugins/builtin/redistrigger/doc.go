// Package redistrigger is ironlocal's Redis trigger plugin: it pops a list
// (BLPOP) or subscribes to channels (SUBSCRIBE/PSUBSCRIBE) at a Redis URL
// and emits an event per item or message. With no URL it starts an
// embedded Redis-compatible server (miniredis) and reports its address, so
// redis-cli and apps can push to it offline. Any local user can reach that
// server, so it listens on loopback unless exposed, takes an optional
// password, runs no Lua, and reads each command within caps before
// miniredis does (embedded.go, frame.go). It uses only the public SDK.
package redistrigger

import "github.com/ironlocal/ironlocal/plugins/sdk"

// New returns the plugin, for sdk.Serve.
func New() sdk.Trigger { return &trigger{} }

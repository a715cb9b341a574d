// Command redis is ironlocal's Redis trigger plugin: it pops a list
// (BLPOP) or subscribes to channels (SUBSCRIBE/PSUBSCRIBE) at a Redis URL
// and emits an event per item or message. With no URL it starts an
// embedded Redis-compatible server (miniredis) and reports its address, so
// redis-cli and apps can push to it offline. It uses only the public SDK.
package main

import "github.com/ironlocal/ironlocal/plugins/sdk"

func main() { sdk.Serve(&trigger{}) }
